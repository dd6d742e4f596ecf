import numpy as np

from qa.sparse_scores import SparseScores


def dense_sum(n, parts):
    out = np.zeros(n, dtype=np.float32)
    for ids, c in parts:
        out[ids] += c
    return out


def test_summed_scores_are_the_bits_of_a_dense_sum_in_the_same_order():
    rng = np.random.default_rng(0)
    n = 1000
    parts = [(np.sort(rng.choice(n, size, replace=False)), rng.random(size).astype(np.float32) * 7)
             for size in (300, 5, 800, 1)]
    hits = SparseScores.summed(parts)
    want = dense_sum(n, parts)
    assert (np.diff(hits.ids) > 0).all()
    assert np.array_equal(hits.dense(n), want)  # bit for bit
    assert np.array_equal(hits.ids, np.flatnonzero(want))
    dense_path = SparseScores.summed(parts, n)  # (these postings name most of the index: summed in an array)
    assert np.array_equal(dense_path.ids, hits.ids) and np.array_equal(dense_path.scores, hits.scores)
    # Many small contributions to the same passages: the order of the additions shows in the bits.
    small = [(np.arange(0, n, step), np.full(len(range(0, n, step)), v, dtype=np.float32))
             for step, v in ((1, 1e-8), (2, 3.0), (1, 1e-7), (3, 0.1))]
    want = dense_sum(n, small)
    for summed in (SparseScores.summed(small), SparseScores.summed(small, n)):
        assert np.array_equal(summed.dense(n), want)
    unsorted = SparseScores.summed([(np.array([5, 1, 3]), np.array([1.0, 2.0, 3.0], dtype=np.float32))])
    assert unsorted.ids.tolist() == [1, 3, 5] and unsorted.scores.tolist() == [2.0, 3.0, 1.0]
    one = SparseScores.summed(parts[:1])
    assert np.array_equal(one.dense(n), dense_sum(n, parts[:1]))
    assert len(SparseScores.summed([])) == 0 and len(SparseScores.summed([(np.zeros(0, int), np.zeros(0))])) == 0


def test_lookups_masks_and_sums_match_the_dense_arrays():
    n = 10
    a = SparseScores(np.array([1, 4, 7]), np.array([1.5, 2.0, 0.25], dtype=np.float32))
    b = SparseScores(np.array([0, 4, 9]), np.array([3.0, 1.0, 0.5], dtype=np.float32))
    assert a.at(np.array([7, 0, 4, 9])).tolist() == [0.25, 0.0, 2.0, 0.0]
    mask = np.zeros(n, dtype=bool)
    mask[[4, 7, 9]] = True
    assert np.array_equal(a.where(mask).dense(n), np.where(mask, a.dense(n), 0.0))
    assert np.array_equal((a + b).dense(n), a.dense(n) + b.dense(n))
    assert np.array_equal(SparseScores.of_dense(b.dense(n)).ids, b.ids)


def test_top_takes_the_best_positive_scores_ties_by_id():
    s = SparseScores(np.array([2, 3, 5, 8, 9]), np.array([1.0, 3.0, 1.0, 0.0, 1.0], dtype=np.float32))
    assert s.top(2).tolist() == [3, 2]  # of the three tied at 1.0, the lowest id
    assert s.top(10).tolist() == [3, 2, 5, 9]  # no zero score
    assert s.top(0).tolist() == [] and SparseScores.empty().top(3).tolist() == []


def test_among_looks_ids_up_in_sorted_holders():
    from qa.sparse_scores import among

    assert among(np.array([5, 0, 9, 3, 12]), np.array([0, 3, 4, 9])).tolist() == [False, True, True, True, False]
    assert among(np.array([1, 2]), np.zeros(0, dtype=np.int64)).tolist() == [False, False]


def test_ties_straddling_the_kth_place_are_chosen_as_over_all_passages():
    from qa.fusion import top_k

    n = 5000
    dense = np.zeros(n, dtype=np.float32)
    dense[np.arange(0, n, 7)] = 1.0  # hundreds of equal scores
    dense[[11, 500, 4000]] = 2.0
    want = top_k(dense, 100)
    assert SparseScores.of_dense(dense).top(100, n).tolist() == want[dense[want] > 0].tolist()


def test_from_the_approximate_size_tied_candidates_are_chosen_by_id_without_an_index_sized_array():
    """Below qa.stores.ann.ANN_MIN_PASSAGES the lexical candidates are chosen among ties as always (the
    index's passage count is passed on); from it, by passage id (no array over a million passages)."""
    from types import SimpleNamespace

    from qa.candidates import CandidateFinder
    from qa.stores.ann import ANN_MIN_PASSAGES

    class Sized:
        def __init__(self, count):
            self.count = count

        def columns(self):
            return SimpleNamespace(sentences=None, has_lang={}, lang=np.zeros(0, dtype="<U2"))

    assert CandidateFinder(Sized(ANN_MIN_PASSAGES - 1), None)._ties_over == ANN_MIN_PASSAGES - 1
    assert CandidateFinder(Sized(ANN_MIN_PASSAGES), None)._ties_over == 0
    dense = np.zeros(5000, dtype=np.float32)
    dense[np.arange(0, 5000, 7)] = 1.0
    assert SparseScores.of_dense(dense).top(100, 0).tolist() == list(range(0, 700, 7))
