"""Shared keys of quantities: the order they come in, and years after a hyphen."""

from qa.quantities import quantity_keys


def test_keys_found_at_one_place_come_in_one_order():
    # "June 3" gives the day and the month at one place: ordered by their text, not by a set's order
    # (which changes with PYTHONHASHSEED); the order is the order BM25 adds their weights in.
    assert quantity_keys("It opened on June 3, 2025 in Wuhu.") == ["=m6", "=m6d3", "=y2025"]


def test_a_year_after_a_word_and_a_hyphen_is_a_year():
    assert quantity_keys("in use by mid-2025") == ["=y2025"] and quantity_keys("late-2024 orders") == ["=y2024"]
    assert quantity_keys("the HBM-2025 part") == [] and quantity_keys("the 2024-2025 season") == ["=y2024"]


def test_a_dotless_i_spelling_reads_as_the_word_instead_of_failing():
    """re.I matches "ı" and "İ" to "i": "5 mıllion" matched the scale pattern and its look-up raised
    KeyError (the document was skipped, a question failed untyped)."""
    assert quantity_keys("It cost 5 mıllion dollars") == quantity_keys("It cost 5 million dollars")
    assert quantity_keys("5 MİLLİON") == quantity_keys("5 MILLION")
    from qa.segment import tokenize
    assert tokenize("It cost 5 mıllion dollars", question=True)


def test_month_number_reads_month_names_and_abbreviations_only():
    from qa.quantities import month_number

    assert [month_number(w) for w in ("June", "jun.", "Sept", "DECEMBER")] == [6, 6, 9, 12]
    assert month_number("Macau") is None and month_number("") is None
