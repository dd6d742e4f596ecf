"""Scores held only for the passages that have one (BM25 of a question's terms: the passages its
terms' postings name), so a question's lexical work grows with those postings, not with the index.

The sums are the float32 additions a dense array of zeros would take, in the same order (term by
term, as given), so the scores are the same bits as ``out[ids] += contribution`` over every passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .fusion import top_k


DENSE_SHARE = 16  # parts naming at least 1/16 of the index are added in an array of the index's size


@dataclass(frozen=True)
class SparseScores:
    """``scores[i]`` is passage ``ids[i]``'s score (ids ascending, each once); other passages score 0."""

    ids: np.ndarray  # int64
    scores: np.ndarray  # float32

    @classmethod
    def empty(cls) -> "SparseScores":
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))

    @classmethod
    def of_dense(cls, scores: np.ndarray) -> "SparseScores":
        ids = np.flatnonzero(scores)
        return cls(ids.astype(np.int64), np.asarray(scores, dtype=np.float32)[ids])

    @classmethod
    def summed(cls, parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int = 0) -> "SparseScores":
        """The sum of ``parts`` (each: passage ids, each once, and their float32
        contributions), added in the order given. ``n``: the passages of the index, when known: parts
        that name a good share of them are added in an array of ``n`` (less work than merging them)."""
        parts = [(np.asarray(i, dtype=np.int64), np.asarray(c, dtype=np.float32)) for i, c in parts if len(i)]
        if not parts:
            return cls.empty()
        if len(parts) == 1 and (len(parts[0][0]) < 2 or bool((parts[0][0][1:] > parts[0][0][:-1]).all())):
            return cls(*parts[0])  # (0 + c is c: the dense sum's bits)
        total = sum(len(i) for i, _ in parts)
        if n and total * DENSE_SHARE >= n:
            out = dense_sum(parts, n)
            ids = np.flatnonzero(out)
            return cls(ids, out[ids])
        # Merged: a stable sort keeps each passage's contributions in the order of the parts; they
        # are then added round by round (first contributions, then second ones...), as a dense sum would.
        ids = np.concatenate([i for i, _ in parts])
        order = np.argsort(ids, kind="stable")
        ids, values = ids[order], np.concatenate([c for _, c in parts])[order]
        first = np.empty(len(ids), dtype=bool)
        first[0] = True
        np.not_equal(ids[1:], ids[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        run = np.cumsum(first) - 1
        rank = np.arange(len(ids)) - starts[run]
        out = values[starts].copy()
        for r in range(1, int(rank.max()) + 1):
            at = rank == r
            out[run[at]] += values[at]
        return cls(ids[starts], out)

    def __len__(self) -> int:
        return len(self.ids)

    def at(self, ids: np.ndarray) -> np.ndarray:
        """The scores of ``ids`` (0 for a passage without one), float32."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.zeros(len(ids), dtype=np.float32)
        if not len(self.ids) or not len(ids):
            return out
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        found = self.ids[pos] == ids
        out[found] = self.scores[pos[found]]
        return out

    def holders(self) -> np.ndarray:
        """The passages with a positive score, ascending."""
        return self.ids[self.scores > 0]

    def where(self, mask: np.ndarray) -> "SparseScores":
        """These scores where ``mask`` (a bool per passage of the index) holds, 0 elsewhere."""
        keep = np.asarray(mask)[self.ids]
        return SparseScores(self.ids[keep], self.scores[keep])

    def __add__(self, other: "SparseScores") -> "SparseScores":
        return SparseScores.summed([(self.ids, self.scores), (other.ids, other.scores)])

    def top(self, k: int, n: int = 0) -> np.ndarray:
        """The ids of the ``k`` highest positive scores, best first; equal scores by id. ``n``: the
        passages of the index: when passages of equal score straddle the k-th place, they are chosen
        among exactly as ``qa.fusion.top_k`` chooses over all ``n`` scores (the same candidates as
        before scores were kept sparse; ties are rare outside tiled test data)."""
        positive = self.scores > 0
        ids, scores = self.ids[positive], self.scores[positive]
        if k <= 0 or not len(ids):
            return np.zeros(0, dtype=np.int64)
        if len(ids) > k:
            # Everything at least as high as the k-th highest (ties at the edge all in), then ordered.
            edge = scores[np.argpartition(-scores, k - 1)[k - 1]]
            within = scores >= edge
            if n and int(within.sum()) > k:
                every = self.dense(n)
                best = top_k(every, k)
                return best[every[best] > 0]
            ids, scores = ids[within], scores[within]
        return ids[np.lexsort((ids, -scores))[:k]]

    def dense(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float32)
        out[self.ids] = self.scores
        return out


def dense_sum(parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """The sum of ``parts`` (each: passage ids, each once, and their float32 contributions) in one
    float32 array of the index's ``n`` passages, added in the order given."""
    out = np.zeros(n, dtype=np.float32)
    for ids, contributions in parts:
        out[ids] += contributions
    return out


def among(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """For each of ``ids``, whether it is in ``sorted_ids`` (ascending): a binary search each, so a
    question's few candidates are looked up in a common term's holders without a pass over them."""
    ids = np.asarray(ids, dtype=np.int64)
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


def united(id_lists: Sequence[np.ndarray], n: int = 0) -> np.ndarray:
    """The ids in any of ``id_lists`` (each ascending, each id once), ascending, as int64. ``n``: the
    passages of the index, when known: lists naming a good share of them are united in a bool array
    of ``n`` (less work than a sort)."""
    lists = [np.asarray(i, dtype=np.int64) for i in id_lists if len(i)]
    if not lists:
        return np.zeros(0, dtype=np.int64)
    if len(lists) == 1:
        return lists[0]
    total = sum(len(i) for i in lists)
    if n and total * DENSE_SHARE >= n:
        seen = np.zeros(n, dtype=bool)
        for i in lists:
            seen[i] = True
        return np.flatnonzero(seen)
    ids = np.concatenate(lists)
    ids.sort()
    keep = np.empty(len(ids), dtype=bool)
    keep[0] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]
