"""`qa eval`: metrics as pure functions, SQuAD loading and pairing, bad data, and the command end to end
with the real default model on a small parallel pair (tests/eval_data, written for these tests)."""

import json
from pathlib import Path

import pytest

from qa.cli import main
from qa.errors import EvalDataError, InputError
from qa.evaluate import (contains_answer, distinct_ranking, evaluate_modes, mrr_at, plan, rank_of,
                         recall_at)
from qa.squad import load_squad, pair

from ..conftest import TESTS

EVAL = TESTS / "eval_data"
EN, ZH = EVAL / "mini.en.json", EVAL / "mini.zh.json"
METRICS = ("recall@1", "recall@5", "mrr@10", "answer@1", "sentence@1")


# -- metrics ----------------------------------------------------------------------------------------

def test_metrics_on_known_ranks():
    ranks = [1, 3, None, 12, 2, 5]  # None: not found at all; 12: found below the cut
    assert recall_at(ranks, 1) == pytest.approx(1 / 6)
    assert recall_at(ranks, 5) == pytest.approx(4 / 6)
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3 + 1 / 2 + 1 / 5) / 6)
    assert mrr_at([11], 10) == 0.0 and mrr_at([10], 10) == pytest.approx(0.1)
    assert recall_at([], 1) == 0.0 and mrr_at([], 10) == 0.0


def test_rank_is_over_distinct_documents():
    # Passages of documents a, a, b, a, c: document c is the third document, not the fifth passage.
    ranking = distinct_ranking(["a", "a", "b", "a", "c"])
    assert ranking == ["a", "b", "c"]
    assert rank_of(ranking, {"c"}) == 3
    assert rank_of(ranking, {"x", "b"}) == 2  # either version of a paragraph counts (mixed task)
    assert rank_of(ranking, {"x"}) is None


def test_answer_containment_normalises():
    assert contains_answer("Hillary reached it on 29 May  1953.", ["29 may 1953"])
    assert contains_answer("海拔８８４９米", ["8849米"])  # full-width digits
    assert not contains_answer("海拔8848米", ["8849米"])
    assert not contains_answer(None, ["x"]) and not contains_answer("text", [])


# -- loading and pairing ----------------------------------------------------------------------------

def test_load_and_pair_parallel_files():
    en, zh = load_squad(EN), load_squad(ZH)
    assert (en.lang, zh.lang) == ("en", "zh")
    assert len(en.paragraphs) == len(zh.paragraphs) == 6 and len(en.questions) == 9
    assert pair(en, zh) == (zh, en) and pair(zh, en) == (zh, en)  # either order
    corpora, tasks = plan([en, zh])
    assert [t.name for t in tasks] == ["zh->zh", "en->en", "zh->en", "en->zh", "mixed"]
    assert set(corpora) == {"zh", "en", "mixed"} and corpora["mixed"] == [zh, en]
    by_name = {t.name: t for t in tasks}
    # q7 (Fleming) sits in paragraph 4; asked in Chinese of the English corpus, its gold is the English
    # paragraph and its answers are the English question's.
    q = by_name["zh->en"].queries[6]
    assert q.text == "1928年是谁发现了青霉素？" and q.gold == {("en", 4)} and q.answers == {"en": ("Alexander Fleming",)}
    mixed = by_name["mixed"].queries
    assert len(mixed) == 18 and mixed[6].gold == {("zh", 4), ("en", 4)}
    assert mixed[6].answers == {"zh": ("亚历山大·弗莱明",), "en": ("Alexander Fleming",)}
    _, limited = plan([en, zh], limit=2)
    assert [len(t.queries) for t in limited] == [2, 2, 2, 2, 4]


def test_one_file_is_one_task_named_by_language():
    corpora, tasks = plan([load_squad(ZH)])
    assert list(corpora) == ["zh"] and [t.name for t in tasks] == ["zh->zh"] and len(tasks[0].queries) == 9


# -- bad data -----------------------------------------------------------------------------------------

def _write(tmp_path, name, obj) -> Path:
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def _squad(tmp_path, name, fn) -> Path:
    data = json.loads(EN.read_text(encoding="utf-8"))
    fn(data)
    return _write(tmp_path, name, data)


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON (line 1"),
    ([1, 2], "expected an object"),
    ({"version": "1"}, '"data" is missing'),
    ({"data": [{"title": "t", "paragraphs": {}}]}, "at data[0].paragraphs: expected a list"),
    ({"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "1", "answers": []}]}]}]},
     'at data[0].paragraphs[0].qas[0]: "question" is missing'),
    ({"data": [{"paragraphs": [{"context": " ", "qas": []}]}]}, "the context is empty"),
    ({"data": [{"paragraphs": [{"context": "c", "qas": []}]}]}, "holds no questions"),
    ({"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "1", "question": " ", "answers": []}]}]}]},
     "holds no questions"),
])
def test_bad_data_is_a_clear_error(tmp_path, content, message):
    path = _write(tmp_path, "bad.json", content)
    with pytest.raises(EvalDataError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_squad(path)


def test_duplicate_ids_and_unreadable_files(tmp_path):
    def dup(d):
        d["data"][1]["paragraphs"][0]["qas"][0]["id"] = "q1"
    with pytest.raises(EvalDataError, match="'q1' appears twice"):
        load_squad(_squad(tmp_path, "dup.json", dup))
    with pytest.raises(EvalDataError, match="cannot read"):
        load_squad(tmp_path / "missing.json")


def test_empty_questions_are_left_out_of_both_files(tmp_path):
    # CMRC 2018 trial has two questions with empty text: `qa ask` refuses those, so eval counts them.
    def blank(d):
        d["data"][0]["paragraphs"][0]["qas"][1]["question"] = ""
    en = load_squad(_squad(tmp_path, "blank.json", blank))
    assert en.skipped == ["q2"] and len(en.questions) == 8
    _, tasks = plan([load_squad(ZH), en])
    assert [len(t.queries) for t in tasks] == [8, 8, 8, 8, 16]  # q2 is left out of the Chinese side too


def test_files_that_do_not_pair(tmp_path):
    zh = load_squad(ZH)

    def rename(d):
        d["data"][0]["paragraphs"][0]["qas"][0]["id"] = "other"
    with pytest.raises(EvalDataError, match=r"ids do not match: 1 only in .*'q1'.*1 only in .*'other'"):
        pair(zh, load_squad(_squad(tmp_path, "renamed.json", rename)))

    def move(d):  # same ids, but q3 moved to another paragraph: not a translation of the same data
        d["data"][0]["paragraphs"][0]["qas"].append(d["data"][0]["paragraphs"][1]["qas"].pop())
    with pytest.raises(EvalDataError, match="'q3' is in article 0 paragraph 1 .* but in article 0 paragraph 0"):
        pair(zh, load_squad(_squad(tmp_path, "moved.json", move)))
    with pytest.raises(EvalDataError, match="one Chinese and one English"):
        pair(zh, zh)


def test_cli_bad_data_is_one_line_exit_1(tmp_path, capsys):
    path = _write(tmp_path, "bad.json", "{not json")
    assert main(["eval", str(path), "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("qa: error: ") and "not JSON" in err
    assert main(["eval", str(EN), str(ZH), str(EN)]) == 1
    assert "one SQuAD-format file, or two" in capsys.readouterr().err
    with pytest.raises(InputError, match="limit must be at least 1"):
        evaluate_modes([EN], limit=0)


# -- end to end with the real model -------------------------------------------------------------------

@pytest.fixture
def shared_model(embedder, monkeypatch):
    """The CLI loads the real default model; hand it the session's copy so it loads once per run."""
    monkeypatch.setattr("qa.evaluate.load_embedder", lambda model=None: embedder)


def test_cli_eval_pair_json(shared_model, capsys):
    assert main(["eval", str(EN), str(ZH), "--json"]) == 0
    out, _ = capsys.readouterr()
    result = json.loads(out)  # the whole of stdout is one JSON object
    assert set(result) == {"tasks", "index", "query_ms", "settings"}
    assert list(result["tasks"]) == ["zh->zh", "en->en", "zh->en", "en->zh", "mixed"]
    for name, row in result["tasks"].items():
        assert set(row) == set(METRICS) | {"queries", "kept", "declined"}
        assert row["queries"] == (18 if name == "mixed" else 9)
        assert all(0.0 <= row[m] <= 1.0 for m in METRICS + ("kept", "declined"))
        assert row["recall@1"] <= row["mrr@10"] and row["recall@1"] <= row["recall@5"]
    # Six paragraphs on distinct topics: a same-language question finds its own paragraph first.
    assert result["tasks"]["zh->zh"]["recall@1"] == 1.0 and result["tasks"]["en->en"]["recall@1"] == 1.0
    assert result["tasks"]["mixed"]["recall@5"] == 1.0
    index = result["index"]
    assert (index["documents"], index["builds"]["mixed"]["documents"]) == (24, 12)
    # The long photosynthesis paragraph is split in passages, so there are more passages than documents.
    assert index["builds"]["en"]["passages"] > 6 and index["seconds"] > 0
    assert 0 < result["query_ms"]["p50"] <= result["query_ms"]["p95"]
    assert result["settings"]["model"] == "use-multilingual" and result["settings"]["mode"] == "hybrid"
    assert result["settings"]["skipped_questions"] == []


def test_cli_eval_table_single_file(shared_model, capsys):
    assert main(["eval", str(ZH), "--limit", "3", "--mode", "lexical"]) == 0
    out, err = capsys.readouterr()
    assert "zh->zh" in out and "recall@1" in out and "mode lexical" in out and "en->en" not in out
    assert "passages" in out and "p95" in out
    assert "kept" in out and "declined" in out  # the unanswerable variant


def test_the_unanswerable_variant_declines_questions_whose_paragraph_is_hidden(embedder):
    """Six paragraphs on distinct topics: with its own paragraph hidden, a question has nothing to
    find, and most same-language questions are declined while their right answers are kept."""
    result = evaluate_modes([EN, ZH], ("hybrid",), embedder=embedder)["hybrid"]
    for task in ("zh->zh", "en->en"):
        assert result.tasks[task]["kept"] >= 0.8 and result.tasks[task]["declined"] >= 0.5, result.tasks[task]


def test_modes_share_indexes(embedder):
    results = evaluate_modes([EN, ZH], ("dense", "lexical"), embedder=embedder)
    dense, lexical = results["dense"], results["lexical"]
    assert dense.index is lexical.index  # built once, asked in both modes
    # Lexical search crosses languages only through the dictionary bridge, which finds the
    # English paragraphs for most Chinese questions of this small set.
    assert lexical.tasks["zh->en"]["recall@1"] > 0.5
    assert dense.ranks["en->en"].count(1) == round(dense.tasks["en->en"]["recall@1"] * 9)
