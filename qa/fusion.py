"""Combining dense and lexical evidence: pure functions over score arrays, no I/O."""

from __future__ import annotations

from typing import Sequence

import numpy as np


# A spread smaller than this share of the scores' typical size is treated as that size: otherwise
# z-normalising blows tiny differences (e.g. BM25 on title words every passage of a document shares,
# varying only with passage length) up into a full standard deviation of evidence.
RELATIVE_SPREAD_FLOOR = 0.25


def zscore(scores: np.ndarray, floor: float = RELATIVE_SPREAD_FLOOR) -> np.ndarray:
    """Scores as standard deviations from their mean, the deviation floored at ``floor`` times the
    mean absolute score (all zero when the scores do not vary)."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    std = max(scores.std(), floor * float(np.abs(scores).mean()))
    if std < 1e-12:
        return np.zeros_like(scores)
    return (scores - scores.mean()) / std


def weighted_sum(parts: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of z-normalised score arrays over the same candidates."""
    if len(parts) != len(weights):
        raise ValueError("one weight per score array")
    total = np.zeros(len(parts[0]), dtype=np.float64)
    for p, w in zip(parts, weights):
        if w:
            total += w * zscore(p)
    return total


def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> dict[int, float]:
    """Reciprocal-rank fusion: each item scores sum(1 / (k + rank)), rank counted from 1."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (stable for ties)."""
    if k <= 0 or scores.size == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, scores.size)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]
