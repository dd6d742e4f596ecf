"""The faces (CLI, shell, HTTP API) go through the ``QA`` front: they import no stage, no stage
imports them, a question is checked by one function for all of them, and a library error's remedy is
rendered by each face in its own terms."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa import QA, InputError, ModelMismatchError
from qa.errors import Remedy

from .conftest import ROOT, subprocess_env

PACKAGE = ROOT / "qa"
FACES = {"cli", "server", "terminal"}
# What a face may import from qa: the front, its errors, what it returns, the version, other faces.
FRONT = {"api", "errors", "answer", ""} | FACES


def _qa_imports(path: Path) -> set[str]:
    """The qa modules a module imports (relative imports, resolved against the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]  # ("qa",) or ("qa", "formats")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[:len(package) - node.level + 1])
            name = ".".join(base[1:] + ([node.module] if node.module else []))
            found.add(name)
            if node.module is None:  # `from . import x`: x may be a module
                found |= {".".join(base[1:] + [a.name]) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
            found.add(node.module.partition(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.partition(".")[2] for a in node.names if a.name.split(".")[0] == "qa"}
    return found


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE).with_suffix("").parts): p for p in PACKAGE.rglob("*.py")}


def test_no_module_of_the_library_imports_a_face():
    for name, path in _modules().items():
        if name not in FACES:
            assert not _qa_imports(path) & FACES, f"qa/{name} imports a face"


def test_faces_use_the_front_only():
    modules = set(_modules()) | {""}
    for face in FACES:
        imported = _qa_imports(PACKAGE / f"{face}.py") & modules  # `from . import __version__` is ""
        assert imported <= FRONT, f"qa/{face} reaches past the front: {sorted(imported - FRONT)}"


FLAG = re.compile(r"`qa\b|\bqa (?:ask|index|info|serve|eval|shell)\b|(?<![\w-])--[a-z][a-z-]+")
# Being rewritten for the store protocol (issue 11, parts 1-3): their messages move to remedies when
# that work is merged. Empty this set then; it must not grow.
AWAITING_STORE_REWORK = {"index_files", "search", "store", "formats.jsonrecords"}


def test_library_messages_name_no_command_line_flag():
    """The library's strings (docstrings aside) name no `qa ...` command or --flag: a fix is a Remedy,
    which each face words itself."""
    offenders = []
    for name, path in _modules().items():
        if name in FACES or name in AWAITING_STORE_REWORK:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        offenders += [f"qa/{name}:{node.lineno}: {node.value.strip()[:70]!r}" for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and isinstance(node.value, str)
                      and id(node) not in docstrings and FLAG.search(node.value)]
    assert not offenders, "\n".join(offenders)


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
