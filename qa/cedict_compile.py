"""Compiling CC-CEDICT into the bridge's SQLite file (qa.bridge): once per machine, on the first build or
cross-language question. Each Chinese word gets weighted English search terms; each English term (and a
proper name's two-word rendering, as a phrase) the Chinese words it stands for."""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from .bridge import MAX_WORDS
from .segment import HAN_CHAR

_ENTRY_RE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
# A proper name's gloss often opens with the name's English spellings, then says what it is:
# "Taichung, city in central Taiwan", "Xinzhu or Hsinchu city in northern Taiwan", "Xiamen or Amoy,
# subprovincial city in Fujian". The opening runs of capitalised words, CEDICT's own alternatives
# joined by " or ", each name the word (see _name_parts).
_NAME_RUN = re.compile(r"[A-Z][\w'-]*(?: [A-Z][\w'-]*)*")
_SKIP_GLOSS = ("variant of", "old variant", "see ", "cl:", "surname ", "used in", "taiwan pr", "also pr",
               "also written", "same as", "abbr. for", "erhua variant", "archaic variant", "japanese variant")
# A phrasal verb ("to take in", "to set up") means what its particle makes of the verb; without the
# particle (a stop word, dropped) it stands for the bare verb, a common and other word: 收入 "to take in;
# income; revenue" gave "take" most of its weight. Such glosses are skipped.
_PHRASAL = re.compile(r"^to \w+ (?:in|out|up|down|off|on|over|away|back|about|around|through)$")
_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[^\x00-\x7f]+")
# An abbreviation a gloss gives in brackets after what it stands for: "artificial intelligence (AI)",
# "gross domestic product (GDP)". _PAREN_RE drops it from the gloss's terms; it is a term of its own
# where its letters are the initials of the words before it (not "(US)" or "(TV)" as a note on use).
_ABBREVIATION = re.compile(r"([A-Za-z][\w' -]*?) ?\(([A-Z]{2,6})\)")
MAX_GLOSSES = 4
MAX_TERMS = 8
SHORT_GLOSS = 2  # an English term stands for a Chinese word only where the gloss is this short


class _GlossTokenizer:
    """The English side of qa's tokenizer (lower case, stop words, Snowball stems), with a stem cache:
    the dictionary has 120,000 entries but few distinct words."""

    WORD_RE = re.compile(r"[a-z0-9]+")

    def __init__(self) -> None:
        from .segment import EN_STOP, english_stemmer

        self.stop, self.stemmer, self.stems = EN_STOP, english_stemmer(), {}

    def __call__(self, gloss: str) -> list[str]:
        g = gloss.strip().lower()
        if not g or g.startswith(_SKIP_GLOSS) or _PHRASAL.match(g):
            return []
        out = []
        for w in self.WORD_RE.findall(_PAREN_RE.sub(" ", g)):
            if w in self.stop:
                continue
            stem = self.stems.get(w)
            if stem is None:
                stem = self.stems[w] = self.stemmer.stemWord(w)
            if stem not in out:
                out.append(stem)
        return out


def _short_parts(gloss: str, sense: list[str], terms_of: Callable[[str], list[str]]) -> list[list[str]]:
    """The renderings of one sense short enough (SHORT_GLOSS terms at most) for an English term to
    stand for the word: the whole gloss, or else each of its "; "-separated parts."""
    if len(sense) <= SHORT_GLOSS:
        return [sense]
    parts = [terms_of(p) for p in gloss.split(";")] if ";" in gloss else []
    return [p for p in parts if 0 < len(p) <= SHORT_GLOSS]


def _name_parts(pinyin: str, gloss: str, terms_of: Callable[[str], list[str]]) -> list[list[str]]:
    """The spellings a proper name's gloss opens with (a proper name: its pinyin is capitalised),
    each SHORT_GLOSS terms at most: "Taizhong or Taichung city in central Taiwan" gives Taizhong and
    Taichung, "Taichung, city in central Taiwan" gives Taichung. Without them an English name whose
    gloss goes on to describe the place could never stand for the Chinese word (the gloss is too long
    for _short_parts)."""
    if not pinyin[:1].isupper():
        return []
    head = re.split(r"[,(;]", gloss, maxsplit=1)[0]
    parts = []
    for alternative in head.split(" or "):
        run = _NAME_RUN.match(alternative.strip())
        if run is None:
            break
        terms = terms_of(run.group())
        if 0 < len(terms) <= SHORT_GLOSS:
            parts.append(terms)
    return parts


def _abbreviations(gloss: str, terms_of: Callable[[str], list[str]]) -> list[str]:
    """The abbreviations a gloss spells out ("artificial intelligence (AI)" gives "ai"), as search
    terms: those whose letters are the initials of the words just before them."""
    out = []
    for m in _ABBREVIATION.finditer(gloss):
        letters = m.group(2).lower()
        initials = "".join(w[0] for w in re.findall(r"[a-z][\w']*", m.group(1).lower().split(",")[-1]))
        if initials.endswith(letters):
            out += [t for t in terms_of(letters) if t not in out]
    return out


def _name_phrases(gloss: str, terms_of: Callable[[str], list[str]]) -> list[str]:
    """A proper name's renderings of two words, as phrases (their terms joined by a space): "Hong
    Kong" for 香港, one name however many words English spells it with. Not a name's opening run
    ("Hong Kong dollar"), two names ("Beijing and Tianjin"), nor a common word's rendering ("third
    quarter": its words say something each; only proper names are asked for)."""
    out = []
    for part in gloss.split(";"):
        words = _GlossTokenizer.WORD_RE.findall(_PAREN_RE.sub(" ", part.lower()))
        terms = terms_of(part)
        if len(words) == len(terms) == 2:
            out.append(" ".join(terms))
    return out


def compile_dictionary(source: Path, target: Path) -> None:
    """Parse CC-CEDICT into ``target`` (SQLite): zh word -> weighted English terms, and English term ->
    zh words, most direct first (single-term glosses, earlier senses, shorter words)."""
    terms_of = _GlossTokenizer()
    from .segment import jieba_word_counts

    freq = jieba_word_counts()  # jieba's word counts: among a term's Chinese words, the common first
    zh2en: dict[str, dict[str, float]] = {}
    proper: set[str] = set()  # words of proper names (capitalised pinyin: 台中 Tai2 zhong1, 洛杉矶)
    en2zh: dict[str, list[tuple[int, int, int, str]]] = {}  # term -> (sense size, -freq, sense, word)
    with gzip.open(source, mode="rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = _ENTRY_RE.match(line)
            if not m:
                continue
            trad, simp, pinyin, glosses = m.group(1), m.group(2), m.group(3), m.group(4).split("/")
            if not HAN_CHAR.search(simp):
                continue
            kept = [(g, t) for g, t in ((g, terms_of(g)) for g in glosses) if t][:MAX_GLOSSES]
            if not kept:
                continue
            senses = [t for _, t in kept]
            if pinyin[:1].isupper():
                proper.update((simp, trad))
            # Senses are alternatives: they share one unit of weight, earlier senses more.
            norm = sum(1.0 / (i + 1) for i in range(len(senses)))
            for word in {simp, trad}:
                known = zh2en.setdefault(word, {})
                for i, sense in enumerate(senses):
                    for t in sense:
                        known[t] = max(known.get(t, 0.0), 1.0 / (i + 1) / norm)
                    # "drone; unmanned aerial vehicle": CEDICT parts a sense's renderings with "; ",
                    # so each part can be a short gloss of its own.
                    parts = _short_parts(kept[i][0], sense, terms_of)
                    if pinyin[:1].isupper():
                        for phrase in _name_phrases(kept[i][0], terms_of):
                            en2zh.setdefault(phrase, []).append((1, -freq.get(word, 0), i, word))
                    if len(sense) > SHORT_GLOSS:  # a proper name described at length: its name alone
                        parts += [p for p in _name_parts(pinyin, kept[i][0], terms_of) if p not in parts]
                    for part in parts:
                        for t in part:
                            en2zh.setdefault(t, []).append((len(part), -freq.get(word, 0), i, word))
                    for t in _abbreviations(kept[i][0], terms_of):
                        known[t] = max(known.get(t, 0.0), 1.0 / (i + 1) / norm)
                        en2zh.setdefault(t, []).append((1, -freq.get(word, 0), i, word))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE zh2en (word TEXT PRIMARY KEY, terms TEXT) WITHOUT ROWID")
    db.execute("CREATE TABLE en2zh (term TEXT PRIMARY KEY, words TEXT) WITHOUT ROWID")
    db.executemany("INSERT INTO zh2en VALUES (?, ?)", (
        (w, " ".join(f"{t}:{v:.3f}" for t, v in sorted(ts.items(), key=lambda x: -x[1])[:MAX_TERMS]))
        for w, ts in zh2en.items()))
    rows = []
    for term, cands in en2zh.items():
        words = list(dict.fromkeys(w for *_, w in sorted(cands)))
        rows.append((term, " ".join(words[:MAX_WORDS * 8])))
    db.executemany("INSERT INTO en2zh VALUES (?, ?)", rows)
    db.execute("CREATE TABLE names (word TEXT PRIMARY KEY) WITHOUT ROWID")
    db.executemany("INSERT INTO names VALUES (?)", ((w,) for w in sorted(proper)))
    db.commit()
    db.close()
    os.replace(tmp, target)
