"""Distinct evidence (issue 12): an answer shows no character of a document twice, a document's
overlapping passages come as one cited span, and each hit says which of the answer's documents it
cites. Over the seed and the news set, built with the real model and the normal builder."""

from __future__ import annotations

import json

import pytest

from qa import QA
from qa.evidence import join
from qa.records import Passage

from ..conftest import ROOT

NEWSSET = ROOT / "benchmarks" / "newsset"
SEED_QUESTIONS = ["吕本富认为韩国AI发展面临什么挑战？", "What does Lu Benfu propose for South Korea's AI strategy?",
                  "韩国希望到2030年在人工智能领域排名第几？", "What did South Korea and China agree to explore?"]


def assert_distinct(answer) -> None:
    spans: dict[str, list[tuple[int, int]]] = {}
    numbers: dict[str, int] = {}
    for hit in answer.hits:
        c = hit.citation
        for start, end in spans.get(c.path, []):
            assert c.char_end <= start or end <= c.char_start, f"{c.path}: {c.char_start}-{c.char_end} " \
                f"repeats {start}-{end} ({answer.question})"
        spans.setdefault(c.path, []).append((c.char_start, c.char_end))
        assert numbers.setdefault(c.path, hit.document) == hit.document  # one number per document
        assert hit.document == list(numbers).index(c.path) + 1  # numbered in the order shown
        if hit.highlight:  # the highlight lies in the (possibly joined) span it is shown in
            assert c.char_start <= hit.highlight.char_start < hit.highlight.char_end <= c.char_end
            start = hit.highlight.char_start - c.char_start
            assert hit.text[start:start + len(hit.highlight.text)] == hit.highlight.text


@pytest.fixture(scope="module")
def seed(embedder, tmp_path_factory) -> QA:
    return QA.build([ROOT / "seeds"], tmp_path_factory.mktemp("seed-index") / "index", embedder=embedder)


@pytest.fixture(scope="module")
def news(embedder, tmp_path_factory) -> QA:
    return QA.build([NEWSSET / "docs"], tmp_path_factory.mktemp("news-index") / "index", embedder=embedder)


@pytest.mark.parametrize("question", SEED_QUESTIONS)
def test_the_seed_answer_repeats_no_text(seed, question):
    answer = seed.ask(question, k=5)
    assert_distinct(answer)
    # The seed's passages overlap one after the other: asked for five, the answer is one span.
    text = (ROOT / "seeds").glob("*.txt").__next__().read_text("utf-8")
    for hit in answer.hits:
        assert hit.text == text[hit.citation.char_start:hit.citation.char_end]


def test_no_news_set_answer_repeats_text(news):
    questions = [json.loads(line)["question"] for line in (NEWSSET / "questions.jsonl").read_text("utf-8").splitlines()]
    many = 0
    for question in questions:
        answer = news.ask(question, k=8)
        assert_distinct(answer)
        many += len(answer.hits) == 8
    assert many == len(questions)  # k still counts distinct spans: the folder has far more than eight


def passage(start: int, end: int, text: str, sentences: list[list[int]], doc: int = 0) -> Passage:
    return Passage(doc=doc, start=start, end=end, line_start=1, line_end=1, langs=["en"], sentences=sentences,
                   text=text)


def test_join_covers_both_passages_once():
    text = "One. Two. Three. Four."
    a = passage(0, 9, text[0:9], [[0, 4], [5, 9]])
    b = passage(5, 16, text[5:16], [[5, 9], [10, 16]])
    joined = join(b, a)
    assert (joined.start, joined.end, joined.text) == (0, 16, text[0:16])
    assert joined.sentences == [[0, 4], [5, 9], [10, 16]]
    touching = join(joined, passage(16, 22, text[16:22], [[17, 22]]))
    assert touching.text == text and touching.sentences[-1] == [17, 22]
