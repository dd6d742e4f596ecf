"""The local store: immutable segments of plain files (qa.stores.faiss_segment), dense search by FAISS.

    index/s-<id>/           one segment each: passages, analysis, tokens, vectors, sentence vectors,
                            BM25 postings with their raw counts
    index/b-<id>/store.json the manifest's store record (written by qa.index_files)

The manifest's store record names the segments in order, each with the documents deleted from it
(``deleted``: the segment's own document numbers; a changed or removed file's documents). A reader
numbers the live passages of all segments one after the other (segment by segment, in the order
each holds them) and the live documents the same way, so everything above the store sees one index
with ids ``0 .. count-1``. Dense search runs per segment, deleted rows left out; BM25 scores are
those of one build over the live passages (qa.stores.segment_bm25). A build adds a segment, records
deletions and merges segments (qa.stores.segments); segments no longer named are removed after the
manifest that drops them is published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError
from ..index_files import check_passage
from ..fusion import top_k
from ..lexical import BM25, BM25Params
from ..records import Manifest, Passage
from ..sparse_scores import SparseScores
from . import ann
from .base import LANGS, BuildData, Ids, PassageColumns, Store
from .faiss_segment import Segment, valid_name, write_segment
from .segment_bm25 import SegmentedBM25

SENTENCES_IN_MEMORY = 256 * 2**20  # bytes of float32 sentence vectors held in memory; more stay mapped
SHARE_SENTENCES = False  # set by `qa serve --workers N` workers: the float32 copy is a shared file map


def store_record(segments: list[dict]) -> dict:
    """The manifest's store record for ``segments``; ``index_type`` is the largest segment's."""
    largest = max(segments, key=lambda s: s["passages"], default=None)
    summary = {k: v for k, v in (largest or ann.record("flat", 0)).items()
               if k in ("index_type", "ann_min_passages")}
    return {"kind": FaissStore.kind, **summary, "segments": segments}


def segment_records(record: dict) -> list[dict]:
    """The segments a store record names, checked. Raise IndexCorruptError."""
    segments = record.get("segments")
    if not isinstance(segments, list) or not all(
            isinstance(s, dict) and valid_name(s.get("name")) and isinstance(s.get("passages"), int)
            and isinstance(s.get("documents"), int) and isinstance(s.get("deleted"), list)
            and all(isinstance(d, int) for d in s["deleted"]) for s in segments):
        raise IndexCorruptError("the manifest does not name the index's segments")
    return segments


class FaissStore(Store):
    kind = "faiss"
    checks_rows_when_read = True
    records_in_folder = True

    def __init__(self, folder: Path, segments: list[Segment], n: int):
        self.folder, self.segments = folder, segments
        self._count = n
        self._dim = int(segments[0].index.d) if segments else 0
        # Per segment: the global id of each local passage (-1: deleted), and the global number of
        # each of its documents (-1: deleted).
        self._global: list[np.ndarray] = []
        self._doc_map: list[np.ndarray] = []
        self._deleted: list[int] = []  # per segment: how many of its rows are deleted
        seg_of, local_of, cols = [], [], []
        base = doc_base = 0
        for s, seg in enumerate(segments):
            c = seg.passages.columns
            deleted = np.zeros(int(seg.record["documents"]), dtype=bool)
            deleted[[d for d in seg.record["deleted"] if 0 <= d < len(deleted)]] = True
            if len(c.doc) and (c.doc.min() < 0 or c.doc.max() >= len(deleted)):
                raise IndexCorruptError(f"segment {seg.folder.name} holds passages of documents it does not have")
            live = ~deleted[c.doc] if len(c.doc) else np.zeros(0, dtype=bool)
            glob = np.full(seg.rows, -1, dtype=np.int64)
            glob[live] = base + np.arange(int(live.sum()))
            docs = np.full(len(deleted), -1, dtype=np.int64)
            docs[~deleted] = doc_base + np.arange(int((~deleted).sum()))
            self._global.append(glob)
            self._deleted.append(seg.rows - int(live.sum()))
            self._doc_map.append(docs)
            locals_ = np.flatnonzero(live)
            seg_of.append(np.full(len(locals_), s, dtype=np.int32))
            local_of.append(locals_)
            cols.append((docs[c.doc[live]], c.sentences[live], c.lang[live],
                         {lang: c.has_lang[lang][live] for lang in LANGS}))
            base += len(locals_)
            doc_base += int((~deleted).sum())
        if base != n:
            raise IndexCorruptError(f"the index segments hold {base} live passages, its manifest says {n}")
        self.documents = doc_base
        self._seg_of = np.concatenate(seg_of) if seg_of else np.zeros(0, dtype=np.int32)
        self._local_of = np.concatenate(local_of) if local_of else np.zeros(0, dtype=np.int64)
        # One segment with nothing deleted: its ids are the index's, and it is read as it is.
        self._whole = segments[0] if len(segments) == 1 and base == segments[0].rows else None
        self._columns = PassageColumns(
            doc=np.concatenate([c[0] for c in cols]) if cols else np.zeros(0, np.int64),
            sentences=np.concatenate([c[1] for c in cols]) if cols else np.zeros(0, np.int64),
            lang=np.concatenate([c[2] for c in cols]) if cols else np.zeros(0, "U8"),
            has_lang={lang: np.concatenate([c[3][lang] for c in cols]) if cols else np.zeros(0, bool)
                      for lang in LANGS})
        self._all: list[Passage] | None = None
        self._bm25: BM25 | SegmentedBM25 | None = None
        self._params: BM25Params | None = None

    # -- writing --------------------------------------------------------------------------------------

    @classmethod
    def write(cls, folder: Path, data: BuildData, target: str = "") -> dict:
        """A whole build: one segment beside ``folder`` (the build folder keeps the record). The store
        contract's write (qa.index_files.write_build); qa.builder writes its builds of this store as
        segments (qa.segmented), the same files."""
        segment = write_segment(folder.parent / ("s-" + folder.name.removeprefix("b-")), data, target)
        return store_record([segment])

    @classmethod
    def check(cls, target: str, index_dir: Path) -> str:
        ann.choose(target, 0)  # an unknown index type fails before the build reads anything
        return target

    @classmethod
    def kept_folders(cls, record: dict) -> set[str]:
        """The folders of the index (beside the build folders) this record's build reads."""
        try:
            return {s["name"] for s in segment_records(record)}
        except IndexCorruptError:
            return set()

    # -- opening --------------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, manifest: Manifest) -> "FaissStore":
        if not folder.is_dir():
            raise IndexCorruptError(f"the index build folder {folder} is missing")
        records = segment_records(manifest.store)
        dim, params = int(manifest.dim), BM25Params(**manifest.bm25)
        in_memory = sum(int(s.get("sentences", 0)) for s in records) * dim * 4 <= SENTENCES_IN_MEMORY
        segments = [Segment(folder.parent / r["name"], r, dim, params, in_memory, SHARE_SENTENCES)
                    for r in records]
        store = cls(folder, segments, int(manifest.passages))
        store._dim, store._params = dim, params
        return store

    def _lexical(self) -> BM25 | SegmentedBM25:
        if self._bm25 is None:
            if self._whole is not None:
                self._bm25 = self._whole.bm25
            else:
                self._bm25 = SegmentedBM25([(seg.bm25, glob) for seg, glob in zip(self.segments, self._global)],
                                           self._count, self._params or BM25Params())
        return self._bm25

    # -- size -----------------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._count

    @property
    def dim(self) -> int:
        return self._dim

    # -- ids ------------------------------------------------------------------------------------------

    def _by_segment(self, ids: np.ndarray) -> Iterable[tuple[int, np.ndarray, np.ndarray]]:
        """(segment, positions in ``ids``, local ids there) for each segment ``ids`` touch."""
        segs = self._seg_of[ids]
        for s in np.unique(segs):
            where = np.flatnonzero(segs == s)
            yield int(s), where, self._local_of[ids[where]]

    # -- vectors --------------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if allowed is not None:
            # The same inner products FAISS's flat index computes, over the allowed passages only.
            allowed = np.asarray(allowed)
            ids = np.flatnonzero(allowed) if allowed.dtype == bool else allowed.astype(np.int64)
            if not len(ids):
                return np.zeros(0, dtype=np.float32), ids
            scores = self.vectors(ids) @ query
            best = top_k(scores, k)
            return scores[best], ids[best]
        if self._whole is not None:
            return self._whole.search(query, k)
        found_scores, found_ids = [], []
        shortlist: list[tuple[np.ndarray, int, np.ndarray]] = []  # approximate: (scores, segment, local ids)
        rescore = 0
        for s, (seg, glob, deleted) in enumerate(zip(self.segments, self._global, self._deleted)):
            if deleted == seg.rows:
                continue
            if seg.approximate_search:
                # Approximate candidates of every such segment, rescored together below: only the best
                # of all of them are read and scored exactly, not each segment's own shortlist.
                rescore = max(rescore, seg.rescore)
                scores, local = seg.approximate(query, max(k, seg.rescore))
                live = glob[local] >= 0
                shortlist.append((scores[live], s, local[live]))
                continue
            # Deleted rows may be among the nearest: ask for as many more, then leave them out.
            scores, local = seg.search(query, k + deleted)
            keep = local >= 0
            scores, ids = scores[keep], glob[local[keep]]
            keep = ids >= 0
            found_scores.append(scores[keep])
            found_ids.append(ids[keep])
        if shortlist:
            scores, ids = self._rescored(query, shortlist, max(k, rescore))
            found_scores.append(scores)
            found_ids.append(ids)
        if not found_ids:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, ids = np.concatenate(found_scores), np.concatenate(found_ids)
        order = np.lexsort((ids, -scores))[:k]
        return scores[order], ids[order]

    def _rescored(self, query: np.ndarray, shortlist: list[tuple[np.ndarray, int, np.ndarray]],
                  n: int) -> tuple[np.ndarray, np.ndarray]:
        """(exact similarity, global id) of the ``n`` best approximate candidates of all segments."""
        approx = np.concatenate([scores for scores, _, _ in shortlist])
        seg = np.concatenate([np.full(len(local), s, dtype=np.int64) for _, s, local in shortlist])
        local = np.concatenate([local for _, _, local in shortlist]).astype(np.int64)
        if len(approx) > n:
            best = np.argpartition(-approx, n - 1)[:n]
            seg, local = seg[best], local[best]
        out_scores, out_ids = [], []
        for s in np.unique(seg):
            rows = np.sort(local[seg == s])
            out_scores.append(self.segments[int(s)].vectors(rows) @ query)
            out_ids.append(self._global[int(s)][rows])
        return np.concatenate(out_scores), np.concatenate(out_ids)

    def vectors(self, ids: Ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if self._whole is not None:
            return self._whole.vectors(ids)
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for s, where, local in self._by_segment(ids):
            out[where] = self.segments[s].vectors(local)
        return out

    def sentence_vectors(self, ids: Ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if self._whole is not None:
            return self._whole.sentence_vectors(ids)
        segs = self._seg_of[ids]
        if len(ids) and (segs == segs[0]).all():  # all in one segment (the usual case)
            return self.segments[int(segs[0])].sentence_vectors(self._local_of[ids])
        counts = self._columns.sentences[ids]
        starts = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        out = np.empty((int(starts[-1]), self.dim), dtype=np.float32)
        for s, where, local in self._by_segment(ids):
            rows = np.repeat(starts[where] - np.concatenate(([0], np.cumsum(counts[where])[:-1])), counts[where])
            rows += np.arange(len(rows))
            out[rows] = self.segments[s].sentence_vectors(local)
        return out

    # -- the passage table ----------------------------------------------------------------------------

    def _passage(self, s: int, local: int) -> Passage:
        p = self.segments[s].passages.get(int(local))
        check_passage(int(self._global[s][local]), p, len(self._doc_map[s]))
        doc = int(self._doc_map[s][p.doc])
        return p if doc == p.doc else dataclasses.replace(p, doc=doc)

    def passages(self, ids: Ids | None = None) -> list[Passage]:
        if ids is None:
            if self._all is None:
                if self._whole is not None:
                    self._all = self._whole.passages.all()
                else:
                    self._all = []
                    for s, (seg, glob) in enumerate(zip(self.segments, self._global)):
                        docs = self._doc_map[s]
                        self._all += [p if docs[p.doc] == p.doc else dataclasses.replace(p, doc=int(docs[p.doc]))
                                      for p, g in zip(seg.passages.all(), glob) if g >= 0]
            return self._all
        return [self.passage(int(i)) for i in ids]

    def passage(self, pid: int) -> Passage:
        if not 0 <= pid < self._count:
            raise IndexError(pid)
        if self._all is not None:
            return self._all[pid]
        return self._passage(int(self._seg_of[pid]), int(self._local_of[pid]))

    def columns(self) -> PassageColumns:
        return self._columns

    def analysis(self, ids: Ids | None = None) -> list:
        ids = range(self._count) if ids is None else ids
        return [self.segments[s].analysis_of(self._local_of[i]) for i in ids for s in (int(self._seg_of[i]),)]

    def tokens(self, ids: Ids | None = None) -> list[list[str]]:
        ids = range(self._count) if ids is None else ids
        return [self.segments[s].tokens()[int(self._local_of[i])] for i in ids for s in (int(self._seg_of[i]),)]

    # -- lexical --------------------------------------------------------------------------------------

    def lexical_scores(self, tokens: Iterable[str]) -> np.ndarray:
        return self._lexical().scores(tokens)

    def weighted_lexical_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        return self._lexical().weighted_scores(dict(terms))

    def lexical_hits(self, tokens: Iterable[str]) -> SparseScores:
        return self._lexical().hits(tokens)

    def weighted_lexical_hits(self, terms: Mapping[str, float]) -> SparseScores:
        return self._lexical().weighted_hits(dict(terms))

    def lexical_holders(self, terms: Iterable[str]) -> np.ndarray:
        return self._lexical().holders(terms)

    def lexical_parts(self, tokens: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        return self._lexical().term_parts(tokens)

    def weighted_lexical_parts(self, terms: Mapping[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        return self._lexical().weighted_term_parts(dict(terms))

    def known_terms(self, terms: Iterable[str]) -> set[str]:
        bm25 = self._lexical()
        if isinstance(bm25, BM25):
            return {t for t in terms if t in bm25.vocab}
        return bm25.known_of(terms)

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        bm25 = self._lexical()
        return {t: bm25.document_frequency(t) for t in terms}
