import numpy as np

from qa.fusion import rrf, top_k, weighted_sum, zscore
from qa.lexical import BM25


def test_zscore_and_constant_input():
    z = zscore(np.array([1.0, 2.0, 3.0]))
    assert np.allclose(z, [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert not zscore(np.array([5.0, 5.0])).any()


def test_zscore_does_not_blow_up_tiny_spreads():
    nearly_equal = np.array([0.108, 0.116, 0.095, 0.104])
    assert np.abs(zscore(nearly_equal)).max() < 1.0
    assert np.abs(zscore(nearly_equal, floor=0.0)).max() > 1.3


def test_weighted_sum_lets_a_strong_signal_win():
    dense = np.array([0.50, 0.52, 0.49])
    lexical = np.array([9.0, 0.0, 0.0])
    assert int(np.argmax(weighted_sum([dense, lexical], [1.0, 1.0]))) == 0
    assert int(np.argmax(weighted_sum([dense, lexical], [1.0, 0.0]))) == 1


def test_rrf_known_values():
    fused = rrf([[1, 2, 3], [3, 1]], k=60)
    assert fused[1] == 1 / 61 + 1 / 62
    assert fused[3] == 1 / 63 + 1 / 61
    assert fused[2] == 1 / 62
    assert max(fused, key=fused.get) == 1


def test_top_k_is_stable_and_bounded():
    assert top_k(np.array([0.1, 0.9, 0.9, 0.5]), 3).tolist() == [1, 2, 3]
    assert top_k(np.array([1.0]), 5).tolist() == [0]
    assert top_k(np.array([]), 5).tolist() == []


def test_bm25_ranks_and_round_trips(tmp_path):
    docs = [["长城", "明朝"], ["volcano", "ash", "ash"], ["长城", "长城", "世界", "遗产"], []]
    bm = BM25.build(docs)
    s = bm.scores(["长城"])
    assert s[2] > s[0] > 0 and s[1] == 0 and s[3] == 0
    assert bm.scores(["unknown"]).sum() == 0
    bm.save(tmp_path)
    again = BM25.load(tmp_path, 4, bm.params)
    assert np.array_equal(again.scores(["ash", "长城"]), bm.scores(["ash", "长城"]))

