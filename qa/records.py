"""The typed records of an index: a ``Passage`` (one cited span of a document) and the ``Manifest``
(what a build holds and how it was made). Pure data: no numpy, no I/O (qa.index_files reads and
writes them)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Sequence


@dataclass(slots=True)
class Passage:
    """One passage: the span ``start:end`` of document ``doc`` (characters into the decoded file),
    its lines (1-based), its languages (main first), its sentences as ``[start, end]`` spans in the
    same coordinates, and its text. ``page`` for a PDF page; ``clean`` is the text with Markdown
    markup blanked out (same length), which is what is searched and embedded when present."""

    doc: int
    start: int
    end: int
    line_start: int
    line_end: int
    langs: list[str]
    sentences: list[list[int]]
    text: str
    page: int | None = None
    clean: str | None = None

    @property
    def lang(self) -> str:
        """The passage's main language (``other`` when none was recognised)."""
        return self.langs[0] if self.langs else "other"

    def sentence_text(self, j: int) -> str:
        """The cited text of the j-th sentence."""
        s, e = self.sentences[j]
        return self.text[s - self.start:e - self.start]

    def to_row(self) -> list:
        """The passage as a JSON array, fields in order (how an index file holds it)."""
        return [getattr(self, f) for f in _PASSAGE_FIELDS]

    @classmethod
    def from_row(cls, row: list) -> "Passage":
        return cls(*row)


_PASSAGE_FIELDS = tuple(f.name for f in fields(Passage))


@dataclass(kw_only=True)
class Manifest:
    """What one build of an index holds. ``store`` names the store that holds its data (``kind``,
    e.g. ``faiss``, plus what that store needs to find it again); ``documents`` and ``files`` are
    JSON records (``documents[d]``: path, file, sha256, title, source, date, meta, first, passages):
    lists when a build makes them, a sequence read a record at a time from the build folder when
    an index is read (qa.record_lines; manifest.json holds only how many).
    Fields are in the order manifest.json shows them."""

    format: int
    qa_version: str | None = None
    created: str | None = None
    build: str
    model: str
    dim: int
    store: dict
    bm25: dict
    jieba: str | None = None
    # What produced the tokens and vectors (substitutes give the reference's results).
    segmenter: str | None = None
    model_backend: dict | None = None
    chunking: dict
    formats: dict | None = None
    passages: int
    sentences: int | None = None
    build_seconds: float | None = None
    documents: Sequence[dict]
    files: Sequence[dict]
    skipped: list[dict] = field(default_factory=list)  # files that gave nothing, and why
    # What was indexed (absolute paths), so the index can be brought up to date from code or over
    # HTTP without anyone naming paths again (QA.update).
    sources: list[str] | None = None
    follow_links: bool = False  # links out of the sources were followed (qa index --follow-links)

    REQUIRED = ("format", "build", "model", "dim", "store", "bm25", "chunking", "passages", "documents",
                "files")

    @classmethod
    def from_dict(cls, data: dict) -> "Manifest":
        """From the JSON record; the caller has checked the REQUIRED keys are there."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def store_kind(self) -> str:
        return self.store["kind"]
