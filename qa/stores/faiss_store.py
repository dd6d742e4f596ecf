"""The local store: a build folder of plain files, dense search by FAISS.

    b-<id>/passages*        the passages, and columns to open them by without parsing each
                            (qa.stores.passage_file)
    b-<id>/tokens.jsonl     search tokens a passage (read only when rebuilding)
    b-<id>/vectors.faiss    passage vectors (FAISS's own format): exact inner product, or past a
                            size an approximate index (qa.stores.ann)
    b-<id>/vectors.npy      with an approximate index: the exact float32 vectors its candidates are
                            rescored with (memory-mapped)
    b-<id>/sentences.npy    sentence vectors (float16), rows by passage
    b-<id>/bm25_*.npy, bm25_terms.json   BM25 postings (qa.lexical)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError
from ..fusion import top_k
from ..lexical import BM25, BM25Params
from ..records import Manifest, Passage
from ..shared_arrays import float32_beside
from . import ann
from .base import BuildData, Ids, PassageColumns, Store
from .passage_file import ANALYSIS, ANALYSIS_OFFSETS, JsonLines, PassageFile, write_lines, write_passages

SENTENCES_IN_MEMORY = 256 * 2**20  # bytes of float32 sentence vectors held in memory; more stay mapped
SHARE_SENTENCES = False  # set by `qa serve --workers N` workers: the float32 copy is a shared file map


def _single_thread() -> None:
    """One OpenMP thread for FAISS: a single query gains nothing from more, and on busy cores
    their spinning made a 10,000-passage search 7x slower (26 ms instead of 3.5 ms)."""
    import faiss

    if faiss.omp_get_max_threads() != 1:
        faiss.omp_set_num_threads(1)


def _write_lines(path: Path, rows: Iterable) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


class _MappedRows:
    """A read-only numpy view of a flat index's rows (stored as float32, as they are), not a copy. The
    array keeps this object, and so the index and its memory map, alive for as long as it is used."""

    def __init__(self, index):
        import faiss

        self.index = index
        rows = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d)
        self.__array_interface__ = {"shape": (index.ntotal, index.d), "typestr": "<f4", "version": 3,
                                    "data": (rows.ctypes.data, True)}


class FaissStore(Store):
    kind = "faiss"

    def __init__(self, folder: Path, index, vectors: np.ndarray, sentences: np.ndarray,
                 passages: PassageFile, bm25: BM25, record: dict | None = None):
        self.folder, self._index, self._vectors, self._sentences = folder, index, vectors, sentences
        record = record or {}
        self._ann, self._rescore = record.get("ann"), int(record.get("rescore", 0))
        self._passages, self._bm25 = passages, bm25
        self._starts: np.ndarray | None = None
        self._tokens: list[list[str]] | None = None
        self._analysis: JsonLines | None = None  # set by open when the build has one

    # -- writing --------------------------------------------------------------------------------------

    @classmethod
    def write(cls, folder: Path, data: BuildData, target: str = "") -> dict:
        import faiss

        write_passages(folder, data.passages)
        if data.analysis is not None:
            write_lines(folder / ANALYSIS, folder / ANALYSIS_OFFSETS, data.analysis, len(data.passages))
        _write_lines(folder / "tokens.jsonl", data.tokens)
        vectors = np.ascontiguousarray(data.vectors, dtype=np.float32)
        kind = ann.choose(target, len(vectors))  # ``target``: the index type asked for (auto by default)
        if kind == "flat":
            index = faiss.IndexFlatIP(vectors.shape[1])
            if len(vectors):
                index.add(vectors)
        else:
            index = ann.build(vectors, kind)
            np.save(folder / "vectors.npy", vectors)
        faiss.write_index(index, str(folder / "vectors.faiss"))
        np.save(folder / "sentences.npy", np.asarray(data.sentence_vectors).astype(np.float16))
        BM25.build(data.tokens, data.bm25).save(folder)
        return {"kind": cls.kind, **ann.record(kind, len(vectors))}

    @classmethod
    def check(cls, target: str, index_dir: Path) -> str:
        ann.choose(target, 0)  # an unknown index type fails before the build reads anything
        return target

    # -- opening --------------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, manifest: Manifest) -> "FaissStore":
        import faiss

        if not folder.is_dir():
            raise IndexCorruptError(f"the index build folder {folder} is missing")
        n, dim = int(manifest.passages), int(manifest.dim)
        passages = PassageFile(folder, n)
        path = folder / "vectors.faiss"
        try:
            # Memory-mapped, read-only: several server workers share one copy in the page cache, and
            # the vectors cost no load time. A mapped file outlives its unlinking by a newer build.
            flags = 0 if manifest.store.get("ann") else faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
            index = faiss.read_index(str(path), flags)
        except Exception as e:  # faiss raises RuntimeError with a C++ message for any bad file
            raise IndexCorruptError(f"the vector file {path.name} is unreadable") from e
        if index.d != dim or index.ntotal != n:
            raise IndexCorruptError(f"the vector file holds {index.ntotal} vectors of dimension {index.d}, "
                                    f"the manifest says {n} of dimension {dim}")
        kind = manifest.store.get("ann")
        if kind:
            ann.tune(index, kind)
            try:  # the exact vectors, read only for the rows a question touches
                vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as e:
                raise IndexCorruptError(f"the passage vectors are unreadable ({e})") from e
            if vectors.shape != (n, dim):
                raise IndexCorruptError("the passage vectors do not match the manifest")
        else:  # the rows in place (a view of the mapped file), not a copy
            vectors = np.asarray(_MappedRows(index)) if index.ntotal else np.zeros((0, dim), np.float32)
        if not all(np.isfinite(vectors[i:i + 65536]).all() for i in range(0, n, 65536)):
            raise IndexCorruptError("the passage vectors hold NaN or infinite values")
        try:
            sentences = np.load(folder / "sentences.npy", mmap_mode="r", allow_pickle=False)
        except Exception as e:  # an empty file is an EOFError, a garbled one almost anything
            raise IndexCorruptError(f"the sentence vectors are unreadable ({type(e).__name__}: {e})") from e
        if getattr(sentences, "shape", None) != (int(passages.columns.sentences.sum()), dim) \
                or sentences.dtype.kind != "f":
            raise IndexCorruptError("the sentence vectors do not match the passages")
        if sentences.size * 4 <= SENTENCES_IN_MEMORY:
            # Every question gathers a few hundred sentence rows: as float32 in memory that is a copy;
            # from the float16 memory map it was a page walk plus a conversion, a fifth of a warm query
            # at 10k passages. Larger indexes stay mapped. Server workers share one float32 copy.
            shared = float32_beside(folder / "sentences.npy", sentences) if SHARE_SENTENCES else None
            sentences = shared if shared is not None else np.asarray(sentences, dtype=np.float32)
            if not np.isfinite(sentences).all():  # (a larger, mapped file is not read whole to check)
                raise IndexCorruptError("the sentence vectors hold NaN or infinite values")
        bm25 = BM25.load(folder, n, BM25Params(**manifest.bm25))
        store = cls(folder, index, vectors, sentences, passages, bm25, manifest.store)
        if (folder / ANALYSIS_OFFSETS).exists():
            store._analysis = JsonLines(folder / ANALYSIS, folder / ANALYSIS_OFFSETS, n, "analysis")
        return store

    # -- size -----------------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    # -- vectors --------------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if allowed is not None:
            # The same inner products FAISS's flat index computes, over the allowed passages only.
            allowed = np.asarray(allowed)
            ids = np.flatnonzero(allowed) if allowed.dtype == bool else allowed.astype(np.int64)
            if not len(ids):
                return np.zeros(0, dtype=np.float32), ids
            return self._exact(query, ids, k)
        k = min(k, self.count)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        _single_thread()
        query = np.ascontiguousarray(query[None, :], dtype=np.float32)
        if self._ann:  # approximate candidates, ordered by their exact similarity
            _, ids = self._index.search(query, min(self.count, max(k, self._rescore)))
            return self._exact(query[0], np.sort(ids[0][ids[0] >= 0]), k)
        scores, ids = self._index.search(query, k)
        return scores[0], ids[0]

    def _exact(self, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The best ``k`` of ``ids`` by exact inner product (ties by id)."""
        scores = self.vectors(ids) @ query
        best = top_k(scores, k)
        return scores[best], ids[best]

    def vectors(self, ids: Ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if self._ann:  # memory-mapped: read the rows in file order, then put them back in ``ids``'s
            order = np.argsort(ids, kind="stable")
            out = np.empty((len(ids), self.dim), dtype=np.float32)
            out[order] = self._vectors[ids[order]]
            return out
        return self._vectors[ids]

    def sentence_vectors(self, ids: Ids) -> np.ndarray:
        starts = self._sentence_starts()
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 1:
            return np.asarray(self._sentences[starts[ids[0]]:starts[ids[0] + 1]], dtype=np.float32)
        lo = starts[ids]
        lens = starts[ids + 1] - lo
        offsets = np.zeros(len(ids), dtype=np.int64)
        np.cumsum(lens[:-1], out=offsets[1:])
        gather = np.repeat(lo - offsets, lens) + np.arange(int(lens.sum()))
        return np.asarray(self._sentences[gather], dtype=np.float32)

    def _sentence_starts(self) -> np.ndarray:
        if self._starts is None:
            self._starts = self.columns().sentence_starts()
        return self._starts

    # -- the passage table ----------------------------------------------------------------------------

    def passages(self, ids: Ids | None = None) -> list[Passage]:
        if ids is None:
            return self._passages.all()
        return [self._passages.get(int(i)) for i in ids]

    def passage(self, pid: int) -> Passage:
        return self._passages.get(int(pid))

    def columns(self) -> PassageColumns:
        return self._passages.columns

    def analysis(self, ids: Ids | None = None) -> list:
        if self._analysis is None:
            return super().analysis(ids)
        return [self._analysis.get(int(i)) for i in (range(self.count) if ids is None else ids)]

    def tokens(self, ids: Ids | None = None) -> list[list[str]]:
        if self._tokens is None:
            try:
                with open(self.folder / "tokens.jsonl", encoding="utf-8") as f:
                    self._tokens = [json.loads(line) for line in f]
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                raise IndexCorruptError(f"the search tokens of the index are unreadable ({e})") from e
        return self._tokens if ids is None else [self._tokens[int(i)] for i in ids]

    # -- lexical --------------------------------------------------------------------------------------

    def lexical_scores(self, tokens: Iterable[str]) -> np.ndarray:
        return self._bm25.scores(tokens)

    def weighted_lexical_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        return self._bm25.weighted_scores(terms)

    def known_terms(self, terms: Iterable[str]) -> set[str]:
        vocab = self._bm25.vocab
        return {t for t in terms if t in vocab}

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        return {t: self._bm25.document_frequency(t) for t in terms}
