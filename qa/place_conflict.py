"""Which documents report on another city or province than the one a question asks about: the
Wuhan plant's report does not answer a question on the company's Xi'an plant, however much else
it shares with it (the confidence's ``place_conflict``; docs/confidence.md, eleventh round).

A question's places are its words jieba tags as a place (ns) that the dictionary holds as a proper
name (its pinyin capitalised) and glosses as a city or a province (its gloss says "city", "county",
"district", "prefecture" or "province"); in English, a capitalised word the dictionary renders as
such a name, whose gloss it heads (Wuhan: 武汉 "Wuhan, sub-provincial city ..."), and that is not
part of a longer run of capitalised words (a person's or a firm's name: "Huan Qiu Wang Zi Xun").
A document conflicts when its title or lead names a place of the same kind and the whole document
nowhere names the asked one in any form the bridges know: the word, its name without 市/县/省, its
translation (the first term of its gloss), its pinyin name key. Countries and continents are left
out here: the dictionary does not say which a name is, and "欧洲新教领袖" or "非洲裔美国人" name a region
their right paragraph calls France or America. Countries and regions (not continents) are
qa.country_conflict's, from a table of the standard's names (twelfth round (c)).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from .segment import HAN_CHAR

# Terms of a dictionary gloss (stemmed, as the bridge stores them) that say what kind of place a name is.
_KINDS = (("city", frozenset({"citi", "counti", "district", "prefectur", "municip"})),
          ("province", frozenset({"provinc", "provinci"})))
_SUFFIXES = ("市", "县", "省", "縣")  # a place's name with its administrative suffix: the bare name too
# A run of two or more capitalised words: a place word inside it names a person or a firm.
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.&-]*(?:\s+[A-Z][\w'’.&-]*)+")


def _bridge():
    from .bridge import load_bridge

    return load_bridge()


@lru_cache(maxsize=4096)
def chinese_place_kind(word: str) -> str | None:
    """"city" or "province" for a Chinese word that jieba tags as a place and the dictionary holds
    as a proper name glossed as one; None for other words."""
    from .segment import chinese_tags

    bridge = _bridge()
    if bridge is None or len(word) < 2 or not HAN_CHAR.match(word) or not bridge.is_name(word):
        return None
    tags = chinese_tags(word)
    if len(tags) != 1 or tags[0][1] != "ns":
        return None
    gloss = set(bridge.english_terms(word))
    return next((kind for kind, terms in _KINDS if gloss & terms), None)


@lru_cache(maxsize=4096)
def english_place(term: str) -> tuple[str | None, frozenset[str]]:
    """(kind, the Chinese names) for an English search term (a stem) the dictionary renders as a
    city's or province's name whose gloss it heads; (None, empty) for other terms."""
    bridge = _bridge()
    if bridge is None or HAN_CHAR.search(term) or term.startswith(("~", "=")):
        return None, frozenset()
    names, kinds = set(), set()
    for word in bridge.chinese_words(term):
        kind = chinese_place_kind(word)
        if kind is not None and next(iter(bridge.english_terms(word)), None) == term:
            names.add(word)
            kinds.add(kind)
    kind = next((k for k, _ in _KINDS if k in kinds), None)
    return kind, frozenset(names)


def term_place_kind(term: str) -> str | None:
    """The kind of place an index term names (a Chinese word, an English stem), None for others."""
    return chinese_place_kind(term) if HAN_CHAR.match(term) else english_place(term)[0]


def _bare(word: str) -> set[str]:
    return {word, word[:-1]} if len(word) > 2 and word.endswith(_SUFFIXES) else {word}


def question_places(question: str) -> list[tuple[str, set[str]]]:
    """The cities and provinces a question names: each one's kind and the index terms that name it
    (the word or stem, its bare name, its translation, its pinyin name key)."""
    from .segment import chinese_tags, tokenize

    bridge = _bridge()
    if bridge is None:
        return []
    out = []
    if HAN_CHAR.search(question):
        for word, _ in chinese_tags(question):
            kind = chinese_place_kind(word)
            if kind is not None:
                gloss = list(bridge.english_terms(word))[:1]
                keys = {t for t in tokenize(word) if t.startswith("~")}
                out.append((kind, _bare(word) | set(gloss) | keys))
        return out
    from .name_words import name_words

    inside = {w for m in _CAPITALISED_RUN.finditer(question) for w in m.group().split()}
    for word in name_words(question):
        stems = [t for t in tokenize(word) if not t.startswith(("~", "="))]
        if word in inside or len(stems) != 1:
            continue
        kind, names = english_place(stems[0])
        if kind is not None:
            out.append((kind, {stems[0], "~" + stems[0]} | {b for n in names for b in _bare(n)}))
    return out


def documents_conflicting(store, places: list[tuple[str, set[str]]], spans: list[tuple[int, int]],
                    topic_terms) -> np.ndarray:
    """For each document (``spans``: its passage ids as [first, end)), whether its title or lead
    (``topic_terms(i)``: the search terms of the i-th document's title and lead) names a city or
    province of the kind a question's place is (``places``: question_places) while the document
    nowhere names that place. A binary search per document and place over the place's postings."""
    out = np.zeros(len(spans), dtype=bool)
    if not places or not spans:
        return out
    first = np.array([a for a, _ in spans], dtype=np.int64)
    end = np.array([b for _, b in spans], dtype=np.int64)
    named_kinds = [{term_place_kind(t) for t in topic_terms(i)} for i in range(len(spans))]
    for kind, forms in places:
        holders = store.lexical_holders(sorted(store.known_terms(forms)))
        names = np.searchsorted(holders, first) < np.searchsorted(holders, end)
        out |= ~names & np.array([kind in kinds for kinds in named_kinds], dtype=bool)
    return out
