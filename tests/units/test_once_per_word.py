"""A question word counts once in a passage holding it in both languages (qa.once_per_word)."""

import numpy as np

from qa.once_per_word import WordTerms, counted_once, source_words


def test_a_sub_word_belongs_to_the_longest_word_holding_it():
    # Chinese only: English stems inside others are no sub-words ("ai" / "chain").
    assert source_words(["机器", "机器人", "天衡", "ai", "chain"]) == {
        "机器": "机器人", "机器人": "机器人", "天衡": "天衡", "ai": "ai", "chain": "chain"}


def test_each_word_keeps_its_larger_way_and_the_rest_keeps_its_bits():
    # Three passages with a Chinese title over an English body, scored at positions 0-2 of five
    # candidates. 机器人 (with its sub-word 机器) is in the first two titles; "robot" in the first two
    # bodies; 天衡 is in the first title, and its name key ~tianheng in the first body.
    bm25 = {"机器人": [2.0, 3.0, 0.0], "机器": [2.0, 3.0, 0.0], "robot": [5.0, 1.0, 4.0],
            "天衡": [3.0, 0.0, 0.0], "~tianheng": [4.0, 0.0, 4.0], "box": [1.0, 0.0, 0.0]}
    terms = WordTerms({"机器": 0.5, "机器人": 0.5, "天衡": 1.0, "~tianheng": 1.0},
                      {"robot": 1.0, "box": 0.5}, {"robot": "机器人", "box": "箱子"}, {"天衡": ["tianheng"]})
    assert sorted(terms.both_ways()) == ["天衡", "机器人"]
    direct = np.array([9.0, 3.0, 4.0, 7.0, 1.5], dtype=np.float32)  # own words and keys
    bridged = np.array([5.5, 1.0, 4.0, 2.0, 0.25], dtype=np.float32)  # translations
    where = np.array([0, 2, 4])
    scores = lambda t: np.array(bm25[t], dtype=np.float32)  # noqa: E731
    new_direct, new_bridged = counted_once(direct, bridged, where, terms, scores)
    # Position 0: 机器人 2 directly < robot 5 bridged: 2 off direct; 天衡 3 < ~tianheng 4: 3 off direct.
    # Position 2: 机器人 3 > robot 1: 1 off bridged. Position 4: held one way only, unchanged.
    assert new_direct.tolist() == [4.0, 3.0, 4.0, 7.0, 1.5]
    assert new_bridged.tolist() == [5.5, 1.0, 3.0, 2.0, 0.25]
    assert direct.tolist() == [9.0, 3.0, 4.0, 7.0, 1.5]  # the caller's arrays are left alone


def test_without_words_held_both_ways_the_scores_are_the_same_arrays():
    terms = WordTerms({"天衡": 1.0}, {"robot": 1.0}, {"robot": "机器人"}, {})
    direct, bridged = np.ones(3, np.float32), np.ones(3, np.float32)
    assert counted_once(direct, bridged, np.array([1]), terms, lambda t: np.ones(1, np.float32)) == (direct, bridged)


def test_a_name_translated_and_keyed_counts_once_in_a_report_in_the_other_language():
    # 宁远 is "Ningyuan" to the dictionary and ~ningyuan by its pinyin: an English report naming
    # Ningyuan held it twice. Only the larger way counts (a tie: the translation).
    terms = WordTerms({"宁远": 1.0, "~ningyuan": 1.0}, {"ningyuan": 1.0, "invest": 0.5},
                      {"ningyuan": "宁远", "invest": "投资"}, {"宁远": ["ningyuan"]})
    bm25 = {"宁远": [0.0, 0.0], "ningyuan": [4.8, 3.0], "~ningyuan": [4.3, 3.0], "invest": [2.0, 0.0]}
    direct = np.array([4.3, 3.0], dtype=np.float32)  # its key
    bridged = np.array([5.8, 3.0], dtype=np.float32)  # its translations
    new_direct, new_bridged = counted_once(direct, bridged, np.array([0, 1]), terms,
                                           lambda t: np.array(bm25[t], dtype=np.float32))
    assert new_direct.tolist() == [0.0, 0.0] and new_bridged.tolist() == bridged.tolist()


def test_a_terms_postings_are_read_once_for_both_kinds_of_passage():
    # Candidates 1 (an English body under a Chinese title) and 2-3 (English only) both hold 宁远 as
    # "ningyuan" and ~ningyuan: each term's postings are read once, not once for each kind.
    from qa.bridge import Translation
    from qa.candidates import CandidateFinder

    postings = {"宁远": ([1], [2.0]), "ningyuan": ([1, 2], [4.8, 3.0]), "~ningyuan": ([1, 3], [4.3, 3.0])}
    read = []

    class Store:
        def lexical_parts(self, terms):
            read.extend(terms)
            return [(np.array(postings[t][0]), np.array(postings[t][1], np.float32)) for t in terms]

    finder = CandidateFinder.__new__(CandidateFinder)
    finder.store = Store()
    same, other, mixed = (np.array(m) for m in ([True, True, False, False], [False, False, True, True],
                                                [False, True, False, False]))
    finder._lang_masks = {"zh": (same, other, mixed, "en")}
    translated = {"en": Translation({"ningyuan": 1.0}, sources={"ningyuan": "宁远"})}
    direct, bridged = np.array([0, 6.3, 0, 4.3], np.float32), np.array([0, 4.8, 3.0, 0], np.float32)
    new_direct, new_bridged = finder._once_per_word(np.arange(4), direct, bridged, ["宁远", "~ningyuan"], "zh",
                                                    translated, {})  # no name heard by sound
    assert sorted(read) == sorted(set(read)) and "ningyuan" in read and "~ningyuan" in read
    # at 1, the translation (4.8) beats the word (2.0) and its key (4.3); 2 and 3 hold it one way only
    assert new_direct.tolist() == [0, 0, 0, direct[3]] and new_bridged.tolist() == bridged.tolist()
