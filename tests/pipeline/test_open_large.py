"""A large index opens without reading every passage and vector (qa.index_files.FULL_CHECK_PASSAGES):
it answers exactly as when everything is checked on open, and damage is found when a question reads
it. The fixture index is small; the threshold is lowered to make it "large"."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa import QA
from qa import index_files
from qa.errors import IndexCorruptError
from qa.index_files import read_manifest
from qa.stores import faiss_store
from qa.stores.passage_file import read_all
from qa.stores.row_file import RowFile
from qa.term_list import TermList, write_terms

QUESTIONS = ["How many players does each football team have?", "龙井茶产自哪里？", "When did the volcano erupt?",
             "Python 是什么？"]


def _answers(qa: QA) -> list[dict]:
    return [qa.ask(q, k=5).to_dict() for q in QUESTIONS]


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(index_files, "FULL_CHECK_PASSAGES", 0)


def _copy(built, tmp_path):
    _, index_dir = built
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    return copy, copy / read_manifest(copy).store["segments"][0]["name"]


def test_a_large_index_answers_as_one_checked_whole(built, embedder, monkeypatch):
    whole = _answers(QA.open(built[1], embedder=embedder))
    monkeypatch.setattr(index_files, "FULL_CHECK_PASSAGES", 0)
    monkeypatch.setattr(index_files, "check_passages", lambda *a: pytest.fail("every passage was read"))
    qa = QA.open(built[1], embedder=embedder)
    assert qa.index.store._all is None  # no passage parsed on open
    assert _answers(qa) == whole


def test_a_damaged_passage_is_found_when_a_question_reads_it(built, embedder, tmp_path, large):
    index, folder = _copy(built, tmp_path)
    lines = (folder / "passages.jsonl").read_bytes().split(b"\n")
    n = len(lines) - 1
    rows = [json.loads(line) for line in lines[:n]]
    for row in rows:
        row[0] = str(row[0]).rjust(len(str(row[0])))  # doc: a text, the line's length unchanged
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    offsets = np.concatenate(([0], np.cumsum([len(json.dumps(r, ensure_ascii=False).encode()) + 1 for r in rows])))
    (folder / "passages.jsonl").write_bytes(text)
    np.save(folder / "passages_offsets.npy", offsets.astype(np.int64))
    qa = QA.open(index, embedder=embedder)  # opens: nothing read yet
    with pytest.raises(IndexCorruptError, match="damaged"):
        qa.ask(QUESTIONS[0])


def test_a_nan_vector_is_found_when_a_question_reads_it(built, embedder, tmp_path, large, monkeypatch):
    monkeypatch.setattr(faiss_store, "SENTENCES_IN_MEMORY", 0)  # read by rows, as a large index's
    index, folder = _copy(built, tmp_path)
    path = folder / "sentences.npy"
    v = np.load(path)
    v[:] = np.nan
    np.save(path, v)
    qa = QA.open(index, embedder=embedder)
    with pytest.raises(IndexCorruptError, match="NaN"):
        qa.ask(QUESTIONS[0])


def test_rows_read_by_pread_equal_the_array(tmp_path):
    a = np.random.default_rng(1).standard_normal((50, 8)).astype(np.float16)
    np.save(tmp_path / "a.npy", a)
    rows = RowFile(tmp_path / "a.npy", "test")
    assert rows.shape == (50, 8) and rows.dtype == np.float16
    for ids in ([3, 4, 5, 9, 1, 1, 49], [], [0], list(range(50))[::-1]):
        assert np.array_equal(rows[ids], a[ids])
    assert np.array_equal(rows[7:12], a[7:12])
    with pytest.raises(IndexError):
        rows[[50]]
    b = np.arange(20, dtype=np.int32)
    np.save(tmp_path / "b.npy", b)
    column = RowFile(tmp_path / "b.npy", "test")
    assert len(column) == 20 and np.array_equal(column[3:9], b[3:9]) and np.array_equal(column[[4, 2]], [4, 2])
    (tmp_path / "a.npy").write_bytes((tmp_path / "a.npy").read_bytes()[:-2])
    with pytest.raises(IndexCorruptError, match="size"):
        RowFile(tmp_path / "a.npy", "test")


def test_the_term_list_numbers_terms_as_the_sorted_vocabulary(tmp_path):
    terms = sorted({"a", "ab", "b", "北京", "长城", "ß", "z9", "é", "\U0001f600", "Zeta"} |
                   {f"t{i:04d}" for i in range(300)})
    write_terms(tmp_path, terms)
    vocab = TermList(tmp_path)
    assert len(vocab) == len(terms)
    for i, t in enumerate(terms):
        assert vocab.get(t) == i and t in vocab
    for missing in ("", "aa", "t0300", "北", "长城墙", "\uffff", "0"):
        assert vocab.get(missing) is None and missing not in vocab
    write_terms(tmp_path, [])
    assert TermList(tmp_path).get("a") is None


def test_a_build_reads_whole_below_the_size(built):
    folder = built[1] / read_manifest(built[1]).store["segments"][0]["name"]
    assert len(read_all(folder, built[0].index.store.count)) == built[0].index.store.count


def test_rows_stay_readable_when_the_file_is_removed_while_it_opens(tmp_path, monkeypatch):
    """A build published while a reader opens a segment removes the segment's files: the reader
    opened the file once and reads on from that descriptor (it used to open it a second time, which
    raised a raw FileNotFoundError in 1 of ~1,000 opens under tests/pipeline/test_hostile_index.py's
    republishing test)."""
    import numpy as np

    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.save(tmp_path / "a.npy", a)
    real = np.lib.format.read_magic

    def unlink_then_read(f):  # the republisher removes the file between the reader's steps
        (tmp_path / "a.npy").unlink(missing_ok=True)
        return real(f)

    monkeypatch.setattr(np.lib.format, "read_magic", unlink_then_read)
    rows = RowFile(tmp_path / "a.npy", "test")
    assert not (tmp_path / "a.npy").exists()
    assert (rows[np.array([3, 1])] == a[[3, 1]]).all()
