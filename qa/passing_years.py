"""Documents that name the year a question asks about only as what they compare against: Tianheng's
2024 report ("revenue up 18% from 2023") does not answer a question on its 2023 shipments. Part of
the confidence's ``period_conflict`` (docs/confidence.md, eleventh round): the document's title or
lead names another year, and each time the document names the asked one a comparison introduces it
("from", "than", "compared with", "versus", "over"; 比, 较, 相比, 同比, 与 … 相比). A range ("from 2019
to 2022", 2019年至2022年) is no comparison.
"""

from __future__ import annotations

import re

import numpy as np

_YEAR_KEY = re.compile(r"^=y(\d{4})$")
_ENGLISH_CUE = re.compile(r"(?:\bfrom|\bthan|\bover|\bcompared (?:with|to)|\bversus|\bvs\.?|\bagainst)\s+"
                          r"(?:in\s+|the\s+)?(?:(?:same\s+)?(?:period|quarter|end|level)s?\s+(?:of|in)\s+)?$", re.I)
_CHINESE_CUE = re.compile(r"(?:比|较|相比|相较|对比|比起|高于|低于|与|同)\s*$")
_CHINESE_AFTER = re.compile(r"^\s*年?\s*(?:同期)?\s*(?:相比|相较|比较)")
_RANGE_AFTER = re.compile(r"^\s*年?\s*(?:to|through|until|and|-|–|—|到|至)\s*\d", re.I)
_RANGE_BEFORE = re.compile(r"\d\s*年?\s*(?:to|through|until|and|-|–|—|到|至)\s*$", re.I)
_BEFORE, _AFTER = 30, 8  # characters read around a year for its cue


def asked_years(tokens: list[str]) -> set[str]:
    """The years a question's tokens name (its =y keys), as four digits."""
    return {m.group(1) for m in map(_YEAR_KEY.match, tokens) if m}


def only_compared(text: str, year: str) -> bool:
    """Whether ``text`` names ``year`` and a comparison introduces it every time."""
    from .scripts import to_simplified

    text = to_simplified(text)
    found = False
    for m in re.finditer(rf"(?<!\d){year}(?!\d)", text):
        before, after = text[max(0, m.start() - _BEFORE):m.start()], text[m.end():m.end() + _AFTER]
        if _RANGE_AFTER.match(after) or _RANGE_BEFORE.search(before):
            return False
        if not a_comparison_introduces(before, after):
            return False
        found = True
    return found


def a_comparison_introduces(before: str, after: str) -> bool:
    """Whether what is written between ``before`` and ``after`` (simplified script; ``before`` up to
    30 characters, ``after`` up to 8) is introduced as what something is compared against ("up 18%
    from", 较, 与 … 相比)."""
    return bool(_ENGLISH_CUE.search(before) or _CHINESE_CUE.search(before) or _CHINESE_AFTER.match(after))


def years_in_passing(store, tokens: list[str], spans: list[tuple[int, int]], topic_terms) -> np.ndarray:
    """For each document (``spans``: its passage ids as [first, end)), whether it names an asked year
    only in comparisons while its title or lead (``topic_terms(i)``: the i-th document's search
    terms there) names another year. Reads the text of the document's passages holding the year."""
    out = np.zeros(len(spans), dtype=bool)
    years = asked_years(tokens)
    if not years or not spans:
        return out
    for year in sorted(years):
        holders = store.lexical_holders(sorted(store.known_terms({f"=y{year}", year})))
        for i, (first, end) in enumerate(spans):
            if out[i]:
                continue
            ids = holders[np.searchsorted(holders, first):np.searchsorted(holders, end)]
            if not len(ids):
                continue
            others = asked_years([t for t in topic_terms(i) if t.startswith("=y")]) - years
            if others and only_compared("\n".join(p.text for p in store.passages(ids)), year):
                out[i] = True
    return out
