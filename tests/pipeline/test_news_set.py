"""End to end on the news set (benchmarks/newsset: original reports in the seed's layouts, written before
qa was run on them): the folder built once with the real default model, real FAISS and the normal
builder, then a handful of clear questions of each kind and direction, taken by id from its
questions.jsonl (question, gold document, answer text).

Cases qa gets wrong are marked xfail(strict=True), the findings of the set's first run kept as they are
so that a fix shows up as an XPASS (and then the mark comes off: the last, n102, on 2026-12-02).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from qa import QA
from qa.evaluate import contains_answer

from ..conftest import ROOT, subprocess_env
from ..helpers import document_of

NEWSSET = ROOT / "benchmarks" / "newsset"
DOCS = NEWSSET / "docs"
QUESTIONS = {q["id"]: q for q in map(json.loads, (NEWSSET / "questions.jsonl").read_text("utf-8").splitlines())}


@pytest.fixture(scope="module")
def news(embedder, tmp_path_factory) -> QA:
    return QA.build([DOCS], tmp_path_factory.mktemp("news-index") / "index", embedder=embedder)


def first_hit(qa: QA, question: str):
    hit = qa.ask(question, k=5).hits[0]
    return hit, document_of(hit, DOCS)


def test_the_set_is_what_its_readme_says():
    """Every gold answer is in its gold document as qa reads it (the benchmark's own check), and the
    set has the size and spread issue 12 asks for."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import newsset

    questions = newsset.load_questions()
    assert len(questions) >= 160 and len({q.gold for q in questions}) >= 64
    directions = Counter(q.direction for q in questions)
    assert directions["zh->en"] >= 30 and directions["en->zh"] >= 30 and len(directions) == 4
    for kind in newsset.KINDS:  # each kind asked across languages, both ways where the set allows it
        assert {q.direction for q in questions if q.kind == kind} & {"zh->en", "en->zh"}, kind
    assert sum(1 for _ in (DOCS / "zht").iterdir()) >= 10
    unanswerable = Counter((u["kind"], u["lang"]) for u in newsset.load_unanswerable())
    assert sum(unanswerable.values()) >= 44 and len(set(unanswerable.values())) == 1 and len(unanswerable) == 4


@pytest.mark.parametrize("qid", [
    "n001",  # sibling-phase, zh->en: 第一期 against "phase one", not the phase-two record
    "n022",  # sibling-number, zh->en: 48亿元 against "RMB 4.8 billion", not the 3.6 billion sibling
    "n028",  # romanised-name, zh->en: 吕本富 over a body that says "Lu Benfu"
    "n046",  # romanised-name, zh->en: 欧阳明远 / "Ouyang Mingyuan"
    "n095",  # romanised-name, en->zh: "Lu Xiaofeng" finds 吕晓峰's satellites
    "n113",  # romanised-name, en->zh: "Xu Jingyi" finds 许静怡's note
    "n141",  # traditional, zh->zh: a simplified question, a Hong Kong report in traditional characters
    "n153",  # sibling-phase, zh->zh: 二期 in traditional, not the 一期 report
    "n159",  # traditional, en->zh: an English question, a Taiwan report
    "n162",  # romanised-name, zh->en: 陈思远 / "Chen Siyuan", not the traditional 陳思遠 report
    "n128",  # traditional, zh->zh: 宏晶半导体高雄厂 finds the traditional 宏晶半導體高雄廠 report (issue 12)
    "n084",  # romanised-name, en->zh: "Lu Benfu" finds 吕本富 on humanoid robots (issue 12)
    "n056",  # sibling-year, zh->en: 2024年上半年, not the first-half-2025 report that never names 2024
    "n098",  # plain, en->zh: "Hongjing" is 宏晶, not the English report on packaging plants in Vietnam
    "n064",  # traditional, zh->en: 鸿翔电脑 Q2, not the traditional Qiyue Q2 report (dense levelled)
    "n151",  # sibling-phase, en->zh: the wind farm off Taichung (台中), not another project's phase one
    "n154",  # sibling-phase, en->zh: Taichung's phase two, not the English nickel report's phase two
])
def test_first_hit_is_the_gold_report_and_its_highlight_answers(news, qid):
    q = QUESTIONS[qid]
    hit, name = first_hit(news, q["question"])
    assert name == q["doc"]
    assert contains_answer(hit.highlight.text, [q["answer"]])


def test_a_chinese_title_over_an_english_body_gives_its_words_not_its_name_keys(news):
    """The interview's title names 欧阳明远 (jieba: 欧阳明 / 远), its English body "Ouyang Mingyuan": the
    passages hold the title's words and the body's key, not the title's keys (qa.passage_tokens.title_name_keys),
    which a Chinese question met as well as the words: the name counted several times over."""
    store = news.searcher.store
    assert {"欧阳明", "~ouyangmingyuan"} <= store.known_terms({"欧阳明", "~ouyangmingyuan"})
    assert not store.known_terms({"~ouyangming", "~ouyangmeng"})


@pytest.mark.parametrize("qid", [
    "n044",  # sibling-year, zh->en: 机器人 twice, with its sub-word 机器 each time, no longer outweighs "robots"
    "n180",  # plain, zh->en: 无人机 twice (无人, 人机, 无人机 each time) in the Chinese drone report
    "n045",  # romanised-name, zh->en: 欧阳明远 as the interview's title words and again as its keys
])
def test_a_word_or_name_counts_once_however_it_is_split_or_keyed(news, qid):
    q = QUESTIONS[qid]
    _, name = first_hit(news, q["question"])
    assert name == q["doc"]


def test_a_traditional_report_is_cited_and_shown_in_its_own_characters(news):
    q = QUESTIONS["n156"]  # a simplified question on 港湾巴士, asked of a Hong Kong report in 港灣巴士
    hit, name = first_hit(news, q["question"])
    assert name == q["doc"] == "zht/hk_ev_bus.txt"
    assert "港灣巴士" in hit.text and "港湾巴士" not in hit.text
    assert contains_answer(hit.highlight.text, [q["answer"]]) and "約" in q["answer"]


@pytest.mark.parametrize("qid", [
    "n143",  # sibling-quarter, en->zh: "second quarter" picks 第二季 (traditional) over the English Q3 report
    "n147",  # sibling-quarter, zh->en: 澳门 is "Macau" (CEDICT: 澳门市), not a Chinese Q3 report on drones
    "n185",  # plain, zh->en: 越南 is Vietnam's report, not a Chinese one on packaging (dense levelled)
])
def test_a_report_on_another_period_does_not_come_first(news, qid):
    q = QUESTIONS[qid]
    _, name = first_hit(news, q["question"])
    assert name == q["doc"]


# The held-out questions whose misses informed the sibling rules (helper "siblings", 2026-12-02: the
# period vocabulary, renderings naming an unasked value, a contradicting report below the one naming
# the asked period; see docs/ranking.md). From then on these are not held out.
HELD_OUT = {q["id"]: q for q in map(json.loads, (NEWSSET / "heldout_questions.jsonl").read_text("utf-8").splitlines())}


@pytest.mark.parametrize("qid", [
    "h-n066",  # en->zh: "Strait Wind's first offshore phase" is 一期 (traditional), not the 二期 report
    "h-n067",  # en->zh: Macau's "second quarter" is 第二季 (traditional), not the English Q3 report it shares words with
    "h-n064",  # en->zh: "the April to June quarter" keeps 六月 as June's rendering: 第二季 (traditional), not an English Q2 record
    # a miss of the set's first run, kept as xfail until these rules: "Q3 2025" is the 三季度 report, not the
    # English Pengfei report that names only the first quarter (moved below the report naming the third)
    "n102",
    "n144",  # en->zh: Macau's April-June quarter is 第二季 (traditional), not the English Q3 report
])
def test_an_english_question_on_a_period_finds_the_chinese_report_on_it(news, qid):
    q = {**QUESTIONS, **HELD_OUT}[qid]
    _, name = first_hit(news, q["question"])
    assert name == q["doc"]


@pytest.mark.parametrize("qid", [
    "n165",  # romanised-name, zh->en: 天衡机器人芜湖工厂 is the English report on the Wuhu plant
    "n166",  # plain, zh->en: the same report, not the interview whose Chinese title names 天衡 and 人形机器人
])
def test_a_word_in_a_chinese_title_and_its_english_body_counts_once(news, qid):
    """The interview's Chinese title holds the question's words and its English body their
    translations and name keys: counted both ways it came first (qa.once_per_word)."""
    q = QUESTIONS[qid]
    _, name = first_hit(news, q["question"])
    assert name == q["doc"] == "en/tianheng_wuhu_plant.txt"


@pytest.mark.parametrize("qid", [
    "n055",  # zh->en, how many chips: the lead's "[1]" is a citation, not a count (qa.answer_types)
    "n062",  # zh->en, how many servers: the same, the lead names no count at all
    "n169",  # zh->en, how much: "SGD 1.3 billion" is money
    "n139",  # en->en, when: "closes in November" is a date; the byline above is not the lead
    "n123",  # en->zh, "how many ... when it opened" asks for a count, not a date
    "n057",  # en->en, "first half of 2024" names the report's half-year, which every sentence is about
    "n185",  # zh->en, how much: the lead names only the report's topic (Vietnam, chip plant)
    "n005",  # zh->en, when: the lead names only the topic (Donghai Cloud, Lingang, phase two)
])
def test_the_highlight_is_the_sentence_with_the_asked_fact_not_the_lead(news, qid):
    """Misses of the news set's highlight, mended in newssent (the set's misses informed these changes)."""
    q = QUESTIONS[qid]
    hit, name = first_hit(news, q["question"])
    assert name == q["doc"]
    assert contains_answer(hit.highlight.text, [q["answer"]]), hit.highlight.text


def test_qingyun_hong_kong_lab_comes_first(news):
    """Lost in newsdoc2 (the English report on Hong Kong data centres holds Hong Kong, so it no longer
    lacks every name the question is about), back since "Hong Kong" counts as one name in both
    languages: two words at full weight against 香港 at a quarter (qa.bridge.translate_query)."""
    q = QUESTIONS["n161"]  # traditional, en->zh: "Qingyun" is 青雲, not the English report on Hong Kong data centres
    _, name = first_hit(news, q["question"])
    assert name == q["doc"]


def test_the_same_answer_whatever_the_hash_seed(news):
    """A question asked in two processes with different PYTHONHASHSEED gets byte-identical JSON. Its
    keys (=q3, =y2025 ...) were once ordered by set order where two sit at one place, and BM25 adds
    their float32 weights in the question's order: scores then differed in the 6th decimal."""
    question = "What share of Xinyuan's sales in the third quarter of 2025 came from car chips?"  # n015
    outputs = [subprocess.run([sys.executable, "-m", "qa.cli", "ask", question, "--index", str(news.index_dir),
                               "--json"], env=subprocess_env(PYTHONHASHSEED=seed), capture_output=True,
                              check=True).stdout for seed in ("1", "2", "3")]
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


def test_document_spans_read_from_the_passages_match_the_document_records(news):
    """The ranking's sibling rule reads each candidate's document span from the passages' document
    column (Searcher.document_spans), not from the records: the two must agree for every document."""
    searcher = news.searcher
    documents = searcher.index.documents
    ids = np.arange(len(documents))
    want = [(int(documents[d]["first"]), int(documents[d]["first"]) + int(documents[d]["passages"])) for d in ids]
    assert searcher.document_spans(ids) == want
    assert searcher.document_spans(ids[::-1]) == want[::-1]
