"""One writer of JSON lines with their offsets (qa.record_lines.write_lines) for the build's records
and a segment's passage tables, with each caller's guarantees: records are synced and hold no NaN."""

from __future__ import annotations

import os

import pytest

from qa import record_lines
from qa.record_lines import Records, write_lines, write_records
from qa.stores.passage_file import JsonLines


def test_records_are_synced_and_refuse_what_json_cannot_hold(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(record_lines.os, "fsync", lambda fd: (synced.append(os.fstat(fd).st_ino), real(fd))[1])
    assert write_records(tmp_path, "documents", [{"path": "a/文.md"}, {"path": "b.txt"}]) == 2
    assert sorted(synced) == sorted((tmp_path / f).stat().st_ino for f in ("documents.jsonl", "documents.offsets.npy"))
    assert list(Records(tmp_path, "documents", 2)) == [{"path": "a/文.md"}, {"path": "b.txt"}]
    with pytest.raises(ValueError):
        write_records(tmp_path, "files", [{"size": float("nan")}])


def test_a_table_is_written_unsynced_as_many_rows_as_promised(tmp_path, monkeypatch):
    monkeypatch.setattr(record_lines.os, "fsync", lambda fd: pytest.fail("a segment is synced as a whole"))
    rows = [[0, "中文", 0.5], [1, float("nan")]]
    assert write_lines(tmp_path / "t.jsonl", tmp_path / "t.npy", rows, len(rows)) == 2
    table = JsonLines(tmp_path / "t.jsonl", tmp_path / "t.npy", 2, "row")
    assert table.get(0) == [0, "中文", 0.5] and table.get(1)[0] == 1
    with pytest.raises(ValueError):
        write_lines(tmp_path / "u.jsonl", tmp_path / "u.npy", rows, 3)
