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
