"""The Python API: ``QA.open(index_dir).ask(question, k=5) -> Answer``."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .answer import Answer
from .builder import BuildReport, Progress, build_index
from .chunks import ChunkSettings
from .embedding import Embedder, canonical_name, load_embedder
from .errors import ModelMismatchError
from .formats import FormatOptions
from .index_files import StoredIndex, build_folder, load_index, read_manifest
from .search import Searcher


class QA:
    """An opened index. Safe to share between threads; the model loads on the first question."""

    def __init__(self, index_dir: Path, index: StoredIndex, embedder: Embedder | None = None):
        self.index_dir = index_dir
        self.index = index
        self._embedder = embedder
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()
        self.last_build: BuildReport | None = None

    @classmethod
    def open(cls, index_dir: str | os.PathLike = "index", model: str | None = None,
             embedder: Embedder | None = None) -> "QA":
        """Open the index at ``index_dir``. ``model``, when given, must be the one it was built with."""
        index_dir = Path(index_dir)
        index = load_index(index_dir)
        built_with = index.manifest["model"]
        asked = embedder.name if embedder is not None else (canonical_name(model) if model else None)
        if asked is not None and asked != built_with:
            raise ModelMismatchError(
                f"{index_dir}/ was built with model {built_with!r}, not {asked!r}: ask without --model "
                f"(or QA_MODEL), or rebuild with `qa index --full --model {asked}`")
        return cls(index_dir, index, embedder)

    @classmethod
    def build(cls, paths: list[str | os.PathLike], index_dir: str | os.PathLike = "index", *,
              model: str | None = None, embedder: Embedder | None = None, full: bool = False,
              settings: ChunkSettings = ChunkSettings(), progress: Progress | None = None,
              options: FormatOptions | None = None) -> "QA":
        """Build (or incrementally update) the index from ``paths``, then open it.

        ``options`` (qa.formats.FormatOptions: the JSON field names) default to the index's own.
        The build report (added, changed, removed, skipped files) is in ``.last_build``.
        """
        report = build_index(paths, index_dir, model=model, embedder=embedder, full=full, settings=settings,
                             progress=progress, options=options)
        # The build loads the model only if it had something to embed; otherwise the first question will.
        qa = cls.open(index_dir, model=model, embedder=report.embedder)
        qa.last_build = report
        return qa

    @property
    def model(self) -> str:
        return self.index.manifest["model"]

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            with self._lock:
                if self._searcher is None:
                    embedder = self._embedder or load_embedder(self.model)
                    self._searcher = Searcher(self.index, embedder)
        return self._searcher

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> Answer:
        """The ``k`` best passages for ``question``, each cited, with its best sentence highlighted."""
        hits = self.searcher.search(question, k=k, mode=mode)
        return Answer(question=question.strip(), mode=mode, hits=hits, model=self.model)

    def info(self) -> dict:
        return index_info(self.index_dir)


def index_info(index_dir: str | os.PathLike) -> dict:
    """What an index holds, from its manifest alone (no model, no vectors loaded)."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    folder = build_folder(index_dir, manifest)
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) if folder.is_dir() else 0
    return {
        "index": str(index_dir), "documents": len(manifest["documents"]), "files": len(manifest["files"]),
        "passages": manifest["passages"], "model": manifest["model"], "dim": manifest["dim"],
        "index_type": manifest.get("index_type"), "bytes": size, "created": manifest.get("created"),
        "build_seconds": manifest.get("build_seconds"), "qa_version": manifest.get("qa_version"),
        "format": manifest["format"],
        "paths": [d["path"] for d in manifest["documents"]],
    }
