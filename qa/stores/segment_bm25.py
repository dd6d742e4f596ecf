"""BM25 over several segments, scoring exactly as one build over their live passages would.

A segment's BM25 weights were computed with its own statistics (its passage count, average length
and document frequencies); over several segments, or with passages deleted, those are wrong. Each
segment also keeps the raw counts (a posting's term frequency, each passage's length), and a term's
weights are computed from them when a question first asks for it, with the statistics of the live
passages of all segments: the same float64 expression as a single build (qa.lexical.term_weights),
so the scores are the same bits. One segment with nothing deleted uses its stored weights as they are.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from ..errors import IndexCorruptError
from ..lexical import BM25, BM25Params, idf_of, term_weights

CACHED_TERMS = 4096  # terms whose combined weights are kept (a question has tens)


class SegmentedBM25:
    """``parts``: each segment's BM25 and, per local passage, its global id (-1: deleted)."""

    def __init__(self, parts: Sequence[tuple[BM25, np.ndarray]], n_docs: int, params: BM25Params):
        self.parts, self.n_docs, self.params = list(parts), n_docs, params
        for bm25, _ in self.parts:
            if bm25.tf is None or bm25.lengths is None:
                raise IndexCorruptError("a segment of the index lacks its BM25 counts")
        total = sum(int(bm25.lengths[glob >= 0].sum()) for bm25, glob in self.parts)
        # As a single build: the mean of the live passages' lengths (whole numbers: the sum is exact).
        self.avgdl = float(total) / n_docs if n_docs and total else 1.0
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _term(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(global ids, weights) of the live passages holding ``term``."""
        hit = self._cache.get(term)
        if hit is not None:
            return hit
        found = []
        for bm25, glob in self.parts:
            t = bm25.vocab.get(term)
            if t is None:
                continue
            lo, hi = int(bm25.indptr[t]), int(bm25.indptr[t + 1])
            local = np.asarray(bm25.doc_ids[lo:hi])
            keep = glob[local] >= 0
            found.append((bm25, glob, local[keep], np.asarray(bm25.tf[lo:hi])[keep]))
        df = sum(len(local) for _, _, local, _ in found)
        ids, weights = [], []
        if df:
            k1, b, idf = self.params.k1, self.params.b, idf_of(self.n_docs, df)
            for bm25, glob, local, tf in found:
                if not len(local):
                    continue
                tf = tf.astype(np.float64)
                norm = k1 * (1.0 - b + b * bm25.lengths[local].astype(np.float64) / self.avgdl)
                ids.append(glob[local])
                weights.append(term_weights(idf, tf, norm, k1))
        out = (np.concatenate(ids) if ids else np.zeros(0, np.int64),
               np.concatenate(weights) if weights else np.zeros(0, np.float32))
        if len(self._cache) >= CACHED_TERMS:
            self._cache.clear()
        self._cache[term] = out
        return out

    def scores(self, query_tokens: Iterable[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, qtf in Counter(query_tokens).items():
            ids, weights = self._term(term)
            if len(ids):
                out[ids] += qtf * weights
        return out

    def weighted_scores(self, terms: dict[str, float]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, w in terms.items():
            if w <= 0:
                continue
            ids, weights = self._term(term)
            if len(ids):
                out[ids] += np.float32(w) * weights
        return out

    def document_frequency(self, term: str) -> int:
        return len(self._term(term)[0])

    def known(self, term: str) -> bool:
        return self.document_frequency(term) > 0

