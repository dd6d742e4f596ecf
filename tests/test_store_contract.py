"""The contract every store must meet (qa.stores.base.Store), checked on real data: the passages,
tokens and model vectors of the fixture corpus, written by each registered store and read back.

A new store kind adds its target (what follows ``kind:`` in a store spec) to TARGETS."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from qa.errors import IndexCorruptError, Remedy
from qa.index_files import read_manifest, remove_stale_builds, write_build
from qa.lexical import BM25, BM25Params
from qa.stores import KINDS, open_store, store_class
from qa.stores.base import LANGS, BuildData

TARGETS = {  # kind -> the target of its store spec, given a private temporary folder
    "faiss": lambda tmp_path: "",
    # One milvus-lite file for the session (each test's index folder names its own collections).
    "milvus": lambda tmp_path: str(tmp_path.parent / "contract.db"),
}


# The FAISS store's approximate indexes (qa.stores.ann), forced on the small corpus: their candidates
# are rescored exactly, so they must meet the same contract.
VARIANTS = {"faiss:hnsw": ("faiss", "hnsw"), "faiss:ivf": ("faiss", "ivf")}


def test_every_registered_store_is_under_contract():
    assert set(TARGETS) == set(KINDS)


@pytest.fixture(scope="module")
def data(built) -> BuildData:
    """The fixture corpus as a build hands it to a store (read back from the index qa built)."""
    qa, _ = built
    store = qa.index.store
    everything = np.arange(store.count)
    return BuildData(passages=list(store.passages()), tokens=store.tokens(), vectors=store.vectors(everything),
                     sentence_vectors=store.sentence_vectors(everything), bm25=BM25Params(),
                     analysis=store.analysis())


@pytest.fixture(params=sorted(TARGETS) + sorted(VARIANTS))
def opened(request, built, data, tmp_path):
    """(store, index folder, manifest) for a build written by the store kind under test."""
    kind, target = VARIANTS[request.param] if request.param in VARIANTS else \
        (request.param, TARGETS[request.param](tmp_path))
    if kind == "milvus":
        pytest.importorskip("milvus_lite", reason="the milvus extra is not installed: pip install 'qa[milvus]'")
    _, index_dir = built
    spec = f"{kind}:{target}".rstrip(":")
    record = write_build(tmp_path, "b-contract", data, spec)
    assert record["kind"] == kind
    manifest = dataclasses.replace(read_manifest(index_dir), build="b-contract", store=record)
    store = open_store(tmp_path, manifest)
    yield store, tmp_path, manifest
    store.close()


def _sentence_rows(data: BuildData, ids) -> np.ndarray:
    starts = np.concatenate([[0], np.cumsum([len(p.sentences) for p in data.passages])])
    return np.concatenate([data.sentence_vectors[starts[i]:starts[i + 1]] for i in ids])


def test_size_and_passage_table(opened, data):
    store, _, _ = opened
    n = len(data.passages)
    assert store.count == n > 10 and store.dim == data.vectors.shape[1] == 512
    assert store.passages() == data.passages
    assert store.passages([5, 0, 3]) == [data.passages[5], data.passages[0], data.passages[3]]
    assert store.passage(n - 1) == data.passages[-1]
    columns = store.columns()
    assert columns.doc.tolist() == [p.doc for p in data.passages]
    assert columns.sentences.tolist() == [len(p.sentences) for p in data.passages]
    assert columns.lang.tolist() == [p.langs[0] for p in data.passages]
    for lang in LANGS:
        assert columns.has_lang[lang].tolist() == [lang in p.langs for p in data.passages]
    assert set(columns.lang.tolist()) == {"zh", "en"}  # the corpus is bilingual: both are exercised
    assert store.tokens() == data.tokens and store.tokens([2, 1]) == [data.tokens[2], data.tokens[1]]
    # What the highlight reads of each passage, as the build worked it out (qa.highlight.analyse)
    assert all(len(a[0]) == len(p.sentences) for a, p in zip(data.analysis, data.passages))
    assert store.analysis() == data.analysis and store.analysis([3, 0]) == [data.analysis[3], data.analysis[0]]


def test_vectors_come_back_in_the_order_asked(opened, data):
    store, _, _ = opened
    ids = [7, 2, 0, 9]
    assert np.allclose(store.vectors(ids), data.vectors[ids], atol=1e-6)
    assert store.vectors(ids).dtype == np.float32
    rows = store.sentence_vectors(ids)
    assert rows.dtype == np.float32 and rows.shape == (sum(len(data.passages[i].sentences) for i in ids), 512)
    assert np.allclose(rows, _sentence_rows(data, ids), atol=2e-3)  # stored as float16
    assert np.allclose(store.sentence_vectors([4]), _sentence_rows(data, [4]), atol=2e-3)


def test_search_finds_the_nearest_passages(opened, data):
    store, _, _ = opened
    for i in (0, 11):  # a passage's own vector, and a mix of two, as the query
        query = data.vectors[i] if i == 0 else (data.vectors[3] + data.vectors[i]) / 2
        exact = data.vectors @ query
        scores, ids = store.search(query.astype(np.float32), 5)
        assert ids.tolist() == np.argsort(-exact, kind="stable")[:5].tolist()
        assert np.allclose(scores, exact[ids], atol=1e-5)
    scores, ids = store.search(data.vectors[0], store.count + 10)
    assert sorted(ids.tolist()) == list(range(store.count))


def test_search_within_allowed_passages(opened, data):
    store, _, _ = opened
    query = data.vectors[0]
    allowed = np.zeros(store.count, dtype=bool)
    allowed[[1, 4, 6, 8, 12]] = True
    exact = data.vectors @ query
    want = [i for i in np.argsort(-exact, kind="stable") if allowed[i]][:3]
    assert store.search(query, 3, allowed)[1].tolist() == want
    assert store.search(query, 3, np.flatnonzero(allowed))[1].tolist() == want
    assert len(store.search(query, 3, np.zeros(store.count, dtype=bool))[1]) == 0


def test_lexical_scores_are_bm25(opened, data):
    store, _, _ = opened
    reference = BM25.build(data.tokens, BM25Params())
    zh_word = next(t for toks in data.tokens for t in toks if not t.isascii())
    en_word, other = [t for t, _ in Counter(t for toks in data.tokens for t in toks if t.isalpha() and t.isascii())
                      .most_common(2)]
    query = [en_word, other, zh_word, en_word, "no-such-term"]
    scores = store.lexical_scores(query)
    assert scores.shape == (store.count,) and scores.dtype == np.float32
    assert np.allclose(scores, reference.scores(query), rtol=1e-4, atol=1e-5) and scores.max() > 0
    terms = {en_word: 0.5, zh_word: 1.0, other: 0.0, "no-such-term": 2.0}
    assert np.allclose(store.weighted_lexical_scores(terms), reference.weighted_scores(terms), rtol=1e-4, atol=1e-5)
    assert store.known_terms([en_word, zh_word, "no-such-term"]) == {en_word, zh_word}
    # The same scores held for the passages that have one only (what a question reads): same bits.
    hits = store.lexical_hits(query)
    assert (np.diff(hits.ids) > 0).all() and np.array_equal(hits.ids, np.flatnonzero(scores))
    assert np.array_equal(hits.dense(store.count), scores)
    assert np.array_equal(store.weighted_lexical_hits(terms).dense(store.count),
                          store.weighted_lexical_scores(terms))
    df = Counter(t for toks in data.tokens for t in set(toks))
    assert store.document_frequencies([en_word, zh_word, "no-such-term"]) == \
        {en_word: df[en_word], zh_word: df[zh_word], "no-such-term": 0}


def test_a_build_that_does_not_match_its_manifest_is_refused(opened):
    _, index_dir, manifest = opened
    with pytest.raises(IndexCorruptError) as e:
        open_store(index_dir, dataclasses.replace(manifest, passages=manifest.passages + 1))
    assert e.value.remedy is Remedy.REBUILD


def test_a_dropped_build_is_gone(opened):
    store, index_dir, manifest = opened
    store.close()
    remove_stale_builds(index_dir, keep=None)  # drops every build folder's store, then the folder
    assert not (index_dir / "b-contract").exists()
    with pytest.raises(IndexCorruptError):
        open_store(index_dir, manifest)


def test_unknown_store_kind_asks_for_a_rebuild(opened):
    _, index_dir, manifest = opened
    with pytest.raises(IndexCorruptError, match="no-such-store") as e:
        open_store(index_dir, dataclasses.replace(manifest, store={"kind": "no-such-store"}))
    assert e.value.remedy is Remedy.REBUILD
    assert store_class(manifest.store_kind).kind == manifest.store_kind


def test_unknown_store_spec_is_refused_with_the_choices():
    from qa.errors import InputError
    from qa.stores import store_writer

    with pytest.raises(InputError, match="unknown store 'nosuch:somewhere': choose one of faiss"):
        store_writer("nosuch:somewhere")


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_vectors_still_being_computed_are_asked_for_once(kind, built, data, tmp_path):
    """A build hands its store the vectors as ``BuildData.embedded`` while the model still computes
    them: every store asks once and writes the same build; the local store writes its passages,
    tokens and BM25 before it asks (the model's last batches run while they are written)."""
    if kind == "milvus":
        pytest.importorskip("milvus_lite", reason="the milvus extra is not installed: pip install 'qa[milvus]'")
    asked = []

    def embedded():
        asked.append(sorted(p.name for p in tmp_path.glob("s-*/*")))
        return data.vectors, data.sentence_vectors

    later = dataclasses.replace(data, vectors=None, sentence_vectors=None, embedded=embedded)
    record = write_build(tmp_path, "b-later", later, f"{kind}:{TARGETS[kind](tmp_path)}".rstrip(":"))
    assert len(asked) == 1
    if kind == "faiss":
        assert {"passages.jsonl", "tokens.jsonl", "bm25_terms.bin"} <= set(asked[0])
        assert not {"vectors.faiss", "sentences.npy"} & set(asked[0])
    _, index_dir = built
    manifest = dataclasses.replace(read_manifest(index_dir), build="b-later", store=record)
    store = open_store(tmp_path, manifest)
    try:
        everything = np.arange(len(data.passages))
        assert np.array_equal(store.vectors(everything), data.vectors)
        assert store.count == len(data.passages)
    finally:
        store.close()
