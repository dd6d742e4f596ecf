import numpy as np

from qa.lazy_scores import LazyScores
from qa.sparse_scores import SparseScores, united


def _parts(rng, n, sizes):
    return [(np.sort(rng.choice(n, size, replace=False)), (rng.random(size) * 7 + 1e-3).astype(np.float32))
            for size in sizes]


def test_a_question_s_expression_gives_the_bits_of_the_step_by_step_sums_both_ways():
    """As qa.candidates builds the direct signal: terms summed, masked to a language, plus the shared
    keys masked to the other language; worked out in an index-sized array when the postings name a
    good share of the index (the first two) or step by step (the last), the same bits as SparseScores."""
    rng = np.random.default_rng(3)
    n = 2000
    same = rng.random(n) < 0.6
    for sizes, keys in (((900, 40, 1500), (700, 3)), ((30, 2), (5,)), ((60,), ())):
        words, shared = _parts(rng, n, sizes), _parts(rng, n, keys)
        want = SparseScores.summed(words, n).where(same) + SparseScores.summed(shared, n).where(~same)
        lazy = LazyScores.of(words, n).where(same) + LazyScores.of(shared, n).where(~same)
        assert np.array_equal(lazy.scores().ids, want.ids)
        assert np.array_equal(lazy.scores().scores.view(np.uint32), want.scores.view(np.uint32))
        assert np.array_equal(lazy.dense().view(np.uint32), want.dense(n).view(np.uint32))
        assert np.array_equal(lazy.top(50), want.top(50))
        probe = np.arange(0, n, 7)
        assert np.array_equal(lazy.at(probe), want.at(probe))
    empty = LazyScores.of([], n)
    assert len(empty.scores()) == 0 and len(empty.top(5)) == 0
    only = LazyScores.of(_parts(rng, n, (10,)), n)
    assert (empty + only) is only and (only + empty) is only


def test_united_holders_are_every_id_once_ascending_both_ways():
    rng = np.random.default_rng(4)
    n = 500
    lists = [np.sort(rng.choice(n, size, replace=False)) for size in (200, 3, 150)]
    want = np.unique(np.concatenate(lists))
    assert united(lists).tolist() == want.tolist()
    assert united(lists, n).tolist() == want.tolist()  # (a good share of the index: a bool array)
    assert united([lists[1]]).tolist() == lists[1].tolist()
    assert united([]).dtype == np.int64 and len(united([np.zeros(0, int)])) == 0
