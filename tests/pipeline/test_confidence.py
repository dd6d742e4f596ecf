"""The per-hit confidence and the answer's verdict with the real model and index (docs/confidence.md)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.answer import verdict
from qa.errors import InputError


LAKE_FERRY = ("ferry.md", "# Lake ferry\n\nThe lake ferry leaves the north pier every hour from 7 am.\n")


def _build(tmp_path, embedder, *files):
    """An index of the given (name, text) files, built by the real builder with the real model."""
    from qa import QA

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in files:
        (docs / name).write_text(text, encoding="utf-8")
    return QA.build([docs], tmp_path / "index", embedder=embedder)


def test_a_question_the_documents_answer_is_answered_with_confident_hits(built):
    qa, _ = built
    answer = qa.ask("How many flights were cancelled after the Eyjafjallajökull eruption?", k=3)
    assert answer.answered is True
    assert answer.hits[0].citation.path.endswith("volcano_en.md")
    assert answer.hits[0].confidence >= answer.min_confidence
    assert all(0.0 <= h.confidence <= 1.0 for h in answer.hits)
    assert answer.to_dict()["answered"] is True and "confidence" in answer.to_dict()["hits"][0]


@pytest.mark.parametrize("question", ["What is the capital of France?", "什么是光合作用？",
                                      "Who won the 2018 Wimbledon women's final?"])
def test_questions_the_documents_do_not_answer_are_declined_but_keep_their_hits(built, question):
    qa, _ = built
    answer = qa.ask(question, k=3)
    assert answer.answered is False
    assert len(answer.hits) == 3  # never hidden
    assert answer.hits[0].confidence < answer.min_confidence


def test_min_confidence_moves_the_verdict_not_the_hits(built):
    qa, _ = built
    question = "How many flights were cancelled after the Eyjafjallajökull eruption?"
    default = qa.ask(question, k=3)
    strict = qa.ask(question, k=3, min_confidence=1.0)
    lenient = qa.ask(question, k=3, min_confidence=0.0)
    assert strict.answered is False and lenient.answered is True and strict.min_confidence == 1.0
    assert [h.to_dict() for h in strict.hits] == [h.to_dict() for h in default.hits]
    with pytest.raises(InputError):
        qa.ask(question, min_confidence=2)


def test_hiding_the_answering_document_lowers_the_confidence(built):
    qa, _ = built
    question = "How many flights were cancelled after the Eyjafjallajökull eruption?"
    searcher = qa.searcher
    shown = np.array([not qa.index.documents[d]["path"].endswith("volcano_en.md")
                      for d in qa.index.store.columns().doc])
    with_it = searcher.search(question, k=1)[0]
    without = searcher.search(question, k=1, allowed=shown)[0]
    assert without.confidence < with_it.confidence
    assert verdict([without], qa.ask(question).min_confidence) is False


def test_key_absent_marks_a_question_naming_something_the_index_lacks(built):
    from qa.confidence import FEATURES

    qa, _ = built
    column = FEATURES.index("key_absent")
    _, absent = qa.searcher._search("Who won the 2018 Wimbledon women's final?", 2, "hybrid", None)
    _, present = qa.searcher._search("How many flights were cancelled after the Eyjafjallajökull eruption?", 2,
                                     "hybrid", None)
    assert absent[:, column].tolist() == [1.0, 1.0]  # one value per question: Wimbledon is in no document
    assert present[:, column].tolist() == [0.0, 0.0]


def test_name_absent_marks_a_name_the_index_lacks_when_the_hit_is_in_the_questions_language(built):
    from qa.confidence import FEATURES

    qa, _ = built
    name, cross = FEATURES.index("name_absent"), FEATURES.index("cross")
    _, absent = qa.searcher._search("Who won the 2018 Wimbledon women's final?", 5, "hybrid", None)
    _, present = qa.searcher._search("How many flights were cancelled after the Eyjafjallajökull eruption?", 5,
                                     "hybrid", None)
    assert (absent[:, name] == 1.0 - absent[:, cross]).all()  # Wimbledon is in no document, in no language
    assert (absent[:, cross] == 0).any()
    assert present[:, name].tolist() == [0.0] * len(present)


def test_a_quarter_the_hits_document_never_reports_is_declined_however_close_the_passage(embedder, tmp_path):
    from qa.confidence import FEATURES

    reports = [(f"hongtu_{quarter}_quarter.md",
                f"# Hongtu Robotics {quarter} quarter 2025 results\n\nHongtu Robotics reported {quarter} quarter 2025 "
                f"revenue of RMB {revenue} million, up 14% from a year earlier. The company shipped {arms} industrial "
                "arms in the quarter.\n") for quarter, revenue, arms in (("second", "812", "2,300"),
                                                                         ("third", "905", "2,650"))]
    qa = _build(tmp_path, embedder, *reports, LAKE_FERRY)
    asked = qa.ask("What was Hongtu Robotics' revenue in the second quarter of 2025?", k=2)
    assert asked.answered is True and "second" in asked.hits[0].citation.path
    never = qa.ask("What was Hongtu Robotics' revenue in the first quarter of 2025?", k=2)
    _, rows = qa.searcher._search("What was Hongtu Robotics' revenue in the first quarter of 2025?", 2, "hybrid", None)
    assert rows[0, FEATURES.index("period_conflict")] == 1.0  # both reports name other quarters, neither the first
    assert never.answered is False and never.hits[0].confidence == 0.0
    assert len(never.hits) == 2  # the hits are still shown


def test_a_city_the_hits_document_never_names_is_declined_however_close_the_passage(embedder, tmp_path):
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "hanxin_wuhan.md",
        "# 汉芯存储武汉工厂设备国产化率达到百分之六十\n\n汉芯存储日前披露，其位于武汉东湖高新区的存储芯片工厂，"
        "生产设备国产化率已经达到百分之六十，比两年前提高了二十多个百分点。武汉工厂目前月产能为每月8万片晶圆。\n"),
        ("ferry.md", "# 湖上渡轮\n\n湖上渡轮每小时从北码头出发一次，早上七点开始。\n"))
    place = FEATURES.index("place_conflict")
    _, rows = qa.searcher._search("汉芯存储武汉工厂的设备国产化率是多少？", 2, "hybrid", None)
    assert rows[0, place] == 0.0  # the asked city is the report's own
    swapped = "汉芯存储西安工厂的设备国产化率是多少？"
    _, rows = qa.searcher._search(swapped, 2, "hybrid", None)
    assert rows[0, place] == 1.0  # the report is on Wuhan and never names Xi'an
    never = qa.ask(swapped, k=2)
    assert never.answered is False and never.hits[0].confidence == 0.0 and "wuhan" in never.hits[0].citation.path


def test_a_country_the_hits_document_never_names_is_declined_however_close_the_passage(embedder, tmp_path):
    """The country rule (twelfth round (c)), part of place_conflict: the report on a pilot in Indonesia
    (印尼, 雅加達 in its title and lead, traditional script) does not answer a question on the
    Philippines; nor the Jiaxing report (a city the dictionary places in China) one on Hong Kong."""
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "qiyue.md",
        "# 騏躍動力與印尼車廠簽署換電合作\n\n騏躍動力第三季與印尼一家機車製造商簽署合作備忘錄，"
        "將在雅加達試營運100座換電站。騏躍動力預計，印尼試點最快在明年第二季啟動。\n"),
        ("jiaxing.md", "# 嘉兴新增200辆氢燃料电池公交车\n\n嘉兴市公交集团近日新投入200辆氢燃料电池公交车。"
         "为保障车辆运行，嘉兴今年新建了3座加氢站，全市加氢站数量达到9座。\n"),
        LAKE_FERRY)
    place = FEATURES.index("place_conflict")
    _, rows = qa.searcher._search("騏躍動力在印尼設了多少座換電站？", 2, "hybrid", None)
    assert rows[0, place] == 0.0  # the asked country is the report's own
    for asked, path in (("騏躍動力在菲律賓設了多少座換電站？", "qiyue"),
                        ("How many hydrogen refuelling stations is Harbour Bus building in Hong Kong?", "jiaxing")):
        _, rows = qa.searcher._search(asked, 2, "hybrid", None)
        assert rows[0, place] == 1.0, asked
        never = qa.ask(asked, k=2)
        assert never.answered is False and never.hits[0].confidence == 0.0 and path in never.hits[0].citation.path


def test_a_year_the_hits_document_names_only_in_comparison_is_a_period_it_does_not_report(embedder, tmp_path):
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "tianheng_2024.md",
        "# Tianheng Robotics 2024 results\n\nTianheng Robotics reported 2024 revenue of RMB 3.12 billion, up 18% "
        "from 2023. Shipments of collaborative robots passed 10,000 for the first time, reaching 10,800.\n"),
        LAKE_FERRY)
    period = FEATURES.index("period_conflict")
    _, rows = qa.searcher._search("How many collaborative robots did Tianheng Robotics ship in 2024?", 2, "hybrid", None)
    assert rows[0, period] == 0.0
    asked = "How many collaborative robots did Tianheng Robotics ship in 2023?"
    _, rows = qa.searcher._search(asked, 2, "hybrid", None)
    assert rows[0, period] == 1.0  # 2023 only as what 2024 is compared with
    assert qa.ask(asked, k=2).hits[0].confidence == 0.0


def test_a_quarter_the_hits_document_names_only_for_another_year_is_a_period_it_does_not_report(embedder, tmp_path):
    """Two sibling reports on one company: the Q2 2025 report (its quarter written with its year once,
    then alone) and a deal report dated 2025 naming the first quarter of 2026. Asked about the first
    quarter of 2025, the deal report names a first quarter and names 2025, yet never the two together
    (qa.period_years, docs/confidence.md twelfth round (b))."""
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "pengfei_q2.md",
        "# 鹏飞无人机二季度交付量创新高\n\n深圳鹏飞无人机公司公布，2025年第二季度共交付物流无人机1280架，同比增长64%。"
        "二季度公司累计完成配送订单31万单。郑晗预计，第三季度交付量将继续增长。\n"), (
        "pengfei_gulf_deal.md",
        "# Pengfei signs Gulf delivery deal\n\nBy Omar Haddad, November 18, 2025\n\nPengfei Drones, a logistics drone "
        "operator from Shenzhen, has signed an agreement to supply 300 cargo drones to a delivery company in the "
        "United Arab Emirates. The first 50 drones will be delivered in the first quarter of 2026.\n"), LAKE_FERRY)
    period = FEATURES.index("period_conflict")

    def conflict(question):
        hits, rows = qa.searcher._search(question, 3, "hybrid", None)
        return {hit.citation.path.rsplit("/", 1)[-1]: rows[i, period] for i, hit in enumerate(hits)}

    asked = "How many drones will Pengfei deliver in the first quarter of 2025?"
    found = conflict(asked)
    assert found["pengfei_gulf_deal.md"] == 1.0  # the first quarter of 2026 only
    assert found["pengfei_q2.md"] == 1.0  # the second and third quarters only
    answer = qa.ask(asked, k=2)
    assert answer.answered is False and all(hit.confidence == 0.0 for hit in answer.hits)
    assert conflict("How many drones will Pengfei deliver in the first quarter of 2026?")["pengfei_gulf_deal.md"] == 0.0
    assert conflict("鹏飞无人机2025年第二季度交付了多少架无人机？")["pengfei_q2.md"] == 0.0
    # the Q2 report's quarter read alone ("二季度") is 2025's, its lead's year: not the second quarter of 2024,
    # and a question with no year asks no pair
    assert conflict("鹏飞无人机2025年第二季度完成了多少单配送？")["pengfei_q2.md"] == 0.0
    assert conflict("鹏飞无人机第一季度交付了多少架？")["pengfei_gulf_deal.md"] == 0.0


def test_a_quarter_written_alone_is_not_bound_to_the_reports_dateline(embedder, tmp_path):
    """A report on the fourth quarter is dated the next year: a quarter written without a year is read
    as its title's or lead's year, not its byline's (qa.document_conflicts.topic_years)."""
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "hongtu_results.md",
        "# Hongtu Robotics posts record quarter\n\nBy Grace Cheung, January 20, 2026\n\nHongtu Robotics reported "
        "fourth-quarter revenue of RMB 905 million, helped by orders from carmakers. Full-year 2025 revenue reached "
        "RMB 3.4 billion. The company expects first-quarter revenue to grow by a fifth.\n"), LAKE_FERRY)
    period = FEATURES.index("period_conflict")
    _, rows = qa.searcher._search("What was Hongtu Robotics' revenue in the fourth quarter of 2025?", 2, "hybrid", None)
    assert rows[0, period] == 0.0
    _, rows = qa.searcher._search("What was Hongtu Robotics' revenue in the fourth quarter of 2024?", 2, "hybrid", None)
    assert rows[0, period] == 1.0  # 2024 is named nowhere (the year rule)


def test_a_questions_names_and_their_sounds_are_found_once(built, monkeypatch):
    """The highlight (a Chinese passage read for an English question's untranslated names) and the
    confidence both read the question's names by sound: worked out once per question."""
    import qa.name_words
    import qa.translit

    qa_, _ = built
    calls = []
    real = qa.translit.name_sounds

    def counted(*args):
        calls.append(args[0])
        return real(*args)

    for module in (qa.translit, qa.name_words):
        monkeypatch.setattr(module, "name_sounds", counted)
    answer = qa_.ask("How long is the Great Wall that Qin Shi Huang joined up?", k=5)
    assert any(hit.citation.path.endswith("greatwall_gbk.txt") for hit in answer.hits)
    assert calls == ["How long is the Great Wall that Qin Shi Huang joined up?"]


def test_quoted_hit_marks_a_hit_whose_document_lacks_the_title_the_question_quotes(embedder, tmp_path):
    from qa.confidence import FEATURES

    qa = _build(tmp_path, embedder, (
        "xingguang.md",
        "# 星光之夜\n\n《星光之夜》是南洋电视台举办的歌唱比赛，首届于2004年举行。第一届比赛的女子组指定演唱歌曲是"
        "《海上的灯塔》，男子组指定演唱歌曲是《远方的列车》。\n"), (
        "gesheng.md",
        "# 歌声之城\n\n《歌声之城》是东岸电视台举办的歌唱比赛。第一届比赛的女子组冠军是林雅文，她在决赛中演唱了"
        "自己创作的歌曲，比赛结束后签下了唱片合约。\n"))
    question = "第一届《星光之夜》的女子组指定演唱的是哪首歌？"
    column = FEATURES.index("quoted_hit")
    hits, rows = qa.searcher._search(question, 2, "hybrid", None)
    assert hits[0].citation.path.endswith("xingguang.md") and rows[0, column] == 1.0
    shown = np.array([not qa.index.documents[d]["path"].endswith("xingguang.md")
                      for d in qa.index.store.columns().doc])
    hits, rows = qa.searcher._search(question, 1, "hybrid", shown)
    assert hits[0].citation.path.endswith("gesheng.md") and rows[0, column] == 0.0  # the other contest
    _, rows = qa.searcher._search("第一届比赛的女子组指定演唱的是哪首歌？", 2, "hybrid", None)
    assert rows[:, column].tolist() == [1.0, 1.0]  # nothing quoted, nothing to lack
