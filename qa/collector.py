"""What a build is made of: the passages of the files read, their search tokens and their vectors,
with everything an earlier build of the same model and settings can give back (``Previous``):
unchanged files keep their passages, tokens and vectors, and every text embedded before (a passage
or a sentence) is taken from the old index instead of being embedded again.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

import numpy as np

from .chunks import ChunkSettings, LineIndex, chunk_document
from .documents import Document
from .embed_cache import EmbeddingCache, cache_path, text_key
from .embedding import Embedder
from .errors import DocumentError
from .highlight import analyse
from .passage_texts import embed_text, passage_views  # noqa: F401 (public)
from .previous import Previous  # noqa: F401 (public)
from .records import Passage
from .passage_tokens import TitleTokens
from .segment import languages

Progress = Callable[[str, int, int], None]  # (stage, done, total)
EMBED_BATCH = 256





_QUEUES = ("documents", "files", "passages", "tokens", "analysis")
_SLICE = 8192  # passages whose sentence vectors are filled at a time
AHEAD_PASSAGES = 48  # read passages sent to the model at a time while the next files are read
AHEAD_DEPTH = 2  # such batches in the model at once


class _Ahead:
    """Texts sent to the model while the build still reads files, each batch's vectors appended to
    the build's work file (so a crash keeps them too). Two batches are in the model at a time: one
    batch's serial steps (tokens, new token ids) and the end of its split over the cores overlap the
    other's matrix products. A batch's vectors do not depend on what runs beside it
    (qa.use_bulk.BulkEncoder)."""

    def __init__(self, encoder, cache: EmbeddingCache | None):
        self.encoder, self.cache = encoder, cache
        self.next = 0  # first passage not yet looked at
        self.taken: set[bytes] = set()
        self.texts = self.passages = 0
        self._pool = ThreadPoolExecutor(AHEAD_DEPTH) if encoder is not None else None
        self._jobs: list = []
        self._write = threading.Lock()  # one batch appended to the work file at a time

    def submit(self, groups: list, keys: list[bytes], passages: int) -> None:
        self._jobs.append(self._pool.submit(self._embed, groups, keys))
        self.texts += len(keys)
        self.passages += passages

    def _embed(self, groups: list, keys: list[bytes]) -> None:
        vectors = self.encoder.encode_groups(groups)
        with self._write:
            self.cache.append(keys, vectors)

    def finish(self) -> tuple[int, int]:
        """Wait for every batch (a batch's error is raised here); (texts, passages) embedded."""
        try:
            for job in self._jobs:
                job.result()
        finally:
            self._pool.shutdown()
        return self.texts, self.passages


def _chunked(docs: list[Document], settings: ChunkSettings) -> list[tuple[Document, list]]:
    """Each document of a file with its chunks (and the page each is on, for paged documents)."""
    lines: dict[int, LineIndex] = {}  # by id of the text: records of one file may share it
    planned = []
    for doc in docs:
        index = lines.setdefault(id(doc.text), LineIndex(doc.text))
        parts = [(doc, None)] if not doc.pages else [
            (dataclasses.replace(doc, start=s, end=e, pages=None), n)
            for n, (s, e) in enumerate(doc.pages, start=1)]
        planned.append((doc, [(c, page) for part, page in parts
                              for c in chunk_document(part, settings, index)]))
    return planned


def _passages(doc: Document, d: int, chunks: list) -> list[Passage]:
    """The passages of document number ``d`` cut as ``chunks``."""
    # Title words are indexed with every passage, so the title's language counts too.
    title_langs = languages(doc.title) if doc.title else []
    return [Passage(
        doc=d, start=c.start, end=c.end, line_start=c.line_start, line_end=c.line_end,
        langs=c.langs + [l for l in title_langs if l not in c.langs],
        sentences=[list(s) for s in c.sentences], text=doc.text[c.start:c.end], page=page,
        clean=doc.clean[c.start:c.end] if doc.clean is not None else None) for c, page in chunks]


class Collector:
    """Accumulates documents and passages for the new build, reusing vectors where it can."""

    def __init__(self, embedder: Embedder, previous: Previous, progress: Progress | None,
                 cache: EmbeddingCache | None = None, encoder=None):
        """``cache``: the build's work file of vectors (``work_cache``), and ``encoder``: the model's
        bulk encoder (``bulk_encoder``), when an earlier collector of the same build made them (a build
        written in several segments: qa.segmented.Flusher); the encoder keeps the first step of the
        network for every token id it has seen, which the next segment's texts need again."""
        self.embedder, self.previous, self.progress = embedder, previous, progress
        self._cache = cache
        self._encoder = encoder
        self.documents: list[dict] = []
        self.files: list[dict] = []
        self.passages: list[Passage] = []
        self.tokens: list[list[str]] = []
        self.analysis: list[list] = []  # what the highlight reads of each passage (qa.highlight.analyse)
        self._words: dict[str, str] = {}  # one string object per distinct search token
        self._ahead: _Ahead | None = None
        self.reused: dict[int, np.ndarray] = {}  # passage index -> vector kept from the old build

    def add_reused(self, file_entry: dict, entries: list) -> None:
        doc_ids = []
        for doc, items in entries:
            d = len(self.documents)
            doc_ids.append(d)
            self.documents.append(dict(doc, first=len(self.passages), passages=len(items)))
            passages = [dataclasses.replace(p, doc=d) for p, *_rest in items]
            analysis = [read for *_rest, read in items]
            if any(read is None for read in analysis):
                analysis = analyse(passages, doc.get("title"))
            for p, (_, toks, vec, _), read in zip(passages, items, analysis):
                self.reused[len(self.passages)] = vec
                self._add_passage(p, toks, doc.get("title"), read)
        self.files.append(dict(file_entry, documents=doc_ids))
        self._embed_ahead()

    def add_file(self, path: str, stat: os.stat_result, docs: list[Document], settings: ChunkSettings) -> int:
        """Chunk a file's documents and queue their passages. A file with no passage adds nothing.

        Any failure leaves nothing of the file behind and is a DocumentError (that file's skip)."""
        marks = {name: len(getattr(self, name)) for name in _QUEUES}
        try:
            added = self._add_file(path, stat, docs, settings)
        except Exception as e:
            for name, n in marks.items():
                del getattr(self, name)[n:]
            raise DocumentError(f"could not be indexed ({type(e).__name__}: {str(e)[:200]})") from e
        self._embed_ahead()
        return added

    def _add_file(self, path: str, stat: os.stat_result, docs: list[Document], settings: ChunkSettings) -> int:
        planned = _chunked(docs, settings)
        if not any(chunks for _, chunks in planned):
            return 0
        doc_ids = []
        for doc, chunks in planned:
            d = len(self.documents)
            doc_ids.append(d)
            self.documents.append({
                "path": doc.path, "file": path, "sha256": doc.sha256, "title": doc.title,
                "source": doc.source, "date": doc.date, "meta": doc.meta,
                "first": len(self.passages), "passages": len(chunks)})
            passages = _passages(doc, d, chunks)
            title = TitleTokens(doc.title)
            for (c, _), passage, read in zip(chunks, passages, analyse(passages, doc.title)):
                self._add_passage(passage, title.passage_tokens(passage_views(passage)[0], c.langs), doc.title, read)
        self.files.append({"path": path, "sha256": docs[0].sha256, "size": stat.st_size,
                           "mtime_ns": stat.st_mtime_ns, "documents": doc_ids})
        return sum(self.documents[d]["passages"] for d in doc_ids)

    def _add_passage(self, passage: Passage, tokens: list[str], title: str | None, analysis: list) -> None:
        self.passages.append(passage)
        words = self._words
        self.tokens.append([words.setdefault(t, t) for t in tokens])
        self.analysis.append(analysis)

    def _views(self, start: int = 0):
        """Each passage's text as embedded and its sentences' texts, in order: made again when
        needed rather than held (they would double the build's text in memory)."""
        for p in self.passages[start:]:
            text, sentences = passage_views(p)
            yield embed_text(text, self.documents[p.doc].get("title")), sentences

    def _started(self) -> _Ahead:
        if self._ahead is None:
            encoder = self.bulk_encoder()
            self._ahead = _Ahead(encoder, self.work_cache() if encoder is not None else None)
        return self._ahead

    def _embed_ahead(self) -> None:
        """Once enough passages are read, send their new texts to the model in the background, so
        the model works while the next files are read (both fit on the cores: the model's matrix
        products release the GIL). Called after each whole file, so a file that fails is never sent."""
        ahead = self._started()
        if ahead.encoder is None or len(self.passages) - ahead.next < AHEAD_PASSAGES:
            return
        groups, keys = self._groups(ahead.next, ahead.taken, self._wanted_ahead)
        ahead.next = len(self.passages)
        if keys:
            ahead.submit(groups, keys, sum(g[0] is not None for g in groups))

    def _wanted_ahead(self, key: bytes) -> bool:
        return key not in self.previous and key not in self._ahead.cache

    def embed_first(self, files: Iterable[list[Document]], settings: ChunkSettings) -> None:
        """Send the model the batch ``_embed_ahead`` will send first, before its files are analysed:
        ``files`` are the documents of the files this build reads first, in order (a build that reads
        every file); they are chunked as ``add_file`` chunks them, up to the first file that brings
        ``AHEAD_PASSAGES`` passages. When ``add_file`` has taken those files, ``_embed_ahead`` finds
        every text of them taken and sends nothing; so the batches are the same, but the model starts
        while the reading thread analyses them (and loads what analysis needs: jieba's tables, cn2an).
        Sends nothing if a file cannot be chunked or there are too few passages."""
        if self.passages or self._ahead is not None:
            return
        ahead = self._started()
        if ahead.encoder is None:
            return
        views: list[tuple[str, list[str]]] = []
        try:
            for docs in files:
                planned = _chunked(docs, settings)
                if not any(chunks for _, chunks in planned):
                    continue
                for doc, chunks in planned:
                    views += [(embed_text(text, doc.title), sentences)
                              for text, sentences in map(passage_views, _passages(doc, -1, chunks))]
                if len(views) >= AHEAD_PASSAGES:
                    break
            else:
                return
        except Exception:  # the file's failure is add_file's to report
            return
        groups, keys = self._groups_of(views, ahead.taken, self._wanted_ahead)
        if keys:
            ahead.submit(groups, keys, sum(g[0] is not None for g in groups))

    def bulk_encoder(self):
        """The model's bulk encoder for this build (qa.use_bulk), made once; None when the model has
        none (then texts are embedded one by one)."""
        if self._encoder is None:
            bulk = getattr(self.embedder, "bulk", None)
            self._encoder = bulk() if bulk is not None else None
        return self._encoder

    def work_cache(self) -> EmbeddingCache:
        """The build's work file of vectors (qa.embed_cache), opened once (its keys are read from
        the file when opened) and shared by everything of this build that embeds."""
        if self._cache is None:
            dim = self.embedder.dim
            self._cache = EmbeddingCache(cache_path(self.previous.index_dir, self.embedder.name, dim), dim)
        return self._cache

    def _groups(self, start: int, taken: set[bytes], wanted) -> tuple[list, list[bytes]]:
        """(passage text or None, its sentences' texts) for passages from ``start`` with a text for
        which ``wanted(key)`` holds and that is not yet in ``taken`` (which gets their keys)."""
        return self._groups_of(self._views(start), taken, wanted)

    @staticmethod
    def _groups_of(views, taken: set[bytes], wanted) -> tuple[list, list[bytes]]:
        groups: list[tuple[str | None, list[str]]] = []
        keys: list[bytes] = []
        for text, sentences in views:
            k = text_key(text)
            own = k not in taken and wanted(k)
            if own:
                taken.add(k)
                keys.append(k)
            chosen = []
            for t in sentences:
                if (sk := text_key(t)) not in taken and wanted(sk):
                    taken.add(sk)
                    keys.append(sk)
                    chosen.append(t)
            if own or chosen:
                groups.append((text if own else None, chosen))
        return groups, keys

    def embed_all(self, cache: EmbeddingCache) -> tuple[np.ndarray, np.ndarray, int]:
        """Passage vectors (float32) and sentence vectors (float16, as stores keep them); only texts
        neither the old index nor ``cache`` (vectors a crashed build left) holds go through the
        model, and each batch it returns joins ``cache``."""
        ahead, before = self._ahead, 0
        if ahead is not None and ahead.encoder is not None:
            before, ahead_passages = ahead.finish()  # texts the model already gave, kept in the work file
            cache.refresh()
        known = self.previous
        wanted: set[bytes] = set()
        fresh_passages = 0
        for text, sentences in self._views():
            k = text_key(text)
            if k not in known and k not in cache and k not in wanted:
                wanted.add(k)
                fresh_passages += 1
            for t in sentences:
                k = text_key(t)
                if k not in known and k not in cache:
                    wanted.add(k)
        encoder = ahead.encoder if ahead is not None and ahead.encoder is not None else self.bulk_encoder()
        if encoder is None:
            self._embed(wanted, cache, fresh_passages)
        else:
            try:
                self._embed_groups(wanted, cache, encoder, fresh_passages, before and (before, ahead_passages))
            finally:
                encoder.close()
        vectors, sentences = self._fill(cache)
        return vectors, sentences, before + len(wanted)

    def _fill(self, cache: EmbeddingCache) -> tuple[np.ndarray, np.ndarray]:
        known, dim = self.previous, self.embedder.dim
        vectors = np.zeros((len(self.passages), dim), dtype=np.float32)
        sentences = np.zeros((sum(len(p.sentences) for p in self.passages), dim), dtype=np.float16)
        rows: list[int] = []
        keys: list[bytes] = []
        s_rows: list[int] = []
        s_keys: list[bytes] = []
        row = 0
        for i, (text, sentence_texts) in enumerate(self._views()):
            if i in self.reused:
                vectors[i] = self.reused[i]
            elif (v := known.get(k := text_key(text))) is not None:
                vectors[i] = v
            else:
                rows.append(i)
                keys.append(k)
            for t in sentence_texts:
                if (v := known.get(k := text_key(t))) is not None:
                    sentences[row] = v
                else:
                    s_rows.append(row)
                    s_keys.append(k)
                row += 1
        for out, want, have in ((vectors, rows, keys), (sentences, s_rows, s_keys)):
            for lo in range(0, len(want), 4 * _SLICE):  # bounded float32 copies out of the cache
                out[want[lo:lo + 4 * _SLICE]] = cache.vectors(have[lo:lo + 4 * _SLICE])
        return vectors, sentences

    def _embed_groups(self, wanted: set[bytes], cache: EmbeddingCache, encoder, passages: int,
                      already: tuple[int, int] | tuple = ()) -> None:
        """Embed ``wanted`` passage by passage, each with its own sentences (the model's bulk encoder
        reads most of a sentence's work from its passage's), batch after batch into ``cache``.
        ``already``: (texts, passages) embedded ahead, while files were read (counted in the progress)."""
        done_texts, done_passages = already or (0, 0)
        groups, keys = self._groups(0, set(), wanted.__contains__)
        total = len(keys) + done_texts
        per_text = (passages + done_passages) / max(1, total)
        lo = 0
        while lo < len(groups):
            hi, n = lo, 0
            while hi < len(groups) and n < EMBED_BATCH:
                n += (groups[hi][0] is not None) + len(groups[hi][1])
                hi += 1
            batch = groups[lo:hi]
            cache.append(keys[:n], encoder.encode_groups(batch))
            del keys[:n]
            done_texts += n
            lo = hi
            if self.progress:
                self.progress("embed", round(done_texts * per_text), round(total * per_text))

    def _embed(self, wanted: set[bytes], cache: EmbeddingCache, passages: int) -> None:
        """Embed ``wanted`` text by text (any embedder), batch after batch into ``cache``."""
        texts: dict[bytes, str] = {}
        for text, sentences in self._views():
            for t in (text, *sentences):
                if (k := text_key(t)) in wanted:
                    texts.setdefault(k, t)
        keys = list(texts)
        # Sorting by length keeps each batch's texts alike in size: less padding work in the model.
        order = sorted(range(len(keys)), key=lambda i: len(texts[keys[i]]))
        # Progress counts passages (texts scaled by new passages per text): what a person indexes.
        per_text = passages / max(1, len(keys))
        for lo in range(0, len(order), EMBED_BATCH):
            idx = order[lo:lo + EMBED_BATCH]
            cache.append([keys[i] for i in idx], self.embedder.embed([texts[keys[i]] for i in idx]))
            if self.progress:
                done = min(lo + EMBED_BATCH, len(order))
                self.progress("embed", round(done * per_text), round(len(order) * per_text))

