"""BM25 over search tokens, as precomputed per-term weight lists in plain .npy files.

Our own small implementation rather than bm25s: term weights are computed once at build time, so a
query is a few numpy additions; it needs no scipy (whose import alone costs a one-shot `qa ask`
more than the whole search); and it saves and loads as plain arrays with no pickle.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from .errors import IndexCorruptError
from .segment import is_key
from .sparse_scores import SparseScores, united
from .stores.row_file import RowFile
from .term_list import TERMS, TermList, write_terms


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.2
    b: float = 0.75

    def to_dict(self) -> dict:
        return asdict(self)


def term_weights(idf: float, tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """A term's BM25 weight in each document holding it (float64 arithmetic, float32 result): one
    expression for a single build and for segments combined, so both give the same bits."""
    return (idf * tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)


def term_weights_in_place(idf: float, tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """``term_weights`` with its float64 arrays ``tf`` and ``norm`` used as the work space (both are
    overwritten): the same operations in the same order, so the same bits, with no further arrays of
    the postings' size than the float32 result (at a million passages a common term's postings are
    hundreds of thousands)."""
    np.add(norm, tf, out=norm)  # tf + norm (addition is commutative, bit for bit)
    np.multiply(tf, idf, out=tf)
    np.multiply(tf, k1 + 1.0, out=tf)
    np.divide(tf, norm, out=tf)
    return tf.astype(np.float32)


def idf_of(n: int, df: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class PostingScorer:
    """BM25 of a query from a term's postings (``postings(term)``: the documents holding it,
    ascending, and its weight in each) over ``n_docs`` documents: one index (BM25) or the live
    passages of several segments (qa.stores.segment_bm25.SegmentedBM25) score alike."""

    n_docs: int

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def scores(self, query_tokens: Iterable[str]) -> np.ndarray:
        """BM25 score of every document for the query (0 where no query term occurs)."""
        return self.hits(query_tokens).dense(self.n_docs)

    def weighted_scores(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 for a query given as term -> weight (e.g. translated terms), unknown terms ignored."""
        return self.weighted_hits(terms).dense(self.n_docs)

    def hits(self, query_tokens: Iterable[str]) -> SparseScores:
        """BM25 of the documents holding a query term (the others score 0): work in proportion to
        the terms' postings."""
        return SparseScores.summed(self.term_parts(query_tokens), self.n_docs)

    def weighted_hits(self, terms: dict[str, float]) -> SparseScores:
        """``hits`` for a query given as term -> weight, unknown terms and weights <= 0 ignored."""
        return SparseScores.summed(self.weighted_term_parts(terms), self.n_docs)

    def holders(self, terms: Iterable[str]) -> np.ndarray:
        """The documents holding any of ``terms``, ascending: the postings' ids united, nothing summed."""
        return united([self.postings(term)[0] for term in set(terms)], self.n_docs)

    def term_parts(self, query_tokens: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """What ``hits`` adds up, term by term: (the documents holding it, its contribution in each)."""
        # (a term asked once adds its weights as they are: 1 * w is w, without a copy of a common
        # term's postings)
        return [(ids, w if qtf == 1 else qtf * w) for term, qtf in Counter(query_tokens).items()
                for ids, w in (self.postings(term),)]

    def weighted_term_parts(self, terms: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        """What ``weighted_hits`` adds up, term by term."""
        return [(ids, np.float32(w) * weights) for term, w in terms.items() if w > 0
                for ids, weights in (self.postings(term),)]


class BM25(PostingScorer):
    """Lucene-style BM25. ``weights[indptr[t]:indptr[t+1]]`` are term t's scores in ``doc_ids``."""

    def __init__(self, vocab: Mapping[str, int] | TermList, indptr: np.ndarray, doc_ids: np.ndarray,
                 weights: np.ndarray, n_docs: int, params: BM25Params = BM25Params(),
                 tf: np.ndarray | None = None, lengths: np.ndarray | None = None):
        self.vocab, self.indptr, self.doc_ids, self.weights = vocab, indptr, doc_ids, weights
        self.n_docs, self.params = n_docs, params
        # The raw counts the weights came from (term frequency a posting, words a document): what
        # scores over several segments are computed from (SegmentedBM25). None for older builds.
        self.tf, self.lengths = tf, lengths

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], params: BM25Params = BM25Params()) -> "BM25":
        n = len(docs)
        # A passage's length counts its words: the shared keys of quantities and names repeat what
        # its words say, and must not make it look longer.
        lengths = np.fromiter((sum(not is_key(t) for t in d) for d in docs), dtype=np.float64, count=n)
        avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
        # Postings as flat arrays, sorted by term (then by document, as they were added): the weights
        # are one vectorised expression over all of them (each element the same float64 arithmetic).
        counts = [Counter(tokens) for tokens in docs]
        terms = sorted(set().union(*counts)) if counts else []
        vocab = {t: i for i, t in enumerate(terms)}
        total = sum(len(c) for c in counts)
        term_of = np.fromiter((vocab[t] for c in counts for t in c), dtype=np.int64, count=total)
        tf_raw = np.fromiter((f for c in counts for f in c.values()), dtype=np.float64, count=total)
        doc_of = np.repeat(np.arange(n, dtype=np.int32), [len(c) for c in counts])
        order = np.argsort(term_of, kind="stable")
        doc_ids, tf, term_of = doc_of[order], tf_raw[order], term_of[order]
        df = np.bincount(term_of, minlength=len(terms))
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        k1, b = params.k1, params.b
        idf = np.array([idf_of(n, int(d)) for d in df], dtype=np.float64)[term_of]
        norm = k1 * (1.0 - b + b * lengths[doc_ids] / avgdl)
        weights = term_weights(idf, tf, norm, k1)
        tf_all = tf.astype(np.int32)
        return cls(vocab, indptr, doc_ids, weights, n, params, tf_all, lengths.astype(np.int32))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents holding ``term``, ascending; its weight in each)."""
        t = self.vocab.get(term)
        if t is None:
            return _NONE
        lo, hi = int(self.indptr[t]), int(self.indptr[t + 1])
        return self.doc_ids[lo:hi], self.weights[lo:hi]

    def document_frequency(self, term: str) -> int:
        """In how many documents ``term`` occurs (0 when none holds it)."""
        t = self.vocab.get(term)
        return 0 if t is None else int(self.indptr[t + 1] - self.indptr[t])

    # -- persistence: plain arrays and a JSON term list ----------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "bm25_indptr.npy", self.indptr)
        np.save(folder / "bm25_doc_ids.npy", self.doc_ids)
        np.save(folder / "bm25_weights.npy", self.weights)
        if self.tf is not None and self.lengths is not None:
            np.save(folder / "bm25_tf.npy", self.tf)
            np.save(folder / "bm25_lengths.npy", self.lengths)
        write_terms(folder, sorted(self.vocab, key=self.vocab.__getitem__))

    @classmethod
    def load(cls, folder: Path, n_docs: int, params: BM25Params, large: bool = False) -> "BM25":
        """The postings ``save`` wrote; ``large``: read each term's postings when asked for (with
        pread) rather than through memory maps, and not scanned on open."""
        try:
            # The term list: memory-mapped and searched (a build written before it: a JSON list).
            terms = TermList(folder) if (folder / TERMS).exists() else \
                json.loads((folder / "bm25_terms.json").read_text(encoding="utf-8"))
            indptr = np.load(folder / "bm25_indptr.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
            tf = lengths = None
            if large:
                # Each term's postings read when asked for (pread): mapped, the postings a process has
                # read stayed in its memory (at 100,000 passages, 200 questions touched 83 MB of them).
                doc_ids, weights = (RowFile(folder / f"bm25_{name}.npy", "BM25") for name in ("doc_ids", "weights"))
                if (folder / "bm25_tf.npy").exists():
                    tf = RowFile(folder / "bm25_tf.npy", "BM25")
            else:
                # Plain array views of the maps: a slice of an np.memmap is a memmap too, whose bookkeeping
                # cost more than the postings' arithmetic (a question slices a few hundred times).
                doc_ids, weights = (np.load(folder / f"bm25_{name}.npy", mmap_mode="r", allow_pickle=False)
                                    .view(np.ndarray) for name in ("doc_ids", "weights"))
                if (folder / "bm25_tf.npy").exists():
                    tf = np.load(folder / "bm25_tf.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
            if tf is not None:
                lengths = np.load(folder / "bm25_lengths.npy", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise IndexCorruptError(f"the BM25 part of the index is unreadable ({e})") from e
        # (A large index's postings are not read whole to check them: a bad id fails the question.)
        if len(indptr) != len(terms) + 1 or len(doc_ids) != len(weights) or int(indptr[-1]) != len(doc_ids) or \
                (not large and len(doc_ids) and int(doc_ids.max()) >= n_docs):
            raise IndexCorruptError("the BM25 part of the index does not match its passages")
        if tf is not None and (len(tf) != len(doc_ids) or len(lengths) != n_docs):
            raise IndexCorruptError("the BM25 part of the index does not match its passages")
        vocab = terms if isinstance(terms, TermList) else {t: i for i, t in enumerate(terms)}
        return cls(vocab, indptr, doc_ids, weights, n_docs, params, tf, lengths)
