"""The value objects a question returns: Answer, Hit, Citation. Each has ``to_dict()``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


def finite(x: float) -> float | None:
    """A score for JSON: NaN and infinities (which JSON cannot hold) become null."""
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from. Offsets are characters into the decoded file; lines are 1-based."""

    path: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    title: str | None = None
    source: str | None = None
    date: str | None = None
    page: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line_start}" + (f"-{self.line_end}" if self.line_end != self.line_start else "")
        return f"{where} [chars {self.char_start}-{self.char_end}]"


@dataclass(frozen=True)
class Highlight:
    """The sentence of a passage that best answers the question."""

    text: str
    char_start: int  # into the file, like the citation
    char_end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    rank: int
    text: str
    citation: Citation
    highlight: Highlight | None
    score: float
    scores: dict[str, float] = field(default_factory=dict)  # the parts: dense, lexical, ...
    lang: str = "other"
    passage_id: int = -1  # the passage the hit is shown for (its span may join overlapping ones)
    confidence: float | None = None  # estimated chance the passage answers (qa.confidence); None: not calibrated
    document: int = 0  # which of the answer's documents it cites: 1 for the first shown, 2 ...

    def to_dict(self) -> dict:
        return {
            "rank": self.rank, "text": self.text, "citation": self.citation.to_dict(),
            "highlight": self.highlight.to_dict() if self.highlight else None,
            "score": finite(self.score), "scores": {k: finite(v) for k, v in self.scores.items()},
            "lang": self.lang,
            "passage_id": self.passage_id, "confidence": self.confidence, "document": self.document,
        }


@dataclass(frozen=True)
class Answer:
    """``answered``: whether the first hit's confidence reaches ``min_confidence`` (False when there
    is no hit; None when the model has no calibration). Hits are all there either way."""

    question: str
    mode: str
    hits: list[Hit]
    model: str
    answered: bool | None = None
    min_confidence: float | None = None

    def to_dict(self) -> dict:
        return {"question": self.question, "mode": self.mode, "model": self.model, "answered": self.answered,
                "min_confidence": self.min_confidence, "hits": [h.to_dict() for h in self.hits]}


def verdict(hits: list[Hit], min_confidence: float | None) -> bool | None:
    """Whether the hits answer the question: the first hit is at least ``min_confidence`` sure."""
    if not hits:
        return False
    if min_confidence is None or hits[0].confidence is None:
        return None
    return hits[0].confidence >= min_confidence
