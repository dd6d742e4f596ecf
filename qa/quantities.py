"""Numbers, dates, quantities and ordinals as shared keys, whatever language writes them.

"48亿" and "4.8 billion", "百分之六十" and "60 percent", "二期" and "phase two", "2025年第三季度" and
"the third quarter of 2025", "6月3日" and "June 3" each become one key (``=4.8e+09``, ``=60%``,
``=phase2``, ``=q3`` + ``=y2025``, ``=m6d3``) that BM25 and the highlight match across languages.
Keys start with "=", which no search word does. Chinese numerals are read by cn2an (loaded only for
text that has a Chinese numeral next to a unit, an ordinal or a date word).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache

KEY = "="
_ZH_DIGITS = "零〇一二两三四五六七八九十百千万亿点"
# A Chinese numeral cn2an should read: next to 第 / 百分之, or before a unit, period or date word.
_ZH_NUMERAL_NEAR = re.compile(
    f"(?:第|百分之)[{_ZH_DIGITS}]|[{_ZH_DIGITS}]+(?:期|季|年|月|日|号|个|万|亿|倍|人|元|美元|次|届|代)")
_ZH_RUN = re.compile(r"[\u3007\u4e00-\u9fff\d.%]+")  # a stretch of Chinese text with its numbers
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH_OF = {**{m: i for i, m in enumerate(_MONTHS, 1)}, **{m[:3]: i for i, m in enumerate(_MONTHS, 1)},
             "sept": 9}
_WORD_NUMBERS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_ORDINAL_WORDS = {w: i for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12, "千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_ORD_WORD = "|".join(_ORDINAL_WORDS)
_NUMBER_WORD = "|".join(_WORD_NUMBERS)
# Words that do not describe a phase between its ordinal and "phase" (numbers, function words).
_PLAIN_WORD = "|".join([*_WORD_NUMBERS, *_ORDINAL_WORDS, "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or",
                        "but", "by", "with", "from", "this", "that", "these", "those", "its", "their", "his", "her",
                        "time", "times", "year", "years", "day", "days", "few", "several", "next", "last"])
_MONTH_WORD = r"(?:January|February|March|April|May|June|July|August|September|October|November|December" \
              r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern, re.Pattern | None]]:
    """(kind, pattern, need) of each pattern, compiled on first use (text without a number or a number
    word never needs them). The need is what the pattern cannot match without (None: no cheaper test
    than the pattern itself): a text is searched once for each need, and a pattern runs only where its
    need is met (every pattern ran over every text with a digit: most of a build's quantity work).
    Case-blind where the pattern is; tests/units/test_quantities.py checks the keys equal the patterns'
    own."""
    digit = re.compile(r"\d")
    month = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec", re.I)
    quarter = re.compile(r"quarter", re.I)
    phase = re.compile(r"phase|stage", re.I)
    yue = re.compile("月")
    return [
        # amounts with a scale word: 4.8 billion, $4.8bn, 48亿, 3.2万
        ("scaled", re.compile(rf"(?P<n>{_NUM})\s*(?P<s>thousand|million|billion|trillion)\b", re.I),
         re.compile(r"thousand|million|billion|trillion", re.I)),
        ("scaled", re.compile(rf"[$€£¥]\s*(?P<n>{_NUM})\s*(?P<s>bn|mn|tn|[kmb])\b", re.I), re.compile(r"[$€£¥]")),
        ("scaled", re.compile(rf"(?P<n>{_NUM})\s*(?P<s>万亿|亿|万)"), re.compile(r"[万亿]")),
        ("grouped", re.compile(r"(?<![\d.,])(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?)(?![\d,])"
                               r"(?!\s*(?:thousand|million|billion|trillion|万|亿))", re.I), re.compile(r"\d,\d")),
        # 32000000 (cn2an's 三千二百万)
        ("grouped", re.compile(r"(?<![\d.,])(?P<n>\d{5,})(?![\d.,])"), re.compile(r"\d{5}")),
        ("percent", re.compile(rf"(?P<n>{_NUM})\s*(?:%|percent\b|per cent\b|pct\b)", re.I),
         re.compile(r"%|percent|per cent|pct", re.I)),
        # quarters and halves: Q3, 3Q, third quarter, 第三季度, 三季度; H1, first half, 上半年
        ("quarter", re.compile(r"\bQ(?P<n>[1-4])(?![\d])|\b(?P<n2>[1-4])Q\b"), re.compile(r"Q[1-4]|[1-4]Q")),
        ("quarter", re.compile(r"\b(?P<w>first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter\b", re.I), quarter),
        ("quarter", re.compile(r"(?P<n>[1-4])季度?"), re.compile("季")),
        # a quarter named by its months (the April-June quarter, 4至6月) or as a year's last one
        ("months", re.compile(rf"\b(?P<m>{_MONTH_WORD})\s*(?:-|–|to|through)\s*(?P<m2>{_MONTH_WORD})", re.I), month),
        ("months", re.compile(r"(?P<mn>\d{1,2})\s*(?:-|–|~|至|到)\s*(?P<mn2>\d{1,2})月"), yue),
        ("quarter", re.compile(r"\b(?P<w>last|final)\s+quarter\s+of\s+(?:19|20)\d\d\b", re.I), quarter),
        ("half", re.compile(r"\bH(?P<n>[12])\b|\b(?P<n2>[12])H\b"), re.compile(r"H[12]|[12]H")),
        ("half", re.compile(r"\b(?P<w>first|second)[- ]half\b", re.I), re.compile(r"half", re.I)),
        ("half", re.compile(r"(?P<zh>上|下)半年"), re.compile("半年")),
        # phases: phase two, Phase II, second phase, the initial stage, 二期, 第2期
        ("phase", re.compile(rf"\b(?:phase|stage)\s+(?P<w>\d+|{_NUMBER_WORD}|[ivx]+)\b", re.I), phase),
        # ... and with up to two describing words between: the first offshore phase, the second Strait
        # Wind phase (not a function word: "the first time the stage", nor a number: "first three stages")
        ("phase", re.compile(rf"\b(?P<w>{_ORD_WORD}|initial|\d+(?:st|nd|rd|th))[- ]"
                             rf"(?:(?!(?:{_PLAIN_WORD})\b)[a-z][a-z'-]*\s+){{0,2}}(?:phase|stage)\b", re.I), phase),
        ("phase", re.compile(r"(?P<n>\d+)期"), re.compile("期")),
        # 首期 the first phase (not 首期款 / 首期付款, a down payment); 首季 the first quarter (Hong Kong, Taiwan)
        ("phase", re.compile(r"(?P<w>首)期(?!款|付)"), re.compile("首期")),
        ("quarter", re.compile(r"(?P<w>首)季(?!军)"), re.compile("首季")),
        # ordinals from the second on (first / 第一 are filler more often than not)
        ("ordinal", re.compile(rf"\b(?P<w>{_ORD_WORD})\b", re.I), None),
        ("ordinal", re.compile(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b", re.I), digit),
        ("ordinal", re.compile(r"第(?P<n>\d+)"), re.compile(r"第\d")),
        # dates: June 3, 3 June, 6月3日, 2025-06-03; months; years
        ("date", re.compile(rf"\b(?P<m>{_MONTH_WORD})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|,\d))"), month),
        ("date", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH_WORD})"), month),
        ("date", re.compile(r"(?P<mn>\d{1,2})月(?P<d>\d{1,2})[日号]"), yue),
        ("date", re.compile(r"\b(?:19|20)\d\d[-/.](?P<mn>\d{1,2})[-/.](?P<d>\d{1,2})\b"), digit),
        ("month", re.compile(r"\b(?P<m>January|February|March|April|June|July|August|September|October|November"
                             r"|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.|May(?=\s+\d))\b"),
         month),
        ("month", re.compile(r"(?<![\d个])(?P<mn>\d{1,2})月(?!份?[\d个])"), yue),
        # a year: not inside a number or an amount, nor after a hyphen unless a word leads to it ("mid-2025")
        ("year", re.compile(r"(?<![\d.,$€£¥])(?<![^a-z]-)(?P<y>(?:19|20)\d\d)(?![\d.,%])"
                            r"(?!\s*(?:万|亿|million|billion))"), digit),
    ]


# Text without a digit or a Chinese numeral can still hold a key in words ("the third quarter").
_WORDS_ONLY = re.compile(rf"(?i)quarter|half|phase|stage|半年|首期|首季|\b(?:{_ORD_WORD})\b|{_MONTH_WORD}")


@lru_cache(maxsize=1)
def _cn2an():
    try:
        import cn2an
    except ImportError:  # optional: Chinese numerals then count only where written in digits
        return None
    return cn2an


def _arabic(text: str) -> str:
    """``text`` with its Chinese numerals in Arabic digits (cn2an), where there are any: each run of
    Chinese text that holds one is converted on its own (cn2an's cost grows with the text it reads)."""
    if not _ZH_NUMERAL_NEAR.search(text):
        return text
    cn2an = _cn2an()
    if cn2an is None:
        return text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns about every run it cannot read
        return _ZH_RUN.sub(lambda m: _converted(m.group()), text)


def in_digits(text: str) -> str:
    """``text`` with its Chinese numerals in Arabic digits where the quantity keys read them (第二批,
    百分之五, 三季度; qa.value_conflict reads values through it)."""
    return _arabic(text)


@lru_cache(maxsize=16384)
def _converted(run: str) -> str:
    """A run of Chinese text with its numerals in Arabic digits (a build reads each run of a passage
    twice, in the passage and in its sentence: cn2an reads it once)."""
    if not _ZH_NUMERAL_NEAR.search(run):
        return run
    try:
        return _cn2an().transform(run, "cn2an")
    except (ValueError, KeyError, IndexError):
        return run


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _value_key(value: float) -> str:
    return f"{KEY}{value:.4g}"


def _small(m: re.Match) -> int | None:
    """A small count from a match's ``n``/``n2`` (digits) or ``w`` (a word, ordinal or roman numeral)."""
    for group in ("n", "n2"):
        if group in m.re.groupindex and m.group(group):
            return int(m.group(group))
    word = (m.group("w") or "").lower() if "w" in m.re.groupindex else ""
    if word[:-2].isdigit():
        return int(word[:-2])
    if word.isdigit():
        return int(word)
    for table in (_WORD_NUMBERS, _ORDINAL_WORDS, _ROMAN, {"initial": 1, "首": 1, "last": 4, "final": 4}):
        if word in table:
            return table[word]
    return None


def month_number(word: str) -> int | None:
    """The month an English month name or its abbreviation names ("June", "jun.", "Sept": 6, 6, 9),
    None for any other word."""
    return _MONTH_OF.get(word.rstrip(".").lower())


def _month(m: re.Match, second: str = "") -> int:
    if "mn" + second in m.re.groupindex and m.group("mn" + second):
        return int(m.group("mn" + second))
    return _MONTH_OF[m.group("m" + second).rstrip(".").lower()]


def _keys_of(kind: str, m: re.Match) -> list[str]:
    if kind in ("scaled", "grouped"):
        scale = _SCALE[m.group("s").lower()] if kind == "scaled" else 1.0
        return [_value_key(_number(m.group("n")) * scale)]
    if kind == "months":  # three months that make a calendar quarter
        first, last = _month(m), _month(m, "2")
        return [f"{KEY}q{(first + 2) // 3}"] if first % 3 == 1 and last == first + 2 else []
    if kind == "percent":
        return [f"{KEY}{_number(m.group('n')):g}%"]
    if kind == "half" and "zh" in m.re.groupindex and m.group("zh"):
        return [f"{KEY}h{1 if m.group('zh') == '上' else 2}"]
    if kind in ("quarter", "half", "phase", "ordinal"):
        n = _small(m)
        if n is None or (kind == "ordinal" and n < 2):
            return []
        prefix = {"quarter": "q", "half": "h", "phase": "phase", "ordinal": "#"}[kind]
        return [f"{KEY}{prefix}{n}"]
    if kind in ("date", "month"):
        month = _month(m)
        if not 1 <= month <= 12:
            return []
        if kind == "month":
            return [f"{KEY}m{month}"]
        day = int(m.group("d"))
        return [f"{KEY}m{month}d{day}", f"{KEY}m{month}"] if 1 <= day <= 31 else []
    if kind == "year":
        return [f"{KEY}y{m.group('y')}"]
    return []


# The two letters besides i and I that match "i" case-insensitively (NFKC has already folded the
# Kelvin sign and the long s): matched as "i" by the patterns, they must be "i" in the look-ups too
# ("5 mıllion" raised KeyError, skipping a document; same length, so places are kept).
_DOTTED_I = str.maketrans({"ı": "i", "İ": "I"})


_PERIOD_KEY = re.compile(rf"{KEY}(?:q|h|phase)\d+")


def names_a_period(term: str) -> bool:
    """Whether a search term is the key of a quarter, a half-year or a phase (=q3, =h1, =phase2): what
    tells a company's or a project's sibling reports apart."""
    return _PERIOD_KEY.fullmatch(term) is not None


_VALUE_KEY = re.compile(rf"{KEY}(?:q|h|phase|#|m|y)\d")


@lru_cache(maxsize=65536)
def value_keys(word: str) -> frozenset[str]:
    """The keys of the particular quarter, half, phase, ordinal, month or year a word names by itself
    (第三季度: =q3 and =#3; 上半年: =h1; 一期: =phase1; 第二: =#2; 六月: =m6; "third": =#3); empty for
    a word that names none. qa.bridge leaves a rendering out of a question's translation when it
    names a value the question does not (the dictionary renders "quarter" as 第三季度 too, and "two"
    as 第二): such a value is the keys' to match across languages."""
    numerals = [c for c in word if c in _ZH_DIGITS]
    if len(numerals) == 1 and numerals[0] in _ONE_DIGIT:  # 第二, 六月, 一期: read without loading cn2an
        word = word.replace(numerals[0], _ONE_DIGIT[numerals[0]])
    return frozenset(k for k in quantity_keys(word) if _VALUE_KEY.match(k))


# A dictionary word with one Chinese digit in it is read as that digit (an English question's renderings
# are checked one by one; cn2an, 0.3-0.5 s to import, is then loaded only for longer numerals).
_ONE_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"十": "10", "零": "0"}


def quantity_keys(text: str) -> list[str]:
    """The shared keys of the numbers, amounts, percentages, quarters, halves, phases, ordinals,
    dates, months and years written in ``text`` (Chinese or English), in order of where they are written
    (keys found at one place by their text: a set's order changes with PYTHONHASHSEED, and the order
    of a question's keys is the order BM25 adds their float32 weights in), each (place, key) once."""
    return [k for _, k in sorted({(start, k) for start, _, k in keyed_spans(text)[1]})]


def keyed_spans(text: str, kinds: frozenset[str] | None = None) -> tuple[str, list[tuple[int, int, str]]]:
    """``text`` as the keys read it (NFKC, Chinese numerals in digits), and each key found in it with
    the span [start, end) of what names it there (qa.period_years reads which year a quarter is
    bound to from where each is written); ``kinds``: only the patterns of these kinds ("quarter",
    "months", "half", ...; None: all)."""
    if not any(map(str.isdigit, text)) and not _ZH_NUMERAL_NEAR.search(text) and \
            not _WORDS_ONLY.search(text):
        return text, []
    text = _arabic(unicodedata.normalize("NFKC", text)).translate(_DOTTED_I)
    found: list[tuple[int, int, str]] = []
    present: dict[re.Pattern, bool] = {}
    for kind, pattern, needs in _patterns():
        if kinds is not None and kind not in kinds:
            continue
        if needs is not None:
            if needs not in present:
                present[needs] = needs.search(text) is not None
            if not present[needs]:
                continue
        for m in pattern.finditer(text):
            found.extend((m.start(), m.end(), k) for k in _keys_of(kind, m))
    return text, found

