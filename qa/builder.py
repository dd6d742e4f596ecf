"""Building an index: load → segment → chunk → embed → FAISS + BM25, incremental by file hash.

Unchanged files (same size and modification time, or same sha256) keep their passages, tokens and
vectors from the previous index; every text embedded before (a passage or sentence, same model) is
taken from the previous index instead of being embedded again.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .chunks import ChunkSettings
from .collector import EMBED_BATCH, Collector, Previous, Progress, embed_text  # noqa: F401 (public)
from .documents import Skipped, discover, display_paths, load_file_report
from .embedding import Embedder, canonical_name, load_embedder
from .errors import DocumentError, InputError, QAError
from .formats import FormatOptions, Loaded
from .index_files import (FORMAT_VERSION, build_folder, index_lock, load_index, publish, read_manifest,
                          remove_stale_builds, write_build)
from .lexical import BM25Params
from .records import Manifest
from .segment import jieba_version, segmenter
from .stores import DEFAULT_SPEC, check_store
from .stores.base import BuildData


@dataclass
class BuildReport:
    index_dir: str
    documents: int = 0
    passages: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Indexed files with something to say about them (damaged bytes replaced): (path, note).
    warnings: list[Skipped] = field(default_factory=list)
    embedded: int = 0  # texts actually run through the model (the rest came from the old index)
    merged: int = 0  # segments merged into one by this build (the local store; docs/index-folder.md)
    # What the caller should tell the person (e.g. that --optimize has nothing to do on this store).
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The model, when the build had to load it (so the caller can ask questions without a reload).
    embedder: Embedder | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("index_dir", "documents", "passages", "embedded", "merged", "notes",
                                           "seconds")}
        for k in ("added", "changed", "removed", "unchanged"):
            d[k] = len(getattr(self, k))
        d["skipped"] = [{"path": s.path, "reason": s.reason, **({"remedy": s.remedy.value} if s.remedy else {})}
                        for s in self.skipped]
        d["warnings"] = [{"path": s.path, "note": s.reason} for s in self.warnings]
        return d

def _unchanged(prev: dict | None, stat: os.stat_result) -> bool:
    return prev is not None and prev["size"] == stat.st_size and prev["mtime_ns"] == stat.st_mtime_ns

def _found_manifest(index_dir: Path) -> Manifest | None:
    """The index's manifest as the build finds it, None when there is no readable one: read once a
    build (under its lock nothing else replaces it), and every decision below takes it."""
    try:
        return read_manifest(index_dir)
    except QAError:
        return None


def _recorded_store(found: Manifest | None) -> str:
    """The store spec the index was written with (the default for a new index)."""
    return (found.store.get("spec") if found is not None else None) or DEFAULT_SPEC


def _options(found: Manifest | None, options: FormatOptions | None) -> FormatOptions:
    """The format options to use: the caller's, else those the index was built with, else defaults."""
    if options is not None:
        return options
    recorded = found.formats if found is not None else None
    return FormatOptions.from_dict(recorded) if recorded else FormatOptions()


def _segmented(index_dir: Path, m: Manifest | None, model: str, settings: ChunkSettings, formats: dict) -> bool:
    """True when the index (its manifest ``m``) can be updated by adding a segment: the local store, in
    segments, built with the same model, chunking and format options (otherwise everything is built again)."""
    if m is None or not (m.store.get("kind") == "faiss" and isinstance(m.store.get("segments"), list) and
                         m.model == model and m.chunking == settings.to_dict() and m.formats == formats):
        return False
    try:  # a damaged index is built again whole (so a plain `qa index` repairs it)
        load_index(index_dir, m).store.close()
    except QAError:
        return False
    return True


def _fragmented(found: Manifest | None) -> bool:
    """Whether --optimize would merge anything (the policy's own choice, qa.stores.segments)."""
    from .stores.faiss_store import segment_records
    from .stores.segments import to_optimize

    if found is None:
        return False
    try:
        return found.store.get("kind") == "faiss" and bool(to_optimize(segment_records(found.store)))
    except QAError:
        return False


def _nothing_changed(index_dir: Path, manifest: Manifest | None, files: list[Path], shown: list[str], model: str,
                     settings: ChunkSettings, formats: dict, report: BuildReport) -> bool:
    """True (and ``report`` filled in) when the index (its ``manifest``) already matches the files exactly.

    Reading the manifest, stat-ing the files and checking the index opens whole (no model) is all a
    no-change rebuild costs; a damaged index is never "unchanged", so a plain `qa index` repairs it.
    """
    if manifest is None:
        return False
    if manifest.model != model or manifest.chunking != settings.to_dict() or \
            manifest.formats != formats or not build_folder(index_dir, manifest).is_dir():
        return False
    known = {f["path"]: f for f in manifest.files} | {s["path"]: s for s in manifest.skipped}
    if set(shown) != set(known):
        return False
    for fp, path in zip(files, shown):
        try:
            if not _unchanged(known[path], fp.stat()):
                return False
        except OSError:
            return False
    try:
        load_index(index_dir, manifest).store.close()
    except QAError:
        return False
    report.unchanged = sorted(f["path"] for f in manifest.files)
    report.skipped += [Skipped(s["path"], s["reason"]) for s in manifest.skipped]
    report.documents, report.passages = len(manifest.documents), int(manifest.passages)
    return True


def build_index(paths: list[str | os.PathLike], index_dir: str | os.PathLike, *, model: str | None = None,
                embedder: Embedder | None = None, settings: ChunkSettings = ChunkSettings(),
                bm25_params: BM25Params = BM25Params(), full: bool = False,
                options: FormatOptions | None = None, progress: Progress | None = None,
                store: str | None = None, follow_links: bool = False, jobs: int | None = None,
                optimize: bool = False) -> BuildReport:
    """Build or update the index at ``index_dir`` from the files and folders in ``paths``.

    Files that cannot be read are reported in ``BuildReport.skipped`` (once each, with the reason)
    and the rest is indexed; if nothing at all can be indexed, InputError. ``options`` defaults to
    the ones the index was built with, and ``store`` (a store spec, qa.stores) to the store it was
    written by, else ``faiss``. Symbolic links leading out of ``paths`` are followed only with
    ``follow_links``. The new index replaces the old one atomically; when nothing changed,
    nothing is written. ``jobs`` is how many cores embed (default: all).

    With the local store an update writes only the new and changed files, as a new segment, and
    records the changed and removed ones as deleted; small segments are merged as it goes, and
    ``optimize`` merges them all into one (qa.stores.segments).

    Vectors are kept as they are computed (``.work/`` in the index folder): a build that crashed
    is finished by the next one without embedding those texts again.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not paths:
        raise InputError("nothing to index: give files or folders")
    files, skipped = discover(list(paths), follow_links=follow_links)
    roots = [Path(p) for p in paths]
    shown_paths = display_paths(files, roots)
    model_name = embedder.name if embedder is not None else canonical_name(model)
    report = BuildReport(index_dir=str(index_dir), skipped=skipped, embedder=embedder)
    with index_lock(index_dir):
        found = _found_manifest(index_dir)
        recorded = _recorded_store(found)
        options, store = _options(found, options), store or recorded
        store = check_store(store, index_dir)  # a bad address or a server that is down fails now
        formats = options.to_dict()
        if optimize and not store.startswith("faiss"):
            report.notes.append(f"nothing to optimize: the {store.partition(':')[0]} store rebuilds the whole "
                                "index on every build, so it has no segments to merge")
        if not full and store == recorded and not (optimize and _fragmented(found)) and \
                _nothing_changed(index_dir, found, files, shown_paths, model_name, settings, formats, report):
            report.seconds = round(time.perf_counter() - started, 3)
            return report
        segmented = not full and store == recorded and _segmented(index_dir, found, model_name, settings, formats)
        # Only now is the model needed (a no-change rebuild never loads it).
        embedder = report.embedder = embedder or load_embedder(model, workers=jobs)
        if jobs is not None and hasattr(embedder, "workers"):
            embedder.workers = max(1, jobs)
        previous = Previous(index_dir, found, model_name, settings.to_dict(), formats, full, whole=not segmented)
        collector = Collector(embedder, previous, progress)
        from .segmented import Flusher, update_segments

        flusher = Flusher(index_dir, collector, report, bm25_params, store, segmented)  # bounds the memory
        kept: dict[str, dict] = {}  # (segments) unchanged files: their manifest entries
        skipped_files: list[dict] = []  # files that gave nothing, remembered so they are not re-read
        # (Known before the files are read: a segment flushed midway takes the removed files' vectors.)
        report.removed = sorted(set(previous.files) - set(shown_paths))
        first: dict[int, Loaded] = {}  # the files embed_first loaded, by number: not loaded again
        if not previous.files and not previous.skipped:  # every file is read: the model can start first
            collector.embed_first(_first_documents(files, shown_paths, options, first), settings)
        for n, (fp, shown) in enumerate(zip(files, shown_paths)):
            collector = flusher.check(collector)  # past FLUSH_PASSAGES: a segment written, a new collector
            prev = previous.files.get(shown)
            if progress:
                progress("read", n, len(files))
            try:
                stat = fp.stat()
                if _unchanged(prev and prev["file"], stat):
                    if segmented:
                        kept[shown] = prev["file"]
                    else:
                        collector.add_reused(prev["file"], prev["documents"])
                    report.unchanged.append(shown)
                    continue
                if _unchanged(previous.skipped.get(shown), stat):
                    skipped_files.append(previous.skipped[shown])
                    report.skipped.append(Skipped(shown, previous.skipped[shown]["reason"]))
                    continue
                loaded = first.pop(n) if n in first else load_file_report(fp, options, shown)
            except (DocumentError, OSError) as e:
                reason = str(e) if isinstance(e, DocumentError) else f"cannot read: {e.strerror or e}"
                report.skipped.append(Skipped(shown, reason))
                if not isinstance(e, OSError) and "cannot read" not in reason:
                    skipped_files.append({"path": shown, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                          "reason": reason})
                continue
            docs = loaded.documents
            report.skipped += [Skipped(where, reason) for where, reason in loaded.problems]
            report.warnings += [Skipped(shown, note) for note in loaded.notes]
            if prev is not None and docs and prev["file"]["sha256"] == docs[0].sha256:
                entry = dict(prev["file"], size=stat.st_size, mtime_ns=stat.st_mtime_ns)
                if segmented:
                    kept[shown] = entry
                else:
                    collector.add_reused(entry, prev["documents"])
                report.unchanged.append(shown)
                continue
            try:
                added = collector.add_file(shown, stat, docs, settings) if docs else 0
            except DocumentError as e:
                report.skipped.append(Skipped(shown, str(e)))
                continue
            if added == 0:
                report.skipped.append(Skipped(shown, "no text to index"))
                skipped_files.append({"path": shown, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                      "reason": "no text to index"})
                continue
            (report.changed if prev is not None else report.added).append(shown)
        if progress:
            progress("read", len(files), len(files))
        # The local store writes every build as segments: an update's new one beside the old ones, or
        # a whole build's (several when it flushed), so one path lays out its folders.
        if flusher.on:
            def manifest(**kw) -> Manifest:
                report.seconds = round(time.perf_counter() - started, 3)
                return _manifest(model_name, embedder, store, bm25_params, settings, formats, paths,
                                 follow_links, skipped_files, report, **kw)

            update_segments(index_dir, previous, collector, kept, shown_paths, skipped_files, report,
                            store=store, optimize=optimize, bm25_params=bm25_params, progress=progress,
                            manifest=manifest, flusher=flusher, whole=not segmented)
            report.seconds = round(time.perf_counter() - started, 3)
            _prepare_dictionary(progress)
            return report
        # A store without segments (Milvus) takes the whole build at once.
        if not collector.passages:
            nothing_indexed(index_dir, previous, report)
        embedding = Embedding(collector, progress)
        build = new_build_name()
        # The store writes what does not depend on the vectors while the model finishes them.
        record = write_build(index_dir, build, BuildData(collector.passages, collector.tokens, None, None,
                                                         bm25_params, collector.analysis, embedded=embedding), store)
        vectors, sentence_vectors, report.embedded = embedding.result()
        cache = embedding.cache
        report.documents, report.passages = len(collector.documents), len(collector.passages)
        report.seconds = round(time.perf_counter() - started, 3)
        publish(index_dir, _manifest(model_name, embedder, store, bm25_params, settings, formats, paths,
                                     follow_links, skipped_files, report, build=build, record=record,
                                     passages=len(collector.passages), sentences=len(sentence_vectors),
                                     documents=collector.documents, files=collector.files), replaced=previous.replaces)
        cache.discard()  # the published index holds these vectors now
        if progress:
            progress("write", 1, 1)
    _prepare_dictionary(progress)
    return report


class Embedding:
    """``collector``'s vectors, computed when a store first asks for them (``BuildData.embedded``):
    the model's last batches still run while the store writes passages, tokens and BM25."""

    def __init__(self, collector: Collector, progress: Progress | None):
        self.collector, self.progress = collector, progress
        self.cache = collector.work_cache()
        self._result: tuple | None = None

    def result(self) -> tuple:
        """(passage vectors, sentence vectors, texts embedded): computed on the first call."""
        if self._result is None:
            self._result = self.collector.embed_all(self.cache)
            if self.progress:
                self.progress("write", 0, 1)
        return self._result

    def __call__(self) -> tuple:
        return self.result()[:2]


def _first_documents(files: list[Path], shown_paths: list[str], options: FormatOptions, loaded: dict[int, Loaded]):
    """The documents of the files, in order, as far as they load (Collector.embed_first reads what it
    needs of them); what each file gave is kept in ``loaded`` by its number, for the build to take
    (and report its problems) when it comes to it, instead of loading the file again."""
    for n, (fp, shown) in enumerate(zip(files, shown_paths)):
        try:
            loaded[n] = load_file_report(fp, options, shown)
        except (DocumentError, OSError):
            return
        yield loaded[n].documents


def new_build_name() -> str:
    return f"b-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"


def nothing_indexed(index_dir: Path, previous: Previous, report: BuildReport) -> None:
    """Raise the InputError of a build that has nothing to index, leaving the old index as it was."""
    remove_stale_builds(index_dir, keep=previous.manifest.build if previous.manifest else None)
    remedy = next((s.remedy for s in report.skipped if s.remedy), None)
    raise InputError("nothing could be indexed: " + (
        "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5]) if report.skipped
        else "no files of a known kind found") + ". Give files or folders with documents "
        "(.txt, .md, .html, .pdf, .docx, .json, .jsonl)", remedy=remedy)


def _manifest(model_name: str, embedder: Embedder, store: str, bm25_params: BM25Params, settings: ChunkSettings,
              formats: dict, paths: list, follow_links: bool, skipped_files: list[dict], report: BuildReport, *,
              build: str, record: dict, passages: int, sentences: int, documents: list[dict],
              files: list[dict]) -> Manifest:
    return Manifest(
        format=FORMAT_VERSION, qa_version=__version__,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build=build, model=model_name, dim=int(embedder.dim),
        store=dict(record, spec=store), bm25=bm25_params.to_dict(), jieba=jieba_version(),
        segmenter=segmenter(), model_backend=getattr(embedder, "backend", None),
        chunking=settings.to_dict(), formats=formats, passages=passages, sentences=sentences,
        build_seconds=report.seconds, documents=documents, files=files, skipped=skipped_files,
        sources=[str(Path(p).resolve()) for p in paths], follow_links=follow_links)


def _prepare_dictionary(progress: Progress | None) -> None:
    """Compile the dictionary bridge now (once per machine, ~10 s) rather than in the middle of
    someone's first cross-language question."""
    from .bridge import bridge_ready, load_bridge

    if bridge_ready():
        return
    if progress:
        progress("dictionary", 0, 1)
    load_bridge()  # None when it cannot be compiled: questions then go without it
    if progress:
        progress("dictionary", 1, 1)
