"""Shared fixtures: the real default model (loaded once) and an index of tests/data built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = TESTS.parent


@pytest.fixture(scope="session")
def embedder():
    from qa.embedding import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """A private copy of tests/data, so tests that touch files cannot disturb each other."""
    dst = tmp_path_factory.mktemp("corpus") / "docs"
    shutil.copytree(DATA, dst)
    return dst


@pytest.fixture(scope="session")
def built(corpus, embedder, tmp_path_factory):
    """(QA, index folder) for the bilingual fixture corpus, built with the real model and FAISS."""
    from qa import QA
    from qa.chunks import ChunkSettings

    index_dir = tmp_path_factory.mktemp("idx") / "index"
    # Small passages, so most documents have several and citations cross line breaks and overlaps.
    return QA.build([corpus], index_dir, embedder=embedder, settings=ChunkSettings(max_units=80)), index_dir


@pytest.fixture(autouse=True)
def _quiet_state(tmp_path, monkeypatch):
    """Keep the interactive history and env settings of the person running the tests out of them."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("QA_INDEX", raising=False)
    monkeypatch.delenv("QA_MODEL", raising=False)
    monkeypatch.delenv("QA_MIN_CONFIDENCE", raising=False)


def _without_floats(value):
    if isinstance(value, dict):
        return {k: _without_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_floats(v) for v in value]
    return None if isinstance(value, float) else value


def _floats_close(a, b, tol: float) -> bool:
    if isinstance(a, dict):
        return all(_floats_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return all(_floats_close(x, y, tol) for x, y in zip(a, b))
    return abs(a - b) <= tol if isinstance(a, float) else True


def same_answers(a, b, tol: float = 1e-5) -> bool:
    """Answers (as to_dict() gives them) with the same passages, citations and highlights in the same
    order, and scores equal up to the last float bits: BLAS kernels sum in an order that depends on the
    arrays' memory alignment, so the same question asked in another thread can differ at 1e-7."""
    return _without_floats(a) == _without_floats(b) and _floats_close(a, b, tol)


def subprocess_env(**extra: str) -> dict:
    """The environment for a `python -m qa.cli` child: this checkout first on its path, so the tests
    run the code under test whether or not (and whichever) qa is installed in site-packages."""
    import os

    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, **extra)
