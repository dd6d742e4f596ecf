"""A question's BM25 kept as the postings it sums until its best passages are asked for, then summed
in one array over the index when its postings name a good share of the index.

On a large index a question's common words name a good share of all passages, and its lexical
scores were made in steps, each a list of (passage, score) pairs: the question's terms summed, kept
to the passages in its language, then added to the scores of its shared keys (two lists merged by a
sort). Past the approximate size those steps cost more than one array of the index's size does, so
the whole expression is worked out there: each term's postings added into the array, masks applied
to it, the two arrays added.

``LazyScores`` offers what qa.candidates reads of qa.sparse_scores.SparseScores (``where``, ``+``,
``at``, ``top``) and gives the same float32 bits: a passage's score is added up part by part in the
order the parts were given, as ``SparseScores.summed`` adds them (0 plus the first contribution,
then the next...), and a sum of two is each's sum added.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .sparse_scores import DENSE_SHARE, SparseScores, dense_sum, united


class LazyScores:
    """BM25 scores of a question not yet summed: a sum of parts, masked or added together."""

    n: int  # passages of the index
    _sparse: SparseScores | None = None
    _every: np.ndarray | None = None  # (worked out in an array of the index's size)

    @staticmethod
    def of(parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int) -> "LazyScores":
        """``parts`` (passage ids ascending, each once; their float32 contributions) added in order."""
        return _Parts(parts, n)

    def where(self, mask: np.ndarray) -> "LazyScores":
        """These scores where ``mask`` (a bool per passage) holds, 0 elsewhere."""
        return _Masked(self, mask)

    def __add__(self, other: "LazyScores") -> "LazyScores":
        if not other.postings():
            return self
        return _Sum(self, other) if self.postings() else other

    def postings(self) -> int:
        """How many postings these scores add."""
        return sum(len(ids) for ids in self.leaves())

    def leaves(self) -> list[np.ndarray]:
        """The passage ids of every part these scores add."""
        raise NotImplementedError

    def summed(self) -> SparseScores:
        """The scores as SparseScores gives them, step by step."""
        raise NotImplementedError

    def dense(self) -> np.ndarray:
        """Every passage's score in one float32 array (the bits ``summed`` gives)."""
        raise NotImplementedError

    def _work_out(self) -> None:
        """Once: in an array of the index's size when the postings name a good share of it, else
        step by step."""
        if self._sparse is None and self._every is None:
            if self.postings() * DENSE_SHARE >= self.n:
                self._every = self.dense()
            else:
                self._sparse = self.summed()

    def scores(self) -> SparseScores:
        """The scores as SparseScores."""
        self._work_out()
        if self._sparse is None:
            ids = np.flatnonzero(self._every)  # (every contribution is positive)
            self._sparse = SparseScores(ids, self._every[ids])
        return self._sparse

    def at(self, ids: np.ndarray) -> np.ndarray:
        """As SparseScores.at."""
        self._work_out()
        if self._every is not None:
            return self._every[np.asarray(ids, dtype=np.int64)]
        return self._sparse.at(ids)

    def top(self, k: int, n: int = 0) -> np.ndarray:
        """As SparseScores.top. From the array: only the passages scoring at least what ``k``
        passages named by the question's rarest terms score are ordered (the best k are among them,
        with any tied at the k-th place)."""
        self._work_out()
        if self._every is None or n or k <= 0:
            return self.scores().top(k, n)
        edge = self._edge(k)
        if edge <= 0:
            return self.scores().top(k)
        ids = np.flatnonzero(self._every >= edge)
        return ids[np.lexsort((ids, -self._every[ids]))[:k]]

    def _edge(self, k: int) -> float:
        """A score at least ``k`` passages reach: the k-th best of the passages named by the
        shortest parts (the question's rarest terms); 0 when those are fewer than k."""
        every = self._every
        shortest = sorted(self.leaves(), key=len)
        named = np.zeros(0, dtype=np.int64)
        enough = 4 * k
        for i, ids in enumerate(shortest):
            named = united([named, ids])
            if len(named) < enough and i < len(shortest) - 1:
                continue
            found = every[named]
            found = found[found > 0]
            if len(found) >= k:
                return float(np.partition(found, len(found) - k)[len(found) - k])
            enough = 4 * len(named)  # (masks left too few: take more parts)
        return 0.0


class _Parts(LazyScores):
    def __init__(self, parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int):
        self.parts = [(np.asarray(i, dtype=np.int64), np.asarray(c, dtype=np.float32)) for i, c in parts if len(i)]
        self.n = n

    def leaves(self) -> list[np.ndarray]:
        return [ids for ids, _ in self.parts]

    def summed(self) -> SparseScores:
        return SparseScores.summed(self.parts, self.n)

    def dense(self) -> np.ndarray:
        return dense_sum(self.parts, self.n)


class _Masked(LazyScores):
    def __init__(self, scores: LazyScores, mask: np.ndarray):
        self.inner, self.mask, self.n = scores, mask, scores.n

    def leaves(self) -> list[np.ndarray]:
        return self.inner.leaves()

    def summed(self) -> SparseScores:
        return self.inner.summed().where(self.mask)

    def dense(self) -> np.ndarray:
        out = self.inner.dense()
        np.multiply(out, self.mask, out=out)  # (x * 1 is x, x * 0 is 0: scores are finite)
        return out


class _Sum(LazyScores):
    """``first + second``, as ``SparseScores.__add__`` adds them."""

    def __init__(self, first: LazyScores, second: LazyScores):
        self.first, self.second, self.n = first, second, first.n

    def leaves(self) -> list[np.ndarray]:
        return self.first.leaves() + self.second.leaves()

    def summed(self) -> SparseScores:
        return self.first.summed() + self.second.summed()

    def dense(self) -> np.ndarray:
        out = self.first.dense()
        out += self.second.dense()
        return out
