"""Documents that give a unit or counter the question pins to a value only with other values: the
3-nanometre report does not answer a question on the 2-nanometre process, the first batch's report
not one on the second batch (the confidence's ``value_conflict``; docs/confidence.md, eleventh
round (d)). The period rule (qa.periods) covers quarters, halves, phases and years; this covers the
rest of a number attached to a unit or counter.

A value is a number and what it counts, read from text as the bridges read numbers (NFKC, simplified
script, Chinese numerals in digits through qa.quantities' reading, lower case): a number before a
unit of measure (2奈米, 2 nm, 2-nanometre, 587Ah, 232层), a Chinese ordinal before its counter
(第二批, 第3代, 首批 as 第一批), an English ordinal before its noun ("second batch", "3rd generation"). Units and the
few counters with an English noun share one key across the languages (纳米 / 奈米 / nm / nanometre;
批 / batch). A document conflicts when it gives the question's unit of measure with other numbers and
never with the asked one (a report's process node or cell size is a property of what it reports on),
or when its title or lead (what it reports on, as for qa.place_conflict) gives the question's ordinal's
counter with another number and the whole document never with the asked one: an ordinal names one
instance among siblings, which a document may name in passing (a paragraph on Super Bowl 50 names
Elway's 33rd; one on the third down says "3rd-and-9"), so only its title or lead says it reports on
another.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

# Units of measure by key: each form a text may write it in (after normalising).
_UNITS = {
    "nm": ("nm", "纳米", "奈米", "nanometre", "nanometres", "nanometer", "nanometers"),
    "ah": ("ah", "安时"),
    "mah": ("mah", "毫安时"),
    "gwh": ("gwh", "吉瓦时"),
    "mwh": ("mwh", "兆瓦时"),
    "kwh": ("kwh", "千瓦时"),
    "gw": ("gw", "吉瓦"),
    "mw": ("mw", "兆瓦"),
    "layer": ("层", "layer", "layers"),
    "inch": ("英寸", "inch", "inches"),
}
_FORM_KEY = {form: key for key, forms in _UNITS.items() for form in forms}
_LATIN_FORMS = sorted((f for f in _FORM_KEY if f.isascii()), key=len, reverse=True)
_HAN_FORMS = sorted((f for f in _FORM_KEY if not f.isascii()), key=len, reverse=True)
_NUM = r"(?<![\d.])(\d+(?:\.\d+)?)"
_MEASURE = re.compile(rf"{_NUM}\s*-?\s*(?:({'|'.join(_LATIN_FORMS)})(?![a-z])|({'|'.join(_HAN_FORMS)}))")
# A Chinese ordinal's counter: one character, not a period's (qa.periods' rule) nor a date's.
_PERIOD_COUNTERS = set("季期年月日天周半")
_CHINESE_ORDINAL = re.compile(r"第\s*(\d+)\s*([\u4e00-\u9fff])")
# 首 for 第一 before the counters it leads (首批 is the first batch; 首都, 首席, 首先 are no ordinals).
_FIRST = re.compile(r"首([批轮届代])")
_ORDINALS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                                         "eighth", "ninth", "tenth"), 1)}
# An English ordinal before a lower-case noun (a capitalised word after it is a name: "the first Lingang
# phase").
_ENGLISH_ORDINAL = re.compile(rf"\b((?i:{'|'.join(_ORDINALS)})|\d+(?:st|nd|rd|th))[- ]([a-z]+)\b")
# English counters a Chinese counter renders, so the two languages share the key.
_COUNTER_NOUNS = {"batch": "批", "batches": "批", "generation": "代", "generations": "代", "round": "轮",
                  "rounds": "轮"}
# English nouns after an ordinal that name a period (the period rule's) or are no counter.
_NOT_COUNTERS = {"quarter", "quarters", "half", "phase", "phases", "stage", "stages", "time", "year", "years",
                 "month", "day", "week", "of", "and", "or", "the", "a", "an", "to", "in", "on", "at", "for",
                 "with", "by", "is", "was", "one", "ones", "place", "century", "is"}


_ZH_BEFORE_UNIT = re.compile(rf"[零〇一二两三四五六七八九十百千万]+(?=\s*(?:{'|'.join(_HAN_FORMS)}))")


def _numeral(m: re.Match) -> str:
    try:
        import cn2an
    except ImportError:  # optional, as for qa.quantities: Chinese numerals then count only in digits
        return m.group()
    try:
        value = float(cn2an.cn2an(m.group(), "smart"))
        return str(int(value)) if value.is_integer() else str(value)
    except (ValueError, KeyError, IndexError):
        return m.group()


def normal(text: str) -> str:
    """``text`` as values are read: NFKC, simplified script, Chinese numerals in digits (qa.quantities'
    reading, and before a unit of measure), lower case."""
    from .quantities import in_digits
    from .scripts import to_simplified

    return _ZH_BEFORE_UNIT.sub(_numeral, in_digits(to_simplified(unicodedata.normalize("NFKC", text)))).lower()


def _number(text: str) -> str:
    return f"{float(text):g}"


def values(text: str) -> set[tuple[str, str]]:
    """The (unit or counter key, number) pairs ``text`` names."""
    cased = unicodedata.normalize("NFKC", text)
    text = normal(text)
    out = set()
    for m in _MEASURE.finditer(text):
        out.add((_FORM_KEY[m.group(2) or m.group(3)], _number(m.group(1))))
    for m in _CHINESE_ORDINAL.finditer(text):
        if m.group(2) not in _PERIOD_COUNTERS:
            out.add(("第" + m.group(2), _number(m.group(1))))
    out.update(("第" + m.group(1), "1") for m in _FIRST.finditer(text))
    for m in _ENGLISH_ORDINAL.finditer(cased):
        noun = m.group(2)
        if noun in _NOT_COUNTERS:
            continue
        word = m.group(1).lower()
        n = _ORDINALS.get(word) or int(word[:-2])
        key = "第" + _COUNTER_NOUNS[noun] if noun in _COUNTER_NOUNS else "ord:" + noun.rstrip("s")
        out.add((key, str(n)))
    return out


def conflicts(asked: set[tuple[str, str]], topic: set[tuple[str, str]], named: set[tuple[str, str]]) -> bool:
    """Whether a document whose title and lead name ``topic`` and whose whole text names ``named``
    reports on another value of an ``asked`` unit or counter: a unit of measure the document gives
    anywhere, an ordinal's counter its title or lead gives, with another number, and the document
    nowhere with the asked one."""
    for unit, number in asked:
        given = named if unit in _UNITS else topic
        if any(u == unit and n != number for u, n in given) and (unit, number) not in named:
            return True
    return False


def documents_conflicting(store, documents: list[dict], asked: set[tuple[str, str]], doc_ids: np.ndarray,
                          topic_text) -> np.ndarray:
    """For each document id: whether it gives an asked unit of measure only with other numbers, or its
    title and lead (``topic_text(doc)``: their text) give an asked ordinal's counter with another number
    while the document (its title and every passage) nowhere gives it with the asked one."""
    out = np.zeros(len(doc_ids), dtype=bool)
    if not asked:
        return out
    measures = any(u in _UNITS for u, _ in asked)
    seen: dict[int, bool] = {}
    for i, d in enumerate(np.asarray(doc_ids, dtype=np.int64)):
        d = int(d)
        if d not in seen:
            topic = values(topic_text(d)) if not measures or len(asked) > 1 else set()
            found = False
            if measures or {u for u, _ in topic} & {u for u, _ in asked}:
                doc = documents[d]
                first, count = int(doc["first"]), int(doc["passages"])
                texts = [doc.get("title") or ""] + [p.text for p in store.passages(np.arange(first, first + count))]
                found = conflicts(asked, topic, values("\n".join(texts)))
            seen[d] = found
        out[i] = seen[d]
    return out
