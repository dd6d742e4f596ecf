"""The faces (CLI, shell, HTTP API) go through the ``QA`` front (which modules they import is checked
in tests/units/test_layers.py): `qa info` stays light, a question is checked by one function for all of
them, and a library error's remedy is rendered by each face in its own terms."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QA, InputError, ModelMismatchError
from qa.errors import Remedy

from ..conftest import ROOT, subprocess_env

def test_info_loads_no_numpy_faiss_or_model(built):
    """`qa info` reads the manifest through QA.info and nothing heavier."""
    _, index_dir = built
    code = ("import sys; from qa.cli import main; code = main(['info', '--json', '--index', sys.argv[1]]); "
            "print(code, sorted(m for m in ('numpy', 'faiss', 'torch', 'sentence_transformers', 'rich') "
            "if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(index_dir)], env=subprocess_env(),
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip() == "0 []", proc.stderr
    assert json.loads(proc.stdout)["passages"] == QA.info(index_dir)["passages"] > 0


def test_info_on_the_class_and_on_an_opened_index(built):
    qa, index_dir = built
    assert QA.info(index_dir) == qa.info()
    assert qa.info()["documents"] == len(qa.documents()) == qa.status()["documents"]


@pytest.mark.parametrize("question, k, mode", [("   ", 5, "hybrid"), ("x", 0, "hybrid"), ("x", 5, "fuzzy")])
def test_one_check_for_every_face(built, capsys, question, k, mode):
    """A bad question gets the same words from QA.check, QA.ask, the CLI and the HTTP API."""
    from fastapi.testclient import TestClient

    from qa.cli import main
    from qa.server import create_app

    qa, index_dir = built
    with pytest.raises(InputError) as checked:
        QA.check(question, k, mode)
    with pytest.raises(InputError) as asked:
        qa.ask(question, k=k, mode=mode)
    assert str(asked.value) == str(checked.value)
    if mode in QA.MODES and k >= 1:  # the CLI's argparse and the API's schema refuse the others first
        assert main(["ask", question, "-k", str(k), "--mode", mode, "--index", str(index_dir)]) == 1
        assert capsys.readouterr().err == f"qa: error: {checked.value}\n"
        r = TestClient(create_app(qa)).post("/ask", json={"question": question, "k": k, "mode": mode})
        assert r.status_code == 422 and r.json()["error"]["message"] == str(checked.value)


def test_a_remedy_in_each_face_s_terms(built, capsys):
    _, index_dir = built
    with pytest.raises(ModelMismatchError) as e:
        QA.open(index_dir, model="st:another-model")
    assert e.value.remedy is Remedy.MODEL and e.value.context["model"] == "st:another-model"
    assert "--" not in str(e.value) and Remedy.MODEL.advice in str(e.value)

    from qa.cli import main

    assert main(["ask", "x", "--index", str(index_dir), "--model", "st:another-model"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"qa: error: {e.value.problem}; ") and "`qa index --full --model st:another-model`" in err


def test_http_renders_a_remedy_as_the_endpoint_to_call(corpus, embedder, tmp_path):
    """An index that records no source paths cannot be updated over HTTP: the error names its remedy
    by code, and the way to apply it in HTTP terms."""
    from fastapi.testclient import TestClient

    from qa.server import create_app

    docs = tmp_path / "docs"
    shutil.copytree(corpus, docs)
    index_dir = tmp_path / "index"
    QA.build_index([docs / "rail_zh.txt"], index_dir, embedder=embedder)
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    del manifest["sources"]  # as an older qa wrote it
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    app = create_app(QA.open(index_dir, embedder=embedder), allow_index=True, token="t" * 20)
    r = TestClient(app).post("/index", headers={"Authorization": "Bearer " + "t" * 20})
    error = r.json()["error"]
    assert r.status_code == 422 and error["remedy"]["code"] == Remedy.SOURCES.value
    assert "POST /index" in error["remedy"]["how"] and "record the paths" in error["message"]


def test_one_list_of_modes_and_languages():
    from qa import fusion, filters

    assert QA.MODES == fusion.MODES and QA.LANGS == filters.LANGS


def test_skipped_files_name_their_remedy(tmp_path, embedder, capsys, monkeypatch):
    """JSON records without the text field, a link out of the indexed folder: the build report carries
    each remedy's code (and no CLI words), the CLI the flag that applies it."""
    from qa.cli import main

    monkeypatch.chdir(tmp_path)
    docs, outside = tmp_path / "docs", tmp_path / "outside"
    docs.mkdir(), outside.mkdir()
    (docs / "a.txt").write_text("A page about tea from Hangzhou.\n", encoding="utf-8")
    (docs / "news.json").write_text(json.dumps([{"article": "Pandas eat bamboo."}]), encoding="utf-8")
    (outside / "b.txt").write_text("Elsewhere.\n", encoding="utf-8")
    (docs / "b.txt").symlink_to(outside / "b.txt")
    report = QA.build_index([docs], tmp_path / "index", embedder=embedder).to_dict()
    remedies = {Path(s["path"]).name: s.get("remedy") for s in report["skipped"]}
    assert remedies == {"news.json": Remedy.JSON_FIELDS.value, "b.txt": Remedy.FOLLOW_LINKS.value}
    assert not any("--" in s["reason"] or "qa " in s["reason"] for s in report["skipped"])
    assert main(["index", "docs", "--index", str(tmp_path / "index2")]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as one line, whatever the terminal's width
    assert "`qa index --json-text-field NAME`" in out and "`qa index --follow-links`" in out
