"""Which lines of a document frame what follows instead of saying something: headings, labels,
bylines and questions (none of them answers a question, nor is a document's lead)."""

from __future__ import annotations

import re

from .records import Passage

_ENDED = re.compile(r"[.!?。！？…:：;；,，][\"'”’」』）)\]】》]*$")
_CLAUSE = re.compile(r"[，；]|[,;] ")
_LABEL_WORD = re.compile(r"[A-Z0-9][\w'’&-]*:?$")
_BYLINE = re.compile(r"(?:By|BY|Written by|Reported by|Reporting by)\s+[A-Z]")  # its commas are no clauses


def not_an_answer(sentence: str, alone: bool = False) -> bool:
    """A heading names what follows, and a question asks: neither answers one. Headings are Markdown's
    (``#``), a line standing alone (``alone``) that no punctuation ends (a plain-text headline, a
    byline, "By Grace Cheung, August 14, 2025" too), and short Title Case labels ("Core Insights")."""
    text = sentence.strip()
    if text.startswith("#") or text.endswith(("?", "？")):
        return True
    if _ENDED.search(text):
        return False
    words = text.split()
    if alone:  # a headline or byline, unless it reads as prose (clauses: 鹏飞…创新高，航线增至45条)
        return not _CLAUSE.search(text) or bool(_BYLINE.match(text))
    return len(words) <= 4 and all(_LABEL_WORD.match(w) for w in words)


def alone_on_its_line(passage: Passage, j: int) -> bool:
    """Whether a passage's j-th sentence is a whole line (a line break, or the passage's edge, on
    both sides)."""
    s, e = passage.sentences[j]
    text, start = passage.text, passage.start
    before = text[:s - start].rstrip(" \t")
    after = text[e - start:].lstrip(" \t")
    return (not before or before.endswith("\n")) and (not after or after.startswith("\n"))
