"""The question's side of the highlight: its words for text in each language, and the answering
sentence of each passage (qa.highlight.SentenceChooser scores the sentences)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .highlight import SentenceChooser
from .segment import HAN_CHAR, is_key

if TYPE_CHECKING:
    from .name_words import QuestionNames

_LATIN_WORD = re.compile(r"[a-z]{2,}")


class Weights(dict):
    """A question's terms with their weights, ``caps``: what a term held by a sentence counts at
    most (the term still counts in full among the question's words), and ``sources``: for terms
    of a translation, the question's word each renders (qa.bridge.Translation)."""

    caps: dict[str, float] = {}
    sources: dict[str, str] = {}
    sounds: dict[str, tuple[set[str], float]] = {}


def latin_in_chinese(weights: dict[str, float]) -> dict[str, float]:
    """An English question's words for Chinese text: a word kept in its own spelling, found as it is
    in a Chinese sentence (a name or a term the text glosses in brackets: 特斯拉 (tesla), 小学教师
    (elementary school teachers)), is rare in Chinese text, so its IDF there measures the script, not
    the word. Held by a sentence it counts as much as the question's typical word for Chinese text
    (the median weight of its other terms) at most."""
    latin = [t for t in weights if not is_key(t) and _LATIN_WORD.fullmatch(t)]
    others = sorted(w for t, w in weights.items() if t not in latin)
    if not latin or not others:
        return weights
    capped = Weights(weights)
    capped.caps = dict.fromkeys(latin, others[len(others) // 2])
    capped.sources = getattr(weights, "sources", {})
    capped.sounds = getattr(weights, "sounds", {})
    return capped


def _spelt(word: str, weights: dict[str, float]) -> bool:
    """Whether a reading holds a name word's pinyin spelling as a shared key (qa.segment.search_keys:
    陈思远 ~chensiyuan, Pengfei ~pengfei): a name written in pinyin is found as it is spelt."""
    if not HAN_CHAR.match(word):
        return f"~{word}" in weights
    from .names import pinyin_spellings

    spelt = pinyin_spellings([word])
    return spelt is not None and any(f"~{sp}" in weights for sp in spelt.get(word, ()))


class AnswerFinder:
    """The answering sentence of a passage and its score, for one question (computed once a passage).
    Each sentence is read in its own language: a sentence in the other language than the question's
    is matched against the question's dictionary translation (``translate(lang)``), so mixed
    documents answer in either. The question's names the dictionary does not translate (``names``:
    its name words and their sounds, qa.name_words.QuestionNames) are looked for by sound in the
    other language's sentences (``Weights.sounds``)."""

    def __init__(self, chooser: SentenceChooser, q: np.ndarray | None, tokens: list[str], lang: str,
                 wants: str, translate: Callable[[str], dict[str, float]], names: QuestionNames | None = None):
        self.chooser, self.q, self.tokens, self.lang = chooser, q, tokens, lang
        self.wants, self.translate, self.names = wants, translate, names
        self.readings: dict[str, dict[str, float]] = {}
        self.found: dict[int, tuple[int, float]] = {}

    def __call__(self, pid: int) -> tuple[int, float]:
        if pid not in self.found:
            self.found[pid] = self.chooser.best(pid, self.q, self.reading, self.wants, self.lang)
        return self.found[pid]

    def reading(self, lang: str) -> dict[str, float]:
        """The question's words for text in ``lang`` (its own, or their translation), with their
        IDF weights."""
        if self.lang not in ("zh", "en") or lang not in ("zh", "en"):
            lang = self.lang
        if lang not in self.readings:
            terms = dict.fromkeys(self.tokens, 1.0) if lang == self.lang else self.translate(lang)
            weights = Weights(self.chooser.term_weights(terms))
            weights.sources = getattr(terms, "sources", {})
            if lang != self.lang:
                weights.sounds = self._unheard(weights)
            self.readings[lang] = latin_in_chinese(weights) if lang == "zh" != self.lang else weights
        return self.readings[lang]

    def _unheard(self, weights: Weights) -> dict[str, tuple[set[str], float]]:
        """The question's name words that no term of ``weights`` (a reading for the other language)
        translates, each with its sound skeletons (qa.translit.name_sounds) and its weight among the
        question's own words."""
        if self.names is None:
            return {}
        spoken = self.names.sounds
        translated = {w for t, w in weights.sources.items() if w != t and t in weights}
        own = self.reading(self.lang)
        spoken = {w: s for w, s in spoken.items() if s and w in own and w not in translated}
        heard: dict[str, tuple[set[str], float]] = {}
        for w, s in spoken.items():
            if _spelt(w, weights):
                continue
            # the parts of one name (希普尚 + 克斯: 希普尚克斯) are one word, as heavy as its heaviest
            same = next((v for v, (t, _) in heard.items() if t & s), None)
            if same is None:
                heard[w] = (set(s), own[w])
            else:
                heard[same] = (heard[same][0] | s, max(heard[same][1], own[w]))
        return heard
