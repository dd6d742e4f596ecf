"""The Python API: filters, thread safety, reload/update, errors, and the README's example as written."""

from __future__ import annotations

import json
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa import QA, Filters, InputError
from qa.errors import IndexLockedError

from ..conftest import ROOT, same_answers
from ..helpers import files_of


EXPORT = """{topic}
Search documents
{title}
{source}· {date}
{body}
"""


def _export(folder: Path, name: str, date: str, title: str, body: str) -> None:
    (folder / name).write_text(EXPORT.format(topic="主题", title=title, source="Test Wire", date=date,
                                             body=body), encoding="utf-8")


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embedder):
    """Three dated export files and one undated file, indexed."""
    docs = tmp_path_factory.mktemp("dated") / "docs"
    docs.mkdir()
    _export(docs, "a_2024.txt", "2024-01-05", "Tea harvest report",
            "The spring tea harvest in Hangzhou began early this year because of warm weather.")
    _export(docs, "b_2025.txt", "2025-03-02 08:15", "Battery plans",
            "Carmakers plan solid-state batteries for mass production around 2027.")
    _export(docs, "c_late.txt", "2025-11-14 23:09", "AI strategy",
            "South Korea aims to be among the top three AI countries by 2030.")
    (docs / "undated.txt").write_text("Tea is grown on terraces in the hills around West Lake.\n", encoding="utf-8")
    return QA.build([docs], docs.parent / "index", embedder=embedder)


# -- filters ----------------------------------------------------------------------------------------

def test_path_glob_filters_by_file_name_and_by_path(built):
    qa, _ = built
    md = qa.ask("What is this document about?", k=5, path="*.md")
    assert md.hits and all(n.endswith(".md") for n in files_of(md))
    # A pattern with "/" is matched against the whole path as cited.
    foot = qa.ask("volcanic ash over Europe", k=3, path="*/football_en.txt")
    assert foot.hits and set(files_of(foot)) == {"football_en.txt"}
    assert not qa.ask("volcanic ash", path="*/no_such_file.txt").hits


def test_filter_is_applied_before_candidates_are_chosen(built):
    """A filtered question gets the best allowed passages, not the allowed few of the best overall:
    asking about a volcano inside the football file still fills k from that file (its passages,
    which overlap, come back as one span covering them all)."""
    qa, _ = built
    football = [p for p in qa.index.passages if qa.index.documents[p.doc]["path"].endswith("football_en.txt")]
    n_football = len(football)
    assert n_football >= 2
    unfiltered = qa.ask("the volcanic ash cloud closed airspace", k=3)
    assert "football_en.txt" not in files_of(unfiltered)
    for mode in ("hybrid", "dense"):
        got = qa.ask("the volcanic ash cloud closed airspace", k=n_football, mode=mode, path="football_en.txt")
        assert set(files_of(got)) == {"football_en.txt"}
        covered = sorted((h.citation.char_start, h.citation.char_end) for h in got.hits)
        assert covered[0][0] == min(p.start for p in football) and covered[-1][1] == max(p.end for p in football)
        assert all(a[1] < b[0] for a, b in zip(covered, covered[1:]))  # no text twice


def test_a_filter_that_allows_everything_changes_nothing(built):
    qa, _ = built
    for q in ("龙井茶是哪里产的？", "When did the Icelandic volcano erupt?"):
        assert qa.ask(q, k=5, path="*").to_dict() == qa.ask(q, k=5).to_dict()


def test_language_filter(built):
    qa, _ = built
    zh = qa.ask("Where does Longjing tea come from?", k=5, lang="zh")
    assert zh.hits and all(h.lang == "zh" for h in zh.hits)
    en = qa.ask("龙井茶是哪里产的？", k=5, lang="en")
    assert en.hits and all(h.lang == "en" for h in en.hits)


def test_date_filters(dated):
    q = "What is this about?"
    assert set(files_of(dated.ask(q, k=10))) == {"a_2024.txt", "b_2025.txt", "c_late.txt", "undated.txt"}
    assert set(files_of(dated.ask(q, k=10, since="2025-01-01"))) == {"b_2025.txt", "c_late.txt"}
    assert set(files_of(dated.ask(q, k=10, until="2025-03-02"))) == {"a_2024.txt", "b_2025.txt"}  # whole day
    assert set(files_of(dated.ask(q, k=10, until="2025-03-02 08:00"))) == {"a_2024.txt"}
    assert set(files_of(dated.ask(q, k=10, since="2025-03-02 08:15", until="2025-03-02 08:15"))) == {"b_2025.txt"}
    assert set(files_of(dated.ask(q, k=10, filters=Filters(since="2024-01-01", until="2024-12-31")))) == {"a_2024.txt"}
    # Dates and other filters combine: all must hold.
    assert set(files_of(dated.ask(q, k=10, since="2024-01-01", path="c_*"))) == {"c_late.txt"}


@pytest.mark.parametrize("kwargs, words", [
    (dict(lang="fr"), "choose zh or en"),
    (dict(since="yesterday"), "YYYY-MM-DD"),
    (dict(until="2025-02-30x"), "YYYY-MM-DD"),
    (dict(since="2025-13-01"), "out of range"),
    (dict(since="2025-05-01", until="2025-04-01"), "swap"),
    (dict(path="  "), "glob"),
    (dict(filters=Filters(lang="zh"), lang="en"), "not both"),
    (dict(k=2.5), "whole number"),
])
def test_bad_filters_are_input_errors(built, kwargs, words):
    qa, _ = built
    with pytest.raises(InputError, match=words):
        qa.ask("龙井茶", **kwargs)


def test_non_string_question_is_an_input_error(built):
    with pytest.raises(InputError, match="string"):
        built[0].ask(None)  # type: ignore[arg-type]


# -- threads ----------------------------------------------------------------------------------------

QUESTIONS = [
    ("龙井茶是哪里产的？", {}), ("Where does Longjing tea come from?", {"mode": "dense"}),
    ("When did Eyjafjallajökull erupt?", {"mode": "lexical"}), ("高铁最高时速是多少？", {"lang": "zh"}),
    ("How many players are in a football team?", {"path": "*.txt"}), ("固态电池什么时候量产？", {"k": 2}),
    ("How do I install a Python package?", {"mode": "hybrid", "k": 4}), ("长城有多长？", {"lang": "en"}),
]


def test_concurrent_asks_match_serial_answers(built, embedder):
    index_dir = built[1]
    qa = QA.open(index_dir, embedder=embedder)  # a fresh object: its searcher is created under the race
    jobs = QUESTIONS * 3
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda job: qa.ask(job[0], **job[1]).to_dict(), jobs))
    serial = [qa.ask(q, **kw).to_dict() for q, kw in jobs]
    # The same passages, citations and highlights in the same order; scores equal up to the last float
    # bits (BLAS kernels sum in an order that depends on the arrays' memory alignment).
    assert same_answers(parallel, serial)
    assert all(a["hits"] for a in serial)


# -- keeping an index up to date ------------------------------------------------------------------

def test_update_from_recorded_sources_swaps_builds_under_running_questions(tmp_path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "tests" / "data", docs)
    index_dir = tmp_path / "index"
    qa = QA.build([docs], index_dir, embedder=embedder)
    assert qa.reload() is False  # nothing new yet
    (docs / "penguins_en.txt").write_text(
        "Emperor penguins breed in the Antarctic winter; the males keep the eggs warm on their feet for "
        "about two months while the females feed at sea.\n", encoding="utf-8")
    errors, answers, stop = [], [], threading.Event()

    def keep_asking():
        while not stop.is_set():
            try:
                answers.append(qa.ask("Who keeps the penguin eggs warm?", k=1))
            except Exception as e:  # noqa: BLE001 - any failure here is what the test looks for
                errors.append(e)

    threads = [threading.Thread(target=keep_asking) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        report = qa.update()  # no paths: the index's own sources from its manifest
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors and answers
    assert [Path(p).name for p in report.added] == ["penguins_en.txt"] and report.unchanged
    assert report.embedded < 20  # only the new file's texts went through the model
    assert files_of(qa.ask("Who keeps the penguin eggs warm?", k=1)) == ["penguins_en.txt"]
    assert qa.last_build is report and qa.reload() is False
    # Another process (here: another QA) publishes a build; reload() picks it up.
    (docs / "penguins_en.txt").unlink()
    QA.open(index_dir, embedder=embedder).update()
    assert qa.reload() is True
    assert "penguins_en.txt" not in {Path(d["path"]).name for d in qa.index.documents}


def test_update_without_recorded_sources_says_what_to_do(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hello world, this is a test document.\n", encoding="utf-8")
    qa = QA.build([docs], tmp_path / "index", embedder=embedder)
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["sources"]  # as an index from before sources were recorded
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match="give the paths"):
        QA.open(tmp_path / "index", embedder=embedder).update()
    # Explicit paths still work; files outside the working folder are cited from the indexed folder.
    assert qa.update([docs]).unchanged == ["docs/a.txt"]


def test_update_while_another_build_holds_the_lock(tmp_path, embedder):
    from qa.builder import index_lock

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hello world, this is a test document.\n", encoding="utf-8")
    qa = QA.build([docs], tmp_path / "index", embedder=embedder)
    with index_lock(tmp_path / "index"):
        with pytest.raises(IndexLockedError):
            qa.update()


def test_library_never_prints(built, tmp_path, embedder, capfd):
    qa, _ = built
    qa.ask("龙井茶是哪里产的？", lang="zh")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hello world, this is a test document.\n", encoding="utf-8")
    QA.build([docs], tmp_path / "index", embedder=embedder).update()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# -- the README's example, exactly as written -----------------------------------------------------

def _readme_python_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_python_example_runs_as_written(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    code = _readme_python_example()
    exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert "seeds/" in out and (tmp_path / "index" / "manifest.json").exists()
