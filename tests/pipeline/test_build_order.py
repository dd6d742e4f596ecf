"""A build sends the model its first batch before it analyses those files (Collector.embed_first),
and the index is the one it built before: the same batches, so the same vector bits; the files it
loaded for that are not loaded again."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from qa import QA, builder, collector
from qa.chunks import ChunkSettings

from ..conftest import DATA

SETTINGS = ChunkSettings(max_units=60)  # several passages a file


@pytest.fixture
def docs(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    return docs


def _vectors(index, embedder):
    store = QA.open(index, embedder=embedder).index.store
    ids = np.arange(store.count)
    return store.vectors(ids), store.sentence_vectors(ids)


def test_the_first_batch_goes_to_the_model_before_its_files_are_analysed(docs, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(collector, "AHEAD_PASSAGES", 6)
    events = []
    submit, analyse = collector._Ahead.submit, collector.analyse

    def submitted(self, groups, keys, passages):
        events.append(("model", len(keys)))
        return submit(self, groups, keys, passages)

    def analysed(passages, title):
        events.append(("analyse", len(passages)))
        return analyse(passages, title)

    monkeypatch.setattr(collector._Ahead, "submit", submitted)
    monkeypatch.setattr(collector, "analyse", analysed)
    QA.build([docs], tmp_path / "first", embedder=embedder, settings=SETTINGS, full=True)
    assert events[0][0] == "model" and sum(1 for e in events if e[0] == "model") >= 2
    first = _vectors(tmp_path / "first", embedder)

    monkeypatch.setattr(collector.Collector, "embed_first", lambda self, files, settings: None)
    events.clear()
    QA.build([docs], tmp_path / "after", embedder=embedder, settings=SETTINGS, full=True)
    assert events[0][0] == "analyse"  # without it the model waited for those files' analysis
    after = _vectors(tmp_path / "after", embedder)
    # The same text gets the same vector, up to the last bits: a batch of another size may take
    # another BLAS kernel (seen once in about 20 runs under load); a vector given to the wrong text
    # would differ by far more than this.
    for a, b in zip(first, after):
        assert a.shape == b.shape
        assert np.allclose(a.astype(np.float32), b.astype(np.float32), rtol=0, atol=2e-3)


def test_the_files_loaded_to_start_the_model_are_loaded_once(docs, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(collector, "AHEAD_PASSAGES", 6)
    loads, load, embed_first = [], builder.load_file_report, collector.Collector.embed_first
    early = []

    def counted(path, *args):
        loads.append(path.name)
        return load(path, *args)

    def first(self, files, settings):
        embed_first(self, files, settings)
        early.extend(loads)

    monkeypatch.setattr(builder, "load_file_report", counted)
    monkeypatch.setattr(collector.Collector, "embed_first", first)
    QA.build([docs], tmp_path / "once", embedder=embedder, settings=SETTINGS, full=True)
    assert early and sorted(loads) == sorted(p.name for p in docs.iterdir())
