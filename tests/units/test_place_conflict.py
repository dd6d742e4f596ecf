"""The document-level rules the confidence vetoes with besides the period rule: a city or province the
hit's document never names while it reports on another (qa.place_conflict), and a year it names only
as what it compares against (qa.passing_years)."""

from __future__ import annotations

from qa.passing_years import asked_years, only_compared, years_in_passing
from qa.place_conflict import documents_conflicting, question_places, term_place_kind
from ..helpers import postings_store as _store


def test_a_questions_cities_are_its_place_names_the_dictionary_glosses_as_cities():
    (kind, forms), = question_places("汉芯存储西安工厂的设备国产化率是多少？")
    assert kind == "city" and {"西安", "~xian"} <= forms
    (kind, forms), = question_places("What PUE does Alibaba Cloud's new data centre in Hangzhou target?")
    assert kind == "city" and {"hangzhou", "杭州"} <= forms
    # a country or a region is no city: the dictionary does not say which one a name is, and a
    # right paragraph may call Europe's reformers French
    assert question_places("宁远新能源在墨西哥建厂投资多少钱？") == []
    assert question_places("还有哪位欧洲新教领袖曾在巴黎大学深造?") == []
    # a capitalised word inside a longer name names a person or a firm, not the place
    assert question_places("What did Huan Qiu Wang Zi Xun report?") == []
    assert question_places("这台机器有多少东西？") == []  # jieba tags 东西 a place; the dictionary does not
    assert term_place_kind("武汉") == "city" and term_place_kind("wuhan") == "city"
    assert term_place_kind("工厂") is None and term_place_kind("=y2024") is None


def test_a_document_reporting_on_another_city_that_never_names_the_asked_one_conflicts():
    places = question_places("汉芯存储西安工厂的设备国产化率是多少？")
    # document 0 (passages 0-1): the Wuhan plant; document 1 (2-3): names Xi'an in its second passage
    # (as "Xi'an" in English: the translation counts); document 2 (4): no city in its title or lead
    store = _store({"武汉": [1, 0, 1, 0, 0], "xi": [0, 0, 0, 1, 0], "汉芯": [1, 1, 1, 1, 1]})
    topics = [{"汉芯", "武汉", "工厂"}, {"汉芯", "武汉"}, {"汉芯", "工厂"}]
    found = documents_conflicting(store, places, [(0, 2), (2, 4), (4, 5)], lambda i: topics[i])
    assert found.tolist() == [True, False, False]
    assert not documents_conflicting(store, [], [(0, 2)], lambda i: topics[i]).any()  # no place asked


def test_a_year_introduced_by_a_comparison_is_named_only_in_passing():
    lead = "Tianheng Robotics reported 2024 revenue of RMB 3.12 billion, up 18% from 2023."
    assert only_compared(lead, "2023") and not only_compared(lead, "2024")
    assert only_compared("天衡机器人营收较2023年增长18%。", "2023")
    assert only_compared("出货量与2023年相比翻了一番", "2023")
    assert not only_compared("营收较2023年增长18%，2023年出货五千台。", "2023")  # also named for itself
    assert not only_compared("Singapore paused approvals from 2019 to 2022.", "2019")  # a range, no comparison
    assert not only_compared("2019年至2022年暂停审批", "2022")
    assert not only_compared("no year here", "2023")
    assert asked_years(["天衡", "2023", "=y2023", "=q1"]) == {"2023"}


def test_a_document_naming_the_asked_year_only_in_comparisons_conflicts_when_its_lead_names_another():
    texts = ["2024 revenue rose 18% from 2023.", "Shipments passed 10,000.",  # document 0: the 2024 report
             "In 2023 the company shipped 8,000 robots.",  # document 1: reports 2023
             "Revenue was higher than in 2023.",  # document 2: its lead names no other year
             "From 2023 to 2025 the plant grows."]  # document 3: a range
    store = _store({"=y2023": [0, 0, 1, 0, 0], "2023": [1, 0, 1, 1, 1]}, texts)
    topics = [{"=y2024", "=y2023", "revenue"}, {"=y2023"}, {"revenue"}, {"=y2025", "=y2023"}]
    spans = [(0, 2), (2, 3), (3, 4), (4, 5)]
    found = years_in_passing(store, ["shipments", "2023", "=y2023"], spans, lambda i: topics[i])
    assert found.tolist() == [True, False, False, False]
    assert not years_in_passing(store, ["shipments"], spans, lambda i: topics[i]).any()  # no year asked
