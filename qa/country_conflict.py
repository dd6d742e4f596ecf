"""Which documents report on another country or region than the one a question asks about: the report
on a company's Indonesian pilot does not answer a question on its Philippine stations, nor its Ganzhou
report one on its plant in Mexico (part of the confidence's ``place_conflict``, a veto;
docs/confidence.md, twelfth round (c)).

Which names are countries and regions comes from a table (``countries.tsv``, written by
benchmarks/countries_table.py): ISO 3166-1's codes with their English names and iso-codes' Chinese
ones, the dictionary's Chinese words whose gloss opens with such a name or abbreviates it (印尼,
阿联酋, 美国), and the single capitalised words or capitals the dictionary gives beside them (French,
Mexican, Filipino, USA, UAE). Hong Kong, Macao and Taiwan are rows of their own, as in the standard.

A question asks about a country when it names exactly one (a Chinese word as jieba cuts the question;
an English name, demonym or abbreviation as written, not inside a longer run of capitalised words: a
firm's or a person's name). A document conflicts when its title or lead names another country, or a
city or province the dictionary places in another country (its gloss names that country, or for China
one of its provinces: 赣州 "prefecture-level city in Jiangxi"), names no place the dictionary places in
the asked one, and the whole document nowhere names the asked country in any form of the table. A
place the dictionary cannot place counts for no country; a document naming the asked country
anywhere, however briefly, is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .segment import HAN_CHAR

TABLE = Path(__file__).with_name("countries.tsv")
# Gloss terms (stemmed) of a place the dictionary says lies somewhere: "Jakarta, capital of Indonesia",
# "Ganzhou prefecture-level city in Jiangxi", "Kaohsiung special municipality in south Taiwan".
_PLACE_KINDS = frozenset({"citi", "counti", "district", "prefectur", "municip", "capit", "provinc",
                          "provinci", "town", "port", "region"})
# Inside China: the rows of Hong Kong, Macao and Taiwan name places a question on China may mean.
_PART_OF = {"HK": "CN", "MO": "CN", "TW": "CN"}
_CAPITALISED = re.compile(r"[A-Z][\w'’.&-]*")


@dataclass(frozen=True)
class Country:
    code: str
    english: tuple[str, ...]  # names, demonyms and abbreviations, as written
    chinese: frozenset[str]  # simplified script
    inside: tuple[str, ...]  # names of its provinces, as the dictionary's glosses write them
    loose: tuple[str, ...] = ()  # forms that only say a document names it (British, England, UK, U.S.)


@dataclass(frozen=True)
class _Forms:
    """Each country's forms as index terms: Chinese words and English stems (one term), and English
    names of several words (all their stems in one passage)."""

    single: dict[str, frozenset[str]]  # term -> the codes it names
    groups: tuple[tuple[tuple[str, ...], str], ...]  # (stems, code)
    of_code: dict[str, tuple[frozenset[str], tuple[tuple[str, ...], ...]]]  # code -> (single terms, groups)
    gloss_single: dict[str, str]  # a gloss term -> the code it places a place in
    gloss_groups: tuple[tuple[tuple[str, ...], str], ...]


@dataclass(frozen=True)
class _Mentions:
    """What finds a question's countries: built from the table alone, without tokenizing its names (which
    ``forms`` does, 50-90 ms, paid only when a question names a country)."""

    english: re.Pattern | None  # a question's English mentions, longest first
    english_code: dict[str, str]
    chinese_code: dict[str, str]


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    out = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, english, chinese, other, inside, loose = (line.split("\t") + [""] * 6)[:6]
        names = [n for n in english.split("|") + other.split("|") if n]
        out.append(Country(code, tuple(names), frozenset(c for c in chinese.split("|") if c),
                           tuple(p for p in inside.split(",") if p), tuple(n for n in loose.split("|") if n)))
    return tuple(out)


def _stems(text: str) -> tuple[str, ...]:
    from .segment import tokenize

    return tuple(dict.fromkeys(t for t in tokenize(text) if not t.startswith(("~", "="))))


@lru_cache(maxsize=1)
def forms() -> _Forms:
    single: dict[str, set[str]] = {}
    groups, gloss_single, gloss_groups = [], {}, []
    of_code: dict[str, tuple[set[str], list[tuple[str, ...]]]] = {}
    for c in countries():
        terms, multi = of_code.setdefault(c.code, (set(), []))
        terms.update(c.chinese)
        for name in c.english:
            stems = _stems(name)
            if len(stems) == 1:
                terms.add(stems[0])
            elif stems:
                multi.append(stems)
        for name in (*c.english, *c.inside):
            stems = _stems(name)
            if len(stems) == 1:
                gloss_single.setdefault(stems[0], c.code)
            elif stems:
                gloss_groups.append((stems, c.code))
        for t in terms:
            single.setdefault(t, set()).add(c.code)
        groups.extend((g, c.code) for g in multi)
    return _Forms({t: frozenset(v) for t, v in single.items()}, tuple(groups),
                  {k: (frozenset(a), tuple(b)) for k, (a, b) in of_code.items()},
                  gloss_single, tuple(gloss_groups))


@lru_cache(maxsize=1)
def mentions() -> _Mentions:
    english_code = {name: c.code for c in countries() for name in c.english}
    chinese_code = {word: c.code for c in countries() for word in c.chinese}
    names = sorted(english_code, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(?:the\s+)?(" + "|".join(map(re.escape, names)) + r")(?:['’]s)?(?![\w])") \
        if names else None
    return _Mentions(pattern, english_code, chinese_code)


def _bridge():
    from .bridge import load_bridge

    return load_bridge()


def question_countries(question: str) -> set[str]:
    """The codes of the countries and regions a question names (qa.countries.tsv's forms)."""
    f = mentions()
    found = set()
    if HAN_CHAR.search(question):
        from .segment import chinese_tags, searchable_text

        found |= {f.chinese_code[w] for w, _ in chinese_tags(searchable_text(question)) if w in f.chinese_code}
    if f.english is not None:
        runs = [(m.start(), m.end()) for m in _CAPITALISED_RUN.finditer(question)]
        for m in f.english.finditer(question):
            a, b = m.span(1)
            run = next(((s, e) for s, e in runs if s <= a and b <= e), (a, b))
            # inside a longer capitalised run (a firm, a person, "Bank of America"): not the country;
            # the question's first word does not make a run
            head = question[run[0]:a].split()
            tail = question[b:run[1]].strip(" '’s")
            if tail or (head and run[0] > 0):
                continue
            found.add(f.english_code[m.group(1)])
    return found


# A run of capitalised words, with "of"/"and" inside it ("Bank of America", "Trinidad and Tobago").
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|and|the)\s+)*[A-Z][\w'’.&-]*)*")


@lru_cache(maxsize=8192)
def place_country(term: str) -> str | None:
    """The code of the country an index term names, or the country the dictionary places a city,
    province or capital in (its gloss names that country, or one of its provinces); None for other
    terms and for places it places in none or in several."""
    f = forms()
    codes = f.single.get(term)
    if codes:
        return next(iter(codes)) if len(codes) == 1 else None
    bridge = _bridge()
    if bridge is None or term.startswith(("~", "=")):
        return None
    if HAN_CHAR.match(term):
        words = [term] if len(term) >= 2 else []
    else:  # an English stem that stands first for a proper name: the names whose gloss it heads (Ganzhou /
        # 赣州; not "new", which heads "New Delhi" but stands first for 新)
        words = bridge.chinese_words(term)
        if not words or not bridge.is_name(words[0]):
            return None
        words = [w for w in words if next(iter(bridge.english_terms(w)), None) == term]
    placed = set()
    for word in words:
        if not bridge.is_name(word):
            continue
        gloss = list(bridge.english_terms(word))
        if not _PLACE_KINDS.intersection(gloss):
            continue
        rest = set(gloss[1:])  # the first term is the place's own name
        placed |= {f.gloss_single[t] for t in rest if t in f.gloss_single}
        placed |= {code for stems, code in f.gloss_groups if rest.issuperset(stems)}
    return next(iter(placed)) if len(placed) == 1 else None


def topic_countries(terms) -> set[str]:
    """The countries a document's title and lead (their search terms) name or place a place in."""
    f = forms()
    terms = set(terms)
    found = {code for stems, code in f.groups if terms.issuperset(stems)}
    for t in terms:
        code = place_country(t)
        if code is not None:
            found.add(code)
    return found


def _within(code: str) -> set[str]:
    """The asked country and the regions a question on it may mean (China: Hong Kong, Macao, Taiwan)."""
    return {code} | {part for part, whole in _PART_OF.items() if whole == code}


@lru_cache(maxsize=256)
def _written(codes: frozenset[str]) -> tuple[re.Pattern | None, tuple[str, ...]]:
    """The English forms of ``codes`` as written (names, demonyms, abbreviations, the loose forms: US,
    U.S., UK, England), one case-sensitive pattern; their Chinese names (simplified)."""
    english, chinese = set(), set()
    for c in countries():
        if c.code in codes:
            english |= {*c.english, *c.loose}
            chinese |= c.chinese
    names = sorted(english, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, names)) + r")(?![\w])") if names else None
    return pattern, tuple(sorted(chinese, key=len, reverse=True))


def _names_in_text(store, codes: frozenset[str], first: int, end: int) -> bool:
    """Whether the passages [first, end) write one of ``codes``' forms anywhere: the forms the index
    cannot hold as terms (US, U.S.: a stop word and letters) and a name jieba cuts otherwise."""
    from .segment import searchable_text

    pattern, chinese = _written(codes)
    for passage in store.passages(list(range(first, end))):
        text = passage.text
        if pattern is not None and pattern.search(text):
            return True
        if chinese and HAN_CHAR.search(text):
            simple = searchable_text(text)
            if any(name in simple for name in chinese):
                return True
    return False


def documents_conflicting(store, asked: set[str], spans: list[tuple[int, int]], topic_terms) -> np.ndarray:
    """For each document (``spans``: its passage ids as [first, end)), whether its title or lead
    (``topic_terms(i)``) names or places another country than the one asked (``asked``: one code),
    and none within it, while the whole document nowhere names the asked one: not as an index term
    (a binary search per form over its postings), and, for a document that would conflict, not in its
    text either (read only then)."""
    out = np.zeros(len(spans), dtype=bool)
    if len(asked) != 1 or not spans:
        return out
    code = next(iter(asked))
    within = _within(code)
    named = [topic_countries(topic_terms(i)) for i in range(len(spans))]
    other = np.array([bool(n) and not (n & within) for n in named], dtype=bool)
    if not other.any():
        return out
    f = forms()
    terms, groups = set(), []
    for c in within:
        t, g = f.of_code.get(c, (frozenset(), ()))
        terms |= t
        groups.extend(g)
    holders = [store.lexical_holders(sorted(store.known_terms(terms)))] if terms else []
    for g in groups:
        if store.known_terms(g) == set(g):
            parts = [store.lexical_holders([t]) for t in g]
            common = parts[0]
            for p in parts[1:]:
                common = np.intersect1d(common, p, assume_unique=True)
            holders.append(common)
    first = np.array([a for a, _ in spans], dtype=np.int64)
    end = np.array([b for _, b in spans], dtype=np.int64)
    names = np.zeros(len(spans), dtype=bool)
    for h in holders:
        names |= np.searchsorted(h, first) < np.searchsorted(h, end)
    out = other & ~names
    for i in np.flatnonzero(out):
        if _names_in_text(store, frozenset(within), int(first[i]), int(end[i])):
            out[i] = False
    return out
