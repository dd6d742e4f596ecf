"""Rows of a .npy file read with ``pread``, a few at a time, instead of through a memory map.

A memory-mapped file counts in the reading process's memory by the pages it touches, and the
system maps a whole cached block (up to megabytes) around every row read: at 100,000 passages one
question's few hundred sentence rows added about 270 MB to the asking process. Read with ``pread``,
the file's pages stay in the shared page cache (readers of one index still share them) and the
process holds only the rows it asked for. ``pread`` takes no file position, so threads may share one.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError


class RowFile:
    """A 1-D or 2-D .npy file's rows: ``shape``, ``dtype``, ``len``, ``[a:b]`` and ``[int array]`` as
    numpy would (each a new array)."""

    def __init__(self, path: Path, what: str):
        self.what = what
        try:
            # One descriptor for the header and every later read: a build published meanwhile may
            # unlink the file, and what is open stays readable (opening it twice raced with that).
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            raise IndexCorruptError(f"the {what} vectors are unreadable ({type(e).__name__}: {e})") from e
        try:
            with os.fdopen(os.dup(fd), "rb") as f:
                version = np.lib.format.read_magic(f)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ValueError(f"npy version {version}")
                shape, fortran, dtype = read_header(f)
                self._start = f.tell()
                size = f.seek(0, 2)
        except (OSError, ValueError, EOFError) as e:
            os.close(fd)
            raise IndexCorruptError(f"the {what} vectors are unreadable ({type(e).__name__}: {e})") from e
        if len(shape) not in (1, 2) or fortran or dtype.hasobject:
            os.close(fd)
            raise IndexCorruptError(f"the {what} vectors are not a table of numbers")
        self.shape, self.dtype = tuple(int(x) for x in shape), dtype
        self._cols = shape[1] if len(shape) == 2 else None  # None: a 1-D array, its rows are numbers
        self._row = (self._cols or 1) * dtype.itemsize
        if size != self._start + shape[0] * self._row:
            os.close(fd)
            raise IndexCorruptError(f"the {what} vector file does not match its size")
        self._fd = fd

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` (a new array)."""
        want = (hi - lo) * self._row
        data = os.pread(self._fd, want, self._start + lo * self._row) if want else b""
        if len(data) != want:
            raise IndexCorruptError(f"the {self.what} vector file was cut short")
        return np.frombuffer(data, dtype=self.dtype).reshape((hi - lo, *self.shape[1:]))

    def read_into(self, lo: int, hi: int, out: np.ndarray) -> None:
        """Rows ``lo:hi`` into ``out`` (a contiguous array of this file's dtype and their shape)."""
        want = (hi - lo) * self._row
        if want and os.preadv(self._fd, [memoryview(out.reshape(-1).view(np.uint8))],
                              self._start + lo * self._row) != want:
            raise IndexCorruptError(f"the {self.what} vector file was cut short")

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.shape[0])
            if step != 1:
                raise ValueError("only whole runs of rows are read")
            return self.rows(lo, max(lo, hi))
        ids = np.asarray(key, dtype=np.int64).reshape(-1)
        if not len(ids):
            return np.empty((0, *self.shape[1:]), dtype=self.dtype)
        if ids.min() < 0 or ids.max() >= self.shape[0]:
            raise IndexError("row out of range")
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        # Runs of consecutive rows, each read with one call straight into its place in ``rows``.
        rows = np.empty((len(ids), *self.shape[1:]), dtype=self.dtype)
        view = memoryview(rows.reshape(-1).view(np.uint8))
        cut = np.flatnonzero(np.diff(ordered) != 1) + 1
        starts = np.concatenate(([0], cut)).tolist()
        ends = np.concatenate((cut, [len(ids)])).tolist()
        first = ordered[starts].tolist()
        size, start = self._row, self._start
        for a, b, row in zip(starts, ends, first):
            if os.preadv(self._fd, [view[a * size:b * size]], start + row * size) != (b - a) * size:
                raise IndexCorruptError(f"the {self.what} vector file was cut short")
        out = np.empty_like(rows)
        out[order] = rows
        return out
