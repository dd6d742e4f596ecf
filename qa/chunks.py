"""Passages: runs of whole sentences up to a size limit, with overlap, that keep their offsets."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass

from .documents import Document
from .segment import HAN_CHAR, SPLITTER_VERSION, languages, split_sentences




@dataclass(frozen=True)
class ChunkSettings:
    """How passages are cut. ``max_units`` counts a Han character as 1 and any other character as 1/3,
    so a full Chinese passage (~300 characters) and a full English one (~150 words) carry about as
    much meaning. ``overlap`` is the number of sentences a passage repeats from the one before."""

    max_units: float = 300.0
    overlap: int = 1

    def to_dict(self) -> dict:
        # The sentence splitter's version goes with the settings: an index split by another one is
        # rebuilt in full (2: a Chinese semicolon no longer ends a sentence).
        return {**asdict(self), "splitter": SPLITTER_VERSION}


@dataclass
class Chunk:
    """A passage before it gets an id: its span in the document text and its sentences' spans."""

    start: int
    end: int
    line_start: int
    line_end: int
    sentences: list[tuple[int, int]]
    langs: list[str]


def units(text: str) -> float:
    han = len(HAN_CHAR.findall(text))
    return han + (len(text) - han) / 3.0


class LineIndex:
    """Character offset -> 1-based line number, by binary search over line starts."""

    def __init__(self, text: str):
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings(),
                   lines: LineIndex | None = None) -> list[Chunk]:
    """Cut ``doc``'s body into passages of whole sentences (a single over-long sentence stands alone).

    Sentences are found in ``doc.clean`` when the document has one (Markdown without its markup): it
    has the same length as ``doc.text``, so the spans index into both.
    """
    text = doc.clean if doc.clean is not None else doc.text
    sents = split_sentences(text, doc.start, doc.end)
    if not sents:
        return []
    lines = lines or LineIndex(text)
    sizes = [units(text[s:e]) for s, e in sents]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j, size = i, 0.0
        while j < len(sents) and (j == i or size + sizes[j] <= settings.max_units):
            size += sizes[j]
            j += 1
        group = sents[i:j]
        start, end = group[0][0], group[-1][1]
        chunks.append(Chunk(start=start, end=end, line_start=lines.line(start),
                            line_end=lines.line(end - 1), sentences=list(group),
                            langs=languages(text[start:end]) or ["other"]))
        if j >= len(sents):
            break
        # Repeat the last sentences of this passage at the start of the next, unless that would
        # not move forward or the repeated part would fill most of the next passage.
        back = min(settings.overlap, j - i - 1)
        while back > 0 and sum(sizes[j - back:j]) > settings.max_units / 2:
            back -= 1
        i = j - back
    return chunks
