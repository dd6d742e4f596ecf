"""What a question quotes: a title in 《》 or a term in quotation marks, and whether a hit's document
holds it (qa.confidence's ``quoted_hit``; docs/confidence.md, eleventh round (b)).

A question that quotes a title (第一届《绝对SuperStar》的女子组指定演唱的是哪首歌？) asks about that
work or term by name. A passage on a neighbouring subject may share every other word (the same
contest's winner, the same kind of book), but it answers only if its document names what is quoted.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

# 《title》, “term”, 「term」, 『term』, "term": what a question puts between marks.
QUOTES = re.compile(r"《([^《》]+)》|“([^“”]+)”|「([^「」]+)」|『([^『』]+)』|\"([^\"]+)\"")
MIN_CHARS = 2  # a single quoted character (a letter, a grade) says too little to look for
# The passages of a hit's document read around it, at most: the cost stays bounded in a very long
# document (a book-length PDF), where a title named further away says little about this passage.
DOCUMENT_WINDOW = 500


def normal(text: str) -> str:
    """``text`` as quoted terms are compared: NFKC, simplified Chinese, lower case."""
    from .scripts import to_simplified

    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def quoted_terms(question: str) -> list[str]:
    """The terms ``question`` quotes (``QUOTES``), compared as ``normal`` gives them, each of at
    least MIN_CHARS characters once spaces are trimmed."""
    found = (next(g for g in m.groups() if g) for m in QUOTES.finditer(unicodedata.normalize("NFKC", question)))
    return list(dict.fromkeys(normal(t.strip()) for t in found if len(t.strip()) >= MIN_CHARS))


def quoted_hit(store, documents: list[dict], doc_of: np.ndarray, hits: np.ndarray, terms: list[str],
               cross: np.ndarray) -> np.ndarray:
    """Per hit: 1 when its document (title, or the text of its passages within DOCUMENT_WINDOW of
    the hit) holds every quoted term, else 0; 1 for every hit when nothing is quoted, and for a hit
    with no text in the question's language (``cross``: a title is translated there, not quoted)."""
    out = np.ones(len(hits))
    if not terms:
        return out
    for h, pid in enumerate(np.asarray(hits, dtype=np.int64)):
        if cross[h] >= 0.5:
            continue
        doc = documents[int(doc_of[pid])]
        first, count = int(doc["first"]), int(doc["passages"])
        start = max(first, int(pid) - DOCUMENT_WINDOW)
        end = min(first + count, int(pid) + DOCUMENT_WINDOW + 1)
        texts = [doc.get("title") or ""] + [p.text for p in store.passages(np.arange(start, end))]
        held = normal("\n".join(texts))
        out[h] = float(all(t in held for t in terms))
    return out
