"""Incremental rebuilds with the real model: what is re-read, what is re-embedded, what disappears."""

from __future__ import annotations

import os
import shutil

import pytest

import qa.builder as builder
from qa import QA
from qa.chunks import ChunkSettings

from ..conftest import DATA
from ..helpers import files_of

SETTINGS = ChunkSettings(max_units=80)  # several passages a document


class CountingEmbedder:
    """The real model, counting the texts it is given (to prove what is embedded again)."""

    def __init__(self, real):
        self.real, self.name, self.dim, self.texts = real, real.name, real.dim, []

    def embed(self, texts):
        self.texts.extend(texts)
        return self.real.embed(texts)


@pytest.fixture
def setup(tmp_path, embedder, monkeypatch):
    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    counting = CountingEmbedder(embedder)
    read: list[str] = []
    real_load = builder.load_file_report

    def spy(path, options=None, shown=None):
        read.append(path.name)
        return real_load(path, options, shown)

    monkeypatch.setattr(builder, "load_file_report", spy)

    def build(**kw):
        read.clear()
        counting.texts.clear()
        return QA.build([docs], tmp_path / "index", embedder=counting, settings=SETTINGS, **kw)

    first = build()
    assert len(read) == 7 and first.last_build.embedded == len(counting.texts) > 0
    return docs, build, read, counting, first


def test_nothing_changed_reads_and_embeds_nothing_and_writes_nothing(setup, tmp_path):
    docs, build, read, counting, first = setup
    manifest_before = (tmp_path / "index" / "manifest.json").stat().st_mtime_ns
    qa = build()
    r = qa.last_build
    assert read == [] and counting.texts == [] and r.embedded == 0
    assert (len(r.unchanged), r.added, r.changed, r.removed) == (7, [], [], [])
    assert (tmp_path / "index" / "manifest.json").stat().st_mtime_ns == manifest_before
    assert (r.documents, r.passages) == (first.last_build.documents, first.last_build.passages)


def test_touched_file_is_hashed_but_not_reembedded(setup):
    docs, build, read, counting, first = setup
    st = (docs / "rail_zh.txt").stat()
    os.utime(docs / "rail_zh.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    r = build().last_build
    assert read == ["rail_zh.txt"] and counting.texts == []
    assert len(r.unchanged) == 7 and r.changed == []


def test_changed_file_reembeds_only_its_changed_passages(setup):
    docs, build, read, counting, first = setup
    path = docs / "football_en.txt"
    old = path.read_text(encoding="utf-8")
    old_sentence = "A match lasts 90 minutes, split into two\nhalves of 45 minutes each."
    assert old_sentence in old
    path.write_text(old.replace(old_sentence, "Curling stones are made of granite from Ailsa Craig."),
                    encoding="utf-8")
    qa = build()
    r = qa.last_build
    assert read == ["football_en.txt"] and [os.path.basename(p) for p in r.changed] == ["football_en.txt"]
    # What went through the model: the new sentence and the passages that hold it, nothing else.
    assert "Curling stones are made of granite from Ailsa Craig." in counting.texts
    football = [p for p in qa.index.passages if qa.index.documents[p.doc]["path"].endswith("football_en.txt")]
    total = len(football) + sum(len(p.sentences) for p in football)
    assert 0 < r.embedded == len(counting.texts) < total / 2
    assert all("Curling" in t for t in counting.texts)
    hit = qa.ask("What are curling stones made of?", k=1).hits[0]
    assert files_of(qa.ask("What are curling stones made of?", k=1)) == ["football_en.txt"]
    assert "granite" in hit.text and "90 minutes" not in hit.text


def test_deleted_file_disappears_and_new_file_is_added(setup):
    docs, build, read, counting, first = setup
    question = "冰岛火山爆发对欧洲航空旅行有什么影响？"
    assert files_of(first.ask(question, k=1)) == ["volcano_en.md"]
    (docs / "volcano_en.md").unlink()
    (docs / "new_zh.txt").write_text("敦煌莫高窟始建于十六国的前秦时期，是世界上现存规模最大的佛教艺术地。\n",
                                     encoding="utf-8")
    qa = build()
    r = qa.last_build
    assert read == ["new_zh.txt"]
    assert [os.path.basename(p) for p in r.removed] == ["volcano_en.md"]
    assert [os.path.basename(p) for p in r.added] == ["new_zh.txt"]
    assert "volcano_en.md" not in files_of(qa.ask(question, k=10))
    assert all("volcano" not in d["path"] for d in qa.index.documents)
    assert files_of(qa.ask("莫高窟始建于什么时候？", k=1)) == ["new_zh.txt"]
    assert 0 < r.embedded <= 4  # the new file's one passage and its sentences


def test_full_rebuild_embeds_everything_again(setup):
    docs, build, read, counting, first = setup
    r = build(full=True).last_build
    assert len(read) == 7 and r.embedded == first.last_build.embedded == len(counting.texts)


def test_an_index_split_by_an_older_sentence_splitter_is_read_again(setup, tmp_path):
    """Sentences are part of what an index holds: an index made before the splitter changed (its
    chunking record has no or another "splitter") is re-read and re-split, not kept."""
    import json

    docs, build, read, counting, first = setup
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["chunking"]["splitter"]  # as an index written before it was recorded
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    r = build().last_build
    assert len(read) == 7 and r.documents == first.last_build.documents


def test_unreadable_files_are_reported_every_run_without_being_reread(setup):
    docs, build, read, counting, first = setup
    (docs / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    r = build().last_build
    assert read == ["broken.txt"] and [os.path.basename(s.path) for s in r.skipped] == ["broken.txt"]
    r = build().last_build  # unchanged: remembered with its reason, not read again
    assert read == [] and [(os.path.basename(s.path), s.reason) for s in r.skipped] == [
        ("broken.txt", "binary file (not text)")]


def test_a_build_reads_the_manifest_once(setup, tmp_path, embedder, monkeypatch):
    """Every decision of a build (the store, the format options, whether anything changed, whether
    it adds a segment, what it reuses, the build it replaces) takes the manifest read once."""
    import qa.index_files as index_files
    import qa.previous

    docs = setup[0]
    reads = []
    real = index_files.read_manifest

    def counted(index_dir):
        reads.append(index_dir)
        return real(index_dir)

    for module in (index_files, builder, qa.previous):
        if hasattr(module, "read_manifest"):
            monkeypatch.setattr(module, "read_manifest", counted)
    (docs / "added.txt").write_text("Ferries cross the fjord every hour in summer.\n", encoding="utf-8")
    for index, kw in (("index", {}), ("index", {}), ("index", {"optimize": True}), ("index", {"full": True}),
                      ("fresh", {})):
        reads.clear()
        builder.build_index([docs], tmp_path / index, embedder=embedder, settings=SETTINGS, **kw)
        assert len(reads) == 1, kw
