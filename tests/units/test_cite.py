"""A passage as a hit: citation and highlight offsets, and no crash on a passage without a language."""

from __future__ import annotations

from qa.cite import cite
from qa.records import Passage


def test_citation_and_highlight_are_the_passages_offsets():
    text = "Numbers only. 12345 67890."
    p = Passage(doc=0, start=100, end=100 + len(text), line_start=3, line_end=3, langs=[],
                sentences=[[100, 113], [114, 126]], text=text)
    hit = cite(p, {"path": "docs/n.txt", "title": "N"}, pid=7, rank=1, fused=0.5, dense=0.4, lexical=0.1,
               sentence=1)
    assert (hit.citation.char_start, hit.citation.char_end) == (100, 126)
    assert hit.highlight.text == "12345 67890." and (hit.highlight.char_start, hit.highlight.char_end) == (114, 126)
    assert hit.lang == "other"  # an index whose passage lists no language (older or edited) still answers
    assert cite(p, {"path": "docs/n.txt"}, 7, 1, 0.5, 0.4, 0.1, sentence=-1).highlight is None
