"""Distinct evidence: an answer shows no text of a document twice.

Passages overlap (each repeats the last sentence of the one before), so a document's ranked passages
often cover the same sentences. Walking the ranked passages in order, a passage that overlaps or
touches a span already taken from its document joins that span (one citation, the union of both);
any other passage starts a new span. Spans keep the place of their first passage, so documents keep
their rank, and ``k`` counts spans: k distinct pieces of evidence (the walk stops at the k-th).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .records import Passage


@dataclass
class Span:
    """One piece of evidence: the positions (into the ranked ids) of the passages it joins, the first
    being the one it is shown for, and the passage they make together."""

    positions: list[int]
    passage: Passage


def join(a: Passage, b: Passage) -> Passage:
    """One passage covering two overlapping or touching passages of a document (text, lines and
    sentences of both, each once)."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    if second.end <= first.end:
        return first
    text = first.text + second.text[first.end - second.start:]
    clean = None
    if first.clean is not None and second.clean is not None:
        clean = first.clean + second.clean[first.end - second.start:]
    sentences = sorted({tuple(s) for s in first.sentences + second.sentences})
    return replace(first, end=second.end, line_end=max(first.line_end, second.line_end), text=text,
                   clean=clean, sentences=[list(s) for s in sentences], langs=list(dict.fromkeys(a.langs + b.langs)))


def _meets(a: Passage, b: Passage) -> bool:
    return a.doc == b.doc and a.page == b.page and a.start <= b.end and b.start <= a.end


def distinct_spans(order: list[int], ids: np.ndarray, k: int, passage: Callable[[int], Passage]) -> list[Span]:
    """The first ``k`` distinct spans of the passages ``ids[i]`` for ``i`` in ``order`` (show order)."""
    spans: list[Span] = []
    by_doc: dict[int, list[Span]] = {}
    for i in order:
        p = passage(int(ids[i]))
        mine = by_doc.setdefault(p.doc, [])
        touching = [s for s in mine if _meets(s.passage, p)]
        if not touching:
            if len(spans) == k:
                break
            span = Span([i], p)
            spans.append(span)
            mine.append(span)
            continue
        keep = touching[0]
        keep.positions.append(i)
        keep.passage = join(keep.passage, p)
        for other in touching[1:]:  # the new passage bridged two spans of the document: one now
            keep.positions += other.positions
            keep.passage = join(keep.passage, other.passage)
            mine.remove(other)
            spans.remove(other)
    return spans


def sentence_in(span: Passage, passage: Passage, sentence: int) -> int:
    """Where ``passage``'s ``sentence`` is among the sentences of ``span`` (-1 if it has none)."""
    if not 0 <= sentence < len(passage.sentences):
        return -1
    wanted = list(passage.sentences[sentence])
    return next((j for j, s in enumerate(span.sentences) if list(s) == wanted), -1)
