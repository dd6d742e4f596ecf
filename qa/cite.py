"""A ranked passage as a Hit: its citation (document, characters, lines, page) and highlight."""

from __future__ import annotations

from .answer import Citation, Highlight, Hit
from .records import Passage


def cite(passage: Passage, document: dict, pid: int, rank: int, fused: float, dense: float, lexical: float,
         sentence: int) -> Hit:
    """The hit for passage ``pid`` of ``document``, with its ``sentence`` highlighted (none if -1)."""
    p = passage
    citation = Citation(path=document["path"], char_start=p.start, char_end=p.end, line_start=p.line_start,
                        line_end=p.line_end, title=document.get("title"), source=document.get("source"),
                        date=document.get("date"), page=p.page)
    highlight = None
    if 0 <= sentence < len(p.sentences):
        s, e = p.sentences[sentence]
        highlight = Highlight(text=p.sentence_text(sentence), char_start=s, char_end=e)
    return Hit(rank=rank, text=p.text, citation=citation, highlight=highlight, score=round(fused, 6),
               scores={"dense": round(dense, 6), "lexical": round(lexical, 6)}, lang=p.lang, passage_id=pid)
