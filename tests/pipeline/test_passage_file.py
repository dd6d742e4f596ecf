"""The FAISS store opens its passage table without parsing every passage, and still notices a
passage file that does not match what was written."""

import shutil

import numpy as np
import pytest

from qa.errors import IndexCorruptError, Remedy
from qa.index_files import load_index, read_manifest
from qa.stores.base import PassageColumns
from qa.stores.passage_file import LINES, OFFSETS, PassageFile, read_all


def test_passages_are_parsed_when_touched_and_equal_the_whole_file(built):
    qa, index_dir = built
    folder = index_dir / read_manifest(index_dir).store["segments"][0]["name"]  # the one segment
    n = read_manifest(index_dir).passages
    table = PassageFile(folder, n)
    assert table._all is None  # opening parsed nothing
    everything = read_all(folder, n)
    assert [table.get(i) for i in reversed(range(n))] == everything[::-1]
    expected = PassageColumns.of(everything)
    for name in ("doc", "sentences", "lang"):
        assert np.array_equal(getattr(table.columns, name), getattr(expected, name))
    assert all(np.array_equal(table.columns.has_lang[k], expected.has_lang[k]) for k in expected.has_lang)
    # The whole pipeline answers from a store opened this way.
    answer = load_index(index_dir)
    assert answer.store.passage(n - 1) == everything[-1]


def test_a_passage_file_cut_short_is_refused_at_open(built, tmp_path):
    _, index_dir = built
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    folder = copy / read_manifest(copy).store["segments"][0]["name"]
    data = (folder / LINES).read_bytes()
    (folder / LINES).write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match="does not match") as caught:
        load_index(copy)
    assert caught.value.remedy == Remedy.REBUILD


def test_a_build_without_the_offsets_is_read_whole(built, tmp_path):
    _, index_dir = built
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    folder = copy / read_manifest(copy).store["segments"][0]["name"]
    (folder / OFFSETS).unlink()
    store = load_index(copy).store
    assert store.passages() == read_all(folder, store.count)
