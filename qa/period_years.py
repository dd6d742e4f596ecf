"""A quarter or half-year bound to its year, as one period: Pengfei's Middle East report names "the
first quarter of 2026" and, in its byline, 2025, so it names the first quarter and it names 2025, yet
it reports nothing of the first quarter of 2025. Part of the confidence's ``period_conflict``
(docs/confidence.md, twelfth round (b)): the question asks a quarter or half of a year, and the hit's
document names periods of that kind only bound to other years, nowhere the asked pair.

Where a quarter or half is bound to a year (read from text as the quantity keys read it: NFKC,
simplified script, Chinese numerals in digits):

- a year written with it: "the first quarter of 2026", "Q1 2026", "second-quarter 2025", "2025 Q1",
  "Q1 FY2026", "Q1'26", "1Q26", "1H25", "2026年第一季度", "2026年一季度", "25年Q1", "January-March 2026",
  "the January-March quarter of 2026", "2026年1-3月", "the last quarter of 2025";
- in Chinese, the nearest year before it in the same clause (2025年一季度、二季度; 2025年公司在一季度 …);
- a relative year ("next year's second quarter", 明年第二季, 今年一季度): bound, but to a year this
  does not resolve, so it is compatible with any asked year;
- none of these: bound to the years the document's title and lead sentence name (a report whose
  lead says 2025 writes "二季度" for 2025's second quarter; not its byline's or dateline's year: a
  report on the fourth quarter is dated the next year), or, when they name none, unbound: compatible
  with any asked year.

A mention a comparison introduces ("up 12% from the first quarter of 2025", 较2025年一季度, 与 …
相比; qa.passing_years' cues) does not report its period, in the question or the document; a range
("from the first quarter of 2025 to ...") is no comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

import numpy as np

_KINDS = ("q", "h")
_PERIOD_KEY = re.compile(r"^=(q|h)(\d)$")
# A year of four digits: not inside a number or an amount ("2,025", "2025.5", "2025%").
_YEAR = re.compile(r"(?<![\d$€£¥])(?<!\d[.,])((?:19|20)\d\d)(?!\d)(?![.,]\d)(?!\s*(?:%|万|亿|million|billion))")
# What may stand between a quarter and the year after it: "of", "of fiscal", "FY", an apostrophe, a slash.
_AFTER = re.compile(r"(?:\s+(?:quarter|period)\b)?(?:\s*(?:of\s+)?(?:the\s+)?(?:(?:fiscal|financial)\s+(?:year\s+)?)?"
                    r"(?P<fy>FY\s*|['’])?|\s*/\s*)", re.I)
_RELATIVE_AFTER = re.compile(r"\s*(?:quarter\s+|period\s+)?(?:of\s+)?(?:this|next|last|that|the\s+(?:same|previous|"
                             r"following|current|prior|coming))\s+(?:fiscal\s+|financial\s+)?year\b", re.I)
# ... and between a year before it and the quarter: 2025年(度)(的)(第|前), "2025 ", "2025's", "FY2025 ".
_BEFORE = re.compile(r"(?:\s*年\s*(?:度)?\s*(?:的)?|\s*['’]s|\s+)?\s*(?:the\s+)?(?:第|前)?\s*$", re.I)
_TWO_DIGIT_BEFORE = re.compile(r"(?<!\d)(?<!\d[.,])(\d\d)\s*年\s*(?:度)?\s*(?:的)?\s*(?:第|前)?\s*$")
_RELATIVE_BEFORE = re.compile(r"(?:今年|明年|去年|前年|后年|本年|同年|当年|上年|次年|该年|翌年)\s*(?:度)?\s*(?:的)?\s*(?:第|前)?\s*$"
                              r"|\b(?:this|next|last|that|the\s+same|the\s+previous|the\s+following)\s+(?:fiscal\s+)?"
                              r"year['’]s\s+(?:the\s+)?$", re.I)
# Forms the keys do not read: 1Q26, 2H25, 2025Q1, 25Q1, 2025H1.
_COMPACT = re.compile(r"(?<![\w.])(?:(?P<n>[1-4])(?P<k>[QH])(?P<yy>\d\d)|(?P<y>(?:19|20)\d\d|\d\d)(?P<k2>[QH])(?P<n2>[1-4]))(?!\w)")
# A clause of Chinese text ends at these (a list, 、, does not end it).
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n：:]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RANGE_AFTER = re.compile(r"\s*(?:to|through|until|-|–|—|到|至)(?!\w)", re.I)
_CUE_BEFORE = 30
_PATTERN_KINDS = frozenset({"quarter", "months", "half"})  # qa.quantities' patterns that name a quarter or half
UNKNOWN = 0  # a relative year ("next year's Q2"): bound, but to no year this reads


@dataclass(frozen=True)
class Mention:
    kind: str  # "q" or "h"
    value: int
    year: int | None  # None: no year bound; UNKNOWN: a relative one
    compared: bool  # a comparison introduces it: it does not report its period


def mentions(text: str, kinds: Iterable[str] = _KINDS) -> list[Mention]:
    """The quarters and halves ``text`` names, each with the year bound to it (module docstring)."""
    return list(_mentions(text, frozenset(kinds)))


@lru_cache(maxsize=4096)
def _mentions(text: str, kinds: frozenset[str]) -> tuple[Mention, ...]:
    """``mentions``, kept for the passages read last (a document's passages are read again for each
    question on its quarter that shows it: the quantity keys' reading is most of the rule's cost)."""
    from .passing_years import a_comparison_introduces
    from .quantities import keyed_spans
    from .scripts import to_simplified

    text, spans = keyed_spans(to_simplified(text), _PATTERN_KINDS)
    periods = sorted({(s, e, m.group(1), int(m.group(2))) for s, e, k in spans
                      for m in [_PERIOD_KEY.match(k)] if m and m.group(1) in kinds})
    years = [(m.start(1), m.end(1), int(m.group(1))) for m in _YEAR.finditer(text)]
    found: list[tuple[int, int, str, int, int | None]] = []
    taken: list[tuple[int, int]] = []
    for m in _COMPACT.finditer(text):
        kind = (m.group("k") or m.group("k2")).lower()
        if kind not in kinds:
            continue
        value = int(m.group("n") or m.group("n2"))
        if kind == "h" and value > 2:
            continue
        yy = m.group("yy") or m.group("y")
        found.append((m.start(), m.end(), kind, value, int(yy) if len(yy) == 4 else 2000 + int(yy)))
        taken.append((m.start(), m.end()))
    for s, e, kind, value in periods:
        if any(a <= s < b for a, b in taken) or text[max(0, s - 1):s] in ("前", "上", "下"):
            continue  # 前三季度: the first three quarters, no one quarter; 上一季度, 下一季度: the one before, after
        start, end, year = _bound(text, s, e, years)
        found.append((start, end, kind, value, year))
    out = []
    for s, e, kind, value, year in found:
        before, after = text[max(0, s - _CUE_BEFORE):s], text[e:e + 8]
        compared = not _RANGE_AFTER.match(after) and a_comparison_introduces(before, after)
        out.append(Mention(kind, value, year, compared))
    return tuple(out)


def _bound(text: str, s: int, e: int, years: list[tuple[int, int, int]]) -> tuple[int, int, int | None]:
    """The span of a quarter at [s, e) with its year, and the year (None: none bound to it)."""
    for a, b, y in years:  # written inside it: "the last quarter of 2025"
        if s <= a and b <= e:
            return s, e, y
    after = _AFTER.match(text, e)
    if after is not None:
        at = after.end()
        for a, b, y in years:
            if a == at:
                return s, b, y
        if after.group("fy"):
            two = re.match(r"(\d\d)(?!\d)", text[at:])
            if two:
                return s, at + 2, 2000 + int(two.group(1))
    if _RELATIVE_AFTER.match(text, e):
        return s, e, UNKNOWN
    head = text[max(0, s - 12):s]
    for a, b, y in reversed(years):
        if b <= s and b >= s - 12 and _BEFORE.fullmatch(text[b:s]) is not None:
            return a, e, y
    two = _TWO_DIGIT_BEFORE.search(head)
    if two:
        return s - len(head) + two.start(1), e, 2000 + int(two.group(1))
    if _RELATIVE_BEFORE.search(text[max(0, s - 24):s]):
        return s, e, UNKNOWN
    if _CJK.search(text[s:e]):  # Chinese: the nearest year before it in its clause
        clause = max((m.end() for m in _CLAUSE_END.finditer(text, 0, s)), default=0)
        between = [(a, b, y) for a, b, y in years if clause <= a and b <= s]
        relative = list(re.finditer(r"今年|明年|去年|前年|后年|本年|同年|当年|上年|次年|该年|翌年", text[clause:s]))
        if between and (not relative or clause + relative[-1].start() < between[-1][0]):
            a, _, y = between[-1]
            return a, e, y
        if relative:
            return s, e, UNKNOWN
    return s, e, None


def years_in(text: str) -> set[int]:
    """The years of four digits ``text`` names (not inside a number or an amount)."""
    return {int(m.group(1)) for m in _YEAR.finditer(text)}


def asked_pairs(question: str) -> set[tuple[str, int, int]]:
    """The (kind, value, year) periods a question asks: each quarter or half it names with its year,
    or, when it names one without a year, with each year the question names (not in a comparison)."""
    from .passing_years import only_compared
    from .quantities import keyed_spans
    from .scripts import to_simplified

    found = [m for m in mentions(question) if not m.compared]
    if not found:
        return set()
    text = keyed_spans(to_simplified(question))[0]
    years = {int(m.group(1)) for m in _YEAR.finditer(text) if not only_compared(text, m.group(1))}
    pairs = set()
    for m in found:
        if m.year == UNKNOWN:
            continue
        for y in ([m.year] if m.year is not None else sorted(years)):
            pairs.add((m.kind, m.value, y))
    return pairs


def conflicts(pairs: set[tuple[str, int, int]], found: list[Mention], topic_years: set[int]) -> bool:
    """Whether a document whose quarters and halves are ``found`` (its topic naming ``topic_years``)
    names periods of an asked kind only bound to other years than the asked pairs': some period of
    the kind it reports is bound to a year, and none it reports can be an asked pair."""
    for kind in {k for k, _, _ in pairs}:
        asked = {(v, y) for k, v, y in pairs if k == kind}
        values = {v for v, _ in asked}
        other = compatible = False
        for m in found:
            if m.kind != kind or m.compared:
                continue
            if m.value not in values:  # another quarter (of whatever year)
                other = True
                continue
            years = {m.year} if m.year is not None else topic_years
            if not years or UNKNOWN in years or any((m.value, y) in asked for y in years):
                compatible = True
                break
            other = True  # the asked quarter of another year
        if other and not compatible:
            return True
    return False


def documents_conflicting(store, pairs: set[tuple[str, int, int]], spans: list[tuple[int, int]],
                          holders: Callable[[str], np.ndarray], topic_years: Callable[[int], set[int]],
                          skip: np.ndarray) -> np.ndarray:
    """For each document (``spans``: its passage ids as [first, end)) not in ``skip``, whether it
    conflicts with the asked ``pairs`` (``conflicts``). Reads the text of the document's passages
    that hold a key of an asked kind (``holders(kind)``: those passages of the index, ascending);
    ``topic_years(i)``: the years the i-th document's title and lead name."""
    out = np.zeros(len(spans), dtype=bool)
    if not pairs:
        return out
    kinds = sorted({k for k, _, _ in pairs})
    seen: dict[tuple[int, int], bool] = {}
    for i, (first, end) in enumerate(spans):
        if skip[i]:
            continue
        if (first, end) not in seen:
            ids = np.unique(np.concatenate([h[np.searchsorted(h, first):np.searchsorted(h, end)]
                                            for h in map(holders, kinds)]))
            found = [m for p in store.passages(ids) for m in mentions(p.text, kinds)] if len(ids) else []
            seen[(first, end)] = bool(found) and conflicts(pairs, found, topic_years(i))
        out[i] = seen[(first, end)]
    return out
