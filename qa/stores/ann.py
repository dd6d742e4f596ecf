"""Which FAISS index holds a build's passage vectors: exact inner product below a size, approximate
above it, with the approximate index's candidates rescored exactly.

    auto   exact (IndexFlatIP) below ANN_MIN_PASSAGES passages, ``ivf`` from there (the default);
           chosen segment by segment: a segment is ``ivf`` when the index it joins reaches
           ANN_MIN_PASSAGES with it and it holds at least IVF_MIN_SEGMENT passages (each segment's
           cells are trained on its own vectors), so the exactly searched rows stay few
    flat   exact inner product whatever the size (what qa always did)
    hnsw   HNSW graph over 8-bit scalar-quantised vectors
    ivf    inverted lists (k-means cells) over 8-bit scalar-quantised vectors

An approximate index returns ``RESCORE`` candidates; their exact similarity (float32 vectors kept
beside the index, read by rows) orders them. The choice and its settings are recorded in the
manifest's store record, so a reader searches the way the build was written. Measured with
benchmarks/ann.py (recall@10 against exact, query time, build time, memory); see docs/scale.md.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError

CHOICES = ("auto", "flat", "hnsw", "ivf")
ANN_MIN_PASSAGES = 200_000  # below this exact search costs under ~15 ms a question on one core
AUTO_ANN = "ivf"
RESCORE = 200  # candidates an approximate search rescores exactly
EF_SEARCH = 128  # hnsw: breadth of the graph search
NPROBE = 32  # ivf: cells searched
IVF_MIN_SEGMENT = 10_000  # auto: smaller segments stay exact (256+ cells of 39+ training vectors from here)
TRAIN_SAMPLE = 100_000  # vectors the quantiser and the cells are trained on (a fixed-seed sample)


def choose(target: str, count: int, joins: int = 0) -> str:
    """The index kind for a segment of ``count`` passages joining ``joins`` others, from what was
    asked (``''`` means auto)."""
    kind = target or "auto"
    if kind not in CHOICES:
        raise InputError(f"unknown index type {kind!r}: choose one of {', '.join(CHOICES)}")
    if kind == "auto":
        big_enough = count >= min(IVF_MIN_SEGMENT, ANN_MIN_PASSAGES) or not joins
        approximate = count + joins >= ANN_MIN_PASSAGES and big_enough
        return AUTO_ANN if approximate else "flat"
    return kind


def factory(kind: str, count: int) -> str:
    """The FAISS index factory string for an approximate kind."""
    if kind == "hnsw":
        return "HNSW32,SQ8"
    # 4 sqrt(n) cells, each trained on at least 39 vectors (FAISS's k-means minimum without a warning).
    cells = max(1, min(65_536, int(4 * math.sqrt(max(count, 1))), min(count, TRAIN_SAMPLE) // 39))
    return f"IVF{cells},SQ8"


def build(vectors: np.ndarray, kind: str):
    """An approximate index over ``vectors`` (float32, L2-normalised rows), trained and filled."""
    import faiss

    index = faiss.index_factory(vectors.shape[1], factory(kind, len(vectors)), faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained:
        n = len(vectors)
        pick = np.sort(np.random.default_rng(0).choice(n, min(n, TRAIN_SAMPLE), replace=False))
        index.train(np.ascontiguousarray(vectors[pick]))
    index.add(vectors)
    return index


def read(path: str, kind: str):
    """A written approximate index, opened for searching. An ``ivf`` index's inverted lists stay in
    the file, memory-mapped: opening reads its header and cells only (a million passages' lists are
    half a gigabyte, read whole on every open before), a question touches the cells it searches, and
    every reader of the index shares one copy in the page cache. (FAISS maps them as on-disk lists,
    which by default start 32 threads to prefetch the lists of every search: 7x the search's time
    here, so prefetching is off.)"""
    import faiss

    if kind != "ivf":
        return faiss.read_index(path)
    index = faiss.read_index(path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    lists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(index).invlists)
    if hasattr(lists, "prefetch_nthread"):
        lists.prefetch_nthread = 0
    return index


def tune(index, kind: str) -> None:
    """Set the search breadth recorded for ``kind``."""
    import faiss

    params = {"hnsw": {"efSearch": EF_SEARCH}, "ivf": {"nprobe": NPROBE}}.get(kind, {})
    space = faiss.ParameterSpace()
    for key, value in params.items():
        space.set_index_parameter(index, key, value)


def record(kind: str, count: int) -> dict:
    """What the manifest keeps about the choice (the reader needs ``ann`` and ``rescore``)."""
    if kind == "flat":
        return {"index_type": "IndexFlatIP", "ann_min_passages": ANN_MIN_PASSAGES}
    return {"index_type": factory(kind, count), "ann": kind, "rescore": RESCORE,
            "ann_min_passages": ANN_MIN_PASSAGES}
