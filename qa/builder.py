"""Building an index: load → segment → chunk → embed → FAISS + BM25, incremental by file hash.

Unchanged files (same size and modification time, or same sha256) keep their passages, tokens and
vectors from the previous index; every text embedded before (a passage or sentence, same model) is
taken from the previous index instead of being embedded again.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from . import __version__
from .chunks import ChunkSettings, LineIndex, chunk_document
from .documents import Document, Skipped, discover, display_path, load_file_report
from .embed_cache import EmbeddingCache, cache_path, text_key
from .embedding import Embedder, canonical_name, load_embedder
from .errors import DocumentError, IndexLockedError, InputError, QAError
from .formats import FormatOptions
from .index_files import (FORMAT_VERSION, build_folder, publish, read_manifest, read_passages,
                          read_tokens, remove_stale_builds, write_build)
from .lexical import BM25, BM25Params
from .segment import jieba_version, languages, segmenter, tokenize
from .store import INDEX_TYPE

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_BATCH = 256


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
    embedded: int = 0  # texts actually run through the model (the rest came from the old index)
    seconds: float = 0.0
    # The model, when the build had to load it (so the caller can ask questions without a reload).
    embedder: Embedder | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("index_dir", "documents", "passages", "embedded", "seconds")}
        for k in ("added", "changed", "removed", "unchanged"):
            d[k] = len(getattr(self, k))
        d["skipped"] = [{"path": s.path, "reason": s.reason} for s in self.skipped]
        return d


def embed_text(passage_text: str, title: str | None) -> str:
    """What the model sees for a passage: its document's title gives it context (a Chinese title
    over an English body is common in exports)."""
    return f"{title}\n{passage_text}" if title else passage_text


_SPACE_RUN = re.compile(r"[ \t]{2,}")


def passage_views(record: dict) -> tuple[str, list[str]]:
    """What is tokenized and embedded for a passage record: its text and its sentences' texts.

    A passage with a ``clean`` copy (Markdown with the markup blanked out) is read through it, with
    the blanks squeezed; otherwise the cited text itself.
    """
    start, clean = record["start"], record.get("clean")
    base = clean if clean is not None else record["text"]
    sentences = [base[s - start:e - start] for s, e in record["sentences"]]
    if clean is None:
        return base, sentences
    return _SPACE_RUN.sub(" ", base).strip(), [_SPACE_RUN.sub(" ", t).strip() for t in sentences]


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock; a second writer is refused at once with a clear message."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise IndexLockedError(f"{index_dir}/ is being built by {holder}: wait for it to finish, "
                                   "then run the command again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(fd)


class _Previous:
    """What an earlier build of the same model and settings can give back."""

    def __init__(self, index_dir: Path, model: str, chunking: dict, formats: dict, full: bool):
        self.files: dict[str, dict] = {}
        self.skipped: dict[str, dict] = {}
        self.vectors: dict[bytes, np.ndarray] = {}
        self.manifest = None
        if full:
            return
        try:
            manifest = read_manifest(index_dir)
            if manifest["model"] != model or manifest["chunking"] != chunking:
                return
            from .store import VectorStore

            folder = build_folder(index_dir, manifest)
            passages = read_passages(folder, manifest["passages"])
            tokens = read_tokens(folder)
            vecs = VectorStore.load(folder / "vectors.faiss", manifest["dim"], len(passages)).vectors
            sent = np.load(folder / "sentences.npy", allow_pickle=False).astype(np.float32)
        except (QAError, OSError, ValueError, KeyError):
            return  # no usable previous index: everything is built afresh
        self.manifest = manifest
        docs = manifest["documents"]
        by_doc: dict[int, list[int]] = {}
        row = 0
        for i, p in enumerate(passages):
            by_doc.setdefault(p["doc"], []).append(i)
            title = docs[p["doc"]].get("title")
            passage_text, sentence_texts = passage_views(p)
            self.vectors[text_key(embed_text(passage_text, title))] = vecs[i]
            for t in sentence_texts:
                self.vectors[text_key(t)] = sent[row]
                row += 1
        if manifest.get("formats") != formats:
            return  # the vectors stay useful, but files must be read again with the new options
        self.skipped = {s["path"]: s for s in manifest.get("skipped", [])}
        for f in manifest["files"]:
            entries = [(docs[d], [(passages[i], tokens[i], vecs[i]) for i in by_doc.get(d, [])])
                       for d in f["documents"]]
            self.files[f["path"]] = {"file": f, "documents": entries}


def _unchanged(prev: dict | None, stat: os.stat_result) -> bool:
    return prev is not None and prev["size"] == stat.st_size and prev["mtime_ns"] == stat.st_mtime_ns


class _Collector:
    """Accumulates documents and passages for the new build, reusing vectors where it can."""

    def __init__(self, embedder: Embedder, previous: _Previous, progress: Progress | None):
        self.embedder, self.previous, self.progress = embedder, previous, progress
        self.documents: list[dict] = []
        self.files: list[dict] = []
        self.passages: list[dict] = []
        self.tokens: list[list[str]] = []
        self.passage_texts: list[str] = []
        self.sentence_texts: list[str] = []
        self.reused: dict[int, np.ndarray] = {}  # passage index -> vector kept from the old build

    def add_reused(self, file_entry: dict, entries: list) -> None:
        doc_ids = []
        for doc, items in entries:
            d = len(self.documents)
            doc_ids.append(d)
            self.documents.append(dict(doc, first=len(self.passages), passages=len(items)))
            for p, toks, vec in items:
                self.reused[len(self.passages)] = vec
                self._add_passage(dict(p, doc=d), toks, doc.get("title"))
        self.files.append(dict(file_entry, documents=doc_ids))

    def add_file(self, path: str, stat: os.stat_result, docs: list[Document], settings: ChunkSettings) -> int:
        """Chunk a file's documents and queue their passages. A file with no passage adds nothing."""
        lines: dict[int, LineIndex] = {}  # by id of the text: records of one file may share it
        planned = []
        for doc in docs:
            index = lines.setdefault(id(doc.text), LineIndex(doc.text))
            parts = [(doc, None)] if not doc.pages else [
                (dataclasses.replace(doc, start=s, end=e, pages=None), n)
                for n, (s, e) in enumerate(doc.pages, start=1)]
            planned.append((doc, [(c, page) for part, page in parts
                                  for c in chunk_document(part, settings, index)]))
        if not any(chunks for _, chunks in planned):
            return 0
        doc_ids = []
        for doc, chunks in planned:
            d = len(self.documents)
            doc_ids.append(d)
            # Title words are indexed with every passage, so the title's language counts too.
            title_langs = languages(doc.title) if doc.title else []
            self.documents.append({
                "path": doc.path, "file": path, "sha256": doc.sha256, "title": doc.title,
                "source": doc.source, "date": doc.date, "meta": doc.meta,
                "first": len(self.passages), "passages": len(chunks)})
            for c, page in chunks:
                record = {"doc": d, "start": c.start, "end": c.end, "line_start": c.line_start,
                          "line_end": c.line_end, "langs": c.langs + [l for l in title_langs if l not in c.langs],
                          "sentences": [list(s) for s in c.sentences], "text": doc.text[c.start:c.end]}
                if page is not None:
                    record["page"] = page
                if doc.clean is not None:
                    record["clean"] = doc.clean[c.start:c.end]
                view = passage_views(record)[0]
                self._add_passage(record, tokenize(f"{doc.title}\n{view}" if doc.title else view), doc.title)
        self.files.append({"path": path, "sha256": docs[0].sha256, "size": stat.st_size,
                           "mtime_ns": stat.st_mtime_ns, "documents": doc_ids})
        return sum(self.documents[d]["passages"] for d in doc_ids)

    def _add_passage(self, record: dict, tokens: list[str], title: str | None) -> None:
        self.passages.append(record)
        self.tokens.append(tokens)
        passage_text, sentence_texts = passage_views(record)
        self.passage_texts.append(embed_text(passage_text, title))
        self.sentence_texts.extend(sentence_texts)

    def embed_all(self, cache: EmbeddingCache) -> tuple[np.ndarray, np.ndarray, int]:
        """Passage and sentence vectors; only texts neither the old index nor ``cache`` (vectors a
        crashed build left) holds go through the model, and each batch it returns joins ``cache``."""
        known = self.previous.vectors
        wanted: dict[bytes, str] = {}
        for t in self.passage_texts + self.sentence_texts:
            k = text_key(t)
            if k not in known and k not in cache and k not in wanted:
                wanted[k] = t
        fresh_passages = sum(text_key(t) in wanted for t in self.passage_texts)
        self._embed(list(wanted), list(wanted.values()), cache, fresh_passages)
        vectors = self._fill(self.passage_texts, cache, self.reused)
        sentences = self._fill(self.sentence_texts, cache)
        return vectors, sentences, len(wanted)

    def _fill(self, texts: list[str], cache: EmbeddingCache, reused: dict | None = None) -> np.ndarray:
        known = self.previous.vectors
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        rows, keys = [], []
        for i, t in enumerate(texts):
            if reused and i in reused:
                out[i] = reused[i]
            elif (v := known.get(k := text_key(t))) is not None:
                out[i] = v
            else:
                rows.append(i)
                keys.append(k)
        if rows:
            out[rows] = cache.vectors(keys)
        return out

    def _embed(self, keys: list[bytes], texts: list[str], cache: EmbeddingCache, passages: int) -> None:
        # Sorting by length keeps each batch's texts alike in size: less padding work in the model.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        # Progress counts passages (texts scaled by new passages per text): what a person indexes.
        per_text = passages / max(1, len(texts))
        for lo in range(0, len(order), EMBED_BATCH):
            idx = order[lo:lo + EMBED_BATCH]
            cache.append([keys[i] for i in idx], self.embedder.embed([texts[i] for i in idx]))
            if self.progress:
                done = min(lo + EMBED_BATCH, len(order))
                self.progress("embed", round(done * per_text), round(len(order) * per_text))


def _options(index_dir: Path, options: FormatOptions | None) -> FormatOptions:
    """The format options to use: the caller's, else those the index was built with, else defaults."""
    if options is not None:
        return options
    try:
        recorded = read_manifest(index_dir).get("formats")
    except QAError:
        recorded = None
    return FormatOptions.from_dict(recorded) if recorded else FormatOptions()


def _nothing_changed(index_dir: Path, files: list[Path], model: str, settings: ChunkSettings,
                     formats: dict, report: BuildReport) -> bool:
    """True (and ``report`` filled in) when the index already matches the files exactly.

    Reading the manifest and stat-ing the files is all a no-change rebuild costs: the previous
    index's data files are not even opened.
    """
    try:
        manifest = read_manifest(index_dir)
    except QAError:
        return False
    if manifest["model"] != model or manifest["chunking"] != settings.to_dict() or \
            manifest.get("formats") != formats or not build_folder(index_dir, manifest).is_dir():
        return False
    known = {f["path"]: f for f in manifest["files"]} | {s["path"]: s for s in manifest.get("skipped", [])}
    shown = [display_path(fp) for fp in files]
    if set(shown) != set(known):
        return False
    for fp, path in zip(files, shown):
        try:
            if not _unchanged(known[path], fp.stat()):
                return False
        except OSError:
            return False
    report.unchanged = sorted(f["path"] for f in manifest["files"])
    report.skipped += [Skipped(s["path"], s["reason"]) for s in manifest.get("skipped", [])]
    report.documents, report.passages = len(manifest["documents"]), int(manifest["passages"])
    return True


def build_index(paths: list[str | os.PathLike], index_dir: str | os.PathLike, *, model: str | None = None,
                embedder: Embedder | None = None, settings: ChunkSettings = ChunkSettings(),
                bm25_params: BM25Params = BM25Params(), full: bool = False,
                options: FormatOptions | None = None, progress: Progress | None = None,
                jobs: int | None = None) -> BuildReport:
    """Build or update the index at ``index_dir`` from the files and folders in ``paths``.

    Files that cannot be read are reported in ``BuildReport.skipped`` (once each, with the reason)
    and the rest is indexed; if nothing at all can be indexed, InputError. ``options`` defaults to
    the ones the index was built with. The new index replaces the old one atomically; when nothing
    changed, nothing is written. ``jobs`` is how many cores embed (default: all).

    Vectors are kept as they are computed (``.work/`` in the index folder): a build that crashed
    is finished by the next one without embedding those texts again.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if not paths:
        raise InputError("nothing to index: give files or folders")
    files, skipped = discover(list(paths))
    model_name = embedder.name if embedder is not None else canonical_name(model)
    report = BuildReport(index_dir=str(index_dir), skipped=skipped, embedder=embedder)
    with index_lock(index_dir):
        options = _options(index_dir, options)
        formats = options.to_dict()
        if not full and _nothing_changed(index_dir, files, model_name, settings, formats, report):
            report.seconds = round(time.perf_counter() - started, 3)
            return report
        # Only now is the model needed (a no-change rebuild never loads it).
        embedder = report.embedder = embedder or load_embedder(model, workers=jobs)
        if jobs is not None and hasattr(embedder, "workers"):
            embedder.workers = max(1, jobs)
        previous = _Previous(index_dir, model_name, settings.to_dict(), formats, full)
        collector = _Collector(embedder, previous, progress)
        skipped_files: list[dict] = []  # files that gave nothing, remembered so they are not re-read
        seen = set()
        for n, fp in enumerate(files):
            shown = display_path(fp)
            seen.add(shown)
            prev = previous.files.get(shown)
            if progress:
                progress("read", n, len(files))
            try:
                stat = fp.stat()
                if _unchanged(prev and prev["file"], stat):
                    collector.add_reused(prev["file"], prev["documents"])
                    report.unchanged.append(shown)
                    continue
                if _unchanged(previous.skipped.get(shown), stat):
                    skipped_files.append(previous.skipped[shown])
                    report.skipped.append(Skipped(shown, previous.skipped[shown]["reason"]))
                    continue
                loaded = load_file_report(fp, options)
            except (DocumentError, OSError) as e:
                reason = str(e) if isinstance(e, DocumentError) else f"cannot read: {e.strerror or e}"
                report.skipped.append(Skipped(shown, reason))
                if not isinstance(e, OSError) and "cannot read" not in reason:
                    skipped_files.append({"path": shown, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                          "reason": reason})
                continue
            docs = loaded.documents
            report.skipped += [Skipped(where, reason) for where, reason in loaded.problems]
            if prev is not None and docs and prev["file"]["sha256"] == docs[0].sha256:
                collector.add_reused(dict(prev["file"], size=stat.st_size, mtime_ns=stat.st_mtime_ns),
                                     prev["documents"])
                report.unchanged.append(shown)
                continue
            if not docs or collector.add_file(shown, stat, docs, settings) == 0:
                report.skipped.append(Skipped(shown, "no text to index"))
                skipped_files.append({"path": shown, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                                      "reason": "no text to index"})
                continue
            (report.changed if prev is not None else report.added).append(shown)
        if progress:
            progress("read", len(files), len(files))
        report.removed = sorted(set(previous.files) - seen)
        if not collector.passages:
            remove_stale_builds(index_dir, keep=previous.manifest["build"] if previous.manifest else None)
            raise InputError("nothing could be indexed: " + (
                "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5]) if report.skipped
                else "no files of a known kind found") + ". Give files or folders with documents "
                "(.txt, .md, .html, .pdf, .docx, .json, .jsonl).")
        cache = EmbeddingCache(cache_path(index_dir, model_name, embedder.dim), embedder.dim)
        vectors, sentence_vectors, report.embedded = collector.embed_all(cache)
        bm25 = BM25.build(collector.tokens, bm25_params)
        build = f"b-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        if progress:
            progress("write", 0, 1)
        write_build(index_dir, build, collector.passages, collector.tokens, vectors, sentence_vectors, bm25)
        report.documents, report.passages = len(collector.documents), len(collector.passages)
        report.seconds = round(time.perf_counter() - started, 3)
        publish(index_dir, {
            "format": FORMAT_VERSION, "qa_version": __version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build": build, "model": model_name, "dim": int(embedder.dim),
            "index_type": INDEX_TYPE, "bm25": bm25_params.to_dict(), "jieba": jieba_version(),
            # What produced the tokens and vectors (substitutes give the reference's results).
            "segmenter": segmenter(), "model_backend": getattr(embedder, "backend", None),
            "chunking": settings.to_dict(), "formats": formats, "passages": len(collector.passages),
            "sentences": len(sentence_vectors), "build_seconds": report.seconds,
            "documents": collector.documents, "files": collector.files, "skipped": skipped_files,
            # What was asked for (absolute), so the index can be brought up to date from code or
            # over HTTP without anyone naming paths again (QA.update).
            "sources": [str(Path(p).resolve()) for p in paths],
        })
        cache.discard()  # the published index holds these vectors now
        if progress:
            progress("write", 1, 1)
    _prepare_dictionary(progress)
    return report


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
