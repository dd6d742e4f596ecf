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
