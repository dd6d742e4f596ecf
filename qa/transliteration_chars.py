"""The characters Chinese writes foreign names with (约翰, 埃尔维, 曼宁), derived from CC-CEDICT.

A few hundred characters are used overwhelmingly for transliterating foreign names into Chinese
(Sproat et al. 1996). A short sound skeleton (two consonants: Elway / 埃尔维 l-w) meets many words by
chance; it is evidence only where the Chinese word is written wholly in these characters
(qa.translit.name_sounds). The set is not a list of our own: ``derive`` reads it off the dictionary,
as the characters of its foreign proper names whose gloss agrees with their pinyin by sound
(亨德尔 Handel, 丹尼尔 Daniel: qa.translit's skeletons), each character in ``MIN_NAMES`` such names
at least; a name glossed by its own pinyin (宁明 Ningming, 偃师市 Yanshi) is Chinese, not a
transliteration. ``python -m qa.transliteration_chars`` writes it to transliteration_chars.txt, which
qa reads (tests/units/test_translit.py checks that the file is what the dictionary gives).
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from .segment import HAN

FILE = Path(__file__).with_name("transliteration_chars.txt")
MIN_NAMES = 2  # transliterated names a character is found in (one could be a coincidence of sound)
SHORTEST = 2  # consonants a name's skeleton needs for its gloss and pinyin to be compared
_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_GLOSS_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_WORD = re.compile(f"[{HAN}]+")


def derive(source: Path) -> str:
    """The transliteration characters of CC-CEDICT (``source``: its gzipped text), in code point order."""
    from . import translit

    count: dict[str, int] = {}
    with gzip.open(source, mode="rt", encoding="utf-8") as f:
        for line in f:
            m = _ENTRY.match(line)
            if not m or not m.group(3)[:1].isupper():  # a proper name's pinyin is capitalised
                continue
            word, syllables = m.group(2), m.group(3).split()
            gloss = _GLOSS_NAME.match(m.group(4))
            if not gloss or len(word) != len(syllables) or not _WORD.fullmatch(word):
                continue
            spelt = [re.sub(r"\d", "", s).lower().replace("u:", "v") for s in syllables]
            name = gloss.group().replace(" ", "").lower()
            if name.startswith("".join(spelt[:2]).replace("v", "u")):  # glossed by its own pinyin
                continue
            heard = translit.english_skeleton(name, SHORTEST)
            if heard and heard == translit.pinyin_skeleton("".join(spelt), SHORTEST):
                for ch in set(word):
                    count[ch] = count.get(ch, 0) + 1
    return "".join(sorted(ch for ch, n in count.items() if n >= MIN_NAMES))


@lru_cache(maxsize=1)
def characters() -> frozenset[str]:
    """The transliteration characters (read from ``FILE``)."""
    return frozenset(FILE.read_text(encoding="utf-8").strip())


def written_as_transliteration(word: str) -> bool:
    """Whether a Chinese word is written wholly in transliteration characters (埃尔维, not 黑豹)."""
    chars = characters()
    return bool(word) and all(ch in chars for ch in word)


if __name__ == "__main__":
    from .bridge import cedict_source

    found = cedict_source()
    if found is not None:
        FILE.write_text(derive(found) + "\n", encoding="utf-8")
