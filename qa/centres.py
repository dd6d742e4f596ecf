"""Where the model's vectors sit per language, and cosines taken from there (docs/confidence.md,
"Cosines from the language's centre"): the confidence's passage_sim and sentence_sim."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Centres:
    """The model's mean vector of questions and of passages, per language ("zh", "en"): where its
    vectors of each kind sit whatever they say. Fitted with the calibration (benchmarks/calibrate.py:
    the means over its questions and over each of its indexes' passages) and stored with it."""

    question: dict[str, np.ndarray]
    passage: dict[str, np.ndarray]

    def to_dict(self) -> dict:
        return {kind: {lang: np.round(v, 6).tolist() for lang, v in part.items()}
                for kind, part in (("question", self.question), ("passage", self.passage))}

    @classmethod
    def from_dict(cls, d: dict) -> "Centres":
        return cls(*({lang: np.asarray(v, dtype=np.float32) for lang, v in d[kind].items()}
                     for kind in ("question", "passage")))


def centred_cosines(q: np.ndarray, vectors: np.ndarray, lang: str, cross: np.ndarray, centres: Centres | None,
                    raw: np.ndarray) -> np.ndarray:
    """Cosine of the question and each vector after each has its language's centre taken off (the
    question's language for the question; the hit's for the vector: the other one when ``cross``).
    The model's vectors share a large common part per language and per kind (its questions' mean
    vector and its passages' are 0.24 apart in cosine, each 0.4-0.6 long), which raw cosines carry
    whatever the passage says; without it what remains is what the two have in common. ``raw``
    (the plain cosines) when there are no centres (a model without a calibration)."""
    if centres is None or not len(vectors):
        return raw
    own = "zh" if lang == "zh" else "en"
    other = "en" if own == "zh" else "zh"
    qc = q - centres.question[own]
    vc = vectors - np.where(np.asarray(cross)[:, None] >= 0.5, centres.passage[other], centres.passage[own])
    norms = np.linalg.norm(vc, axis=1) * float(np.linalg.norm(qc))
    return (vc @ qc) / np.maximum(norms, 1e-9)


def best_sentence_vectors(searcher, hits: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each hit's best sentence cosine, -1 for a hit without sentences; that sentence's vector,
    zeros for none), as qa.candidates.CandidateFinder._best_sentences finds it."""
    best = np.full(len(hits), -1.0, dtype=np.float32)
    vectors = np.zeros((len(hits), len(q)), dtype=np.float32)
    counts = np.asarray(searcher.candidates.sentence_counts)[hits]
    full = np.flatnonzero(counts > 0)
    if not len(full):
        return best, vectors
    all_vectors = np.asarray(searcher.store.sentence_vectors(hits[full]), dtype=np.float32)
    sims = all_vectors @ q
    start = 0
    for i in full:
        j = start + int(np.argmax(sims[start:start + counts[i]]))
        best[i], vectors[i] = sims[j], all_vectors[j]
        start += int(counts[i])
    return best, vectors
