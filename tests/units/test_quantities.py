"""Shared keys of quantities: the order they come in, and years after a hyphen."""

import pytest

from qa.quantities import quantity_keys, value_keys


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


def _every_pattern(text: str) -> list[str]:
    """quantity_keys without the needs: every pattern run over the text."""
    import unicodedata

    from qa import quantities as q

    if not any(map(str.isdigit, text)) and not q._ZH_NUMERAL_NEAR.search(text) and not q._WORDS_ONLY.search(text):
        return []
    text = q._arabic(unicodedata.normalize("NFKC", text)).translate(q._DOTTED_I)
    found = [(m.start(), k) for kind, pattern, _ in q._patterns() for m in pattern.finditer(text)
             for k in q._keys_of(kind, m)]
    return [k for _, k in sorted(set(found))]


def test_a_pattern_skipped_for_lack_of_its_need_would_have_found_nothing():
    """Each pattern runs only on text holding what it cannot match without (its need, the third of
    quantities._patterns()): the keys are those of every pattern, on mixtures of everything the
    patterns read, in any case, and on the lines of tests/data."""
    import random
    from pathlib import Path

    parts = ["Q3", "3Q", "H1", "2H", "first half", "Second-Half", "4.8 billion", "$4.8bn", "€3 M", "48亿", "3.2万",
             "百分之六十", "60 percent", "5 per cent", "7pct", "12%", "1,234", "1,234.5 million", "32000000",
             "第三季度", "3季", "2025年", "6月3日", "6月份", "April-June", "april to june", "Jan through Mar",
             "4至6月", "phase II", "second stage", "3rd phase", "二期", "第2期", "third", "THIRD", "21st", "第2",
             "June 3", "3rd of June", "2025-06-03", "May 5", "Sept.", "last quarter of 2024", "mid-2025",
             "首期", "首季", "first offshore phase", "the first time the stage", "KELVIN", "ſtage", "٣٣٣٣٣", "５ million", "五千万元", "上半年", "十一月", "HALF", "pHaSe 3", "5 mıllion"]
    rng = random.Random(14)
    seps = [" ", "", ", ", "，", "-", "\n", " of ", "。"]
    texts = ["".join(rng.choice(parts) + rng.choice(seps) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    real = [p for p in sorted((Path(__file__).parents[1] / "data").iterdir()) if "gbk" not in p.name]
    texts += [line for path in real for line in path.read_text(encoding="utf-8").splitlines()]
    assert any(quantity_keys(t) for t in texts)
    assert [quantity_keys(t) for t in texts] == [_every_pattern(t) for t in texts]


@pytest.mark.parametrize("text, keys", [
    # an ordinal and "phase" with words describing the phase between them (news set, held out h-n066)
    ("What is the installed capacity of Strait Wind's first offshore phase off Taichung?", ["=phase1"]),
    ("How many households can the second Strait Wind phase off Taichung supply?", ["=#2", "=phase2"]),
    ("The third construction stage begins in 2027 off Changhua.", ["=#3", "=phase3", "=y2027"]),
    # ... but not across a function word or a number: no phase is named
    ("It was the first time the stage had been used.", []),
    ("The first three stages are complete.", []),
    # 首期 is the first phase, 首季 the first quarter (Hong Kong, Taiwan), 首期款 a down payment
    ("港灣數據行政總裁表示，首期預計2028年底啟用。", ["=phase1", "=y2028"]),
    ("公司今年首季營收年增9%。", ["=q1", "=9%"]),
    ("買家需支付三成首期款。", []),
    # the forms the news set's traditional reports write: 一期, 第二季
    ("海峽風電宣布，其台中外海的一期離岸風場已全面商業運轉。", ["=phase1"]),
    ("騏躍動力公布2025年第三季財報。", ["=y2025", "=#3", "=q3"]),
])
def test_a_phase_or_quarter_in_either_language_and_script_is_its_key(text, keys):
    assert sorted(quantity_keys(text)) == sorted(keys)


def test_a_word_names_a_value_only_when_it_holds_a_particular_period_ordinal_or_month():
    assert value_keys("第三季度") == {"=q3", "=#3"}
    assert value_keys("第二") == {"=#2"} and value_keys("六月") == {"=m6"} and value_keys("上半年") == {"=h1"}
    assert value_keys("一期") == {"=phase1"} and value_keys("首期") == {"=phase1"}
    assert value_keys("季度") == set() and value_keys("两") == set() and value_keys("四分之一") == set()


def test_a_word_with_one_chinese_digit_names_the_value_cn2an_reads():
    from qa.quantities import _VALUE_KEY

    words = ["第二", "第三季度", "第四季", "六月", "十月", "一期", "二期", "上半年", "下半年", "第一", "一些", "两", "三月份",
             "九月", "第五", "四季", "五期", "一季度", "两期"]
    for word in words:
        assert value_keys(word) == {k for k in quantity_keys(word) if _VALUE_KEY.match(k)}, word
