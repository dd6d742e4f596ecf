"""A question word counts once in a passage that holds it more than one way. A Chinese title over an
English body (the seed's layout) matches a Chinese question's words in its title directly, and
their translations (or, for a name, its pinyin key: qa.names) in its body; an English report can
hold a Chinese name both as the dictionary's rendering and as its pinyin key (宁远: "Ningyuan",
~ningyuan). Summed, such a word counted twice, where a report wholly in Chinese counts it once
(directly). Per question word, only the largest way counts (qa.candidates.CandidateFinder.find:
at the candidates only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .segment import is_key, whole_words


def source_words(tokens: list[str]) -> dict[str, str]:
    """Each search token's question word: itself, or for a sub-word jieba's search mode adds (机器 in
    机器人), the first whole word holding it (qa.segment.whole_words: as qa.bridge.translate_query translates)."""
    uniq = list(dict.fromkeys(tokens))
    whole = whole_words(uniq)
    kept = set(whole)
    return {t: t if t in kept else next(o for o in whole if t in o) for t in uniq}


class WordTerms:
    """A question's terms by the question word each stands for, on each side: ``own`` (its words as
    they are, BM25 in the question's language: qa.candidates' direct score), ``translated`` (their
    dictionary renderings: the bridged score) and ``keyed`` (a word's name keys, which count with the
    direct score), each term with its query weight."""

    def __init__(self, weights: Mapping[str, float], translation: Mapping[str, float],
                 sources: Mapping[str, str], spellings: Mapping[str, list[str]]):
        of = source_words([t for t in weights if not is_key(t)])
        self.own: dict[str, dict[str, float]] = {}
        self.translated: dict[str, dict[str, float]] = {}
        self.keyed: dict[str, dict[str, float]] = {}
        for t, w in weights.items():
            if t in of and w > 0:
                self.own.setdefault(of[t], {})[t] = w
        for t, w in translation.items():
            if w > 0:
                self.translated.setdefault(sources.get(t, t), {})[t] = w
        key_of = {"~" + s: word for word, spelt in spellings.items() for s in spelt}
        for t, w in weights.items():
            if t in key_of and w > 0:
                self.keyed.setdefault(key_of[t], {})[t] = w

    def both_ways(self) -> list[str]:
        """The words with terms in two ways or more."""
        words = dict.fromkeys([*self.own, *self.translated, *self.keyed])
        return [w for w in words if (w in self.own) + (w in self.translated) + (w in self.keyed) > 1]


def counted_once(direct: np.ndarray, bridged: np.ndarray, where: np.ndarray, terms: WordTerms,
                 scores: Callable[[str], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(direct, bridged) with each question word counted once at the positions ``where``: for a word
    a passage holds in two ways or three (its own terms and its name keys count in ``direct``, its
    translations in ``bridged``), only the largest way counts and the others are taken off.
    ``scores(term)`` gives a term's unweighted BM25 at those positions. Other positions, and words
    held one way only, keep their scores (the same bits)."""
    words = terms.both_ways()
    if not len(where) or not words:
        return direct, bridged

    def summed(weighted: Mapping[str, float]) -> np.ndarray:
        out = np.zeros(len(where), dtype=np.float32)
        for t, w in weighted.items():
            out += np.float32(w) * scores(t)
        return out

    direct, bridged = direct.copy(), bridged.copy()
    for word in words:
        own, translated, keyed = (summed(side.get(word, {})) for side in (terms.own, terms.translated, terms.keyed))
        ways = np.stack([own, translated, keyed])
        if ((ways > 0).sum(axis=0) < 2).all():
            continue
        best = ways.argmax(axis=0)  # (ties: the first way, own before translated before keyed)
        direct[where] -= np.where(best != 0, own, 0) + np.where(best != 2, keyed, 0)
        bridged[where] -= np.where(best != 1, translated, 0)
    np.maximum(direct, 0, out=direct)
    np.maximum(bridged, 0, out=bridged)
    return direct, bridged
