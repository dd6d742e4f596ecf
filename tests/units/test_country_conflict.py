"""A country or region the hit's document never names while its title or lead names or places another
(qa.country_conflict, part of the confidence's place_conflict; docs/confidence.md, twelfth round (c))."""

from __future__ import annotations

from qa.country_conflict import countries, documents_conflicting, place_country, question_countries
from ..helpers import postings_store as _store


def test_the_table_holds_iso_3166_with_chinese_names_demonyms_and_abbreviations():
    table = {c.code: c for c in countries()}
    assert len(table) >= 249
    assert {"印尼", "印度尼西亚"} <= table["ID"].chinese and {"阿联酋"} <= table["AE"].chinese
    assert {"Mexico", "Mexican"} <= set(table["MX"].english) and "UAE" in table["AE"].english
    assert {"香港"} <= table["HK"].chinese and "Jiangxi" in table["CN"].inside


def test_a_questions_country_in_any_script_or_form():
    assert question_countries("騏躍動力在菲律賓設了多少座換電站？") == {"PH"}  # traditional script
    assert question_countries("宁远新能源在墨西哥建厂投资多少钱？") == {"MX"}
    assert question_countries("How many stations is Harbour Bus building in Hong Kong?") == {"HK"}
    assert question_countries("What did the Mexican plant cost?") == {"MX"}  # a demonym
    assert question_countries("How many US troops were sent?") == {"US"}
    assert question_countries("Mexico's plant: how large?") == {"MX"}
    assert question_countries("阿联酋的数据中心有多大？") == {"AE"}
    # inside a longer run of capitalised words: a firm's or a person's name, not the country
    assert question_countries("What did the Bank of America report?") == set()
    assert question_countries("Where is Georgia Tech?") == set()
    assert question_countries("这台机器有多少东西？") == set()


def test_the_dictionary_places_cities_and_provinces_in_their_country():
    assert place_country("赣州") == "CN" and place_country("ganzhou") == "CN"  # "... city in Jiangxi"
    assert place_country("雅加达") == "ID" and place_country("jakarta") == "ID"  # "capital of Indonesia"
    assert place_country("高雄") == "TW"
    assert place_country("印尼") == "ID"  # a country's own name
    assert place_country("new") is None  # heads "New Delhi", but stands first for 新
    assert place_country("工厂") is None and place_country("~feilubin") is None


def test_a_document_reporting_on_another_country_that_never_names_the_asked_one_conflicts():
    # document 0 (passages 0-1): the Indonesian pilot (印尼 and 雅加达 in its lead); document 1 (2-3):
    # names the Philippines in its second passage; document 2 (4): no country or placed city in its
    # title or lead; document 3 (5): its lead names Manila, a city in the Philippines
    store = _store({"印尼": [1, 0, 1, 0, 0, 0], "菲律宾": [0, 0, 0, 1, 0, 0], "骐跃": [1, 1, 1, 1, 1, 1]})
    topics = [{"骐跃", "印尼", "雅加达"}, {"骐跃", "印尼"}, {"骐跃", "换电站"}, {"骐跃", "manila", "印尼"}]
    spans = [(0, 2), (2, 4), (4, 5), (5, 6)]
    found = documents_conflicting(store, {"PH"}, spans, lambda i: topics[i])
    assert found.tolist() == [True, False, False, False]
    assert not documents_conflicting(store, set(), spans, lambda i: topics[i]).any()  # no country asked
    assert not documents_conflicting(store, {"PH", "ID"}, spans, lambda i: topics[i]).any()  # two: a comparison


def test_an_english_name_of_several_words_names_the_country_only_together():
    store = _store({"hong": [1, 0], "kong": [0, 1], "嘉兴": [1, 1]})
    topics = [{"嘉兴", "公交"}]
    # "hong" and "kong" in different passages: Hong Kong is not named; the Jiaxing report conflicts
    assert documents_conflicting(store, {"HK"}, [(0, 2)], lambda i: topics[i]).tolist() == [True]
    together = _store({"hong": [1, 0], "kong": [1, 0], "嘉兴": [1, 1]})
    assert documents_conflicting(together, {"HK"}, [(0, 2)], lambda i: topics[i]).tolist() == [False]


def test_a_region_of_the_asked_country_is_no_other_country():
    store = _store({"香港": [1], "巴士": [1]})
    # asked about China, a report on Hong Kong may answer it; asked about Hong Kong, a report on Jiaxing
    # (China's) does not
    assert not documents_conflicting(store, {"CN"}, [(0, 1)], lambda i: {"香港", "巴士"}).any()
    assert documents_conflicting(_store({"巴士": [1]}), {"HK"}, [(0, 1)], lambda i: {"嘉兴", "巴士"}).all()


def test_forms_the_index_cannot_hold_are_read_from_the_text_of_a_document_that_would_conflict():
    # "a close US ally": "US" is a stop word to the index, and "U.S." two letters; "the UK", "English
    # Crown" (the dictionary's 英: United Kingdom/British/England/English) name the United Kingdom
    topics = [{"syria", "egypt", "israel"}]
    for text, code in (("Iran was a close US ally.", "US"), ("Iran was a close U.S. ally.", "US"),
                       ("the UK formally subscribed", "GB"), ("the English Crown had promised them land", "GB")):
        store = _store({"iran": [1]}, [text])
        assert not documents_conflicting(store, {code}, [(0, 1)], lambda i: topics[i]).any(), text
    store = _store({"iran": [1]}, ["Iran was a close ally of the Soviets."])
    assert documents_conflicting(store, {"US"}, [(0, 1)], lambda i: topics[i]).all()
    # a Chinese name jieba cuts otherwise is still written in the text (traditional script too)
    store = _store({"骐跃": [1]}, ["騏躍動力將在菲律賓試營運換電站"])
    assert not documents_conflicting(store, {"PH"}, [(0, 1)], lambda i: {"骐跃", "印尼"}).any()
