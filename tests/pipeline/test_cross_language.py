"""Questions answered across languages on the fixture corpus: lexical evidence through the dictionary,
and the highlighted sentence holding the answer."""

import pytest

from ..helpers import file_of


def test_lexical_mode_crosses_languages_through_the_dictionary(built):
    qa, _ = built
    assert file_of(qa.ask("冰岛 火山 航空", k=1, mode="lexical").hits[0]) == "volcano_en.md"
    assert file_of(qa.ask("Longjing tea Hangzhou", k=1, mode="lexical").hits[0]) == "longjing_zh.txt"


@pytest.mark.parametrize("question,file,answer", [
    ("冰岛火山爆发后取消了多少航班？", "volcano_en.md", "100,000"),
    ("长城被列入世界文化遗产是哪一年？", "greatwall_gbk.txt", "1987"),
    ("How fast do trains run on the Beijing-Tianjin intercity railway?", "rail_zh.txt", "三百五十公里"),
    ("When was the Football Association founded?", "football_en.txt", "1863"),
])
def test_highlight_holds_the_answer(built, question, file, answer):
    qa, _ = built
    hits = qa.ask(question, k=3).hits
    assert file_of(hits[0]) == file
    # The passage that holds the answer is among the first three, with the answer highlighted.
    holding = [h for h in hits if answer in h.text]
    assert holding and answer in holding[0].highlight.text
