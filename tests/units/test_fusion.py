import numpy as np
import pytest

from qa.fusion import (W_BRIDGE, W_CONFLICT, W_DENSE, W_LEXICAL, below_asked_period, fuse, lexical_weight, ranking,
                       top_k, weighted_sum, zscore)
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


def test_lexical_weight_follows_the_share_of_direct_evidence():
    none = np.zeros(3)
    assert lexical_weight(np.array([2.0, 1.0, 0.0]), none) == W_LEXICAL
    assert lexical_weight(none, np.array([0.0, 3.0, 0.0])) == W_BRIDGE
    assert lexical_weight(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])) == (W_LEXICAL + W_BRIDGE) / 2
    assert lexical_weight(none, none) == 0.0


def test_each_mode_ranks_by_its_own_signal():
    dense = np.array([0.30, 0.60, 0.45], dtype=np.float32)
    direct = np.array([0.0, 1.0, 6.0], dtype=np.float32)
    bridged = np.array([2.0, 0.0, 0.0], dtype=np.float32)
    fused, lexical = fuse("dense", dense, direct, bridged)
    assert fused.tolist() == dense.astype(np.float64).tolist() and lexical.tolist() == [2.0, 1.0, 6.0]
    assert fuse("lexical", dense, direct, bridged)[0].tolist() == [2.0, 1.0, 6.0]
    hybrid = fuse("hybrid", dense, direct, bridged)[0]
    expected = W_DENSE * zscore(dense) + lexical_weight(direct, bridged) * zscore(lexical)
    assert np.allclose(hybrid, expected)
    with pytest.raises(ValueError, match="unknown mode"):
        fuse("sparse", dense, direct, bridged)


def test_bridged_evidence_counts_less_than_the_same_direct_evidence():
    dense = np.array([0.40, 0.55, 0.50], dtype=np.float32)
    evidence = np.array([3.0, 0.0, 0.0], dtype=np.float32)
    zero = np.zeros(3, dtype=np.float32)
    as_direct = fuse("hybrid", dense, evidence, zero)[0]
    as_bridged = fuse("hybrid", dense, zero, evidence)[0]
    assert ranking(np.arange(3), as_direct)[0] == 0  # the question's own words decide
    assert as_bridged[0] - as_bridged[1] < as_direct[0] - as_direct[1]


def test_a_contradicting_candidate_loses_in_hybrid_only():
    dense, direct, zero = np.array([0.50, 0.48, 0.10]), np.array([5.0, 5.0, 0.0]), np.zeros(3)
    conflicts = np.array([True, False, False])
    plain = fuse("hybrid", dense, direct, zero)[0]
    assert ranking(np.arange(3), plain).tolist()[0] == 0
    hybrid = fuse("hybrid", dense, direct, zero, conflicts)[0]
    assert np.allclose(plain - hybrid, W_CONFLICT * conflicts) and ranking(np.arange(3), hybrid).tolist()[0] == 1
    for mode in ("dense", "lexical"):
        assert fuse(mode, dense, direct, zero, conflicts)[0].tolist() == fuse(mode, dense, direct, zero)[0].tolist()


def test_hybrid_without_lexical_evidence_is_dense_order():
    dense = np.array([0.2, 0.9, 0.5], dtype=np.float32)
    zero = np.zeros(3, dtype=np.float32)
    assert ranking(np.arange(3), fuse("hybrid", dense, zero, zero)[0]).tolist() == [1, 2, 0]


def test_ranking_breaks_ties_by_passage_id():
    ids = np.array([7, 3, 5])
    assert ranking(ids, np.array([1.0, 1.0, 2.0])).tolist() == [2, 1, 0]


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



def test_dense_is_levelled_across_languages_only_where_both_compete():
    from qa.fusion import level_languages

    dense = np.array([0.5, 0.4, 0.3, 0.2, 0.1])
    own = np.array([True, True, False, False, False])
    levelled = level_languages(dense, own)
    assert levelled[own].mean() == pytest.approx(levelled[~own].mean())
    assert list(levelled[~own]) == [0.3, 0.2, 0.1] and levelled[0] - levelled[1] == pytest.approx(0.1)
    assert level_languages(dense, np.ones(5, dtype=bool)) is dense
    assert level_languages(dense, np.zeros(5, dtype=bool)) is dense


def test_a_report_contradicting_the_asked_period_goes_just_below_the_best_one_naming_it():
    """News set h-n067: an English question on Macau's second quarter shares many more words with the
    English Q3 report than with the traditional-character Q2 report; the Q3 report (its document
    names the third quarter and never the second) goes below the best candidate naming the asked
    quarter, and nothing else moves."""
    fused = np.array([6.3, 4.9, 3.8, 1.0, 0.5])
    contradicting = np.array([True, False, False, True, False])
    naming = np.array([False, True, True, False, False])
    out = below_asked_period(fused, contradicting, naming)
    assert ranking(np.arange(5), out).tolist() == [1, 0, 2, 4, 3]  # (the contradicting ones move together)
    assert out[~contradicting].tolist() == fused[~contradicting].tolist()
    assert np.allclose(out[0] - out[3], fused[0] - fused[3])  # contradicting reports keep their order
    # no candidate naming the asked period: nothing to put first, nothing moves
    assert below_asked_period(fused, contradicting, np.zeros(5, bool)).tolist() == fused.tolist()
    # already below: unchanged
    assert below_asked_period(fused, np.array([False, False, False, True, False]), naming).tolist() == fused.tolist()
