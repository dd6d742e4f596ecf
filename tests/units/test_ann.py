"""Approximate vector search (qa.stores.ann) inside the FAISS store: the choice by size, and the
candidates rescored exactly."""

import numpy as np
import pytest

from qa.errors import InputError
from qa.stores import ann
from qa.stores.faiss_segment import Segment


def test_choice_by_size_and_by_request():
    assert ann.choose("", ann.ANN_MIN_PASSAGES - 1) == "flat"
    assert ann.choose("auto", ann.ANN_MIN_PASSAGES) == ann.AUTO_ANN
    assert ann.choose("flat", 10 * ann.ANN_MIN_PASSAGES) == "flat"
    assert ann.choose("hnsw", 10) == "hnsw"
    with pytest.raises(InputError, match="choose one of auto, flat, hnsw, ivf"):
        ann.choose("annoy", 10)
    assert ann.record("flat", 5)["index_type"] == "IndexFlatIP"
    assert ann.record("ivf", 100_000) == {"index_type": "IVF1264,SQ8", "ann": "ivf", "rescore": ann.RESCORE,
                                          "ann_min_passages": ann.ANN_MIN_PASSAGES}


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_search_rescores_its_candidates_exactly(kind):
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 40, 4000)] + 0.3 * rng.standard_normal((4000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = object.__new__(Segment)  # a segment's search alone (no folder): the index and its vectors
    record = ann.record(kind, len(vectors))
    store.index, store._vectors, store.rows = ann.build(vectors, kind), vectors, len(vectors)
    store._ann, store._rescore = record["ann"], record["rescore"]
    ann.tune(store.index, kind)
    found = 0
    for pid in rng.choice(4000, 20, replace=False):
        query = vectors[pid] + 0.05 * rng.standard_normal(64).astype(np.float32)
        query /= np.linalg.norm(query)
        scores, ids = store.search(query, 10)
        assert len(ids) == 10 and np.allclose(scores, vectors[ids] @ query, atol=1e-6)  # exact scores
        assert np.all(np.diff(scores) <= 0)
        exact = np.argsort(-(vectors @ query), kind="stable")[:10]
        found += len(set(ids.tolist()) & set(exact.tolist()))
        assert np.array_equal(store.vectors(ids[::-1]), vectors[ids[::-1]])
    assert found / 200 >= 0.9


def test_auto_is_chosen_segment_by_segment_by_the_size_of_the_index_joined():
    big, small = ann.IVF_MIN_SEGMENT, ann.IVF_MIN_SEGMENT - 1
    assert ann.choose("", big, ann.ANN_MIN_PASSAGES - big) == ann.AUTO_ANN  # the index reaches the size
    assert ann.choose("", big, ann.ANN_MIN_PASSAGES - big - 1) == "flat"
    assert ann.choose("", small, 10 * ann.ANN_MIN_PASSAGES) == "flat"  # too few to train cells on
