"""qa.term_table: one lookup of many terms in many segments' term lists gives what each list's own
binary search gives; qa.lexical.term_weights_in_place gives term_weights' bits."""

import numpy as np

from qa.lexical import term_weights, term_weights_in_place
from qa.term_list import TermList, write_terms
from qa.term_table import TermTable


def _lists(tmp_path, vocabularies):
    lists = []
    for i, terms in enumerate(vocabularies):
        folder = tmp_path / f"s{i}"
        folder.mkdir()
        write_terms(folder, sorted(terms))
        lists.append(TermList(folder))
    return lists


def test_numbers_are_each_lists_own(tmp_path):
    vocabularies = [{"a", "ab", "abc", "北京", "=year1999", "~zhang"},
                    {"ab", "b", "北京大学", "=year1999"},
                    set(),
                    {"abc", "zz" * 40, "北"}]
    lists = _lists(tmp_path, vocabularies)
    table = TermTable(lists)
    assert table.exact
    asked = sorted(set().union(*vocabularies)) + ["", "abcd", "北京大", "ba", "a" * 200, "\udcff"]
    got = table.numbers(asked)
    want = np.array([[-1 if (n := terms.get(t)) is None else n for terms in lists] for t in asked])
    assert got.shape == (len(asked), len(lists))
    assert (got == want).all()
    assert (got[asked.index("abcd")] == -1).all()
    assert table.numbers([]).shape == (0, len(lists))


def test_empty_lists(tmp_path):
    table = TermTable(_lists(tmp_path, [set(), set()]))
    assert (table.numbers(["a", "b"]) == -1).all()


def test_weights_in_place_are_the_same_bits():
    rng = np.random.default_rng(7)
    tf = rng.integers(1, 40, 5000).astype(np.float64)
    norm = rng.uniform(0.2, 4.0, 5000)
    want = term_weights(3.17, tf, norm, 1.2)
    got = term_weights_in_place(3.17, tf.copy(), norm.copy(), 1.2)
    assert got.dtype == want.dtype == np.float32
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_weights_read_from_a_table_are_the_same_bits():
    """SegmentedBM25._weights: a common term's weights from its (frequency, length) table equal the
    expression's, posting by posting."""
    from qa.lexical import BM25, BM25Params, idf_of
    from qa.stores.segment_bm25 import SegmentedBM25

    rng = np.random.default_rng(3)
    words = ["w%d" % i for i in range(5)]
    docs = [list(rng.choice(words, size=int(rng.integers(1, 60)))) for _ in range(3000)]
    params = BM25Params()
    halves = [BM25.build(docs[:1700], params), BM25.build(docs[1700:], params)]
    seg = SegmentedBM25([(halves[0], np.arange(1700)), (halves[1], np.arange(1700, 3000))], 3000, params)
    for term in words:
        ids = np.concatenate([h.doc_ids[h.indptr[h.vocab[term]]:h.indptr[h.vocab[term] + 1]] + off
                              for h, off in zip(halves, (0, 1700))]).astype(np.int64)
        tf = np.concatenate([h.tf[h.indptr[h.vocab[term]]:h.indptr[h.vocab[term] + 1]] for h in halves])
        idf = idf_of(3000, len(ids))
        assert 2 * int(tf.max()) * len(seg._norm_of_length) < len(tf)  # (the table is used)
        want = term_weights(idf, tf.astype(np.float64), seg._norm[ids], params.k1)
        got = seg._weights(idf, tf.astype(np.int32), ids)
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
        assert np.array_equal(seg.postings(term)[1].view(np.uint32), want.view(np.uint32))
