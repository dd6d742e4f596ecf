"""English terms for a Chinese word the dictionary lacks, read from its parts (qa.bridge).

CC-CEDICT lacks many words that are plainly made of words it has: 触地 (touch + ground: a touchdown),
液氧 (liquid + oxygen), 含氧量 (contain + oxygen + amount), 肺部 (lung + part). Such a word counted for
nothing across languages, in BM25 and in the highlight. Here it is cut into the dictionary's words
(fewest pieces; a stop word such as 地 or 中 is a piece that says nothing) and each piece says what it
means: a word of two characters or more with all its senses, a single character only with its main
sense (a character alone has many senses, most of which a compound does not use: 长 is "long" and
"chief"). The pieces share the word's weight.

Only ordinary words are read so (jieba tags the word alone as a noun, verb, adjective, adverb or
idiom): a name is not made of its characters' meanings (曼宁 is Manning, not "graceful" and
"peaceful"; names are heard by their sound: qa.translit), and neither are pronouns, numerals and
question words (哪位, 第四节). A word jieba's dictionary lacks (its HMM joined the characters) is read
so only as a noun: joined as a verb, it is mostly a modal or a particle run into the next word (能造).
"""

from __future__ import annotations

from collections.abc import Callable

# jieba's part-of-speech tags of the words read through their parts: nouns, verbs, verbal nouns,
# adjectives and adverbs, place words (手中), status words, distinguishing words, idioms, set phrases.
COMPOSED_TAGS = frozenset({"n", "v", "vn", "a", "an", "ad", "d", "s", "z", "b", "i", "l"})
# A word jieba's dictionary lacks (its HMM joined the characters) only as a noun (触地): joined as a
# verb it is mostly a modal or particle run into the next word (能造: 能 "can" + 造, 中有, 为触).
GUESSED_TAGS = frozenset({"n"})


def composable(word: str) -> bool:
    """Whether a Chinese word is an ordinary word (``COMPOSED_TAGS``), read by jieba alone."""
    from .segment import chinese_tags, known_word

    tags = chinese_tags(word)
    if len(tags) != 1 or tags[0][0] != word or tags[0][1] not in COMPOSED_TAGS:
        return False
    return tags[0][1] in GUESSED_TAGS or known_word()(word)


def pieces(word: str, translates: Callable[[str], bool]) -> list[str]:
    """The word cut into words the dictionary translates (``translates``) and stop words, the
    fewest pieces (the longest first piece among equals; the word itself is not one of them), stop
    words left out; [] when no cut covers the word."""
    from .segment import ZH_STOP

    n = len(word)
    best: list[list[str] | None] = [None] * n + [[]]  # best[i]: the cut of word[i:]
    for i in range(n - 1, -1, -1):
        for j in range(n, i, -1):
            piece, rest = word[i:j], best[j]
            if rest is None or (i == 0 and j == n) or not (piece in ZH_STOP or translates(piece)):
                continue
            if best[i] is None or len(rest) + 1 < len(best[i]):
                best[i] = [piece, *rest]
    return [p for p in best[0] or () if p not in ZH_STOP]


def composed_terms(word: str, english_terms: Callable[[str], dict[str, float]]) -> dict[str, float]:
    """English search terms for a word the dictionary lacks, from its ``pieces``: each piece's terms
    (a single character's main sense only: its terms of the highest weight), weighted by the
    piece's share of the word. Empty for a word that is not ``composable`` or has no cut."""
    if len(word) < 2 or not composable(word):
        return {}
    found = pieces(word, lambda piece: bool(english_terms(piece)))
    out: dict[str, float] = {}
    for piece in found:
        terms = english_terms(piece)
        main = max(terms.values())
        for term, weight in terms.items():
            if len(piece) == 1 and weight < main:
                continue
            out[term] = max(out.get(term, 0.0), weight / len(found))
    return out
