"""A build's document and file records, one JSON object a line, read a record at a time.

    b-<id>/documents.jsonl          one record a line (qa.records.Manifest: path, title, first, ...)
    b-<id>/documents.offsets.npy    int64: where each line starts, then the file's size (n + 1 numbers)

The manifest holds only how many there are, so opening an index reads no record: ``Records[i]``
reads line i with ``pread`` (the documents a question shows), iterating reads the file once (the
rare whole-list users: a path filter, a build). Records are parsed again on every read, never kept.
``write_lines`` writes any such table of JSON lines and offsets (a segment's passages and analysis
too: qa.stores.passage_file).
"""

from __future__ import annotations

import ast
import json
import os
import struct
from array import array
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .errors import IndexCorruptError

SUFFIX, OFFSETS = ".jsonl", ".offsets.npy"


def write_records(folder: Path, name: str, records: Iterable[dict]) -> int:
    """Write ``records`` as ``name``.jsonl and its offsets into ``folder`` (synced; a NaN or
    infinite number raises ValueError). Returns how many."""
    return write_lines(folder / f"{name}{SUFFIX}", folder / f"{name}{OFFSETS}", records, allow_nan=False, sync=True)


def write_lines(path: Path, offsets_path: Path, rows: Iterable, count: int | None = None, *,
                allow_nan: bool = True, sync: bool = False) -> int:
    """JSON values, one a line, at ``path``, and at ``offsets_path`` an int64 .npy array of where each
    line starts (one more number than lines: the last is the file's size). ``count``, when given, is
    how many rows there must be (ValueError otherwise); ``allow_nan=False`` refuses NaN and infinite
    numbers (ValueError: JSON has none); ``sync`` flushes both files to disk before returning (a
    caller that syncs the whole folder afterwards need not). Returns how many rows were written."""
    import numpy as np

    offsets, at = array("q", [0]), 0
    with open(path, "wb") as f:
        for row in rows:
            line = json.dumps(row, ensure_ascii=False, allow_nan=allow_nan).encode("utf-8") + b"\n"
            f.write(line)
            at += len(line)
            offsets.append(at)
        if sync:
            f.flush()
            os.fsync(f.fileno())
    if count is not None and len(offsets) - 1 != count:
        raise ValueError(f"{len(offsets) - 1} rows were written to {path.name}, not {count}")
    with open(offsets_path, "wb") as f:
        np.save(f, np.frombuffer(offsets, dtype=np.int64))
        if sync:
            f.flush()
            os.fsync(f.fileno())
    return len(offsets) - 1


class Records(Sequence):
    """The ``count`` records ``name`` in ``folder``: ``len``, ``[i]``, iteration, each a new dict.
    ``open()`` opens the files and checks their sizes (qa.index_files does it when it reads the
    manifest: held open, a later build removing the folder leaves them readable); no record is read
    before one is asked for. Safe to share between threads (``pread`` takes no file position)."""

    def __init__(self, folder: Path, name: str, count: int):
        self.folder, self.name, self.count = Path(folder), name, int(count)
        self.rows_read = 0  # records parsed so far (what an open costs is checked by the tests)
        self._fd: int | None = None

    def open(self) -> "Records":
        """Open both files and check their sizes against the count (nothing more is read).
        Raise IndexCorruptError."""
        if self._fd is not None:
            return self
        fds = []
        try:
            fds.append(os.open(self.folder / f"{self.name}{OFFSETS}", os.O_RDONLY))
            self._start = _int64_column_start(fds[0], self.count + 1)
            fds.append(os.open(self.folder / f"{self.name}{SUFFIX}", os.O_RDONLY))
            self._size = self._offset_pair(fds[0], self.count)[0]
            if os.fstat(fds[1]).st_size != self._size:
                raise ValueError("the records file does not match its offsets")
        except (OSError, ValueError, SyntaxError, struct.error) as e:
            for fd in fds:
                os.close(fd)
            raise IndexCorruptError(f"the index's {self.name} records are unreadable ({e})") from e
        self._offsets_fd, self._fd = fds
        return self

    def _offset_pair(self, fd: int, i: int) -> tuple[int, int]:
        """Where line i starts and ends (the second is the file's size for the last one)."""
        want = 16 if i < self.count else 8
        data = os.pread(fd, want, self._start + 8 * i)
        if len(data) != want:
            raise ValueError("the offsets were cut short")
        pair = struct.unpack(f"<{want // 8}q", data)
        return (pair[0], pair[-1])

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)
            os.close(self._offsets_fd)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self.count))]
        i = int(i)
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError("record out of range")
        self.open()
        try:
            lo, hi = self._offset_pair(self._offsets_fd, i)
        except (OSError, ValueError, struct.error) as e:
            raise IndexCorruptError(f"the index's {self.name} offsets are unreadable ({e})") from e
        if not 0 <= lo < hi <= self._size:
            raise IndexCorruptError(f"the index's {self.name} offsets are out of order")
        line = os.pread(self._fd, hi - lo, lo)
        if len(line) != hi - lo or not line.endswith(b"\n"):
            raise IndexCorruptError(f"the index's {self.name} records were cut short")
        return self._parse(line)

    def __iter__(self) -> Iterator[dict]:
        for line in self._lines():
            yield self._parse(line)

    def _lines(self) -> list[bytes]:
        if not self.count:
            return []
        self.open()
        size = self._size
        data = os.pread(self._fd, size, 0)
        lines = data.split(b"\n")
        if len(data) != size or len(lines) != self.count + 1 or lines[-1]:
            raise IndexCorruptError(f"the index's {self.name} records were cut short")
        return lines[:-1]

    def find(self, key: str, value) -> dict | None:
        """The first record whose ``key`` is ``value``, or None: only lines holding the value's JSON
        text are parsed."""
        needle = json.dumps(value, ensure_ascii=False).encode("utf-8")
        for line in self._lines():
            if needle in line:
                record = self._parse(line)
                if record.get(key) == value:
                    return record
        return None

    def _parse(self, line: bytes) -> dict:
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, ValueError) as e:
            raise IndexCorruptError(f"a {self.name} record of the index is unreadable ({e})") from e
        if not isinstance(record, dict):
            raise IndexCorruptError(f"a {self.name} record of the index is not a record")
        self.rows_read += 1
        return record

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == self.count and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Records({str(self.folder)!r}, {self.name!r}, {self.count})"



def _int64_column_start(fd: int, count: int) -> int:
    """Where the numbers of a 1-D little-endian int64 .npy file of ``count`` numbers start, read
    without numpy (so ``qa info`` stays light). Raise ValueError when the file is anything else."""
    data = os.pread(fd, 4096, 0)
    if data[:6] != b"\x93NUMPY" or data[6:7] not in (b"\x01", b"\x02"):
        raise ValueError("not a .npy file")
    if data[6] == 1:
        (size,), start = struct.unpack("<H", data[8:10]), 10
    else:
        (size,), start = struct.unpack("<I", data[8:12]), 12
    header = ast.literal_eval(data[start:start + size].decode("latin-1"))
    if not isinstance(header, dict) or header.get("descr") != "<i8" or header.get("fortran_order") is not False \
            or header.get("shape") != (count,) or os.fstat(fd).st_size != start + size + 8 * count:
        raise ValueError("the offsets do not match the manifest")
    return start + size
