"""Sound skeletons: a name written in English and its Chinese transliteration, compared by their
consonants (qa.confidence).

The dictionary bridge translates words, not names: "Josh Norman" and 约什·诺曼, "Holden" and
霍尔登, "Jared Allen" and 贾里德·艾伦 share no term. Their consonants agree, though, once both are
reduced to the classes a transliteration keeps: Norman -> n-m-n (an English r before a consonant or
at the end is not transliterated) and 诺曼 nuoman -> n-m-n; Holden -> l-t-n and 霍尔登 huoerdeng ->
l-t-n. Vowels, h, y and syllable endings are dropped; b/p, d/t, g/k, the sibilants, j/zh/ch/q, l/r
are one class each. A skeleton needs two consonants at least; it is evidence that a passage names
what the question names, not proof (short skeletons can meet by chance).
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_LENGTH = 3  # consonants a skeleton needs to count
_EN_RULES = [  # English spelling -> the sound a Chinese transliteration keeps, in order
    (re.compile(r"ph"), "f"), (re.compile(r"ck"), "k"), (re.compile(r"t?ch"), "j"), (re.compile(r"sh"), "s"),
    (re.compile(r"th"), "t"), (re.compile(r"qu"), "kw"), (re.compile(r"x"), "ks"),
    (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c"), "k"), (re.compile(r"g(?=[eiy])"), "j"),
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


def _reduce(spelt: str) -> str:
    """Letters to consonant classes, vowels and h/y dropped, repeats collapsed."""
    letters = _DROP.sub("", spelt.translate(_CLASSES))
    return re.sub(r"(.)\1+", r"\1", letters)


@lru_cache(maxsize=4096)
def english_skeleton(word: str) -> str:
    """The skeleton of an English name ("" when too short to count)."""
    s = re.sub(r"['’]s$", "", word.lower())
    for pattern, sound in _EN_RULES:
        s = pattern.sub(sound, s)
    s = _reduce(s)
    return s if len(s) >= MIN_LENGTH else ""


@lru_cache(maxsize=4096)
def pinyin_skeleton(spelling: str) -> str:
    """The skeleton of a name's joined pinyin ("nuoman"; "" when too short to count)."""
    s = spelling.lower()
    for pattern, sound in _PINYIN_RULES:
        s = pattern.sub(sound, s)
    s = _reduce(s)
    return s if len(s) >= MIN_LENGTH else ""
