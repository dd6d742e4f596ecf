"""A question rendered word by word into the other language through the dictionary bridge (qa.bridge),
as text to embed beside the question itself: the model is much sharper within one language than
across, so a sentence in the other language can be compared with the question's rendering in its
own language as well as with the question.

A Chinese question's words become the first sense of their dictionary gloss ("首都" -> "capital",
"秦朝" -> "Qin Dynasty"); an English question's words the Chinese word the dictionary gives first
for them (the most direct rendering: a short gloss, an early sense, the commonest word). Numbers and
Latin-script names are kept as they are, and so is a word the dictionary lacks (a name: the model
still reads it across languages).
"""

from __future__ import annotations

import re

from .segment import HAN, is_key, tokenize, whole_words

_HAN_RE = re.compile(f"[{HAN}]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d.,]*")


def render(question: str, lang: str, tokens: list[str] | None = None) -> str | None:
    """The question in the other language (``lang``: the question's, "zh" or "en"), word by word;
    None when there is nothing to render or no dictionary."""
    from .bridge import load_bridge

    bridge = load_bridge()
    if bridge is None or lang not in ("zh", "en"):
        return None
    if lang == "zh":
        words = _chinese_words(question, tokens)
        out = [_gloss(bridge, w) if _HAN_RE.search(w) else w for w in words]
    else:
        out = []
        surfaces = [(w, tokenize(w)) for w in _EN_WORD.findall(question)]
        surfaces = [(w, stems[0]) for w, stems in surfaces if stems]  # stop words dropped
        i = 0
        while i < len(surfaces):
            surface, stem = surfaces[i]
            if i + 1 < len(surfaces):  # two words the dictionary renders as one (Super Bowl: 超级碗)
                found = bridge.chinese_words(f"{stem} {surfaces[i + 1][1]}")
                if found:
                    out.append(found[0])
                    i += 2
                    continue
            i += 1
            if surface[0].isdigit():
                out.append(surface)
                continue
            found = bridge.chinese_words(stem)
            if found and " " not in found[0]:
                out.append(found[0])
            elif surface[0].isupper():
                out.append(surface)  # a name the dictionary lacks
    text = " ".join(dict.fromkeys(w for w in out if w))
    return text or None


def _chinese_words(question: str, tokens: list[str] | None) -> list[str]:
    from .bridge import _dictionary_words, load_bridge

    if tokens is None:
        tokens = tokenize(question, question=True)
    return _dictionary_words([t for t in tokens if not is_key(t)], load_bridge())


def _gloss(bridge, word: str) -> str:
    """The first sense of a Chinese word's dictionary gloss, or the word itself."""
    gloss = first_glosses().get(word)
    return gloss if gloss else word


_GLOSSES: dict[str, str] | None = None
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def first_glosses() -> dict[str, str]:
    """EXPERIMENT: each CC-CEDICT word's first usable gloss, parsed from the source once per process."""
    global _GLOSSES
    if _GLOSSES is None:
        import gzip

        from .bridge import _source
        from .cedict_compile import _ENTRY_RE, _PHRASAL, _SKIP_GLOSS

        out: dict[str, str] = {}
        with gzip.open(_source(), mode="rt", encoding="utf-8") as f:
            for line in f:
                m = _ENTRY_RE.match(line)
                if not m or line.startswith("#"):
                    continue
                trad, simp, glosses = m.group(1), m.group(2), m.group(4).split("/")
                for g in glosses:
                    low = g.strip().lower()
                    if not low or low.startswith(_SKIP_GLOSS) or _PHRASAL.match(low):
                        continue
                    text = " ".join(_PAREN.sub(" ", g.split(";")[0]).split())
                    text = re.sub(r"^to ", "", text)
                    if text and not _HAN_RE.search(text):
                        for w in (simp, trad):
                            out.setdefault(w, text)
                        break
        _GLOSSES = out
    return _GLOSSES
