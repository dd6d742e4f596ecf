"""The confidence's ``value_conflict`` (qa.value_conflict): a document that gives a unit or counter the
question pins to a number only with other numbers (the 3-nanometre report asked about the 2-nanometre
process; the first batch's asked about the second)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from qa.value_conflict import conflicts, documents_conflicting, values

DOCS = Path(__file__).resolve().parents[2] / "benchmarks" / "newsset" / "docs"


def test_a_number_before_a_unit_is_read_in_every_form_the_bridges_know():
    assert values("宏晶半導體高雄廠的2奈米製程何時量產？") == {("nm", "2")}  # traditional script
    assert values("TSMC's 2-nanometre node") == values("2nm") == values("2 纳米") == {("nm", "2")}
    assert values("587Ah电芯") == values("587 Ah cells") == {("ah", "587")}
    assert values("二十层") == {("layer", "20")}  # Chinese numerals through the project's number reading
    assert values("no number here") == set()


def test_an_ordinal_before_its_counter_is_read_in_both_languages():
    assert values("苏州相城机器人产业园第二批入驻了多少家企业？") == {("第批", "2")}
    assert values("the second batch of tenants") == values("第2批") == {("第批", "2")}
    assert values("首批入驻企业42家") == {("第批", "1")}  # 首批: the first batch
    assert values("首都在哪里") == set()  # 首都 is no ordinal
    # periods are the period rule's; a capitalised word after an ordinal is a name, not a counter
    assert values("第三季度") == values("第二期") == values("second quarter") == set()
    assert values("the second Strait Wind phase") == set()


def _conflict(question: str, path: Path) -> bool:
    """The rule on one of the news set's reports (its headline the lead)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    topic = values(lines[0])  # the headline: what the highlight takes for the lead
    return conflicts(values(question), topic, values("\n".join(lines)))


def test_the_reports_of_the_news_set_conflict_with_the_value_they_do_not_give():
    kaohsiung, park = DOCS / "zht" / "hongjing_kaohsiung.txt", DOCS / "zh" / "suzhou_robot_park.txt"
    assert _conflict("宏晶半導體高雄廠的2奈米製程何時量產？", kaohsiung)
    assert not _conflict("宏晶半导体高雄厂的3纳米制程何时量产？", kaohsiung)
    assert _conflict("苏州相城机器人产业园第二批入驻了多少家企业？", park)
    assert not _conflict("苏州相城机器人产业园首批入驻了多少家企业？", park)
    assert not _conflict("第一批入驻企业有多少家来自上海？", park)
    assert not _conflict("相城机器人产业园有多少家企业？", park)  # nothing pinned


def test_another_value_named_in_passing_is_no_conflict():
    # the paragraph on Super Bowl 50 (XQuAD) names Elway's 33rd in its body, not in its lead
    body = "培顿·曼宁成为史上首位带领两支不同球队多次进入超级碗的四分卫。他在 38岁时带领野马队赢得第 33 届超级碗。"
    assert not conflicts(values("曼宁参加第 50 届超级碗时多大？"), values(body.split("。")[0]), values(body))
    assert conflicts(values("曼宁参加第 50 届超级碗时多大？"), values("第 33 届超级碗"), values(body))


def test_ordinals_are_judged_on_the_title_and_lead_units_on_the_whole_document():
    texts = ["相城产业园首批入驻企业42家", "高雄厂第一阶段", "第二批企业明年入驻", "另一份报告", "第一批企业"]
    store = SimpleNamespace(passages=lambda ids: [SimpleNamespace(text=texts[int(i)]) for i in ids])
    documents = [{"first": 0, "passages": 2, "title": "产业园"}, {"first": 2, "passages": 1, "title": "首批"},
                 {"first": 3, "passages": 2, "title": ""}]
    leads = {0: "产业园 相城产业园首批入驻企业42家", 1: "首批 第二批企业明年入驻", 2: "另一份报告"}
    found = documents_conflicting(store, documents, values("第二批入驻企业有多少家"), np.array([0, 1, 2, 0]),
                                  leads.__getitem__)
    # 0: the first batch in its lead, the second nowhere; 1: gives the second too; 2: the first batch
    # only in its body, not its lead
    assert found.tolist() == [True, False, False, True]
    # a unit of measure counts anywhere in the document: 3nm in document 2's body
    texts[4] = "3纳米制程"
    found = documents_conflicting(store, documents, values("2纳米制程何时量产"), np.array([0, 2]), leads.__getitem__)
    assert found.tolist() == [False, True]
    assert not documents_conflicting(store, documents, set(), np.array([0]), leads.__getitem__).any()
