"""The news set's held-out questions (benchmarks/newsset/heldout_*.jsonl, issue 17) keep the shape their
README states, so that the data cannot rot: ids unique and numbered, every answer verbatim in its gold
document as qa reads it, every direction and folder asked, the unanswerable ones balanced near the
domain / off-topic and Chinese / English (a few in traditional characters), each with its reason; and
the calibration never fits on them."""

from __future__ import annotations

import re
import sys
from collections import Counter

import pytest

from qa.segment import HAN_CHAR

from ..conftest import ROOT

# Characters written differently in traditional script (a simplified question holds none of them).
TRADITIONAL = set("們這與嗎業電發體灣臺經營資產億廠設換裝載讓從為時會點麼幾學鋼車運絲襪國達")


def _newsset():
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import newsset

    return newsset


@pytest.fixture(scope="module")
def newsset():
    return _newsset()


def test_answerable_questions_fit_the_documents(newsset):
    """load_questions checks each gold document exists and holds its answer (as qa reads it), kinds,
    languages and directions, and unique ids; then the spread the README gives."""
    questions = newsset.load_questions(newsset.HELDOUT_QUESTIONS)
    assert len(questions) >= 48
    assert all(re.fullmatch(r"h-n\d{3}", q.id) for q in questions)
    assert [q.id for q in questions] == sorted(q.id for q in questions)
    directions = Counter(q.direction for q in questions)
    assert set(directions) == set(newsset.DIRECTIONS) and min(directions.values()) >= 12, directions
    folders = Counter(q.gold.split("/")[0] for q in questions)
    assert set(folders) == {"export", "zh", "en", "zht"}, folders
    assert len({q.gold for q in questions}) >= 40
    for q in questions:
        doc_lang = "en" if q.gold.split("/")[0] in ("export", "en") else "zh"
        assert q.direction == f"{q.lang}->{doc_lang}", q.id
        assert bool(HAN_CHAR.search(q.text)) == (q.lang == "zh"), q.id
    kinds = Counter(q.kind for q in questions)
    assert all(kinds[k] >= 5 for k in newsset.KINDS), kinds


def test_unanswerable_questions_are_balanced_and_give_a_reason(newsset):
    rows = newsset.load_unanswerable(newsset.HELDOUT_UNANSWERABLE)
    assert len(rows) >= 48
    ids = [u["id"] for u in rows]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"h-u\d{3}", i) for i in ids)
    cells = Counter((u["kind"], u["lang"]) for u in rows)
    assert set(cells) == {(k, lang) for k in newsset.UNANSWERABLE_KINDS for lang in ("zh", "en")}
    assert len(set(cells.values())) == 1, cells  # half near the domain, half off-topic; half of each Chinese
    for u in rows:
        assert set(u) == {"id", "question", "lang", "kind", "why"} and len(u["why"]) >= 10, u["id"]
        assert bool(HAN_CHAR.search(u["question"])) == (u["lang"] == "zh"), u["id"]
    for kind in newsset.UNANSWERABLE_KINDS:  # a few as Taiwan and Hong Kong readers write
        traditional = [u for u in rows if u["kind"] == kind and TRADITIONAL & set(u["question"])]
        assert 2 <= len(traditional) < cells[kind, "zh"], kind


def test_held_out_questions_are_new(newsset):
    """Not one of the fitted set's questions again, in either file."""
    fitted = {q.text for q in newsset.load_questions()} | {u["question"] for u in newsset.load_unanswerable()}
    held = [q.text for q in newsset.load_questions(newsset.HELDOUT_QUESTIONS)]
    held += [u["question"] for u in newsset.load_unanswerable(newsset.HELDOUT_UNANSWERABLE)]
    assert len(set(held)) == len(held) and not fitted & set(held)


def test_the_calibration_never_reads_them():
    """benchmarks/calibrate.py fits on questions.jsonl and unanswerable.jsonl only (README: held out)."""
    source = (ROOT / "benchmarks" / "calibrate.py").read_text(encoding="utf-8")
    assert "heldout_" not in source and "HELDOUT" not in source
    assert '"questions.jsonl"' in source and '"unanswerable.jsonl"' in source
