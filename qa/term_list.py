"""A sorted term list read from a memory-mapped file, looked up by binary search: what BM25 needs of
its vocabulary (term -> number) without parsing every term on open.

    bm25_terms.bin            the terms, UTF-8, one after the other, in sorted order
    bm25_term_offsets.npy     int64: where each term starts (terms + 1 entries, the last is the size)

Python sorts text by code point, and UTF-8 keeps that order byte for byte, so the file's order is
the vocabulary's numbering (qa.lexical.BM25.build numbers the sorted terms).
"""

from __future__ import annotations

import mmap
from bisect import bisect_left
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import IndexCorruptError

TERMS, OFFSETS = "bm25_terms.bin", "bm25_term_offsets.npy"
STRIDE = 32  # one term in this many is held in memory to start a lookup from
REMEMBERED = 65536  # looked-up terms whose numbers are kept


def write_terms(folder: Path, terms: Iterable[str]) -> None:
    """``terms`` (already in sorted order) into ``folder``."""
    encoded = [t.encode("utf-8") for t in terms]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    (folder / TERMS).write_bytes(b"".join(encoded))
    np.save(folder / OFFSETS, offsets)


class TermList:
    """term -> number, as a read-only mapping's ``get``, ``in`` and ``len``; nothing parsed on open."""

    def __init__(self, folder: Path):
        try:
            self._offsets = np.load(folder / OFFSETS, mmap_mode="r", allow_pickle=False).view(np.ndarray)
            with open(folder / TERMS, "rb") as f:
                size = f.seek(0, 2)
                self._bytes = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except (OSError, ValueError) as e:
            raise IndexCorruptError(f"the BM25 terms of the index are unreadable ({e})") from e
        if len(self._offsets) < 1 or int(self._offsets[-1]) != size:
            raise IndexCorruptError("the BM25 term list does not match its offsets")
        self._n = len(self._offsets) - 1
        # Every STRIDE-th term in memory: a lookup bisects this list (in C), then at most STRIDE terms
        # of the file. A question looks up a few hundred terms; found numbers are kept.
        self._sample = [self[i] for i in range(0, self._n, STRIDE)]
        self._found: dict[str, int | None] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> bytes:  # the i-th term's bytes (what bisect compares)
        return self._bytes[int(self._offsets[i]):int(self._offsets[i + 1])]

    def get(self, term: str, default: int | None = None) -> int | None:
        if term in self._found:
            found = self._found[term]
        else:
            key = term.encode("utf-8", "surrogatepass")
            block = bisect_left(self._sample, key)  # the term is in the block before sample ``block``
            lo, hi = max(0, (block - 1) * STRIDE), min(self._n, block * STRIDE + 1)
            if key not in self._bytes[int(self._offsets[lo]):int(self._offsets[hi])]:
                found = None  # (not even inside the block's bytes: most terms a segment lacks end here)
            else:
                i = bisect_left(self, key, lo, hi)
                found = i if i < self._n and self[i] == key else None
            if len(self._found) >= REMEMBERED:
                self._found.clear()
            self._found[term] = found
        return default if found is None else found

    def raw(self) -> tuple[np.ndarray, np.ndarray]:
        """The terms' bytes (uint8, one after the other) and where each starts (terms + 1 entries)."""
        data = np.frombuffer(self._bytes, dtype=np.uint8) if self._n else np.zeros(0, dtype=np.uint8)
        return data, np.asarray(self._offsets, dtype=np.int64)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None
