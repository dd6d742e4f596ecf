"""The news set's held-out questions (benchmarks/newsset/heldout_*.jsonl and the sealed second set
heldout2_*.jsonl, issue 17) keep the shape their README states, so that the data cannot rot: ids unique and
numbered, every answer verbatim in its gold document (as qa reads it, and as a plain string), every
direction and folder asked, the unanswerable ones balanced near the domain / off-topic and Chinese /
English (a few in traditional characters), each with its reason; no question of one file in another; the
calibration never fits on them; and ``newsset.py --heldout`` alone still means the first set."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

import pytest

from qa.segment import HAN_CHAR

from ..conftest import ROOT

# Characters written differently in traditional script (a simplified question holds none of them).
TRADITIONAL = set("們這與嗎業電發體灣臺經營資產億廠設換裝載讓從為時會點麼幾學鋼車運絲襪國達數動長誰")
SIBLING_KINDS = ("sibling-number", "sibling-phase", "sibling-quarter", "sibling-year")
PREFIX = {1: "h", 2: "h2"}


def _newsset():
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import newsset

    return newsset


@pytest.fixture(scope="module")
def newsset():
    return _newsset()


def _traditional(text: str) -> bool:
    return bool(TRADITIONAL & set(text))


@pytest.mark.parametrize("number", sorted(PREFIX))
def test_answerable_questions_fit_the_documents(newsset, number):
    """load_questions checks each gold document exists and holds its answer (as qa reads it), kinds,
    languages and directions, and unique ids; then the spread the README gives."""
    held = newsset.HELDOUT_SETS[number]
    questions = newsset.load_questions(held.questions)
    assert len(questions) >= (48 if number == 1 else 60)
    assert all(re.fullmatch(rf"{PREFIX[number]}-n\d{{3}}", q.id) for q in questions)
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
        # a plain string test on the file as written, besides qa's reading of it
        assert q.answer in (newsset.DOCS / q.gold).read_text(encoding="utf-8"), q.id
    kinds = Counter(q.kind for q in questions)
    assert all(kinds[k] >= 5 for k in newsset.KINDS), kinds
    assert len([q for q in questions if q.lang == "zh" and _traditional(q.text)]) >= 3  # a few as Taiwan writes
    if number == 2:  # about half told apart from a sibling by a phase, quarter, half, year, figure or place
        assert 0.35 <= sum(kinds[k] for k in SIBLING_KINDS) / len(questions) <= 0.65, kinds
        assert max(directions.values()) - min(directions.values()) <= 6, directions


@pytest.mark.parametrize("number", sorted(PREFIX))
def test_unanswerable_questions_are_balanced_and_give_a_reason(newsset, number):
    rows = newsset.load_unanswerable(newsset.HELDOUT_SETS[number].unanswerable)
    assert len(rows) >= (48 if number == 1 else 52)
    ids = [u["id"] for u in rows]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(rf"{PREFIX[number]}-u\d{{3}}", i) for i in ids)
    cells = Counter((u["kind"], u["lang"]) for u in rows)
    assert set(cells) == {(k, lang) for k in newsset.UNANSWERABLE_KINDS for lang in ("zh", "en")}
    assert len(set(cells.values())) == 1, cells  # half near the domain, half off-topic; half of each Chinese
    for u in rows:
        assert set(u) == {"id", "question", "lang", "kind", "why"} and len(u["why"]) >= 10, u["id"]
        assert bool(HAN_CHAR.search(u["question"])) == (u["lang"] == "zh"), u["id"]
    for kind in newsset.UNANSWERABLE_KINDS:  # a few as Taiwan and Hong Kong readers write
        traditional = [u for u in rows if u["kind"] == kind and _traditional(u["question"])]
        assert 2 <= len(traditional) < cells[kind, "zh"], kind


def _questions(path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_held_out_questions_are_new(newsset):
    """Not one question twice, within a file or across the four other files (fitted and held out)."""
    files = [newsset.QUESTIONS, newsset.UNANSWERABLE] + [
        p for h in newsset.HELDOUT_SETS.values() for p in (h.questions, h.unanswerable)]
    every = [q for path in files for q in _questions(path)]
    assert len(set(every)) == len(every), [q for q, n in Counter(every).items() if n > 1]


def test_the_second_set_asks_facts_no_other_file_asks(newsset):
    """The sealed set was written to ask afresh: none of its answerable questions has the gold document
    and answer (or an answer holding it, or held by it) of a question in questions.jsonl or the first set."""
    others = newsset.load_questions() + newsset.load_questions(newsset.HELDOUT_QUESTIONS)
    for q in newsset.load_questions(newsset.HELDOUT2_QUESTIONS):
        same = [o.id for o in others if o.gold == q.gold and (q.answer in o.answer or o.answer in q.answer)]
        assert not same, (q.id, same)


def test_the_calibration_never_reads_them():
    """benchmarks/calibrate.py fits on questions.jsonl and unanswerable.jsonl only (README: held out)."""
    source = (ROOT / "benchmarks" / "calibrate.py").read_text(encoding="utf-8")
    assert "heldout_" not in source and "heldout2" not in source and "HELDOUT" not in source
    assert '"questions.jsonl"' in source and '"unanswerable.jsonl"' in source


def test_heldout_alone_means_the_first_set(newsset):
    """``--heldout`` alone (or 1) is the first set, ``--heldout 2`` the sealed second one, each into its own
    RESULTS.md section; no flag, the fitted questions; no third set to name."""
    parse = newsset.arguments().parse_args
    assert parse([]).heldout is None
    assert parse(["--heldout"]).heldout == 1 and parse(["--heldout", "--misses"]).heldout == 1
    assert parse(["--heldout", "2"]).heldout == 2
    with pytest.raises(SystemExit):
        parse(["--heldout", "3"])
    first, second = newsset.HELDOUT_SETS[1], newsset.HELDOUT_SETS[2]
    assert first.questions.name == "heldout_questions.jsonl" and second.questions.name == "heldout2_questions.jsonl"
    assert first.section[0] == "## News set, held out\n" and second.section[0] == "## News set, second held-out\n"
    assert len({newsset.SECTION, first.section, second.section}) == 3
