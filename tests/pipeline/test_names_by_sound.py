"""A question's name the dictionary does not translate finds the other language's report naming it by
sound (qa.sound_keys in BM25): 莫罗瓦利 / Morowali, 普利斯特里 / Priestley."""

from __future__ import annotations

import pytest

from qa import QA

from ..helpers import file_of

REPORTS = {
    "priestley.txt": "Oxygen isolated in an English laboratory\n\nThe English chemist Joseph Priestley isolated oxygen "
                     "in August 1774 by heating mercuric oxide with a lens. Priestley called the gas dephlogisticated "
                     "air and found that a mouse lived longer in it than in common air. He published the work in 1775.\n",
    "scheele.txt": "Oxygen isolated in a Swedish pharmacy\n\nThe Swedish pharmacist Carl Wilhelm Scheele isolated oxygen "
                   "in 1772 by heating mercuric oxide and several nitrates. Scheele called the gas fire air and found "
                   "that a candle burned brightly in it. His book on the work appeared in 1777.\n",
    "morowali.txt": "Nickel plant opens in Sulawesi\n\nThe first phase of the nickel plant in Morowali, Central Sulawesi, "
                    "started production in March. It can make 60,000 tonnes of nickel a year and cost USD 1.4 billion.\n",
    "weda.txt": "Nickel plant opens in Maluku\n\nThe first phase of the nickel plant at Weda Bay, North Maluku, started "
                "production in April. It can make 50,000 tonnes of nickel a year and cost USD 1.1 billion.\n",
}


@pytest.fixture(scope="module")
def reports(embedder, tmp_path_factory) -> QA:
    docs = tmp_path_factory.mktemp("sound") / "docs"
    docs.mkdir()
    for name, text in REPORTS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return QA.build([docs], tmp_path_factory.mktemp("sound-index") / "index", embedder=embedder)


def test_a_chinese_question_naming_a_transliterated_place_finds_the_english_report_first(reports):
    # Both English reports are on a nickel plant's first phase; only the name tells them apart, and
    # the dictionary lacks 莫罗瓦利 (without its sound the report on Weda Bay came first)
    hits = reports.ask("莫罗瓦利的镍厂每年能生产多少吨镍？", k=2).hits
    assert [file_of(h) for h in hits] == ["morowali.txt", "weda.txt"]
    assert "60,000" in hits[0].highlight.text


def test_a_transliterated_name_counts_in_the_lexical_score(reports):
    # 普利斯特里 (cut 普利斯 + 特里) sounds as Priestley: without it both reports held the same words
    hits = reports.ask("普利斯特里把这种气体叫作什么？", k=2, mode="lexical").hits
    assert [file_of(h) for h in hits] == ["priestley.txt", "scheele.txt"]
    assert hits[0].score > hits[1].score  # (lexical mode: the score is BM25)
