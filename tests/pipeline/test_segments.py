"""Segments (the local store): an update writes only what changed, and the index it gives ranks
exactly as a full build of the same files does; merges keep it so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import QA
from qa.chunks import ChunkSettings
from qa.index_files import read_manifest
from qa.stores import segments as policy

from ..conftest import DATA

SETTINGS = ChunkSettings(max_units=80)  # several passages a document
LAST = ["rail_zh.txt", "volcano_en.md"]  # the files that sort last: added later, they keep the full order
QUESTIONS = ["冰岛火山爆发对欧洲航空旅行有什么影响？", "How long does a football match last?",
             "龙井茶产自哪里？", "How do I read a CSV file in Python?", "高铁的最高时速是多少？",
             "battery capacity of the export model", "长城有多长"]


class OneByOne:
    """The real model, given one text at a time: a text's vector then does not depend on which
    texts share its batch (the model's arithmetic does, in the last bits), so two builds that embed
    in different batches give the same vectors and can be compared bit for bit."""

    def __init__(self, real):
        self.real, self.name, self.dim = real, real.name, real.dim

    def embed(self, texts):
        return np.stack([self.real.embed([t])[0] for t in texts]) if texts else self.real.embed(texts)


@pytest.fixture(scope="module")
def solo(embedder):
    return OneByOne(embedder)


def segments_of(index) -> list[dict]:
    return read_manifest(index).store["segments"]


def build(docs, index, embedder, **kw):
    return QA.build([docs], index, embedder=embedder, settings=SETTINGS, **kw)


@pytest.fixture
def docs(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(DATA, docs)
    return docs


def assert_same_ranking(a: QA, b: QA, embedder) -> None:
    """Two indexes of the same files rank every question the same: ids, order, scores."""
    sa, sb = a.index.store, b.index.store
    assert sa.count == sb.count
    assert [p.to_row() for p in sa.passages()] == [p.to_row() for p in sb.passages()]
    assert [d["path"] for d in a.index.documents] == [d["path"] for d in b.index.documents]
    assert [(d["first"], d["passages"]) for d in a.index.documents] == \
        [(d["first"], d["passages"]) for d in b.index.documents]
    for name in ("doc", "sentences", "lang"):
        assert np.array_equal(getattr(sa.columns(), name), getattr(sb.columns(), name))
    ids = np.arange(sa.count)
    assert np.array_equal(sa.vectors(ids), sb.vectors(ids))
    assert np.array_equal(sa.sentence_vectors(ids), sb.sentence_vectors(ids))
    assert sa.analysis(ids) == sb.analysis(ids) and sa.tokens() == sb.tokens()
    for q in QUESTIONS:
        tokens = a.tokenize(q) if hasattr(a, "tokenize") else None
        if tokens is None:
            from qa.segment import tokenize
            tokens = tokenize(q)
        assert np.array_equal(sa.lexical_scores(tokens), sb.lexical_scores(tokens)), q
        ha, hb = sa.lexical_hits(tokens), sb.lexical_hits(tokens)
        assert np.array_equal(ha.ids, hb.ids) and np.array_equal(ha.scores, hb.scores), q
        assert sa.document_frequencies(tokens) == sb.document_frequencies(tokens)
        assert sa.known_terms(tokens) == sb.known_terms(tokens)
        v = embedder.embed([q])[0]
        (xa, ia), (xb, ib) = sa.search(v, 10), sb.search(v, 10)
        assert np.array_equal(ia, ib) and np.array_equal(xa, xb), q
        ha, hb = a.ask(q, k=5).hits, b.ask(q, k=5).hits
        assert [h.passage_id for h in ha] == [h.passage_id for h in hb], q
        for x, y in zip(ha, hb):
            assert abs(x.score - y.score) <= 1e-9 and x.citation == y.citation
            assert all(abs(x.scores[k] - y.scores[k]) <= 1e-9 for k in x.scores)


def test_added_and_removed_files_rank_bit_identically_to_a_full_build(docs, tmp_path, solo, monkeypatch):
    embedder = solo
    monkeypatch.setattr(policy, "MAX_DELETED", 0.9)  # the removal stays a deletion (not a rewrite)
    held = tmp_path / "held"
    held.mkdir()
    for name in LAST:
        shutil.move(docs / name, held / name)
    index = tmp_path / "index"
    build(docs, index, embedder)
    (first,) = segments_of(index)
    for name in LAST:  # added: a new segment; the first is not rewritten
        shutil.move(held / name, docs / name)
    r = build(docs, index, embedder).last_build
    assert sorted(Path(p).name for p in r.added) == LAST and len(r.unchanged) == 5 and r.merged == 0
    (docs / "football_en.txt").unlink()  # removed: a deletion, nothing rewritten
    r = build(docs, index, embedder).last_build
    assert [Path(p).name for p in r.removed] == ["football_en.txt"] and r.embedded == 0
    segs = segments_of(index)
    assert len(segs) == 2 and segs[0]["name"] == first["name"] and segs[0]["deleted"]
    segmented = QA.open(index, embedder=embedder)
    full = build(docs, tmp_path / "full", embedder)
    assert len(segments_of(tmp_path / "full")) == 1
    assert_same_ranking(segmented, full, embedder)
    # Optimize: one segment, nothing deleted, the same ranking again.
    r = QA.build_index([docs], index, embedder=embedder, settings=SETTINGS, optimize=True)
    assert r.merged == 2 and len(segments_of(index)) == 1 and not segments_of(index)[0]["deleted"]
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("s-")) == [segments_of(index)[0]["name"]]
    assert_same_ranking(QA.open(index, embedder=embedder), full, embedder)
    # The readers opened before the merge keep answering: their segments are gone from the folder.
    assert not (index / first["name"]).exists()
    assert_same_ranking(segmented, full, embedder)


def test_a_changed_file_is_a_deletion_and_a_new_segment(docs, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(policy, "MAX_DELETED", 0.9)
    index = tmp_path / "index"
    build(docs, index, embedder)
    path = docs / "football_en.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nThe zorvath cup is played on ice.\n", encoding="utf-8")
    r = build(docs, index, embedder).last_build
    assert [Path(p).name for p in r.changed] == ["football_en.txt"] and len(r.unchanged) == 6
    segs = segments_of(index)
    assert len(segs) == 2 and segs[0]["deleted"] and segs[1]["documents"] == 1
    qa = QA.open(index, embedder=embedder)
    hit = qa.ask("Where is the zorvath cup played?", k=1).hits[0]
    assert hit.citation.path.endswith("football_en.txt") and "zorvath" in hit.text
    full = build(docs, tmp_path / "full", embedder)
    a, b = qa.index.store, full.index.store
    key = lambda p, docs: (docs[p.doc]["path"], p.start, p.end)  # noqa: E731
    rows = {key(p, qa.index.documents): p.to_row()[1:] for p in a.passages()}
    assert rows == {key(p, full.index.documents): p.to_row()[1:] for p in b.passages()}
    for q in QUESTIONS:  # the same passages score the same (ids differ: the changed file moved)
        from qa.segment import tokenize

        la, lb = a.lexical_scores(tokenize(q)), b.lexical_scores(tokenize(q))
        ka = {key(p, qa.index.documents): la[i] for i, p in enumerate(a.passages())}
        kb = {key(p, full.index.documents): lb[i] for i, p in enumerate(b.passages())}
        assert ka == kb, q


def test_the_merge_policy_bounds_the_segments_and_rewrites_deleted_ones(docs, tmp_path, solo, monkeypatch):
    embedder = solo
    monkeypatch.setattr(policy, "MAX_SEGMENTS", 3)
    index = tmp_path / "index"
    build(docs, index, embedder)
    for i in range(4):
        (docs / f"extra{i}.txt").write_text(f"Extra note {i}: the zorvath number is {i * 7}.\n", encoding="utf-8")
        r = build(docs, index, embedder).last_build
        assert len(segments_of(index)) <= 3
    assert r.merged >= 2
    merged = QA.open(index, embedder=embedder)
    hit = merged.ask("What is the zorvath number of extra note 3?", k=1).hits[0]
    assert hit.citation.path.endswith("extra3.txt")
    # More than MAX_DELETED of a segment deleted: it is rewritten without them.
    big = max(segments_of(index), key=lambda s: s["passages"])
    for name in ("football_en.txt", "volcano_en.md", "python_mixed.md", "rail_zh.txt"):
        (docs / name).unlink()
    r = build(docs, index, embedder).last_build
    assert r.merged >= 1 and big["name"] not in {s["name"] for s in segments_of(index)}
    assert all(not s["deleted"] for s in segments_of(index))
    assert not (index / big["name"]).exists()
    qa = QA.open(index, embedder=embedder)
    assert all(not d["path"].endswith(("football_en.txt", "rail_zh.txt")) for d in qa.index.documents)


def test_optimize_on_the_command_line_merges_and_says_so(docs, tmp_path, embedder, capsys):
    from qa.cli import main

    index = tmp_path / "index"
    QA.build_index([docs], index, embedder=embedder)  # default settings, as the command line's
    (docs / "extra.txt").write_text("An extra note about the zorvath tide tables.\n", encoding="utf-8")
    QA.build_index([docs], index, embedder=embedder)
    assert len(segments_of(index)) == 2
    assert main(["index", str(docs), "--index", str(index), "--optimize"]) == 0
    assert "2 segments merged" in " ".join(capsys.readouterr().out.split())
    assert len(segments_of(index)) == 1
    assert main(["index", str(docs), "--index", str(index), "--optimize", "--json"]) == 0  # nothing left to do
    assert json.loads(capsys.readouterr().out)["merged"] == 0


def test_a_build_flushed_every_few_passages_ranks_bit_identically_to_one_built_whole(docs, tmp_path, solo,
                                                                                      monkeypatch):
    embedder = solo
    whole = build(docs, tmp_path / "whole", embedder)
    assert len(segments_of(tmp_path / "whole")) == 1
    monkeypatch.setattr(policy, "FLUSH_PASSAGES", 6)  # a segment every 6+ passages (whole files)
    index = tmp_path / "index"
    r = build(docs, index, embedder).last_build
    segs = segments_of(index)
    assert len(segs) >= 3 and r.merged == 0 and r.passages == whole.index.store.count
    assert all(s["passages"] >= 6 for s in segs[:-1])  # full ones: the policy merges none of them
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("s-")) == sorted(s["name"] for s in segs)
    flushed = QA.open(index, embedder=embedder)
    assert_same_ranking(flushed, whole, embedder)
    # An update then adds one segment beside them; nothing is embedded again.
    (docs / "extra.txt").write_text("An extra note about the zorvath tide tables.\n", encoding="utf-8")
    r = build(docs, index, embedder).last_build
    assert len(segments_of(index)) == len(segs) + 1 and r.embedded <= 2
    assert flushed.ask("zorvath tide tables", k=1).hits  # (the old reader still answers)
    build(docs, tmp_path / "full", embedder, full=True)
    assert len(segments_of(tmp_path / "full")) >= 3  # a full build flushes too


def test_exact_segments_become_approximate_once_the_index_reaches_the_size(docs, tmp_path, solo, monkeypatch):
    from qa.stores import ann

    embedder = solo
    whole = build(docs, tmp_path / "whole", embedder)
    monkeypatch.setattr(policy, "FLUSH_PASSAGES", 6)
    monkeypatch.setattr(ann, "ANN_MIN_PASSAGES", 12)  # reached with the second segment
    monkeypatch.setattr(ann, "IVF_MIN_SEGMENT", 1)
    index = tmp_path / "index"
    build(docs, index, embedder)
    segs = segments_of(index)
    # The first segment was written exact (the index was smaller than the size then): copied as ivf.
    assert len(segs) >= 3 and all(s.get("ann") == "ivf" for s in segs)
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("s-")) == sorted(s["name"] for s in segs)
    # Fewer rows than an approximate search rescores: every one is rescored exactly, so the ranking is
    # exact search's (the similarities computed by numpy rather than FAISS: equal to the last bits).
    a, b = QA.open(index, embedder=embedder), whole
    for q in QUESTIONS:
        v = embedder.embed([q])[0]
        (sa, ia), (sb, ib) = a.index.store.search(v, 10), b.index.store.search(v, 10)
        assert np.array_equal(ia, ib) and np.allclose(sa, sb, atol=1e-6), q
        assert [h.passage_id for h in a.ask(q, k=3).hits] == [h.passage_id for h in b.ask(q, k=3).hits], q


def test_one_bulk_encoder_serves_a_build_written_in_segments(docs, tmp_path, embedder, monkeypatch):
    """A build flushed in segments keeps one bulk encoder (its first network step for every token id
    seen), not one a segment; the vectors are the same bits as with a new encoder for each segment."""
    from qa.collector import Collector

    class Counting:
        def __init__(self, real):
            self.real, self.name, self.dim, self.made = real, real.name, real.dim, 0

        def embed(self, texts):
            return self.real.embed(texts)

        def bulk(self):
            self.made += 1
            return self.real.bulk()

    monkeypatch.setattr(policy, "FLUSH_PASSAGES", 6)
    counting = Counting(embedder)
    build(docs, tmp_path / "one", counting, full=True)
    assert len(segments_of(tmp_path / "one")) >= 3 and counting.made == 1

    def fresh(self):  # as before: each collector (segment) made its own
        if self._encoder is None:
            self._encoder = self.embedder.bulk()
        return self._encoder

    monkeypatch.setattr(Collector, "__init__", _without_encoder(Collector.__init__))
    monkeypatch.setattr(Collector, "bulk_encoder", fresh)
    counting.made = 0
    build(docs, tmp_path / "each", counting, full=True)
    assert counting.made == len(segments_of(tmp_path / "each")) >= 3
    a, b = QA.open(tmp_path / "one", embedder=embedder).index.store, QA.open(tmp_path / "each", embedder=embedder).index.store
    ids = np.arange(a.count)
    assert a.count == b.count
    assert np.array_equal(a.vectors(ids), b.vectors(ids))
    assert np.array_equal(a.sentence_vectors(ids), b.sentence_vectors(ids))


def _without_encoder(init):
    def wrapped(self, *args, encoder=None, **kw):
        init(self, *args, **kw)
    return wrapped


def test_the_old_documents_are_read_once_however_many_segments_take_vectors(docs, tmp_path, solo):
    """An update flushed in segments takes the old vectors of changed files at each flush
    (Previous.take_vectors): the old index's document records are read the first time only."""
    from qa.previous import Previous

    index = tmp_path / "index"
    built = build(docs, index, solo).index
    manifest = read_manifest(index)
    previous = Previous(index, manifest, manifest.model, manifest.chunking, manifest.formats, full=False, whole=False)
    reads = []

    class Counted(list):
        def __iter__(self):
            reads.append(1)
            return super().__iter__()

    previous.manifest.documents = Counted(previous.manifest.documents)
    first, second = sorted(f["path"] for f in manifest.files)[:2]
    previous.take_vectors([first])
    previous.take_vectors([second])
    assert len(reads) == 1
    store = built.store
    for path in (first, second):
        entry = next(f for f in manifest.files if f["path"] == path)
        doc = manifest.documents[entry["documents"][0]]
        p = store.passages([doc["first"]])[0]
        from qa.embed_cache import text_key
        from qa.passage_texts import embed_text, passage_views

        assert text_key(embed_text(passage_views(p)[0], doc.get("title"))) in previous
