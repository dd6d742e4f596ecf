"""Ranking policy: how dense and lexical evidence combine into one score, as pure functions over
score arrays (no I/O, no other stage of qa).

In ``hybrid`` mode each signal is z-normalised over the candidates and the two are summed with
weights: dense weighs W_DENSE; the lexical signal weighs W_LEXICAL when its evidence is the question's
own words and W_BRIDGE when it comes through the dictionary (a translation guesses at the sense, and
an English term maps to several Chinese words; measured on the dev sets: benchmarks/RESULTS.md,
"Quality"); when the candidates have both kinds, one weight between the two, set by their shares
(``lexical_weight``). A candidate that names a different period or phase than the question and not
the question's own, or none of the names it is about (``qa.search.Searcher._conflicts``), loses
W_CONFLICT. ``dense`` and ``lexical``
modes rank by their signal alone.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

MODES = ("hybrid", "dense", "lexical")
W_DENSE, W_LEXICAL, W_BRIDGE = 1.0, 1.0, 0.5
# A passage that states another quarter, half, phase or year than the question asks about, and not the
# asked one, or whose document's title and lead do (a Q2 report that mentions its Q3 guidance), is
# about a sibling (the report on the next quarter, phase two rather than phase one): one standard
# deviation of evidence against it, as much as each signal counts. Neither signal sees this: the
# model hardly tells "Q2" from "Q3", and BM25 only counts what matches. Measured on the dev sets, the
# hard set and the news set (benchmarks/RESULTS.md, "News set"). The same for a passage that holds
# none of the names the question is about (qa.candidates.CandidateFinder.lacking_names).
W_CONFLICT = 1.0

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


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first (stable for ties)."""
    if k <= 0 or scores.size == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, scores.size)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def lexical_weight(direct: np.ndarray, bridged: np.ndarray) -> float:
    """The lexical signal's weight against dense: W_LEXICAL for BM25 in the passage's own language,
    W_BRIDGE for BM25 through the dictionary, mixed in proportion to how much of the candidates'
    lexical score each gives. Both are BM25 over one index, so they are summed on one scale and
    normalised together: normalising them apart (or weighting them apart) ranks a same-language
    passage that shares a topic word above the other-language passage the question names."""
    mass = float(direct.sum() + bridged.sum())
    if mass <= 0:
        return 0.0
    share = float(direct.sum()) / mass
    return W_LEXICAL * share + W_BRIDGE * (1.0 - share)


def fuse(mode: str, dense: np.ndarray, direct: np.ndarray, bridged: np.ndarray,
         conflicts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(fused score, lexical score) of each candidate for ``mode``. The lexical score is the direct and
    bridged BM25 summed: one scale, the two kinds add up. ``conflicts`` (a bool per candidate: it
    contradicts the question's period or phase, or lacks its names) counts in hybrid mode only, in its
    z-scored units."""
    both = (direct + bridged).astype(np.float64)
    if mode == "dense":
        fused = dense.astype(np.float64)
    elif mode == "lexical":
        fused = both
    elif mode == "hybrid":
        fused = weighted_sum([dense, both], [W_DENSE, lexical_weight(direct, bridged)])
        if conflicts is not None:
            fused = fused - W_CONFLICT * conflicts.astype(np.float64)
    else:
        raise ValueError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return fused, both


def below_asked_period(fused: np.ndarray, contradicting: np.ndarray, naming_asked: np.ndarray) -> np.ndarray:
    """``fused`` with the candidates of documents that contradict the question's period as a whole
    (``contradicting``: the document names the asked kind of period, quarter, half, phase or year, only
    with other values) moved down together, just enough that none is above the best candidate naming
    the asked period (``naming_asked``: it holds the asked value of each kind, and neither it nor its
    document contradicts the question). A report on Macau's third quarter does not answer a question on its
    second, however many of the question's words it shares in the question's own language: the
    confidence declines such a hit outright (qa.confidence ``period_conflict``), and the ranking does
    not show it above the sibling report that names the asked quarter. Nothing else moves; unchanged
    when no candidate names the asked period (then no sibling can take its place)."""
    if not contradicting.any() or not naming_asked.any():
        return fused
    best = fused[naming_asked].max()
    top = fused[contradicting].max()
    if top < best:
        return fused
    out = fused.copy()
    out[contradicting] -= top - best + ASKED_PERIOD_STEP
    return out


# How far below the best candidate naming the asked period a contradicting report's best passage goes:
# a step, not evidence (any positive amount orders them the same).
ASKED_PERIOD_STEP = 1e-3


def level_languages(dense: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Dense similarities with those of the candidates in the question's own language (``own``, a
    bool each) shifted so that their mean is the other candidates' mean. The model scores any text in
    the question's language higher than text in the other; over a hundred candidates, most of them
    unrelated, the difference between the two means is that bias, not relevance. Unchanged when the
    candidates are all in one language."""
    if not own.any() or own.all():
        return dense
    out = dense.astype(np.float64)
    out[own] -= out[own].mean() - out[~own].mean()
    return out


def ranking(ids: np.ndarray, fused: np.ndarray) -> np.ndarray:
    """Positions into ``ids`` by fused score, best first; equal scores by passage id."""
    return np.lexsort((ids, -fused))
