"""Sound skeletons: an English name and its Chinese transliteration agree (qa.translit)."""

from __future__ import annotations

import pytest

from qa.translit import english_skeleton, pinyin_skeleton


@pytest.mark.parametrize("english, pinyin", [("Norman", "nuoman"), ("Holden", "huoerdeng"), ("Jared", "jialide"),
                                             ("Tesla", "tesila"), ("Morgan", "mogen"), ("Kennedy", "kennidi"),
                                             ("Newton", "niudun"), ("Peyton", "peideng")])
def test_a_name_and_its_transliteration_share_a_skeleton(english, pinyin):
    assert english_skeleton(english) and english_skeleton(english) == pinyin_skeleton(pinyin)


@pytest.mark.parametrize("english, pinyin", [("Norman", "huoerdeng"), ("Tesla", "kennidi"), ("Broncos", "yema")])
def test_other_names_do_not(english, pinyin):
    assert english_skeleton(english) != pinyin_skeleton(pinyin)


def test_short_skeletons_do_not_count():
    assert english_skeleton("Allen") == "" and pinyin_skeleton("ailun") == ""  # l-n: too many names share it
    assert english_skeleton("Norman's") == english_skeleton("Norman")


def test_a_questions_name_words_sound_as_they_are_spelt_and_joined():
    from qa.names import pinyin_spellings
    from qa.translit import name_sounds

    assert pinyin_spellings(["诺曼", "行长"]) == {"诺曼": ["nuoman"], "行长": ["xingzhang", "xingchang", "hangzhang",
                                                                          "hangchang"]}
    sounds = name_sounds("贾里德和Josh Norman是谁", ["贾", "里德", "Norman"])
    # 贾 + 里德 stand side by side: each also sounds as 贾里德 (jialide: Jared's j-l-t)
    assert english_skeleton("Jared") in sounds["贾"] & sounds["里德"]
    assert sounds["norman"] == {english_skeleton("Norman")}


def test_a_sentence_is_heard_by_its_names_not_by_the_pinyin_it_spells():
    from qa.highlight import sentence_keys
    from qa.translit import held_sounds

    chinese = "约什·诺曼抄截了传球。"
    assert english_skeleton("Norman") in held_sounds(sentence_keys(chinese), chinese)
    english = "Lanjing Sodium Battery hired Josh Norman."
    heard = held_sounds(sentence_keys(english), english)
    assert english_skeleton("Norman") in heard and english_skeleton("Lanjing") not in heard  # ~lanjing finds it
