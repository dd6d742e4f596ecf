"""An index as a list of segments (the local store): which documents each holds, which are deleted,
and when segments merge.

A build that is not a full one keeps every segment as it is, records the documents of changed and
removed files as deleted in the segment that holds them, writes the new and changed files as one new
segment, then merges by the policy below; the manifest's documents and files are numbered again from
the result (live documents segment by segment). Only what changed is read, embedded and written, plus
what a merge rewrites.

A build holds at most about ``FLUSH_PASSAGES`` passages in memory: past that it writes what it has
read as a segment and goes on (qa.segmented.Flusher), so a large build is several "full" segments.

Merge policy (chosen, not measured): more than ``MAX_SEGMENTS`` small segments (fewer live passages
than ``FLUSH_PASSAGES``; full ones do not count) merge the smallest ones into one, so that
``MAX_SEGMENTS`` small ones remain; a segment with more than ``MAX_DELETED`` of its passages deleted
is rewritten with the merge (or alone). ``qa index --optimize`` merges every small segment and every
segment with deletions into one (everything, when the index is smaller than ``FLUSH_PASSAGES``). A
merge holds its segments in memory, so it never gathers full segments by count: a million-passage
build of 20 full segments stays 20 segments.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..lexical import BM25Params
from ..records import Manifest
from .base import BuildData
from . import ann
from .faiss_segment import Segment, approximate_copy, write_segment
from .faiss_store import segment_records, store_record

MAX_SEGMENTS = 8
MAX_DELETED = 0.30
# Passages a build holds before writing them as a segment: ~28 KB each in memory (passage, tokens,
# highlight analysis, vectors), so ~1.4 GB; see docs/scale.md for the measured build peak.
FLUSH_PASSAGES = 50_000

Where = tuple[str, int]  # (segment name, the segment's own document number)


def new_name(index_dir: Path) -> str:
    """A segment folder name no other segment has."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    while True:
        name = f"s-{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**9}"
        if not (index_dir / name).exists():
            return name


@dataclass
class Layout:
    """The segments of an index being updated, and the live documents of each (their records)."""

    index_dir: Path
    segments: list[dict]
    docs: dict[str, dict[int, dict]]
    merged: int = 0  # segments merged by this build
    _sentences: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, index_dir: Path, manifest: Manifest) -> tuple["Layout", list[Where]]:
        """The layout a manifest describes, and where each of its documents (by number) is."""
        segments = [dict(s, deleted=list(s["deleted"])) for s in segment_records(manifest.store)]
        docs: dict[str, dict[int, dict]] = {}
        where: list[Where] = []
        records = list(manifest.documents)  # read in one pass, not a record at a time
        for seg in segments:
            deleted = set(seg["deleted"])
            docs[seg["name"]] = {}
            for d in range(seg["documents"]):
                if d not in deleted:
                    docs[seg["name"]][d] = records[len(where)]
                    where.append((seg["name"], d))
        return cls(Path(index_dir), segments, docs), where

    def _segment(self, name: str) -> dict:
        return next(s for s in self.segments if s["name"] == name)

    def _sentences_per_document(self, name: str) -> np.ndarray:
        """How many sentences each of the segment's documents has (from its passage columns, read
        when first needed)."""
        if name not in self._sentences:
            with np.load(self.index_dir / name / "passages_columns.npz", allow_pickle=False) as z:
                doc, sentences = z["doc"], z["sentences"]
            self._sentences[name] = np.bincount(doc, weights=sentences, minlength=self._segment(name)["documents"]
                                                ).astype(np.int64) if len(doc) else np.zeros(0, np.int64)
        return self._sentences[name]

    def delete(self, places: list[Where]) -> None:
        """Record documents as deleted (a changed or removed file's)."""
        touched = set()
        for name, d in places:
            seg, doc = self._segment(name), self.docs[name].pop(d)
            seg["deleted"].append(d)
            touched.add(name)
            per_document = self._sentences_per_document(name)
            seg["deleted_passages"] = seg.get("deleted_passages", 0) + int(doc["passages"])
            seg["deleted_sentences"] = seg.get("deleted_sentences", 0) + (
                int(per_document[d]) if 0 <= d < len(per_document) else 0)
        for name in touched:
            seg = self._segment(name)
            seg["deleted"] = sorted(seg["deleted"])
        self.segments = [s for s in self.segments if self.docs[s["name"]]]  # nothing live: dropped

    def add(self, record: dict, documents: list[dict]) -> None:
        self.segments.append(record)
        self.docs[record["name"]] = dict(enumerate(documents))

    # -- merging --------------------------------------------------------------------------------------

    def to_merge(self, everything: bool = False) -> list[str]:
        """The segments the policy merges now (none, or at least one to rewrite)."""
        if everything:
            return to_optimize(self.segments)
        small = [s for s in self.segments if live_passages(s) < FLUSH_PASSAGES]
        names = [s["name"] for s in self.segments
                 if s.get("deleted_passages", 0) > MAX_DELETED * s["passages"]]
        if len(small) > MAX_SEGMENTS:
            rest = sorted((s for s in small if s["name"] not in names), key=live_passages)
            names += [s["name"] for s in rest[:max(0, len(small) - MAX_SEGMENTS + 1 - len(names))]]
        return names

    def passages(self) -> int:
        """Live passages in all segments."""
        return sum(map(live_passages, self.segments))

    def merge(self, names: list[str], dim: int, params: BM25Params, target: str) -> dict[Where, Where]:
        """Write the live rows of segments ``names`` as one new segment in place of the first of them.
        Returns where each moved document now is."""
        chosen = [s for s in self.segments if s["name"] in names]
        name = new_name(self.index_dir)
        moved: dict[Where, Where] = {}
        passages, tokens, vectors, sentences, analysis, documents = [], [], [], [], [], []
        for record in chosen:
            seg = Segment(self.index_dir / record["name"], record, dim, params, sentences_in_memory=False)
            renumber = {}
            for d in sorted(self.docs[record["name"]]):
                renumber[d] = len(documents)
                moved[(record["name"], d)] = (name, len(documents))
                documents.append(self.docs[record["name"]][d])
            live = np.flatnonzero(np.isin(seg.passages.columns.doc, list(renumber)))
            all_tokens = seg.tokens()
            for i in live:
                p = seg.passages.get(int(i))
                passages.append(dataclasses.replace(p, doc=renumber[p.doc]))
                tokens.append(all_tokens[i])
                analysis.append(seg.analysis_of(int(i)))
            vectors.append(seg.vectors(live))
            sentences.append(seg.sentence_vectors(live) if len(live) else np.zeros((0, dim), np.float32))
        data = BuildData(passages, tokens, np.concatenate(vectors), np.concatenate(sentences), params,
                         None if any(a is None for a in analysis) else analysis)
        others = sum(live_passages(s) for s in self.segments if s not in chosen)
        record = write_segment(self.index_dir / name, data, target, documents=len(documents), joins=others)
        at = min(self.segments.index(s) for s in chosen)
        self.segments = [s for s in self.segments if s["name"] not in names]
        self.segments.insert(at, record)
        for old in names:
            del self.docs[old]
        self.docs[name] = dict(enumerate(documents))
        self.merged += len(chosen)
        return moved

    def approximate(self, target: str) -> dict[Where, Where]:
        """Once the index reaches the size of approximate search (qa.stores.ann, ``auto``), its exact
        segments large enough to train cells on are copied with an approximate index in their place:
        the first segments of a large build were written while the index was still small, and each
        question would search them exactly (150,000 rows at a million passages). Returns where each
        moved document now is."""
        moved: dict[Where, Where] = {}
        total = self.passages()
        for i, record in enumerate(self.segments):
            rows = int(record["passages"])
            if record.get("ann") or (target or "auto") != "auto" or \
                    ann.choose(target, rows, max(0, total - rows)) == "flat":
                continue
            name = new_name(self.index_dir)
            self.segments[i] = approximate_copy(self.index_dir / record["name"], self.index_dir / name, record,
                                                ann.choose(target, rows, max(0, total - rows)))
            self.docs[name] = self.docs.pop(record["name"])
            moved.update({(record["name"], d): (name, d) for d in self.docs[name]})
        return moved

    # -- the manifest's view --------------------------------------------------------------------------

    def numbered(self, files: list[dict]) -> tuple[dict, list[dict], list[dict], int, int]:
        """(store record, documents, files, passages, sentences) for the manifest: live documents
        numbered segment by segment, each with its first passage; ``files``' documents given as
        places become numbers."""
        number: dict[Where, int] = {}
        documents: list[dict] = []
        first = 0
        for seg in self.segments:
            for d in sorted(self.docs[seg["name"]]):
                doc = self.docs[seg["name"]][d]
                number[(seg["name"], d)] = len(documents)
                documents.append(dict(doc, first=first))
                first += int(doc["passages"])
        files = [dict(f, documents=[number[tuple(w)] for w in f["documents"]]) for f in files]
        sentences = sum(s.get("sentences", 0) - s.get("deleted_sentences", 0) for s in self.segments)
        return store_record(self.segments), documents, files, first, sentences


def to_optimize(segments: list[dict]) -> list[str]:
    """The segments ``--optimize`` merges: every small one (under FLUSH_PASSAGES live passages) and
    every one with deletions, or all of them in an index of fewer passages than that (one segment);
    none when that would rewrite a single segment with nothing deleted."""
    chosen = [s for s in segments if live_passages(s) < FLUSH_PASSAGES or s["deleted"]]
    if sum(map(live_passages, segments)) < FLUSH_PASSAGES:
        chosen = segments  # (a small index: one segment)
    whole = len(chosen) == 1 and not chosen[0]["deleted"]
    return [] if whole or not chosen else [s["name"] for s in chosen]


def live_passages(record: dict) -> int:
    return record["passages"] - record.get("deleted_passages", 0)
