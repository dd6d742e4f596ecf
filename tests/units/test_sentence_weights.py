"""The highlight's two guards against the dictionary's noise in text of the other language: a word
many of a passage's sentences hold counts less there, and an English word found as it is in Chinese
text counts no more than the question's typical word."""

from __future__ import annotations

import numpy as np

from qa import highlight
from qa.answer_finder import Weights, latin_in_chinese


def test_a_word_in_one_sentence_keeps_its_weight_and_one_in_all_loses_most():
    held = np.array([[1.0, 2.0, 0.0], [0.0, 2.0, 0.0], [0.0, 2.0, 3.0], [0.0, 2.0, 0.0]])
    factor = highlight._sentence_rarity(held, ["a", "b", "c"])
    assert factor[0] == factor[2] == 1.0  # held by one sentence each
    assert factor[1] < 1.0 - highlight.W_LOCAL * 0.8  # held by all four


def test_renderings_of_one_word_are_as_common_as_the_word():
    # "task" in sentence 0, "mission" in sentence 1, "assignment" in sentence 2: each rendering is
    # held by one sentence, but the question's word (任务) by three of four
    held = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    apart = highlight._sentence_rarity(held, ["task", "mission", "assignment", "video"])
    one_word = highlight._sentence_rarity(held, ["任务", "任务", "任务", "video"])
    assert apart.tolist() == [1.0] * 4
    assert one_word[0] == one_word[1] == one_word[2] < 1.0 == one_word[3]


def test_a_translation_says_which_question_word_each_term_renders():
    from qa.bridge import translate_query

    found = translate_query(["任务", "视频"], "en", lambda terms: set(terms))
    assert {"task", "mission"} <= set(found)
    assert found.sources["task"] == found.sources["mission"] == "任务"
    text = {"北京", "天津", "京津", "京沪"}  # the words an index of Chinese text holds
    both = translate_query(["beij", "tianjin"], "zh", lambda terms: set(terms) & text)
    assert both.sources["京沪"] == "beij" and both.sources["天津"] == "tianjin"
    assert both.sources["京津"] == "京津"  # Beijing and Tianjin both: a word of its own


def test_an_english_word_in_chinese_text_counts_as_the_typical_word_at_most():
    weights = {"tesla": 6.0, "特斯拉": 3.0, "去世": 2.0, "年": 1.0, "=y1943": 5.0}
    capped = latin_in_chinese(weights)
    assert isinstance(capped, Weights)
    assert capped == weights  # its weight among the question's words stays
    assert capped.caps == {"tesla": 3.0}  # median of 1, 2, 3, 5: what it counts in a sentence
    assert latin_in_chinese({"tesla": 6.0}) == {"tesla": 6.0}


def test_capping_keeps_which_question_word_each_term_renders():
    weights = Weights({"tesla": 6.0, "特斯拉": 3.0, "去世": 2.0, "死": 1.0})
    weights.sources = {"去世": "die", "死": "die"}
    assert latin_in_chinese(weights).sources == {"去世": "die", "死": "die"}
