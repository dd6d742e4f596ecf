"""Sound skeletons: a name written in English and its Chinese transliteration, compared by their
consonants (qa.confidence: a cross-language hit holds the question's name transliterated).

The dictionary bridge translates words, not names: "Josh Norman" and 约什·诺曼, "Holden" and
霍尔登, "Jared Allen" and 贾里德·艾伦 share no term. Their consonants agree, though, once both are
reduced to the classes a transliteration keeps: Norman -> n-m-n (an English r before a consonant or
at the end is not transliterated) and 诺曼 nuoman -> n-m-n; Holden -> l-t-n and 霍尔登 huoerdeng ->
l-t-n. Vowels, h, y and syllable endings are dropped; b/p, d/t, g/k, the sibilants, j/zh/ch/q, l/r
are one class each; an English k before i is j (Mandarin has no ki: Viking 维京). A skeleton needs
three consonants (MIN_LENGTH), two (SHORT_LENGTH) where the Chinese name is a transliteration
(qa.transliteration_chars); it is evidence that a passage names what the question names, not proof
(short skeletons can meet by chance).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from .segment import HAN_CHAR

MIN_LENGTH = 3  # consonants a skeleton needs to count
# ... and a transliteration's: a Chinese name written wholly in the characters Chinese transliterates
# foreign names with (qa.transliteration_chars: 埃尔维 l-w, Elway) against a capitalised English word
SHORT_LENGTH = 2
_EN_RULES = [  # English spelling -> the sound a Chinese transliteration keeps, in order
    (re.compile(r"ph"), "f"), (re.compile(r"ck"), "k"), (re.compile(r"t?ch"), "j"), (re.compile(r"sh"), "s"),
    (re.compile(r"th"), "t"), (re.compile(r"qu"), "kw"), (re.compile(r"x"), "ks"),
    (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c"), "k"), (re.compile(r"g(?=[eiy])"), "j"),
    (re.compile(r"k(?=i)"), "j"),  # Mandarin has no ki: Viking 维京, Hawking 霍金, Kissinger 基辛格
    (re.compile(r"r(?![aeiouy])"), ""),  # Norman 诺曼, Carter 卡特: a non-vowel r is not transliterated
    (re.compile(r"ng"), "n"), (re.compile(r"(?<=[aeiou])w(?![aeiou])"), ""),  # Manning, Newton: a vowel's w
    (re.compile(r"v"), "w"),
]
_PINYIN_RULES = [
    (re.compile(r"ng"), "n"), (re.compile(r"zh|ch|q"), "j"), (re.compile(r"sh|x|z|c"), "s"),
    (re.compile(r"(?<![a-z])er|(?<=[aeiouv])er(?![aeiouv])"), "l"),  # the syllable er: 霍尔登 Holden
    (re.compile(r"r"), "l"),
]
_CLASSES = str.maketrans({"b": "p", "d": "t", "g": "k", "z": "s", "r": "l", "v": "w", "q": "j"})
_DROP = re.compile(r"[aeiouyh]|[^a-z]")
CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['’][a-z]+)?")


def _reduce(spelt: str) -> str:
    """Letters to consonant classes, vowels and h/y dropped, repeats collapsed."""
    letters = _DROP.sub("", spelt.translate(_CLASSES))
    return re.sub(r"(.)\1+", r"\1", letters)


@lru_cache(maxsize=4096)
def english_skeleton(word: str, shortest: int | None = None) -> str:
    """The skeleton of an English name ("" when shorter than ``shortest`` consonants, MIN_LENGTH
    unless given)."""
    s = re.sub(r"['’]s$", "", word.lower())
    for pattern, sound in _EN_RULES:
        s = pattern.sub(sound, s)
    s = _reduce(s)
    return s if len(s) >= (MIN_LENGTH if shortest is None else shortest) else ""


@lru_cache(maxsize=4096)
def pinyin_skeleton(spelling: str, shortest: int | None = None) -> str:
    """The skeleton of a name's joined pinyin ("nuoman"; "" when shorter than ``shortest``
    consonants, MIN_LENGTH unless given)."""
    s = spelling.lower()
    for pattern, sound in _PINYIN_RULES:
        s = pattern.sub(sound, s)
    s = _reduce(s)
    return s if len(s) >= (MIN_LENGTH if shortest is None else shortest) else ""


# -- names of a question and of a passage ---------------------------------------------------------

def name_sounds(question: str, named: list[str]) -> dict[str, frozenset[str]]:
    """Each of the question's name words (``named``: qa.name_words.name_words) as a search token ->
    the sound skeletons it may be transliterated as: an English name's own; a Chinese name's pinyin
    spellings', and those of it joined with the name word beside it (贾 + 里德: 贾里德, Jared). A whole
    Chinese name (not joined with the one beside it) written wholly in transliteration characters
    (qa.transliteration_chars) is heard from SHORT_LENGTH consonants: 埃尔维 l-w (Elway), not 黑豹.
    Worked out once per question and names: the ranking (qa.sound_keys.unheard_names) and the
    highlight and confidence (qa.name_words.QuestionNames) ask for the same ones; the ranking leaves
    out a word in capitals (NASA), so a question naming one is heard twice, each name's sounds (its
    Chinese run's, ``_chinese_sounds``; its English word's, ``_english_sounds``) worked out once."""
    return dict(_name_sounds(question, tuple(named)))


@lru_cache(maxsize=64)
def _name_sounds(question: str, named: tuple[str, ...]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    han = tuple(w for w in named if HAN_CHAR.search(w))
    if han:
        heard = _chinese_sounds(question, han)
        if heard is None:
            return {}
        for part, found in heard:
            out.setdefault(part, set()).update(found)
    for word in named:
        if not HAN_CHAR.search(word):
            for token, sound in _english_sounds(word):
                out.setdefault(token, set()).add(sound)
    return {token: frozenset(sounds) for token, sounds in out.items()}


@lru_cache(maxsize=64)
def _chinese_sounds(question: str, han: tuple[str, ...]) -> tuple[tuple[str, frozenset[str]], ...] | None:
    """(name word, skeletons) for each Chinese name word of a question (``han``, in order) and for each
    part of two beside each other in the question, in that order; None without pinyin readings."""
    from .names import pinyin_spellings
    from .transliteration_chars import written_as_transliteration

    runs = [(w, [w]) for w in han] + [(a + b, [a, b]) for a, b in zip(han, han[1:]) if a + b in question]
    joined = {part for _, parts in runs if len(parts) > 1 for part in parts}
    spelt = pinyin_spellings([run for run, _ in runs])
    if spelt is None:
        return None
    heard = []
    for run, parts in runs:
        short = run not in joined and written_as_transliteration(run)
        found = frozenset({pinyin_skeleton(sp, SHORT_LENGTH if short else None) for sp in spelt[run]} - {""})
        heard += [(part, found) for part in parts]
    return tuple(heard)


@lru_cache(maxsize=256)
def _english_sounds(word: str) -> tuple[tuple[str, str], ...]:
    """(search token, skeleton) for each search token of an English name word (none without a skeleton)."""
    from .segment import tokenize

    sound = english_skeleton(word)
    return tuple((token, sound) for token in tokenize(word)) if sound else ()


def held_sounds(keyed: str, text: str) -> set[str]:
    """The sound skeletons of the names a sentence holds: its Chinese names' pinyin keys (``keyed``:
    the sentence with its shared keys, qa.highlight.SentenceChooser.keyed) and its capitalised
    English words (``text``: the sentence as written; from SHORT_LENGTH consonants, since a short
    skeleton of a question's name is one only for a transliteration: name_sounds). A Chinese name spelt in pinyin in English text
    (Lanjing, ~lanjing) is not heard: its key finds it where it is spelt alike, and by sound it would
    meet names it only partly spells."""
    spelt = {t[1:] for t in keyed.split() if t[:1] == "~"}
    found = {pinyin_skeleton(k) for k in spelt} if HAN_CHAR.search(text) else set()
    found.update(english_skeleton(m.group(), SHORT_LENGTH) for m in CAPITALISED.finditer(text)
                 if re.sub(r"['’]s$", "", m.group().lower()) not in spelt)
    return found - {""}


def sentence_sounds(keyed: list[str], passage) -> list[set[str]]:
    """``held_sounds`` of each sentence of a passage (``keyed``: its sentences with their keys)."""
    return [held_sounds(k, passage.sentence_text(j)) for j, k in enumerate(keyed)]


def _passage_sounds(searcher, pid: int) -> set[str]:
    """The sound skeletons of the names a passage holds: its Chinese names' pinyin keys (the
    sentences' stored keys) and its capitalised English words."""
    chooser = searcher.chooser
    found: set[str] = set()
    for j in range(len(chooser.sentences(pid))):
        found.update(pinyin_skeleton(t[1:]) for t in chooser.keyed(pid, j).split() if t[:1] == "~")
    text = searcher.store.passage(pid).text
    found.update(english_skeleton(m.group()) for m in CAPITALISED.finditer(text))
    return found - {""}


def heard_names(searcher, sounds: list[set[str]] | None, in_hit: np.ndarray, hits: np.ndarray,
                cross: np.ndarray) -> np.ndarray:
    """words x hits: the names a cross-language hit lacks as words but holds as a transliteration
    (their sound skeletons agree: Norman / 诺曼)."""
    heard = np.zeros_like(in_hit)
    if not sounds:
        return heard
    wanted = [i for i, s in enumerate(sounds) if s]
    for h in np.flatnonzero(cross >= 0.5):
        missing = [i for i in wanted if not in_hit[i, h]]
        if missing:
            held = _passage_sounds(searcher, int(hits[h]))
            for i in missing:
                heard[i, h] = bool(sounds[i] & held)
    return heard

