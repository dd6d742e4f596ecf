"""An update of a local-store index by segments, and a build written in several segments: the
builder's side (which files are new, changed, removed is decided in qa.builder; the segments
themselves are qa.stores.segments).

Unchanged files are not read at all (their passages stay in their segments); changed and removed
files' documents are recorded as deleted; new and changed files are written as new segments, one
each time the build holds ``FLUSH_PASSAGES`` passages (``Flusher``: this bounds a build's memory),
then the rest; then segments merge by the policy (or more, with ``optimize``) and one manifest naming
them all is published. Until then the old index answers; segments a crash left are removed by the
next build, and the vectors they held come back from the embedding cache (not embedded again).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .builder import BuildReport, Embedding, new_build_name, nothing_indexed
from .collector import Collector, Previous, Progress
from .index_files import publish, write_record
from .lexical import BM25Params
from .records import Manifest
from .stores.base import BuildData
from .stores.faiss_segment import write_segment
from .stores import segments as policy
from .stores.segments import Layout, new_name


class Flusher:
    """Writes a build's files as a segment each time it holds ``FLUSH_PASSAGES`` passages (the local
    store only), so a build's memory is bounded by that rather than by the index."""

    def __init__(self, index_dir: Path, collector: Collector, report: BuildReport, bm25_params: BM25Params,
                 store: str, segmented: bool):
        self.index_dir, self.report, self.bm25_params = index_dir, report, bm25_params
        self.on, self.target = store.partition(":")[0] == "faiss", store.partition(":")[2]
        self.segmented = segmented  # an update: the old passages of changed files give their vectors
        self.embedder, self.previous, self.progress = collector.embedder, collector.previous, collector.progress
        self.written: list[tuple[dict, list[dict], list[dict]]] = []  # (record, documents, files by place)
        old = self.previous.manifest if segmented else None
        self.joins = int(old.passages) if old is not None else 0  # the index besides the next segment (ann)
        self._taken: set[str] = set()
        self.cache = collector.work_cache  # one work file of vectors for the whole build

    def check(self, collector: Collector) -> Collector:
        """``collector``, or once it holds enough passages a new one (its files written as a segment)."""
        if not self.on or len(collector.passages) < policy.FLUSH_PASSAGES:
            return collector
        self.write(collector)
        return Collector(self.embedder, self.previous, self.progress, cache=self.cache(),
                         encoder=collector.bulk_encoder())

    def write(self, collector: Collector) -> None:
        """Embed ``collector``'s passages and write them as a new segment (not yet in the manifest)."""
        if self.segmented:
            # The old passages of changed and removed files: texts among them (an unchanged passage
            # of a changed file, a file moved elsewhere) are not embedded again. Reads only those.
            paths = [p for p in self.report.changed + self.report.removed if p not in self._taken]
            self._taken.update(paths)
            self.previous.take_vectors(paths)
        embedding = Embedding(collector, self.progress)
        name = new_name(self.index_dir)
        # (The segment's passages, tokens and BM25 are written while the model finishes the vectors.)
        record = write_segment(self.index_dir / name, BuildData(
            collector.passages, collector.tokens, None, None, self.bm25_params, collector.analysis,
            embedded=embedding), self.target, documents=len(collector.documents), joins=self.joins)
        self.report.embedded += embedding.result()[2]
        self.joins += len(collector.passages)
        self.written.append((record, collector.documents,
                             [dict(f, documents=[(name, d) for d in f["documents"]]) for f in collector.files]))


def update_segments(index_dir: Path, previous: Previous, collector: Collector, kept: dict[str, dict],
                    shown_paths: list[str], skipped_files: list[dict], report: BuildReport, *, store: str,
                    optimize: bool, bm25_params: BM25Params, progress: Progress | None,
                    manifest: Callable[..., Manifest], flusher: Flusher, whole: bool = False) -> None:
    """Publish the segments ``flusher`` wrote and ``collector``'s passages as one more, beside the old
    index's segments (none when ``whole``: a build of everything)."""
    old = None if whole else previous.manifest
    if old is not None:
        layout, where = Layout.of(index_dir, old)
        old_files = {f["path"]: f for f in old.files}
        layout.delete([where[d] for path in sorted(set(report.removed) | set(report.changed))
                       for d in old_files[path]["documents"]])
    else:
        layout, where = Layout(index_dir, [], {}), []
    if not collector.passages and not layout.segments and not flusher.written:
        nothing_indexed(index_dir, previous, report)
    target = store.partition(":")[2]
    flusher.joins = layout.passages() + sum(r["passages"] for r, _, _ in flusher.written)
    if collector.passages:
        flusher.write(collector)
    new_places: dict[str, list] = {}
    new_files: dict[str, dict] = {}
    for record, documents, written_files in flusher.written:
        layout.add(record, documents)
        for f in written_files:
            new_places[f["path"]], new_files[f["path"]] = f["documents"], f
    moved: dict = {}
    names = layout.to_merge(everything=optimize)
    if names:
        if progress:
            progress("merge", 0, 1)
        moved = layout.merge(names, int(report.embedder.dim), bm25_params, target)
        if progress:
            progress("merge", 1, 1)
    upgraded = layout.approximate(target)
    if upgraded:
        moved = {old: upgraded.get(new, new) for old, new in moved.items()} | upgraded
    files = []
    for path in shown_paths:
        if path in kept:
            entry, places = kept[path], [where[d] for d in kept[path]["documents"]]
        elif path in new_places:
            entry, places = new_files[path], new_places[path]
        else:
            continue
        files.append(dict(entry, documents=[moved.get(tuple(w), tuple(w)) for w in places]))
    record, documents, files, passages, sentences = layout.numbered(files)
    build = new_build_name()
    write_record(index_dir, build, record)
    report.documents, report.passages, report.merged = len(documents), passages, layout.merged
    publish(index_dir, manifest(build=build, record=record, passages=passages, sentences=sentences,
                                documents=documents, files=files), replaced=previous.replaces)
    if flusher.written:
        flusher.cache().discard()  # the published index holds these vectors now
    if progress:
        progress("write", 1, 1)
