"""One segment of the local store: a folder of plain files, written once and never changed.

    s-<id>/passages*        the passages, and columns to open them by without parsing each
                            (qa.stores.passage_file); ``doc`` is the segment's own document number
    s-<id>/analysis*        what the highlight reads of each passage (qa.highlight.analyse)
    s-<id>/tokens.jsonl     search tokens a passage (read only when rebuilding or merging)
    s-<id>/vectors.faiss    passage vectors (FAISS's own format): exact inner product, or past a
                            size an approximate index (qa.stores.ann)
    s-<id>/vectors.npy      with an approximate index: the exact float32 vectors its candidates are
                            rescored with (read by rows: qa.stores.row_file)
    s-<id>/sentences.npy    sentence vectors (float16), rows by passage
    s-<id>/bm25_*.npy, bm25_terms.bin   BM25 postings, with the raw counts (qa.lexical, qa.term_list)

Ids here are the segment's own passage numbers ``0 .. rows-1``; qa.stores.faiss_store numbers the
live passages of all segments.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError
from ..fusion import top_k
from .. import index_files
from ..lexical import BM25, BM25Params
from ..shared_arrays import float32_beside
from . import ann
from .base import BuildData, Ids
from .row_file import RowFile
from .passage_file import ANALYSIS, ANALYSIS_OFFSETS, JsonLines, PassageFile, write_lines, write_passages


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


def _finite(rows: np.ndarray, check: bool, what: str) -> np.ndarray:
    """``rows`` (vectors or scores read for a question), checked when ``check``. Raise IndexCorruptError."""
    if check and not np.isfinite(rows).all():
        raise IndexCorruptError(f"the {what} vectors hold NaN or infinite values")
    return rows


def fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder``, the folder, and its entry in its parent, to disk: a segment is
    on disk before a manifest names it."""
    for path in sorted(folder.iterdir()):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    for where in (folder, folder.parent):
        index_files.fsync_folder(where)


def valid_name(name: object) -> bool:
    return index_files.own_folder(name, "s-")


def write_segment(folder: Path, data: BuildData, target: str = "", documents: int | None = None,
                  joins: int = 0) -> dict:
    """Write ``data`` as a new segment in ``folder`` (created here; must not exist), flushed to disk.
    Returns its record for the manifest: name, rows, documents, sentences, deleted (none) and the
    vector index chosen (qa.stores.ann) for an index of ``joins`` passages besides these."""
    import faiss

    folder.mkdir(parents=True)
    # What does not depend on the vectors first: a build's model may still be computing them.
    write_passages(folder, data.passages)
    if data.analysis is not None:
        write_lines(folder / ANALYSIS, folder / ANALYSIS_OFFSETS, data.analysis, len(data.passages))
    with open(folder / "tokens.jsonl", "w", encoding="utf-8") as f:
        for row in data.tokens:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    BM25.build(data.tokens, data.bm25).save(folder)
    data = data.with_vectors()
    vectors = np.ascontiguousarray(data.vectors, dtype=np.float32)
    kind = ann.choose(target, len(vectors), joins)  # ``target``: the index type asked for (auto by default)
    if kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
    else:
        index = ann.build(vectors, kind)
        np.save(folder / "vectors.npy", vectors)
    faiss.write_index(index, str(folder / "vectors.faiss"))
    np.save(folder / "sentences.npy", np.asarray(data.sentence_vectors).astype(np.float16))
    fsync_tree(folder)
    if documents is None:
        documents = 1 + max((p.doc for p in data.passages), default=-1)
    return {"name": folder.name, "passages": len(data.passages), "documents": int(documents),
            "sentences": int(len(data.sentence_vectors)), "deleted": [], **ann.record(kind, len(vectors))}


def approximate_copy(old: Path, new: Path, record: dict, kind: str) -> dict:
    """A copy of an exact segment (``old``, its ``record``) as ``new`` with an approximate vector index
    of ``kind``: the other files are hard links to the old ones (segments never change), the vectors
    are kept beside the index for rescoring, as ``write_segment`` writes them. Returns its record."""
    import faiss

    new.mkdir(parents=True)
    for path in sorted(old.iterdir()):
        if path.is_file() and path.name not in ("vectors.faiss", "vectors.npy"):
            os.link(path, new / path.name)
    try:
        flat = faiss.read_index(str(old / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    except Exception as e:  # faiss raises RuntimeError with a C++ message for any bad file
        raise IndexCorruptError(f"the vector file of segment {old.name} is unreadable") from e
    if flat.ntotal != int(record["passages"]):
        raise IndexCorruptError(f"the vector file of segment {old.name} does not match its passages")
    vectors = np.array(np.asarray(_MappedRows(flat)), dtype=np.float32)
    np.save(new / "vectors.npy", vectors)
    faiss.write_index(ann.build(vectors, kind), str(new / "vectors.faiss"))
    fsync_tree(new)
    return {**{k: v for k, v in record.items() if k not in ("index_type", "ann", "rescore", "ann_min_passages")},
            "name": new.name, **ann.record(kind, len(vectors))}


class Segment:
    """One segment, opened: its vectors, sentence vectors, passages, analysis and BM25."""

    _check_rows = False  # check vectors as they are read (a large segment, not checked whole on open)
    _sentences_checked = True  # the sentence vectors were checked whole on open

    def __init__(self, folder: Path, record: dict, dim: int, params: BM25Params, sentences_in_memory: bool,
                 share_sentences: bool = False):
        import faiss

        if not folder.is_dir():
            raise IndexCorruptError(f"the index segment {folder.name} is missing")
        n = int(record["passages"])
        self.folder, self.record, self.rows = folder, record, n
        self._ann, self._rescore = record.get("ann"), int(record.get("rescore", 0))
        self.passages = PassageFile(folder, n)
        path = folder / "vectors.faiss"
        try:
            # Memory-mapped, read-only: several server workers share one copy in the page cache, and
            # the vectors cost no load time. A mapped file outlives its unlinking by a newer build.
            index = ann.read(str(path), self._ann) if self._ann else \
                faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        except Exception as e:  # faiss raises RuntimeError with a C++ message for any bad file
            raise IndexCorruptError(f"the vector file {path.name} is unreadable") from e
        if index.d != dim or index.ntotal != n:
            raise IndexCorruptError(f"the vector file holds {index.ntotal} vectors of dimension {index.d}, "
                                    f"the manifest says {n} of dimension {dim}")
        if self._ann:
            ann.tune(index, self._ann)
            # The exact vectors, read (with pread) only for the rows a question touches.
            vectors = RowFile(folder / "vectors.npy", "passage")
            if vectors.shape != (n, dim) or vectors.dtype != np.float32:
                raise IndexCorruptError("the passage vectors do not match the manifest")
        else:  # the rows in place (a view of the mapped file), not a copy
            vectors = np.asarray(_MappedRows(index)) if index.ntotal else np.zeros((0, dim), np.float32)
        # A small segment's vectors are checked whole now; a larger one's rows as a question reads them.
        self._check_rows = n > index_files.FULL_CHECK_PASSAGES
        if not self._check_rows and not np.isfinite(vectors[0:n]).all():
            raise IndexCorruptError("the passage vectors hold NaN or infinite values")
        self.index, self._vectors = index, vectors
        sentences = RowFile(folder / "sentences.npy", "sentence")  # read by rows (qa.stores.row_file)
        if sentences.shape != (int(self.passages.columns.sentences.sum()), dim) or sentences.dtype.kind != "f":
            raise IndexCorruptError("the sentence vectors do not match the passages")
        if sentences_in_memory:
            # Every question gathers a few hundred sentence rows: as float32 in memory that is a copy;
            # read from the float16 file it was a page walk plus a conversion, a fifth of a warm query
            # at 10k passages. Larger indexes are read by rows. Server workers share one float32 copy.
            try:
                mapped = np.load(folder / "sentences.npy", mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as e:
                raise IndexCorruptError(f"the sentence vectors are unreadable ({e})") from e
            shared = float32_beside(folder / "sentences.npy", mapped) if share_sentences else None
            sentences = shared if shared is not None else np.asarray(mapped, dtype=np.float32)
            if not np.isfinite(sentences).all():  # (a larger file is not read whole to check)
                raise IndexCorruptError("the sentence vectors hold NaN or infinite values")
        self._sentences, self._sentences_checked = sentences, sentences_in_memory
        self.bm25 = BM25.load(folder, n, params, large=self._check_rows)
        self.analysis: JsonLines | None = None
        if (folder / ANALYSIS_OFFSETS).exists():
            self.analysis = JsonLines(folder / ANALYSIS, folder / ANALYSIS_OFFSETS, n, "analysis")
        self._starts: np.ndarray | None = None
        self._tokens: list[list[str]] | None = None

    # -- vectors (local ids) --------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.rows)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        _single_thread()
        query = np.ascontiguousarray(query[None, :], dtype=np.float32)
        if self._ann:  # approximate candidates, ordered by their exact similarity
            _, ids = self.approximate(query[0], max(k, self._rescore))
            return self.exact(query[0], np.sort(ids), k)
        scores, ids = self.index.search(query, k)
        return _finite(scores[0], self._check_rows, "passage"), ids[0]

    @property
    def approximate_search(self) -> bool:
        return bool(self._ann)

    @property
    def rescore(self) -> int:
        """How many approximate candidates a search rescores exactly (0: an exact index)."""
        return self._rescore

    def approximate(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(approximate similarity, local id) of up to ``k`` candidates of an approximate index, best
        first (the scores are the quantised vectors'; ``exact`` orders them)."""
        k = min(k, self.rows)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        _single_thread()
        scores, ids = self.index.search(np.ascontiguousarray(query[None, :], dtype=np.float32), k)
        found = ids[0] >= 0
        return scores[0][found], ids[0][found]

    def exact(self, query: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The best ``k`` of ``ids`` by exact inner product (ties by id)."""
        scores = self.vectors(ids) @ query
        best = top_k(scores, k)
        return scores[best], ids[best]

    def vectors(self, ids: Ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        # (With an approximate index, a RowFile: the rows read in file order, returned in ``ids``'s.)
        return _finite(self._vectors[ids], self._check_rows, "passage")

    def sentence_vectors(self, ids: Ids) -> np.ndarray:
        starts = self.sentence_starts()
        ids = np.asarray(ids, dtype=np.int64)
        check = self._check_rows and not self._sentences_checked
        if len(ids) == 1:
            rows = np.asarray(self._sentences[starts[ids[0]]:starts[ids[0] + 1]], dtype=np.float32)
            return _finite(rows, check, "sentence")
        lo = starts[ids]
        lens = starts[ids + 1] - lo
        offsets = np.zeros(len(ids), dtype=np.int64)
        np.cumsum(lens[:-1], out=offsets[1:])
        gather = np.repeat(lo - offsets, lens) + np.arange(int(lens.sum()))
        return _finite(np.asarray(self._sentences[gather], dtype=np.float32), check, "sentence")

    def sentence_starts(self) -> np.ndarray:
        if self._starts is None:
            self._starts = self.passages.columns.sentence_starts()
        return self._starts

    # -- rows -----------------------------------------------------------------------------------------

    def tokens(self) -> list[list[str]]:
        if self._tokens is None:
            try:
                with open(self.folder / "tokens.jsonl", encoding="utf-8") as f:
                    self._tokens = [json.loads(line) for line in f]
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                raise IndexCorruptError(f"the search tokens of the index are unreadable ({e})") from e
            if len(self._tokens) != self.rows:
                raise IndexCorruptError("the search tokens do not match the passages")
        return self._tokens

    def analysis_of(self, i: int):
        return None if self.analysis is None else self.analysis.get(int(i))
