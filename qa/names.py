"""Names across scripts: a Chinese name and its pinyin spelling in English text become one key.

吕本富 and "Lu Benfu" (or "LU Ben-fu", "Lü Běnfù", "Lv Benfu") both give ``~lubenfu``: syllables
joined, lower case, tone marks dropped, ü read as u (and v as u). Only what reads as a name gets a
key, so common words gain no noise:

- in English text, a run of capitalised words each made wholly of pinyin syllables ("Huan Qiu Wang
  Zi Xun"); a lone such word only away from the start of a sentence ("the Ningde plant"). A run gives
  a key for every stretch of its words with two syllables or more, so 环球网 finds "Huan Qiu Wang"
  inside "Huan Qiu Wang Zi Xun";
- in Chinese text, the words jieba tags as names (person nr, place ns, organisation nt, other nz)
  and the words its dictionary lacks (found by its HMM: new names, 宏晶, 谢文斌), with their
  sub-words (广州港 also gives 广州);
- in a Chinese question, its nouns, new words and runs of them: they can only match the name keys of
  English text, which are names by the rule above.

Readings come from pypinyin's character table, compiled once per machine into a small SQLite file
beside the dictionary bridge's (pypinyin itself takes 0.4 s to import; a look-up here takes
microseconds). Without pypinyin there are no name keys.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .readonly_db import ReadOnlyDatabase
from .segment import UNIFIED_HAN

KEY = "~"
COMPILE_VERSION = 2
NAME_TAGS = frozenset({"nr", "ns", "nt", "nz", "nrt", "nrfg"})
MAX_READINGS = 2  # readings tried per character (most common first)
MAX_SPELLINGS = 4  # spellings kept per word
MAX_RUN = 6  # words of an English run (or Chinese nouns of a question) joined at most
_CAPITALISED_RUN = re.compile(r"[A-Z][A-Za-z']*(?:-[A-Za-z']+)*(?: [A-Z][A-Za-z']*(?:-[A-Za-z']+)*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"“(]\s*)$")
_HAN_RUN = re.compile(f"[{UNIFIED_HAN}]+")
_POSSESSIVE = re.compile("['’]s$")
_U_UMLAUT = re.compile("(?<=^[ln])(?:yu|v)|(?<=[-'][ln])(?:yu|v)")  # Lyu, Lv, Nyu: ü (lü, nü)


def _spelled(word: str) -> str:
    """A capitalised English word as pinyin letters: no possessive 's, no hyphens or apostrophes,
    lower case, ü written yu or v (Lyu, Lv) as u."""
    word = _U_UMLAUT.sub("u", _POSSESSIVE.sub("", word.lower()))
    return re.sub("[-'’]", "", word).replace("v", "u")


def _plain(text: str) -> str:
    """Tone marks and the diaeresis dropped (ǚ -> u), lower case."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _compiled_path() -> Path | None:
    """Where the compiled table of the installed pypinyin is (named by its release, found without
    importing pypinyin or importlib.metadata), or None without pypinyin."""
    import importlib.util

    from .bridge import cache_dir

    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(list(spec.submodule_search_locations)[0])
    release = next((d.name[len("pypinyin-"):-len(".dist-info")] for d in package.parent.glob("pypinyin-*.dist-info")),
                   str(int(package.stat().st_mtime)))
    return cache_dir() / f"pinyin-v{COMPILE_VERSION}-{release}.sqlite"


def compile_readings(target: Path) -> None:
    """pypinyin's character table as SQLite: character -> toneless readings, most common first."""
    from pypinyin.pinyin_dict import pinyin_dict

    rows = []
    for code, readings in pinyin_dict.items():
        plain = list(dict.fromkeys(_plain(r) for r in readings.split(",")))
        rows.append((chr(code), ",".join(r for r in plain if re.search("[aeiouv]", r))))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("CREATE TABLE han (char TEXT PRIMARY KEY, readings TEXT) WITHOUT ROWID")
    db.executemany("INSERT INTO han VALUES (?, ?)", (r for r in rows if r[1]))
    db.execute("CREATE TABLE syllables (syllable TEXT PRIMARY KEY) WITHOUT ROWID")
    db.executemany("INSERT INTO syllables VALUES (?)",
                   ((s,) for s in sorted({s for _, r in rows for s in r.split(",") if s})))
    db.commit()
    db.close()
    os.replace(tmp, target)


_lock = threading.Lock()


class Readings(ReadOnlyDatabase):
    """Look-ups in the compiled table. Thread-safe (one connection per thread)."""

    def __init__(self, path: Path):
        super().__init__(path)
        # A damaged file fails here, not in the middle of a question.
        self.syllables = frozenset(s for (s,) in self._db().execute("SELECT syllable FROM syllables"))
        self.longest = max(map(len, self.syllables), default=0)
        self._pinyin: dict[str, bool] = {}  # word -> is_pinyin (names recur through a build)
        # character -> its readings, None without one: a build spells the names of passage after
        # passage, a few thousand characters in all, so each is read from the table once
        self._readings: dict[str, list[str] | None] = {}

    def of(self, chars: str) -> dict[str, list[str]]:
        """The readings of each distinct character of ``chars`` (characters without one left out)."""
        distinct = list(dict.fromkeys(chars))
        wanted = [c for c in distinct if c not in self._readings]
        if wanted:
            rows = dict(self._db().execute(
                f"SELECT char, readings FROM han WHERE char IN ({','.join('?' * len(wanted))})", wanted).fetchall())
            for c in wanted:
                self._readings[c] = rows[c].split(",")[:MAX_READINGS] if c in rows else None
        return {c: r for c in distinct if (r := self._readings[c]) is not None}

    def is_pinyin(self, word: str) -> bool:
        """Whether ``word`` (plain lower-case letters) splits wholly into pinyin syllables."""
        known = self._pinyin.get(word)
        if known is None:
            known = self._splits(word)
            if len(self._pinyin) < 65536:
                self._pinyin[word] = known
        return known

    def _splits(self, word: str) -> bool:
        n = len(word)
        ok = [True] + [False] * n
        for i in range(1, n + 1):
            ok[i] = any(ok[j] and word[j:i] in self.syllables for j in range(max(0, i - self.longest), i))
        return ok[n]


@lru_cache(maxsize=1)
def load_readings() -> Readings | None:
    """The compiled table, compiling it on first use; None without pypinyin or a writable cache."""
    try:
        target = _compiled_path()
        if target is None:
            return None
        with _lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                compile_readings(target)
        return Readings(target)
    except (OSError, RuntimeError, ImportError, sqlite3.Error):
        return None


def _spellings(word: str, table: dict[str, list[str]]) -> list[str]:
    """A Chinese word's joined pinyin spellings (a few, for characters with more than one reading)."""
    if any(c not in table for c in word):
        return []
    return ["".join(p) for p in itertools.islice(itertools.product(*(table[c] for c in word)), MAX_SPELLINGS)]


def pinyin_spellings(words: list[str]) -> dict[str, list[str]] | None:
    """Each Chinese word's joined pinyin spellings (a few, for characters with more than one reading;
    none for a word with a character that has no reading), its characters looked up at once; None
    without pypinyin (or a writable cache)."""
    if not words:
        return {}
    readings = load_readings()
    if readings is None:
        return None
    table = readings.of("".join(words))
    return {w: _spellings(w, table) for w in words}


def chinese_name_keys(tagged: list[tuple[str, str]], known: Callable[[str], bool],
                      sub_words: Callable[[str], list[str]]) -> list[str]:
    """Keys of the names in (simplified) Chinese text: words jieba tags as names or does not know
    (``known``), and their sub-words of two characters or more (``sub_words``, jieba's search mode)."""
    return [key for w, tag in tagged if len(w) > 1 and (tag in NAME_TAGS or not known(w))
            for key in _word_name_keys(w, sub_words)]


@lru_cache(maxsize=65536)
def _word_name_keys(word: str, sub_words: Callable[[str], list[str]]) -> tuple[str, ...]:
    """The keys of one Chinese name word: its spellings and those of its sub-words (a build meets
    the same names in passage after passage: each is spelt once)."""
    if not _HAN_RUN.fullmatch(word):
        return ()
    names = list(dict.fromkeys([word] + [x for x in sub_words(word) if len(x) > 1]))
    spelt = pinyin_spellings(names)
    if spelt is None:
        return ()
    return tuple(KEY + s for w in names for s in spelt[w])


def question_name_keys(tagged: list[tuple[str, str]], known: Callable[[str], bool]) -> list[str]:
    """Keys of a Chinese question's nouns and new words (not ``known`` to jieba's dictionary), and of
    runs of them (up to MAX_RUN words)."""
    runs: list[list[str]] = [[]]
    for w, tag in tagged:
        if (tag.startswith("n") or not known(w)) and _HAN_RUN.fullmatch(w):
            runs[-1].append(w)
        elif runs[-1]:
            runs.append([])
    phrases = {"".join(run[i:j]) for run in runs for i in range(len(run))
               for j in range(i + 1, min(len(run), i + MAX_RUN) + 1)}
    spelt = pinyin_spellings([p for p in phrases if len(p) > 1] + _cut_person_names(tagged))
    if spelt is None:
        return []
    return sorted({KEY + s for spellings in spelt.values() for s in spellings})


PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
LONGEST_PERSON_NAME = 4  # a surname of one or two characters and a given name of one or two


def _cut_person_names(tagged: list[tuple[str, str]]) -> list[str]:
    """A person's name jieba may have cut short: a word it tags as a person's name, shorter than a
    name can be, joined with the next one or two characters up to LONGEST_PERSON_NAME. jieba knows few
    given names, and the character after one often goes to the next word (欧阳明远说: 欧阳明 / 远说;
    袁立新说: 袁 / 立新 / 说). These readings are keys only: they can meet only a capitalised pinyin run of
    English text ("Ouyang Mingyuan"), so the wrong ones meet nothing."""
    out = []
    for i, (w, tag) in enumerate(tagged):
        if tag not in PERSON_TAGS or not _HAN_RUN.fullmatch(w) or len(w) >= LONGEST_PERSON_NAME:
            continue
        after = _HAN_RUN.match("".join(x for x, _ in tagged[i + 1:i + 3]))
        following = after.group() if after else ""
        longest = LONGEST_PERSON_NAME - 1 if len(w) == 1 else LONGEST_PERSON_NAME  # 袁 is a surname alone
        out += [w + following[:n] for n in range(1, min(len(following), longest - len(w)) + 1)]
    return out


def english_name_keys(text: str) -> list[str]:
    """Keys of the romanised Chinese names in English text (see the module's rules)."""
    if not any(c.isupper() for c in text):
        return []
    if not text.isascii():  # tone marks and the diaeresis dropped, capitals kept
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    readings = None
    keys: list[str] = []
    for m in _CAPITALISED_RUN.finditer(text):
        if readings is None:
            readings = load_readings()
            if readings is None:
                return []
        words = [_spelled(w) for w in m.group().split(" ")]
        for ok, group in itertools.groupby(enumerate(words), key=lambda x: readings.is_pinyin(x[1])):
            group = list(group)
            if not ok or (len(words) == 1 and _SENTENCE_START.search(text[:m.start()])):
                continue  # a lone capitalised word opening a sentence is any word ("Women ...")
            spelled = [w for _, w in group]
            for i in range(len(spelled)):
                for j in range(i + 1, min(len(spelled), i + MAX_RUN) + 1):
                    joined = "".join(spelled[i:j])
                    if joined not in readings.syllables:  # two syllables or more
                        keys.append(KEY + joined)
    return keys


_ENGLISH_NAME_RUN = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")
_NOT_NAMES = frozenset(("i",))  # "I" is capitalised anywhere


def question_names(question: str, lang: str) -> list[tuple[str, ...]]:
    """The names a question is about, each as its words' search tokens: in an English question its
    runs of capitalised words that do not open it or a sentence of it ("Strait Wind", "Taichung",
    "Hongjing Semiconductor"; a possessive ends a run; month names, which qa.quantities reads as
    dates, left out); in a Chinese one each word jieba tags as a name (越南, 阿联酋). What they name
    is told by these words in either language (the words themselves, or their translations through
    the dictionary bridge), not by how they sound (``question_name_keys``)."""
    from .quantities import month_number
    from .scripts import to_simplified
    from .segment import chinese_tags, tokenize

    if lang == "en":
        runs = []
        for m in _ENGLISH_NAME_RUN.finditer(question):
            if _SENTENCE_START.search(question[:m.start()]):
                continue
            for run in re.split(r"(?<=['’]s) ", m.group()):
                words = [p for w in run.split(" ") for p in _POSSESSIVE.sub("", w).split("-")
                         if p and month_number(p) is None and p.lower() not in _NOT_NAMES]
                tokens = tuple(dict.fromkeys(t for w in words for t in tokenize(w) if t[:1] not in ("=", KEY)))
                if tokens:
                    runs.append(tokens)
        return list(dict.fromkeys(runs))
    if lang == "zh":
        text = to_simplified(unicodedata.normalize("NFKC", question))
        return list(dict.fromkeys((w,) for w, t in chinese_tags(text) if t in NAME_TAGS and len(w) > 1))
    return []
