"""BM25 over several segments, scoring exactly as one build over their live passages would.

A segment's BM25 weights were computed with its own statistics (its passage count, average length
and document frequencies); over several segments, or with passages deleted, those are wrong. Each
segment also keeps the raw counts (a posting's term frequency, each passage's length), and a term's
weights are computed from them when a question first asks for it, with the statistics of the live
passages of all segments: the same float64 expression as a single build (qa.lexical.term_weights),
so the scores are the same bits. One segment with nothing deleted uses its stored weights as they are.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..errors import IndexCorruptError
from ..lexical import BM25, BM25Params, PostingScorer, idf_of, term_weights_in_place
from .row_file import RowFile
from ..term_list import TermList
from ..term_table import TermTable

CACHED_TERMS = 16384  # terms whose combined weights are kept (a question has tens)
# ... and at most this many bytes of them: at a million passages a common term's postings are
# hundreds of thousands of passages (12 bytes each), and 16,384 such terms would be gigabytes.
CACHED_BYTES = 192 * 2**20


class SegmentedBM25(PostingScorer):
    """``parts``: each segment's BM25 and, per local passage, its global id (-1: deleted)."""

    def __init__(self, parts: Sequence[tuple[BM25, np.ndarray]], n_docs: int, params: BM25Params):
        # (global ids as int64: postings' ids are taken from them into int64 arrays)
        self.parts = [(bm25, np.asarray(glob, dtype=np.int64)) for bm25, glob in parts]
        self.n_docs, self.params = n_docs, params
        for bm25, _ in self.parts:
            if bm25.tf is None or bm25.lengths is None:
                raise IndexCorruptError("a segment of the index lacks its BM25 counts")
        total = sum(int(bm25.lengths[glob >= 0].sum()) for bm25, glob in self.parts)
        # As a single build: the mean of the live passages' lengths (whole numbers: the sum is exact).
        self.avgdl = float(total) / n_docs if n_docs and total else 1.0
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cached_bytes = 0
        self._whole = [bool((glob >= 0).all()) for _, glob in self.parts]  # nothing deleted there
        # Each live passage's length normalisation by global id, worked out once (elementwise: the same
        # bits as per term), so a term's weights in all segments are one expression over its postings.
        k1, b = params.k1, params.b
        lengths = np.zeros(n_docs, dtype=np.float64)
        for bm25, glob in self.parts:
            live = glob >= 0
            lengths[glob[live]] = bm25.lengths[live]
        self._norm = k1 * (1.0 - b + b * lengths / self.avgdl)
        self._known: dict[str, bool] = {}
        # The first global id of each segment whose live passages are a run of global ids, in order
        # (nothing deleted: every segment of a build that only added): its postings' global ids are
        # their local ids plus it. None: read through the segment's global ids.
        self._first = [int(glob[0]) if len(glob) and whole and bool((np.diff(glob) == 1).all()) else None
                       for (_, glob), whole in zip(self.parts, self._whole)]
        self._table: TermTable | None | bool = None  # made when first needed; False: none (lookups per segment)
        self._numbers: dict[str, np.ndarray] = {}

    def numbers(self, terms: Sequence[str]) -> np.ndarray:
        """(len(terms), segments): each term's number in each segment's term list, -1 where absent. With
        many segments, one lookup in a table of all their terms (qa.term_table) rather than one a
        segment; found rows are kept."""
        if self._table is None:
            lists = [bm25.vocab for bm25, _ in self.parts]
            table = TermTable(lists) if len(lists) > 1 and all(isinstance(v, TermList) for v in lists) else None
            self._table = table if table is not None and table.exact else False
        new = [t for t in dict.fromkeys(terms) if t not in self._numbers]
        if new:
            if self._table:
                found = self._table.numbers(new)
            else:
                found = np.array([[-1 if (t := bm25.vocab.get(term)) is None else t for bm25, _ in self.parts]
                                  for term in new], dtype=np.int64).reshape(len(new), len(self.parts))
            if len(self._numbers) + len(new) > 8 * CACHED_TERMS:
                self._numbers.clear()
            self._numbers.update(zip(new, found))
        return np.array([self._numbers[t] for t in terms]).reshape(len(terms), len(self.parts))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(global ids, weights) of the live passages holding ``term``."""
        hit = self._cache.pop(term, None)
        if hit is not None:
            self._cache[term] = hit
            return hit
        row = self.numbers([term])[0]
        held = np.flatnonzero(row >= 0).tolist()
        out = self._read_postings(row, held)
        self._keep(term, out)
        return out

    def _read_postings(self, row: np.ndarray, held: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """``postings``, each segment's postings read straight into one array (no per-segment arrays
        joined; a file of another integer type than the builds' int32 is read and converted); a segment whose live passages are a run of global ids gives its ids by adding the
        run's start (others through their global ids); the weights' arithmetic in place
        (qa.lexical.term_weights_in_place: the same bits)."""
        spans = []
        for s in held:
            bm25, t = self.parts[s][0], int(row[s])
            spans.append((s, int(bm25.indptr[t]), int(bm25.indptr[t + 1])))
        df = sum(hi - lo for _, lo, hi in spans)
        if not df:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        local, tf = np.empty(df, dtype=np.int32), np.empty(df, dtype=np.int32)
        found = np.empty(df, dtype=np.int64)
        at, deleted = 0, False
        for s, lo, hi in spans:
            bm25, glob = self.parts[s]
            part = slice(at, at + hi - lo)
            for source, into in ((bm25.doc_ids, local), (bm25.tf, tf)):
                if isinstance(source, RowFile) and source.dtype == into.dtype:
                    source.read_into(lo, hi, into[part])
                else:
                    into[part] = source[lo:hi]
            if self._first[s] is not None:
                np.add(local[part], self._first[s], out=found[part])
            else:
                np.take(glob, local[part], out=found[part])
                deleted = deleted or not self._whole[s]
            at += hi - lo
        if deleted:
            keep = found >= 0
            found, tf = found[keep], tf[keep]
            if not len(found):
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
        # (segments in order, each's postings ascending: the global ids come out ascending)
        weights = term_weights_in_place(idf_of(self.n_docs, len(found)), tf.astype(np.float64),
                                        self._norm[found], self.params.k1)
        return found, weights

    def _keep(self, term: str, out: tuple[np.ndarray, np.ndarray]) -> None:
        size = out[0].nbytes + out[1].nbytes
        while self._cache and (len(self._cache) >= CACHED_TERMS or self._cached_bytes + size > CACHED_BYTES):
            # The least recently used half goes (dicts keep insertion order; a hit moves a term last).
            for old in list(self._cache)[:max(1, len(self._cache) // 2)]:
                dropped = self._cache.pop(old)
                self._cached_bytes -= dropped[0].nbytes + dropped[1].nbytes
        if size <= CACHED_BYTES:
            self._cache[term] = out
            self._cached_bytes += size

    def term_parts(self, query_tokens):
        query_tokens = list(query_tokens)
        self.numbers(query_tokens)  # (the terms looked up together)
        return super().term_parts(query_tokens)

    def weighted_term_parts(self, terms: dict[str, float]):
        self.numbers(list(terms))
        return super().weighted_term_parts(terms)

    def holders(self, terms: Iterable[str]) -> np.ndarray:
        terms = set(terms)
        self.numbers(list(terms))
        return super().holders(terms)

    def document_frequency(self, term: str) -> int:
        hit = self._cache.get(term)
        if hit is not None:
            return len(hit[0])
        df = 0
        for bm25, glob, deleted in self._postings(self.numbers([term])[0]):
            lo, hi = deleted
            df += hi - lo if glob is None else int((glob[bm25.doc_ids[lo:hi]] >= 0).sum())
        return df

    def known(self, term: str) -> bool:
        """Whether a live passage holds ``term`` (without working out its weights)."""
        return term in self.known_of([term])

    def known_of(self, terms: Iterable[str]) -> set[str]:
        """Which of ``terms`` a live passage holds: the terms not asked before looked up together."""
        terms = list(dict.fromkeys(terms))
        new = [t for t in terms if t not in self._known]
        if new:
            if len(self._known) + len(new) > 8 * CACHED_TERMS:
                self._known.clear()
            for term, row in zip(new, self.numbers(new)):
                self._known[term] = any(glob is None or (glob[bm25.doc_ids[lo:hi]] >= 0).any()
                                        for bm25, glob, (lo, hi) in self._postings(row))
        return {t for t in terms if self._known[t]}

    def _postings(self, row: np.ndarray):
        """(bm25, global ids or None when the segment has nothing deleted, (lo, hi)) of each segment
        holding the term whose numbers are ``row``."""
        for s in np.flatnonzero(row >= 0).tolist():
            (bm25, glob), t = self.parts[s], int(row[s])
            yield bm25, None if self._whole[s] else glob, (int(bm25.indptr[t]), int(bm25.indptr[t + 1]))

