"""The Milvus store end to end on milvus-lite (in this process; one file shared by the module): the
same answers as the faiss store, builds that switch atomically and reuse vectors, a build killed
mid-write, and one-line errors for bad URIs, a server that is down and a file another process holds.
(The store's contract is in tests/test_store_contract.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed: pip install 'qa[milvus]'")
pytest.importorskip("milvus_lite", reason="the milvus extra is not installed: pip install 'qa[milvus]'")

from qa import QA  # noqa: E402
from qa.builder import build_index  # noqa: E402
from qa.chunks import ChunkSettings  # noqa: E402
from qa.cli import main  # noqa: E402
from qa.errors import StoreUnavailableError  # noqa: E402
from qa.index_files import read_manifest  # noqa: E402
from qa.squad import load_squad  # noqa: E402
from qa.stores import milvus_conn  # noqa: E402

from ..conftest import DATA, ROOT, same_answers  # noqa: E402

QUESTIONS = ["冰岛火山爆发对欧洲航空旅行有什么影响？", "How did the volcano disrupt flights?", "龙井茶产自哪里？",
             "Where does Longjing tea come from?", "长城有多长？", "How long is the Great Wall?",
             "Who won the football match?", "高铁的速度是多少？", "What does the battery export report say?",
             "Python 列表推导式怎么写？", "火山灰", "tea"]
SEED_FILE = "000_4ac3b683ada84da1.txt"


def dev_data() -> Path | None:
    """The XQuAD dev pair, read where the benchmarks read it (never copied into the repository)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data" / "xquad-dev" / "xquad.en.json").exists():
            return base / "shared" / "data" / "xquad-dev"
    return None


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("milvus") / "qa.db"


@pytest.fixture(scope="module")
def both(corpus, embedder, db, built):
    """(faiss QA, milvus QA) over the fixture corpus, with the same model and settings."""
    faiss_qa, _ = built
    index = db.parent / "fixture-index"
    milvus_qa = QA.build([corpus], index, embedder=embedder, settings=ChunkSettings(max_units=80),
                         store=f"milvus:{db}")
    assert milvus_qa.index.manifest.store["kind"] == "milvus"
    return faiss_qa, milvus_qa


@pytest.mark.parametrize("mode", ["dense", "hybrid", "lexical"])
def test_the_same_answers_as_faiss(both, mode):
    faiss_qa, milvus_qa = both
    for question in QUESTIONS:
        a, b = faiss_qa.ask(question, k=10, mode=mode), milvus_qa.ask(question, k=10, mode=mode)
        assert [h.passage_id for h in a.hits] == [h.passage_id for h in b.hits], question
        assert same_answers(a.to_dict(), b.to_dict()), question


def test_filters_search_the_allowed_passages_only(both):
    faiss_qa, milvus_qa = both
    for lang in ("zh", "en"):
        a = faiss_qa.ask("volcano 火山", k=5, mode="dense", lang=lang)
        b = milvus_qa.ask("volcano 火山", k=5, mode="dense", lang=lang)
        assert [h.passage_id for h in a.hits] == [h.passage_id for h in b.hits] and a.hits
        assert all(h.lang == lang for h in b.hits)


@pytest.mark.skipif(dev_data() is None, reason="the XQuAD dev data is not beside the repository")
def test_dev_sample_dense_top10_identical_and_hybrid_equal(tmp_path, embedder, db):
    """A FAISS index moved into Milvus (no text embedded again) ranks the dev questions the same."""
    docs, questions = tmp_path / "docs", []
    for lang in ("en", "zh"):
        squad = load_squad(dev_data() / f"xquad.{lang}.json")
        (docs / lang).mkdir(parents=True)
        for i, paragraph in enumerate(squad.paragraphs[:24]):
            (docs / lang / f"p{i:03d}.txt").write_text(paragraph, encoding="utf-8")
        questions += [q.text for q in squad.questions if q.paragraph < 24][::3]
    index = tmp_path / "index"
    faiss_qa = QA.build([docs], index, embedder=embedder)
    report = build_index([docs], index, embedder=embedder, store=f"milvus:{db}")
    assert report.embedded == 0 and report.passages == len(faiss_qa.index.store.passages())
    milvus_qa = QA.open(index, embedder=embedder)
    assert milvus_qa.index.manifest.store["kind"] == "milvus"
    for question in questions:
        a, b = faiss_qa.ask(question, k=10, mode="dense"), milvus_qa.ask(question, k=10, mode="dense")
        assert [h.passage_id for h in a.hits] == [h.passage_id for h in b.hits], question
        a, b = faiss_qa.ask(question, k=5), milvus_qa.ask(question, k=5)
        assert same_answers(a.to_dict(), b.to_dict()), question


def test_seeds_through_the_command_line(tmp_path, db, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    assert main(["index", "seeds", "--store", f"milvus:{db}#seeds_cli", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 1
    assert sorted(p.name for p in (tmp_path / "index").iterdir() if p.is_file()) == [".lock", "manifest.json"]
    for question in ("韩国人工智能发展的目标是什么？", "What does South Korea aim to achieve in AI by 2030?"):
        assert main(["ask", question, "--json", "-k", "1"]) == 0
        hit = json.loads(capsys.readouterr().out)["hits"][0]
        assert hit["citation"]["path"].endswith(SEED_FILE) and "2030" in hit["text"]
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["store"].startswith(f"milvus {db} (seeds_cli_b_") and info["bytes"] > 4 * 512 * 4
    # Later builds (from any folder) find the same file and collections.
    assert read_manifest(tmp_path / "index").store["spec"] == f"milvus:{db}#seeds_cli"
    built = read_manifest(tmp_path / "index").build
    assert main(["index", "seeds", "--store", f"milvus:{db}#seeds_cli", "--json"]) == 0  # the same store:
    assert json.loads(capsys.readouterr().out)["embedded"] == 0 and read_manifest(tmp_path / "index").build == built
    assert main(["index", "seeds", "--optimize"]) == 0  # no segments to merge here: it says so
    assert "note nothing to optimize: the milvus store rebuilds the whole index" in \
        " ".join(capsys.readouterr().out.split())


def parts(names: list[str], prefix: str) -> set[str]:
    """The collections of one build among ``names``: passages, sentences, terms."""
    return {n[len(prefix) + 1:] for n in names if n.startswith(prefix + "_")}


def test_rebuilds_reuse_vectors_switch_in_one_step_and_drop_old_builds(tmp_path, embedder, db):
    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    index = tmp_path / "index"
    spec = f"milvus:{db}#incremental"
    first = QA.build([docs], index, embedder=embedder, store=spec)
    old = read_manifest(index).store["collections"]
    (docs / "new_fact.txt").write_text("The zorvath traders crossed the Kesh river at dawn with salt.\n",
                                       encoding="utf-8")
    twin = tmp_path / "faiss-index"  # the same change in the faiss store, for the count of new texts
    QA.build([DATA], twin, embedder=embedder)
    faiss_report = build_index([docs], twin, embedder=embedder)
    report = build_index([docs], index, embedder=embedder)  # the store recorded in the manifest
    assert report.added == ["new_fact.txt"] or report.added[0].endswith("new_fact.txt")
    assert 0 < report.embedded == faiss_report.embedded
    second = QA.open(index, embedder=embedder)
    new = read_manifest(index).store["collections"]
    assert new != old and new.startswith("incremental_b_")
    every = {"passages", "sentences", "terms"}
    names = milvus_conn.client(str(db)).list_collections()
    assert parts(names, new) == every
    hit = second.ask("Which river did the zorvath traders cross at dawn?", k=1).hits[0]
    assert Path(hit.citation.path).name == "new_fact.txt"
    # The replaced build stays until the next one: a reader that opened it still answers.
    assert parts(names, old) == every
    assert Path(first.ask("龙井茶产自哪里？", k=1).hits[0].citation.path).name == "longjing_zh.txt"
    (docs / "new_fact.txt").unlink()
    build_index([docs], index, embedder=embedder)
    names = milvus_conn.client(str(db)).list_collections()
    assert parts(names, old) == set() and parts(names, new) == every  # dropped one build later
    assert parts(names, read_manifest(index).store["collections"]) == every


# A build that stops inside the Milvus store's write, after the passages and sentences are written
# and before the BM25 postings are, and waits there to be killed.
KILLED_BUILDER = r"""
import sys, time
from pathlib import Path
import qa.stores.milvus_build as m
from qa.builder import build_index
docs, index, spec = sys.argv[1:4]
def stop(*a, **k):
    print("terms", flush=True)
    time.sleep(600)
m._write_terms = stop
build_index([docs], index, store=spec)
"""


def test_a_build_killed_mid_write_leaves_the_previous_build_answering(tmp_path, embedder):
    db = tmp_path / "crash.db"  # its own file: the killed process must be able to open it
    docs, index = tmp_path / "docs", tmp_path / "index"
    shutil.copytree(DATA, docs)
    spec = f"milvus:{db}#crash"
    QA.build([docs], index, embedder=embedder, store=spec)
    before = read_manifest(index)
    milvus_conn.release(str(db))
    (docs / "new_fact.txt").write_text("The zorvath traders crossed the Kesh river at dawn with salt.\n",
                                       encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_BUILDER, str(docs), str(index), spec],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        line = proc.stdout.readline().strip()
        assert line == "terms", proc.stderr.read() if proc.poll() is not None else line
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert read_manifest(index).build == before.build
    qa = QA.open(index, embedder=embedder)
    hit = qa.ask("冰岛火山爆发对欧洲航空旅行有什么影响？", k=1).hits[0]
    assert Path(hit.citation.path).name == "volcano_en.md"
    assert all("new_fact" not in d["path"] for d in qa.index.documents)
    names = milvus_conn.client(str(db)).list_collections()
    half = [n for n in names if n.startswith("crash_") and not n.startswith(before.store["collections"])]
    assert sorted(n.rsplit("_", 1)[1] for n in half) == ["passages", "sentences"]  # killed mid-write
    build_index([docs], index, embedder=embedder)
    after = read_manifest(index).store["collections"]
    names = [n for n in milvus_conn.client(str(db)).list_collections() if n.startswith("crash_")]
    every = {"passages", "sentences", "terms"}
    # The half-written build is gone; the replaced one stays until the next build.
    assert parts(names, after) == every and parts(names, before.store["collections"]) == every
    assert len(names) == 6
    hit = QA.open(index, embedder=embedder).ask("Which river did the zorvath traders cross at dawn?", k=1).hits[0]
    assert Path(hit.citation.path).name == "new_fact.txt"
    milvus_conn.release(str(db))


def _qa(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "qa.cli", *argv], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("spec, message", [
    ("milvus:ftp://host/x", "is not a Milvus URI: give the store as milvus:PATH.db"),
    ("milvus:/no/such/folder/x.db", "the folder /no/such/folder does not exist"),
    ("milvus:http://user:secret@host:19530", "put them in the environment variable QA_MILVUS_TOKEN"),
    ("milvus:x.db#9lives", "cannot name Milvus collections"),
    ("milvus:http://127.0.0.1:1", "cannot reach Milvus at http://127.0.0.1:1"),
])
def test_bad_uris_and_a_server_that_is_down_are_one_line_errors(tmp_path, spec, message):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    proc = _qa("index", "seeds", "--store", spec, cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error:") and message in lines[0], proc.stderr
    assert "secret" not in proc.stderr
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_an_index_whose_server_is_down_is_a_one_line_error(tmp_path, both):
    _, milvus_qa = both
    index = tmp_path / "index"
    shutil.copytree(milvus_qa.index_dir, index)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["store"]["uri"] = "http://127.0.0.1:1"
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    proc = _qa("ask", "tea", "--index", str(index), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "Traceback" not in proc.stderr
    assert "cannot reach Milvus at http://127.0.0.1:1" in proc.stderr and "start the server" in proc.stderr


def test_a_lite_file_open_in_another_process_is_named(tmp_path):
    db = tmp_path / "held.db"
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from pymilvus import MilvusClient; "
                               f"MilvusClient(uri={str(db)!r}); print('open', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreUnavailableError, match="is open in another process"):
            milvus_conn.client(str(db))
    finally:
        holder.kill()
        holder.wait(timeout=60)


def test_the_http_api_answers_from_milvus_under_concurrent_questions(both):
    from concurrent.futures import ThreadPoolExecutor

    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    from fastapi.testclient import TestClient

    from qa.server import create_app

    faiss_qa, milvus_qa = both
    client = TestClient(create_app(milvus_qa))
    with ThreadPoolExecutor(max_workers=6) as pool:  # the store's caches are shared by the threads
        replies = list(pool.map(lambda q: client.post("/ask", json={"question": q, "k": 3}), QUESTIONS * 2))
    for question, reply in zip(QUESTIONS * 2, replies):
        assert reply.status_code == 200, reply.text
        assert same_answers(reply.json(), faiss_qa.ask(question, k=3).to_dict()), question


def test_another_machine_needs_only_the_manifest(both, tmp_path, embedder):
    faiss_qa, milvus_qa = both
    elsewhere = tmp_path / "copied"
    elsewhere.mkdir()
    shutil.copy(milvus_qa.index_dir / "manifest.json", elsewhere / "manifest.json")
    remote = QA.open(elsewhere, embedder=embedder)
    for question in QUESTIONS[:4]:
        assert same_answers(remote.ask(question).to_dict(), faiss_qa.ask(question).to_dict()), question


def test_eval_in_milvus_gives_the_faiss_figures_and_leaves_nothing_behind(embedder, db):
    from qa.evaluate import evaluate_modes

    files = [ROOT / "tests" / "eval_data" / "mini.en.json", ROOT / "tests" / "eval_data" / "mini.zh.json"]
    before = set(milvus_conn.client(str(db)).list_collections())
    faiss = evaluate_modes(files, ("dense", "hybrid"), embedder=embedder)
    milvus = evaluate_modes(files, ("dense", "hybrid"), embedder=embedder, store=f"milvus:{db}")
    for mode in ("dense", "hybrid"):
        assert milvus[mode].tasks == faiss[mode].tasks and milvus[mode].ranks == faiss[mode].ranks
        assert milvus[mode].settings["store"] == f"milvus:{db}" and faiss[mode].settings["store"] == "faiss"
    assert set(milvus_conn.client(str(db)).list_collections()) == before  # the temporary builds are dropped


def test_serve_answers_in_one_process_from_a_lite_file(both, capsys, monkeypatch):
    pytest.importorskip("fastapi", reason="the serve extra is not installed")
    import qa.server

    _, milvus_qa = both
    index = str(milvus_qa.index_dir)
    assert main(["serve", "--index", index, "--workers", "2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qa: error:") and "use --workers 1, or put the index on a Milvus server" in err
    served = []
    monkeypatch.setattr(qa.server, "serve", lambda qa, host, port, **kw: served.append(kw["workers"]) or 0)
    monkeypatch.setattr("qa.workers.default_workers", lambda: 2)
    assert main(["serve", "--index", index]) == 0 and served == [1]  # the default of one a core becomes one
