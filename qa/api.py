"""The Python API: ``QA.open(index_dir).ask(question, k=5) -> Answer``."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from typing import TYPE_CHECKING

from .answer import Answer
from .chunks import ChunkSettings
from .embedding import Embedder, canonical_name, load_embedder
from .errors import ModelMismatchError
from .index_files import StoredIndex, index_info, load_index  # noqa: F401 (index_info: public API)

if TYPE_CHECKING:  # the builder and searcher are imported when first needed: `qa ask` never builds
    from .builder import BuildReport, Progress
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
              settings: ChunkSettings = ChunkSettings(), progress: Progress | None = None) -> "QA":
        """Build (or incrementally update) the index from ``paths``, then open it.

        The build report (added, changed, removed, skipped files) is in ``.last_build``.
        """
        from .builder import build_index

        if embedder is None:
            embedder = load_embedder(model)
        report = build_index(paths, index_dir, embedder=embedder, full=full, settings=settings,
                             progress=progress)
        qa = cls.open(index_dir, embedder=embedder)
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
                    from .search import Searcher

                    embedder = self._embedder or load_embedder(self.model)
                    self._searcher = Searcher(self.index, embedder)
        return self._searcher

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> Answer:
        """The ``k`` best passages for ``question``, each cited, with its best sentence highlighted."""
        hits = self.searcher.search(question, k=k, mode=mode)
        return Answer(question=question.strip(), mode=mode, hits=hits, model=self.model)

    def info(self) -> dict:
        return index_info(self.index_dir)
