"""An update of a local-store index by segments: the builder's side (which files are new, changed,
removed is decided in qa.builder; the segments themselves are qa.stores.segments).

Unchanged files are not read at all (their passages stay in their segments); changed and removed
files' documents are recorded as deleted; new and changed files are written as one new segment;
then segments merge by the policy (or all of them, with ``optimize``) and the manifest is published.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .builder import BuildReport, new_build_name, nothing_indexed
from .collector import Collector, Previous, Progress
from .embed_cache import EmbeddingCache, cache_path
from .index_files import publish, write_record
from .lexical import BM25Params
from .records import Manifest
from .stores.base import BuildData
from .stores.faiss_segment import write_segment
from .stores.segments import Layout, new_name


def update_segments(index_dir: Path, previous: Previous, collector: Collector, kept: dict[str, dict],
                    shown_paths: list[str], skipped_files: list[dict], report: BuildReport, *, store: str,
                    optimize: bool, bm25_params: BM25Params, progress: Progress | None,
                    manifest: Callable[..., Manifest]) -> None:
    old = previous.manifest
    assert old is not None
    layout, where = Layout.of(index_dir, old)
    old_files = {f["path"]: f for f in old.files}
    layout.delete([where[d] for path in sorted(set(report.removed) | set(report.changed))
                   for d in old_files[path]["documents"]])
    if not collector.passages and not layout.segments:
        nothing_indexed(index_dir, previous, report)
    embedder, target = report.embedder, store.partition(":")[2]
    cache = None
    new_places: dict[str, list] = {}
    if collector.passages:
        # The old passages of changed and removed files: texts among them (an unchanged passage of a
        # changed file, a file moved elsewhere) are not embedded again. Reads only those passages.
        previous.take_vectors(report.changed + report.removed)
        cache = EmbeddingCache(cache_path(index_dir, old.model, embedder.dim), embedder.dim)
        vectors, sentence_vectors, report.embedded = collector.embed_all(cache)
        if progress:
            progress("write", 0, 1)
        name = new_name(index_dir)
        record = write_segment(index_dir / name, BuildData(collector.passages, collector.tokens, vectors,
                                                           sentence_vectors, bm25_params, collector.analysis),
                               target, documents=len(collector.documents))
        layout.add(record, collector.documents)
        new_places = {f["path"]: [(name, d) for d in f["documents"]] for f in collector.files}
    new_files = {f["path"]: f for f in collector.files}
    moved: dict = {}
    names = layout.to_merge(everything=optimize)
    if names:
        if progress:
            progress("merge", 0, 1)
        moved = layout.merge(names, int(old.dim), bm25_params, target)
        if progress:
            progress("merge", 1, 1)
    files = []
    for path in shown_paths:
        if path in kept:
            entry, places = kept[path], [where[d] for d in kept[path]["documents"]]
        elif path in new_places:
            entry, places = new_files[path], new_places[path]
        else:
            continue
        files.append(dict(entry, documents=[moved.get(w, w) for w in places]))
    record, documents, files, passages, sentences = layout.numbered(files)
    build = new_build_name()
    write_record(index_dir, build, record)
    report.documents, report.passages, report.merged = len(documents), passages, layout.merged
    publish(index_dir, manifest(build=build, record=record, passages=passages, sentences=sentences,
                                documents=documents, files=files))
    if cache is not None:
        cache.discard()  # the published index holds these vectors now
    if progress:
        progress("write", 1, 1)
