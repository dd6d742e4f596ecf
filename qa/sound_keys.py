"""Names by sound in BM25: a name in one language meets its transliteration in the other by a key of
its sound skeleton (qa.translit): Morowali and 莫罗瓦利 both hold ``%mlwl``, Priestley and 普利斯特里
``%plstl``. The dictionary bridge translates words, and few transliterated names are in it; a
question naming one found no passage of the other language by its words.

A passage holds the keys of its names (``sound_keys``, at build time); a question looks for the keys
of its names that the dictionary does not translate and that no text of the other language spells in
pinyin (``question_sounds``: 吕本富 / Lu Benfu is found by its name key, qa.names), counted as a
translation of the name across languages (qa.candidates)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .segment import HAN_CHAR, UNIFIED_HAN
from .translit import CAPITALISED, SHORT_LENGTH, english_skeleton, name_sounds, pinyin_skeleton

SOUND = "%"  # a sound key's prefix
_OPENERS = frozenset(".!?。！？…:;-•*\n")  # before a capitalised word, it opens a sentence or an item
_HAN_RUN = re.compile(f"[{UNIFIED_HAN}]+")
# jieba's tags of the names whose sound counts: people, places, other proper nouns; not organisations
# (nt), whose names are mostly ordinary words (美术馆, 巴黎大学: its p-l-t-s met a question's "Beriods")
_SOUNDED_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nz"})


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text, a sentence, a line or a listed item."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _OPENERS


@lru_cache(maxsize=65536)
def _chinese_name_sounds(run: str) -> tuple[str, ...]:
    """The sound keys of the names in a run of (simplified) Chinese: the words jieba tags as names of
    people, places or other proper nouns (``_SOUNDED_TAGS``), each alone and joined with the name word
    after it (普利斯 + 特里: 普利斯特里, as qa.translit.name_sounds joins a question's). Not the words
    jieba's dictionary lacks, which qa.names also keys: most are not names (干地), and they met a
    question's name by chance (Huguenot's k-n-t, dev even half)."""
    from .names import pinyin_spellings
    from .segment import chinese_tags

    names = [w if len(w) > 1 and _HAN_RUN.fullmatch(w) and tag in _SOUNDED_TAGS else "" for w, tag in chinese_tags(run)]
    words = [w for w in names if w] + [a + b for a, b in zip(names, names[1:]) if a and b]
    spelt = pinyin_spellings(words) if words else None
    if not spelt:
        return ()
    return tuple(dict.fromkeys(SOUND + s for w in words for s in map(pinyin_skeleton, spelt[w]) if s))


def sound_keys(text: str) -> list[str]:
    """The sound keys of the names a text holds (``text`` NFKC-normalised and simplified, as
    qa.segment.tokenize reads it): its capitalised English words inside a sentence (a capital opening
    one says nothing) and its Chinese names (``_chinese_name_sounds``), each name's skeleton of
    qa.translit.MIN_LENGTH consonants or more; an English word's of SHORT_LENGTH or more, which a
    Chinese question's name heard from as few (a transliteration: qa.translit.name_sounds) finds."""
    keys = [SOUND + s for m in CAPITALISED.finditer(text) if not _opens_sentence(text, m.start())
            for s in (english_skeleton(m.group(), SHORT_LENGTH),) if s]
    for run in _HAN_RUN.findall(text):
        keys.extend(_chinese_name_sounds(run))
    return keys


def unheard_names(question: str, untranslated: Callable[[str], bool],
                  spelt: Callable[[str], bool]) -> list[tuple[str, list[str]]]:
    """The names of a question to look for by sound in the other language: its name words
    (qa.name_words.name_words; not an English word in capitals, an abbreviation) that the dictionary
    does not translate (``untranslated(token)``) and whose pinyin spelling no text of the other
    language holds (``spelt(token)``: the name key finds those), each with its sound skeletons
    (qa.translit.name_sounds). The parts of one name (莫罗 + 瓦利, both mlwl) are one name, given as
    its first part's token; a skeleton inside a longer one of the same name (普利斯's pls in
    普利斯特里's plstl) is left out, the longer reading being the whole name."""
    from .name_words import name_words

    named = [w for w in name_words(question) if not (len(w) > 1 and w.isupper())]
    heard: list[tuple[str, set[str]]] = []
    for token, sounds in name_sounds(question, named).items():
        if not sounds or not untranslated(token) or spelt(token):
            continue
        same = next((i for i, (_, s) in enumerate(heard) if s & sounds), None)
        if same is None:
            heard.append((token, set(sounds)))
        else:
            heard[same][1].update(sounds)
    return [(token, sorted(s for s in sounds if not any(s != o and s in o for o in sounds)))
            for token, sounds in heard]


def question_sounds(finder, question: str, tokens: list[str], lang: str,
                    translated: dict[str, dict[str, float]]) -> dict[str, float]:
    """The sound keys of a question's untranslated names (``unheard_names``) in its own script (a
    Chinese question's Latin-script words count as they are spelt: Beriods, dev) that the index holds,
    as a translation (qa.bridge.Translation): each name's keys share its weight of 1, as a word's
    renderings do, each key's source the name's token. ``finder``: the question's
    qa.candidates.CandidateFinder (its language masks, its translation of the question, its store).
    Empty when no passage is in the other language, or the question has no such name."""
    masks = finder.masks(lang)
    if masks is None or (masks[1] is None and masks[2] is None):
        return {}
    _, other, mixed, other_lang = masks
    from .bridge import Translation
    from .names import pinyin_spellings

    store = finder.store
    terms = finder.translate(tokens, other_lang, translated)
    rendered = {w for t, w in getattr(terms, "sources", {}).items() if w != t and t in terms}
    keys = [t[1:] for t in tokens if t[0] == "~"]
    across = other if mixed is None else mixed if other is None else other | mixed

    def spelt(token: str) -> bool:  # a pinyin key of the name that text in the other language holds
        forms = (pinyin_spellings([token]) or {}).get(token, []) if HAN_CHAR.match(token) else [token]
        held = store.known_terms({"~" + k for k in keys if any(f in k for f in forms)})
        return any(across[store.lexical_holders([k])].any() for k in sorted(held))

    def untranslated(token: str) -> bool:  # (a Latin word of a Chinese question meets English text as it is;
        # a single letter is no name: the s of "Tesla's", which the dictionary renders as 特斯拉)
        return token not in rendered and bool(HAN_CHAR.match(token)) == (lang == "zh") and len(token) > 1

    out = Translation()
    for token, sounds in unheard_names(question, untranslated, spelt):
        known = sorted(store.known_terms({SOUND + s for s in sounds}))
        for key in known:
            out[key] = 1.0 / len(known)
            out.sources[key] = token
    return out
