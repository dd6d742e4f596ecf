"""A quarter or half-year bound to its year as one period (qa.period_years; docs/confidence.md, twelfth
round (b))."""

from __future__ import annotations

import numpy as np
import pytest

from qa.period_years import UNKNOWN, asked_pairs, conflicts, documents_conflicting, mentions


def _read(text):
    return [(m.kind, m.value, m.year, m.compared) for m in mentions(text)]


@pytest.mark.parametrize("text, expected", [
    ("The first 50 drones will be shipped in the first quarter of 2026.", [("q", 1, 2026, False)]),
    ("reported second-quarter 2025 revenue", [("q", 2, 2025, False)]),
    ("Q1 2026, Q1 FY26, Q2'25, 1Q25, 2025Q3, 1H26", [("q", 1, 2026, False), ("q", 1, 2026, False),
                                                     ("q", 2, 2025, False), ("q", 1, 2025, False),
                                                     ("q", 3, 2025, False), ("h", 1, 2026, False)]),
    ("the January-March quarter of 2026", [("q", 1, 2026, False)]),
    ("January-March 2025", [("q", 1, 2025, False)]),
    ("the last quarter of 2025", [("q", 4, 2025, False)]),
    ("output is due in the second half of 2027", [("h", 2, 2027, False)]),
    # Chinese: written with its year, Chinese numerals, traditional script, two-digit years, the clause
    ("公司公布，2025年第二季度共交付1280架", [("q", 2, 2025, False)]),
    ("二〇二四年第一季度", [("q", 1, 2024, False)]),
    ("騏躍動力公布2025年第二季財報", [("q", 2, 2025, False)]),
    ("2025年首季", [("q", 1, 2025, False)]),
    ("25年一季度", [("q", 1, 2025, False)]),
    ("2026年上半年", [("h", 1, 2026, False)]),
    ("2025年1-3月", [("q", 1, 2025, False)]),
    ("2025年一季度、二季度", [("q", 1, 2025, False), ("q", 2, 2025, False)]),
    ("公司2025年计划在第一季度交付", [("q", 1, 2025, False)]),
    # no year in its clause: unbound; a relative year: bound to none this reads
    ("2025年，公司一季度交付", [("q", 1, None, False)]),
    ("郑晗预计，第三季度交付量将继续增长", [("q", 3, None, False)]),
    ("印尼試點最快在明年第二季啟動", [("q", 2, UNKNOWN, False)]),
    ("this year's first quarter; the first quarter of next year", [("q", 1, UNKNOWN, False), ("q", 1, UNKNOWN, False)]),
    # comparisons do not report; a range is no comparison
    ("revenue up 12% from the first quarter of 2025", [("q", 1, 2025, True)]),
    ("营收较2024年一季度增长", [("q", 1, 2024, True)]),
    ("from the first quarter of 2025 to the third quarter of 2026", [("q", 1, 2025, False), ("q", 3, 2026, False)]),
    # not a year: an amount; not one quarter: the first three
    ("sold 1,2025 units in Q1", [("q", 1, None, False)]),
    ("2025年前三季度出口", []),
    ("2025年第四季度毛利率比上一季度低，下一季度", [("q", 4, 2025, False)]),
])
def test_a_quarter_is_read_with_the_year_bound_to_it(text, expected):
    assert sorted(_read(text)) == sorted(expected)


@pytest.mark.parametrize("question, expected", [
    ("鹏飞无人机2025年第一季度交付了多少架？", {("q", 1, 2025)}),
    ("鵬飛無人機2025年第一季交付了多少架？", {("q", 1, 2025)}),
    ("What was Hongxiang Computer's revenue in the first quarter of 2025?", {("q", 1, 2025)}),
    ("What was Qiyue's revenue in the April to June quarter of 2025?", {("q", 2, 2025)}),
    ("In 2025, how many drones did Pengfei deliver in the first quarter?", {("q", 1, 2025)}),
    ("What revenue range did Xinyuan guide for Q3 when it reported Q2 2025?", {("q", 2, 2025), ("q", 3, 2025)}),
    ("How much did Q2 2025 revenue grow from Q1 2025?", {("q", 2, 2025)}),  # Q1 only compared
    ("How much did Q1 revenue grow compared with 2024?", set()),  # the year only compared
    ("澳门第三季度的酒店入住率是多少？", set()),  # no year
    ("重庆2025年前三季度汽车出口同比增长多少？", set()),  # no one quarter
])
def test_a_question_asks_each_quarter_with_its_year(question, expected):
    assert asked_pairs(question) == expected


def test_a_document_conflicts_when_it_names_the_asked_kind_only_bound_to_other_years():
    asked = {("q", 1, 2025)}
    read = lambda *texts: [m for t in texts for m in mentions(t)]  # noqa: E731
    # the first quarter of 2026 only, 2025 in its byline: conflicts
    assert conflicts(asked, read("By Omar Haddad, November 18, 2025",
                                 "The first 50 drones will be shipped in the first quarter of 2026."), {2025})
    # the asked pair is there too
    assert not conflicts(asked, read("Q1 2026 guidance", "revenue in the first quarter of 2025"), set())
    # an unbound first quarter: bound to the document's topic year, or compatible when it names none
    assert not conflicts(asked, read("Q1 2026 guidance", "In the first quarter, revenue rose"), {2025})
    assert not conflicts(asked, read("Q1 2026 guidance", "In the first quarter, revenue rose"), set())
    assert conflicts(asked, read("Q1 2026 guidance", "In the first quarter, revenue rose"), {2024})
    # a relative year can be any year
    assert not conflicts(asked, read("Q1 2026 guidance", "明年第一季度"), {2024})
    # the asked pair only in a comparison, another quarter reported: conflicts
    assert conflicts(asked, read("Q2 2025 revenue rose 12% from the first quarter of 2025"), {2025})
    # nothing of the kind reported with a year: nothing to say
    assert not conflicts(asked, read("up 12% from the first quarter of 2025"), set())
    assert not conflicts(asked, [], {2025})
    # halves are their own kind
    assert not conflicts(asked, read("the first half of 2026"), set())
    assert conflicts({("h", 1, 2025)}, read("the first half of 2026"), set())


class _Passage:
    def __init__(self, text):
        self.text = text


class _Store:
    def __init__(self, texts):
        self.texts, self.read = texts, []

    def passages(self, ids):
        self.read.append([int(i) for i in ids])
        return [_Passage(self.texts[int(i)]) for i in ids]


def test_documents_are_read_only_where_they_hold_a_key_of_the_asked_kind():
    store = _Store(["Pengfei signs a deal.", "shipped in the first quarter of 2026.", "2025年第一季度交付1280架",
                    "第三季度展望"])
    holders = {"q": np.array([1, 2, 3])}
    spans = [(0, 2), (2, 4), (0, 2)]
    found = documents_conflicting(store, {("q", 1, 2025)}, spans, holders.__getitem__, lambda i: {2025},
                                  np.array([False, False, True]))
    assert found.tolist() == [True, False, False]  # the third is skipped (already flagged elsewhere)
    assert store.read == [[1], [2, 3]]
    assert not documents_conflicting(store, set(), spans, holders.__getitem__, lambda i: set(),
                                     np.zeros(3, bool)).any()
