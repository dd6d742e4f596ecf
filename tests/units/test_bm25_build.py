"""BM25.build computes every posting's weight in one vectorised expression: it must give the very
arrays a term-by-term computation gives (a query's scores add these float32 weights, so a changed
bit can reorder answers)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from qa.lexical import BM25, BM25Params, term_weights


def _term_by_term(docs: list[list[str]], params: BM25Params) -> dict[str, np.ndarray]:
    n = len(docs)
    lengths = np.array([sum(not t.startswith(("=", "~")) for t in d) for d in docs], dtype=np.float64)
    avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
    postings: dict[str, list[tuple[int, int]]] = {}
    for i, tokens in enumerate(docs):
        for term, tf in Counter(tokens).items():
            postings.setdefault(term, []).append((i, tf))
    ids, weights, tfs, indptr = [], [], [], [0]
    for term in sorted(postings):
        plist = postings[term]
        d = np.array([i for i, _ in plist], dtype=np.int32)
        tf = np.array([f for _, f in plist], dtype=np.float64)
        idf = math.log(1.0 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
        norm = params.k1 * (1.0 - params.b + params.b * lengths[d] / avgdl)
        ids.append(d)
        tfs.append(tf.astype(np.int32))
        weights.append(term_weights(idf, tf, norm, params.k1))
        indptr.append(indptr[-1] + len(plist))
    return {"vocab": sorted(postings), "indptr": np.array(indptr, dtype=np.int64),
            "doc_ids": np.concatenate(ids), "weights": np.concatenate(weights), "tf": np.concatenate(tfs)}


def test_build_gives_the_term_by_term_arrays_bit_for_bit():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(60)] + ["=2025", "~lubenfu", "港口", "港"]
    docs = [[str(w) for w in rng.choice(words, size=int(rng.integers(0, 40)))] for _ in range(150)]
    docs[3] = []  # a passage with no token
    params = BM25Params(k1=1.3, b=0.7)
    built, expected = BM25.build(docs, params), _term_by_term(docs, params)
    assert sorted(built.vocab, key=built.vocab.__getitem__) == expected["vocab"]
    for name in ("indptr", "doc_ids", "weights", "tf"):
        got, want = getattr(built, name), expected[name]
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name
    assert built.lengths.tolist() == [sum(not t.startswith(("=", "~")) for t in d) for d in docs]


def test_build_of_nothing():
    for docs in ([], [[]]):
        built = BM25.build(docs)
        assert len(built.vocab) == 0 and built.indptr.tolist() == [0]
        assert built.doc_ids.dtype == np.int32 and built.weights.dtype == np.float32 and len(built.weights) == 0


def test_segmented_postings_are_the_same_whatever_integer_type_a_segment_holds():
    """Segments' postings are read into one int32/int64 array; a segment whose ids and counts are of
    another integer type (an in-memory build, global ids as int32) gives the same postings, bit for bit."""
    import numpy as np

    from qa.stores.segment_bm25 import SegmentedBM25

    params = BM25Params()
    a = BM25.build([["x", "y"], ["y"], ["z", "x", "x"]], params)
    b = BM25.build([["x"], ["w", "y"]], params)
    wide = BM25(a.vocab, a.indptr, a.doc_ids.astype(np.int64), a.weights, a.n_docs, params,
                a.tf.astype(np.int64), a.lengths)
    glob_a, glob_b = np.array([0, -1, 1]), np.array([2, 3], dtype=np.int32)  # a's second passage deleted
    narrow = SegmentedBM25([(a, glob_a), (b, glob_b)], 4, params)
    other = SegmentedBM25([(wide, glob_a), (b, glob_b)], 4, params)
    assert narrow.postings("x")[0].tolist() == [0, 1, 2] and narrow.postings("q")[0].tolist() == []
    for term in ("x", "y", "z", "w", "q"):
        (ids, weights), (other_ids, other_weights) = narrow.postings(term), other.postings(term)
        assert ids.tolist() == other_ids.tolist() and weights.tobytes() == other_weights.tobytes()
