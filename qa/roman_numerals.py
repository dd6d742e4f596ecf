"""Roman numerals as search terms: "Super Bowl XXXIII" is 第 33 届超级碗 in Chinese text, "World War II"
第二次世界大战. English text spells the number in letters, Chinese text in digits or as an ordinal, so
the dictionary bridge (qa.bridge.translate_query) renders one as the other.

Only numerals of I, V, X and L (1 to 89), in their one canonical spelling, of two letters at least,
count: C, D and M spell English words and abbreviations too often (mix, dim, cd, mm, civil), a lone
letter is a pronoun or a variable, and the two-letter numerals that are also pinyin syllables (Li, Xi,
Lv: surnames in romanised names) are left out.
"""

from __future__ import annotations

import re

_VALUES = (("xl", 40), ("l", 50), ("xc", 90), ("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))
_NUMERAL = re.compile(r"[ivxl]{2,8}")
_PINYIN = frozenset({"li", "xi", "lv"})
LARGEST = 89


def roman_numeral(n: int) -> str | None:
    """The canonical lower-case numeral for 2 <= n <= LARGEST (none of one letter or a pinyin
    syllable), else None."""
    if not 2 <= n <= LARGEST:
        return None
    out, rest = [], n
    for letters, value in sorted(_VALUES, key=lambda x: -x[1]):
        while rest >= value:
            out.append(letters)
            rest -= value
    spelt = "".join(out)
    return spelt if len(spelt) >= 2 and spelt not in _PINYIN else None


def roman_value(token: str) -> int | None:
    """The number a lower-case token spells as a Roman numeral (canonical, as ``roman_numeral``
    writes it), else None."""
    if not _NUMERAL.fullmatch(token) or token in _PINYIN:
        return None
    total, i = 0, 0
    for letters, value in sorted(_VALUES, key=lambda x: (-x[1], -len(x[0]))):
        while token.startswith(letters, i):
            total += value
            i += len(letters)
    return total if i == len(token) and roman_numeral(total) == token else None
