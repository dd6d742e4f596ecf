"""The dense vector store: FAISS inner product over L2-normalised float32 vectors (cosine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import IndexCorruptError

INDEX_TYPE = "IndexFlatIP"


def _single_thread() -> None:
    """One OpenMP thread for FAISS: a single query gains nothing from more, and on busy cores
    their spinning made a 10,000-passage search 7x slower (26 ms instead of 3.5 ms)."""
    import faiss

    if faiss.omp_get_max_threads() != 1:
        faiss.omp_set_num_threads(1)


class _MappedRows:
    """A read-only numpy view of a flat index's rows (stored as float32, as they are), not a copy. The
    array keeps this object, and so the index and its memory map, alive for as long as it is used."""

    def __init__(self, index):
        import faiss

        self.index = index
        rows = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
        self.__array_interface__ = {"shape": (index.ntotal, index.d), "typestr": "<f4", "version": 3,
                                    "data": (rows.ctypes.data, True)}


class VectorStore:
    """Exact inner-product search. ``vectors`` is kept for scoring candidates found lexically."""

    def __init__(self, index, vectors: np.ndarray):
        self.index = index
        self.vectors = vectors

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray) -> "VectorStore":
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
        return cls(index, vectors)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest passages, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        _single_thread()
        scores, ids = self.index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k)
        return scores[0], ids[0]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dim: int, count: int) -> "VectorStore":
        import faiss

        try:
            # Memory-mapped, read-only: several server workers share one copy in the page cache, and
            # the vectors cost no load time. A mapped file outlives its unlinking by a newer build.
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        except Exception as e:  # faiss raises RuntimeError with a C++ message for any bad file
            raise IndexCorruptError(f"the vector file {path.name} is unreadable; run `qa index --full` "
                                   "to rebuild the index") from e
        if index.d != dim or index.ntotal != count:
            raise IndexCorruptError(f"the vector file holds {index.ntotal} vectors of dimension {index.d}, "
                                    f"the manifest says {count} of dimension {dim}; run `qa index --full` to rebuild it")
        if not index.ntotal:
            return cls(index, np.zeros((0, dim), np.float32))
        return cls(index, np.asarray(_MappedRows(index)))
