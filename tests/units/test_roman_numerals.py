"""Roman numerals as numbers (qa.roman_numerals)."""

from qa.roman_numerals import LARGEST, roman_numeral, roman_value


def test_numerals_and_values_are_inverse():
    for n in range(2, LARGEST + 1):
        spelt = roman_numeral(n)
        assert spelt is None or roman_value(spelt) == n
    assert roman_numeral(33) == "xxxiii" and roman_numeral(49) == "xlix" and roman_numeral(4) == "iv"


def test_only_canonical_numerals_of_two_letters_that_are_not_pinyin():
    assert roman_value("xxxiii") == 33 and roman_value("ii") == 2 and roman_value("xiv") == 14
    for word in ("iiii", "vix", "ill", "i", "x", "l", "xi", "li", "lv", "mix", "civil", "dc", "xxxx"):
        assert roman_value(word) is None, word
    assert roman_numeral(1) is None and roman_numeral(11) is None and roman_numeral(90) is None
