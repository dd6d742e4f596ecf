"""Vectors a build has computed, kept in the index folder's work area until the build is published.

    index/.work/embeddings-<model>-<dim>.bin   fixed-size records: 16-byte text key, float32 vector

The builder appends each batch the model returns, so a build that dies (kill -9, Ctrl-C, power
cut) leaves them behind and the next build of the same index takes them instead of running the
model again. A record torn by the crash (the file's tail) is dropped. Once a build is published
its vectors live in the index itself (the next build reuses them from there) and the file is
removed. A benchmark may fill the file before a build (benchmarks/scale.py does).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

WORK = ".work"


def text_key(text: str) -> bytes:
    """What a text is known by: 16 bytes of its BLAKE2b hash (UTF-8)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def cache_path(index_dir: str | os.PathLike, model: str, dim: int) -> Path:
    tag = hashlib.blake2b(model.encode("utf-8"), digest_size=6).hexdigest()
    return Path(index_dir) / WORK / f"embeddings-{tag}-{int(dim)}.bin"


_READ = 4096  # records read at a time


class EmbeddingCache:
    """Text key -> vector, appended to one file; read back with plain reads, not a memory map: a
    mapped file's pages count in the process's memory once touched, and the file holds a float32
    vector for every text of the build (1.1 GB at 100,000 passages)."""

    def __init__(self, path: Path, dim: int):
        self.path, self.dim = Path(path), int(dim)
        self.record = np.dtype([("key", "V16"), ("vec", "<f4", (self.dim,))])
        self.rows: dict[bytes, int] = {}
        self._count = 0
        self.refresh()

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: bytes) -> bool:
        return key in self.rows

    def _read(self, first: int, count: int) -> np.ndarray:
        with open(self.path, "rb") as f:
            f.seek(first * self.record.itemsize)
            return np.fromfile(f, dtype=self.record, count=count)

    def append(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Add records (one write; a crash leaves whole records and at most one torn tail)."""
        if not len(keys):
            return
        records = np.empty(len(keys), dtype=self.record)
        records["key"] = np.frombuffer(b"".join(keys), dtype="V16")
        records["vec"] = vectors
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as f:
            if f.tell() != self._count * self.record.itemsize:  # a torn record from a crash
                f.truncate(self._count * self.record.itemsize)
                f.seek(0, os.SEEK_END)
            f.write(records.tobytes())
        for k in keys:
            self.rows.setdefault(k, self._count)
            self._count += 1

    def refresh(self) -> None:
        """Take in the records another ``EmbeddingCache`` on the same file appended since."""
        count = self.path.stat().st_size // self.record.itemsize if self.path.exists() else 0
        if count <= self._count:
            return
        first, self._count = self._count, count
        for lo in range(first, count, _READ):
            keys = self._read(lo, min(_READ, count - lo))["key"]
            for i, k in enumerate(keys.tolist()):
                self.rows.setdefault(bytes(k), lo + i)

    def vectors(self, keys: Sequence[bytes]) -> np.ndarray:
        """The vectors of ``keys`` (every one must be in the cache), as one float32 array."""
        if not len(keys):
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.fromiter((self.rows[k] for k in keys), dtype=np.int64, count=len(keys))
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        # Runs of consecutive records are read with one call each (a build asks in about file order).
        cuts = np.flatnonzero(np.diff(rows) != 1) + 1
        with open(self.path, "rb") as f:
            for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(rows)]):
                for lo in range(int(a), int(b), _READ):
                    n = min(_READ, int(b) - lo)
                    f.seek(int(rows[lo]) * self.record.itemsize)
                    out[order[lo:lo + n]] = np.fromfile(f, dtype=self.record, count=n)["vec"]
        return out

    def discard(self) -> None:
        """Remove the file (the build it served is published), and the work folder if now empty."""
        self.path.unlink(missing_ok=True)
        try:
            self.path.parent.rmdir()
        except OSError:
            pass
