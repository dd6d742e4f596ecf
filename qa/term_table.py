"""Which segments hold a term, and under which number, for many terms at once: one lookup in place of
a binary search in every segment's term list (qa.term_list).

A question over 20 segments looked up each of its terms, and each candidate translation the bridge
tries (up to a few hundred a question), in 20 term lists. Here every term of every list is hashed
once, with numpy over the lists' bytes (two independent 64-bit polynomial hashes of its UTF-8 bytes
and its length), and the distinct hashes, sorted, index a table of each segment's number for the term
(-1: not there). A lookup hashes the asked terms the same way and finds them with one ``searchsorted``.

Exact: the table is only made when no two different terms share a first hash (checked with the
second, over all lists at once); a term found is compared byte for byte with its entry in a list
holding it, so a term no list holds (whose hashes may, with odds of 2^-128, equal a held term's) is
never taken for one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .term_list import TermList

_P = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15 | 1))
_LENGTH_MIX = np.uint64(0xC2B2AE3D27D4EB4F)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64 (unsigned arithmetic wraps)."""
    steps = np.full(max(n, 1), base, dtype=np.uint64)
    steps[0] = 1
    return np.cumprod(steps, dtype=np.uint64)[:n]


class _Hasher:
    """Both hashes of byte runs ``data[starts[i]:ends[i]]``, vectorised (powers kept for reuse)."""

    def __init__(self):
        self._pw: list[np.ndarray] = []
        self._inv: list[np.ndarray] = []

    def grow(self, n: int) -> None:
        if self._pw and len(self._pw[0]) >= n:
            return
        n = max(n, 2 * len(self._pw[0]) if self._pw else 1024)
        self._pw = [_powers(p, n) for p in _P]
        self._inv = [_powers(np.uint64(pow(int(p), -1, 2**64)), n) for p in _P]

    def __call__(self, data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(data)
        self.grow(n + 1)
        starts, ends = offsets[:-1], offsets[1:]
        codes = data.astype(np.uint64) + np.uint64(1)
        lengths = (ends - starts).astype(np.uint64) * _LENGTH_MIX
        out = []
        for pw, inv in zip(self._pw, self._inv):
            sums = np.zeros(n + 1, dtype=np.uint64)
            np.cumsum(codes * pw[:n], out=sums[1:])
            # sum of code_j * p**(j - start) over the run: the prefix sums' difference, over p**start
            out.append((sums[ends] - sums[starts]) * inv[starts] + lengths)
        return out[0], out[1]


class TermTable:
    """term -> each segment's number for it (-1 where absent), for the segments' term lists."""

    def __init__(self, lists: Sequence[TermList]):
        self._lists = list(lists)
        self._hash = _Hasher()
        self._hash.grow(max((len(t.raw()[0]) for t in self._lists), default=0) + 1)
        first, second, seg, num = [], [], [], []
        for s, terms in enumerate(self._lists):
            data, offsets = terms.raw()
            h1, h2 = self._hash(data, offsets)
            first.append(h1)
            second.append(h2)
            seg.append(np.full(len(h1), s, dtype=np.int64))
            num.append(np.arange(len(h1), dtype=np.int32))
        h1, h2 = np.concatenate(first), np.concatenate(second)
        seg_of, num_of = np.concatenate(seg), np.concatenate(num)
        self._first, row = np.unique(h1, return_inverse=True)
        row = row.reshape(-1)
        self._second = np.zeros(len(self._first), dtype=np.uint64)
        self._second[row] = h2
        self._table = np.full((len(self._first), len(self._lists)), -1, dtype=np.int32)
        self._table[row, seg_of] = num_of
        # Exact only if a first hash names one term: the same second hash everywhere it occurs, and
        # no segment with two terms under it.
        self.exact = bool((self._second[row] == h2).all()) and \
            int((self._table[row, seg_of] == num_of).sum()) == len(num_of)
        # where each distinct term is first held: what a found term is compared with
        self._where = np.argmax(self._table >= 0, axis=1)
        self._number = self._table[np.arange(len(self._first)), self._where]

    def numbers(self, terms: Sequence[str]) -> np.ndarray:
        """(len(terms), segments) int32: each term's number in each segment, -1 where it is absent."""
        out = np.full((len(terms), len(self._lists)), -1, dtype=np.int32)
        if not terms or not len(self._first):
            return out
        encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        h1, h2 = self._hash(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)
        at = np.minimum(np.searchsorted(self._first, h1), len(self._first) - 1)
        hit = np.flatnonzero((self._first[at] == h1) & (self._second[at] == h2))
        rows = at[hit]
        same = [self._lists[s][n] == encoded[i]
                for i, s, n in zip(hit.tolist(), self._where[rows].tolist(), self._number[rows].tolist())]
        out[hit[same]] = self._table[rows[same]]
        return out
