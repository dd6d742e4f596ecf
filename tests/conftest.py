"""Shared fixtures: the real default model (loaded once) and an index of tests/data built once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


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
