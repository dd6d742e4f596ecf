"""What an earlier build of the same model and settings can give back to a new one: unchanged files
keep their passages, tokens and vectors, and every text embedded before (a passage or a sentence) is
taken from the old index instead of being embedded again."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .embed_cache import text_key
from .errors import QAError
from .index_files import open_build
from .passage_texts import embed_text, passage_views
from .records import Manifest, Passage

_SLICE = 8192  # passages whose sentence vectors are read at a time


class Previous:
    """What an earlier build of the same model and settings can give back."""

    def __init__(self, index_dir: Path, found: Manifest | None, model: str, chunking: dict, formats: dict,
                 full: bool, whole: bool = True):
        """``found``: the index's manifest as the build read it (None: no readable index). ``whole``:
        read every passage, token and vector of the old index (to build a new one whole); otherwise
        only the manifest, and ``take_vectors`` reads the passages asked for (a build that adds a
        segment)."""
        self.index_dir = Path(index_dir)
        self.replaces = found.build if found is not None else None  # the build a new one replaces
        self.files: dict[str, dict] = {}
        self.skipped: dict[str, dict] = {}
        # Vectors by text key: a passage's row in ``_passage_vectors`` (float32), or a sentence's
        # in ``_sentence_vectors`` (float16, as stored) as -1 - row.
        self._rows: dict[bytes, int] = {}
        self._passage_vectors = np.zeros((0, 0), dtype=np.float32)
        self._sentence_vectors = np.zeros((0, 0), dtype=np.float16)
        self.manifest: Manifest | None = None
        self._documents: list[dict] | None = None  # the old index's document records, when read
        if full or found is None:
            return
        manifest = found
        try:
            if manifest.model != model or manifest.chunking != chunking:
                return
            if not whole:
                if manifest.formats == formats:
                    self.manifest = manifest
                    self.skipped = {s["path"]: s for s in manifest.skipped}
                    self.files = {f["path"]: {"file": f, "documents": None} for f in manifest.files}
                return
            store = open_build(index_dir, manifest).store
            everything = np.arange(store.count)
            passages, tokens, analysis = store.passages(), store.tokens(), store.analysis()
            vecs = store.vectors(everything)
            # In slices, as float16 (what the store holds: no loss), not one float32 copy of them all.
            sent = np.concatenate([np.zeros((0, vecs.shape[1]), np.float16)] + [
                store.sentence_vectors(everything[lo:lo + _SLICE]).astype(np.float16)
                for lo in range(0, len(everything), _SLICE)])
            store.close()
        except (QAError, OSError, ValueError, KeyError, TypeError, EOFError, IndexError):
            return  # no usable previous index: everything is built afresh
        if not np.isfinite(vecs).all() or not np.isfinite(sent).all():
            return  # damaged vectors are never reused
        self.manifest = manifest
        docs = self._documents = list(manifest.documents)  # read once (each is read from the build folder when asked)
        by_doc: dict[int, list[int]] = {}
        for i, p in enumerate(passages):
            by_doc.setdefault(p.doc, []).append(i)
        self._keep_vectors(passages, docs, vecs, sent)
        if manifest.formats != formats:
            return  # the vectors stay useful, but files must be read again with the new options
        self.skipped = {s["path"]: s for s in manifest.skipped}
        for f in manifest.files:
            entries = [(docs[d], [(passages[i], tokens[i], vecs[i], analysis[i]) for i in by_doc.get(d, [])])
                       for d in f["documents"]]
            self.files[f["path"]] = {"file": f, "documents": entries}

    def _keep_vectors(self, passages: list[Passage], docs: list[dict], vecs: np.ndarray, sent: np.ndarray) -> None:
        """Keep these passages' vectors (float32) and their sentences' (float16, as stored), after
        any kept before."""
        base, row = len(self._passage_vectors), len(self._sentence_vectors)
        vecs, sent = np.asarray(vecs, dtype=np.float32), np.asarray(sent, dtype=np.float16)
        if base or row:
            self._passage_vectors = np.concatenate([self._passage_vectors.reshape(-1, vecs.shape[1]), vecs])
            self._sentence_vectors = np.concatenate([self._sentence_vectors.reshape(-1, sent.shape[1]), sent])
        else:
            self._passage_vectors, self._sentence_vectors = vecs, sent
        for i, p in enumerate(passages):
            title = docs[p.doc].get("title")
            passage_text, sentence_texts = passage_views(p)
            self._rows[text_key(embed_text(passage_text, title))] = base + i
            for t in sentence_texts:
                self._rows.setdefault(text_key(t), -1 - row)
                row += 1

    def take_vectors(self, paths: list[str]) -> None:
        """Keep the vectors of the old passages of files ``paths`` (changed files: their unchanged
        passages and sentences are not embedded again). Reads those passages only."""
        if self.manifest is None or not paths:
            return
        wanted = set(paths)
        if self._documents is None:  # read once a build (a build flushed in segments asks each time)
            self._documents = list(self.manifest.documents)
        docs = self._documents
        ids = np.array([i for f in self.manifest.files if f["path"] in wanted for d in f["documents"]
                        for i in range(docs[d]["first"], docs[d]["first"] + docs[d]["passages"])], dtype=np.int64)
        if not len(ids):
            return
        try:
            from .stores import open_store

            store = open_store(self.index_dir, self.manifest)  # (not checked whole: only these are read)
            try:
                passages, vecs, sent = store.passages(ids), store.vectors(ids), store.sentence_vectors(ids)
            finally:
                store.close()
        except (QAError, OSError, ValueError, KeyError, TypeError, EOFError, IndexError):
            return  # then those texts are embedded again
        if np.isfinite(vecs).all() and np.isfinite(sent).all():
            self._keep_vectors(passages, docs, vecs, sent)

    def __contains__(self, key: bytes) -> bool:
        return key in self._rows

    def get(self, key: bytes) -> np.ndarray | None:
        """The vector the old index holds for the text with this key (float32), or None."""
        row = self._rows.get(key)
        if row is None:
            return None
        if row >= 0:
            return self._passage_vectors[row]
        return self._sentence_vectors[-1 - row].astype(np.float32)
