"""The Python API: ``QA.open(index_dir).ask(question, k=5) -> Answer``."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from .answer import Answer, verdict
from .chunks import ChunkSettings
from .errors import IndexCorruptError, InputError, ModelMismatchError, Remedy
from .formats import FormatOptions
from .index_files import (StoredIndex, chunk_settings, index_info, load_index,  # noqa: F401 (index_info: public)
                          read_manifest)
from .inputs import LANGS, MODES, Question, check_question

if TYPE_CHECKING:  # imported when first needed: `qa info` loads no numpy, `qa ask` never builds
    from .builder import BuildReport, Progress
    from .embedding import Embedder
    from .evaluate import EvalResult
    from .filters import Filters, PassageTable
    from .search import Searcher


class _ClassOrInstance:
    """A method called on the class with an index folder (``QA.info("index")``), or on an opened
    ``QA`` for its own (``qa.info()``)."""

    def __init__(self, func: Callable[[str | os.PathLike], dict]):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: "QA | None", owner: type) -> Callable[..., dict]:
        return self.func if obj is None else partial(self.func, obj.index_dir)


@dataclass(frozen=True)
class _Loaded:
    """One loaded build: replaced as a whole, so a question in flight keeps a consistent view."""

    index: StoredIndex
    table: PassageTable
    searcher: Searcher | None = None


class QA:
    """An opened index. Safe to share between threads: concurrent ``ask`` calls are fine, and
    ``reload``/``update`` swap in a new build while questions already running finish on the old one.
    The model loads on the first question (or on ``load()``)."""

    def __init__(self, index_dir: str | os.PathLike, index: StoredIndex, embedder: Embedder | None = None):
        self.index_dir = Path(index_dir)
        self._embedder = embedder
        self._lock = threading.RLock()
        self._loaded = _Loaded(index, _table(index))
        self.last_build: BuildReport | None = None

    @classmethod
    def open(cls, index_dir: str | os.PathLike = "index", model: str | None = None,
             embedder: Embedder | None = None) -> "QA":
        """Open the index at ``index_dir``. ``model``, when given, must be the one it was built with."""
        from .embedding import canonical_name

        index_dir = Path(index_dir)
        index = load_index(index_dir)
        asked = embedder.name if embedder is not None else (canonical_name(model) if model else None)
        _check_model(index_dir, index, asked)
        return cls(index_dir, index, embedder)

    @classmethod
    def build(cls, paths: list[str | os.PathLike], index_dir: str | os.PathLike = "index", *,
              model: str | None = None, embedder: Embedder | None = None, full: bool = False,
              settings: ChunkSettings = ChunkSettings(), progress: Progress | None = None,
              options: FormatOptions | Mapping[str, Sequence[str]] | None = None, store: str | None = None,
              follow_links: bool = False, jobs: int | None = None) -> "QA":
        """Build (or incrementally update) the index from ``paths``, then open it.

        ``options``: the JSON field names (see ``QA.build_index``), by default the index's own, and
        ``store`` (where the data lives: ``faiss``, the default, or ``KIND:TARGET``, see qa.stores)
        the store the index was written by. The build report (added, changed, removed, skipped
        files) is in ``.last_build``. ``jobs``: see ``QA.build_index``.
        """
        report = cls.build_index(paths, index_dir, model=model, embedder=embedder, full=full,
                                 settings=settings, progress=progress, options=options, store=store,
                                 follow_links=follow_links, jobs=jobs)
        # The build loads the model only if it had something to embed; otherwise the first question will.
        qa = cls.open(index_dir, model=model, embedder=report.embedder)
        qa.last_build = report
        return qa

    @staticmethod
    def build_index(paths: list[str | os.PathLike], index_dir: str | os.PathLike = "index", *,
                    model: str | None = None, embedder: Embedder | None = None, full: bool = False,
                    settings: ChunkSettings = ChunkSettings(), progress: Progress | None = None,
                    options: FormatOptions | Mapping[str, Sequence[str]] | None = None,
                    store: str | None = None, follow_links: bool = False,
                    jobs: int | None = None, optimize: bool = False) -> BuildReport:
        """Build or incrementally update the index from ``paths`` without opening it; return the
        report. With nothing changed this reads the manifest and the files' times, and loads no model.

        ``options``: a ``qa.formats.FormatOptions``, or a mapping of some of its fields to field
        names, e.g. ``{"json_text_fields": ["article"]}`` (the JSON records' text, title, date and
        source fields); None keeps what the index was built with. ``store``: see ``QA.build``.
        ``follow_links``: follow symbolic links that lead out of ``paths`` (not followed by default).
        ``jobs``: cores that embed (default all). A build that crashed is finished by the next one
        without embedding again what it had embedded. ``optimize``: merge the local store's segments
        into one (docs/rebuilds.md).
        """
        from .builder import build_index

        return build_index(paths, index_dir, model=model, embedder=embedder, full=full, settings=settings,
                           progress=progress, options=_format_options(options), store=store,
                           follow_links=follow_links, jobs=jobs, optimize=optimize)

    @staticmethod
    def evaluate(files: Sequence[str | os.PathLike], mode: str = "hybrid", *, model: str | None = None,
                 limit: int | None = None, store: str | None = None, progress: Progress | None = None) -> EvalResult:
        """Measure retrieval on SQuAD-format files (one, or two parallel translations) in temporary
        indexes: recall@1, recall@5, mrr@10, answer@1, sentence@1, build time and query latency."""
        from .evaluate import evaluate

        return evaluate(files, mode, model=model, limit=limit, store=store, progress=progress)

    MODES = MODES
    LANGS = LANGS

    @staticmethod
    def check(question: object, k: object = 5, mode: object = "hybrid", **filters) -> Question:
        """The question, k, mode and filters as ``ask`` checks them, without loading anything:
        raise InputError with the fix, or return the checked ``Question``."""
        return check_question(question, k, mode, **filters)

    @staticmethod
    def check_environment() -> None:
        """Raise InputError now for a bad setting read from the environment ($QA_MIN_CONFIDENCE),
        which would otherwise fail every question: long-running faces call it at startup."""
        from .confidence import env_min_confidence

        env_min_confidence()

    @_ClassOrInstance
    def info(index_dir: str | os.PathLike = "index") -> dict:  # noqa: N805 (see _ClassOrInstance)
        """What an index holds, from its manifest alone: loads no numpy, vectors or model.
        ``QA.info("index")`` for any folder, ``qa.info()`` for an opened one."""
        return index_info(index_dir)

    # -- what is loaded ---------------------------------------------------------------------------

    @property
    def index(self) -> StoredIndex:
        return self._loaded.index

    @property
    def model(self) -> str:
        return self._loaded.index.manifest.model

    @property
    def model_loaded(self) -> bool:
        return self._embedder is not None

    @property
    def searcher(self) -> Searcher:
        return self._ready().searcher  # type: ignore[return-value]

    def load(self) -> "QA":
        """Load the model now rather than on the first question (a server does this at start)."""
        self._ready()
        return self

    def _ready(self) -> _Loaded:
        loaded = self._loaded
        if loaded.searcher is not None:
            return loaded
        with self._lock:
            loaded = self._loaded
            if loaded.searcher is None:
                from .search import Searcher

                loaded = replace(loaded, searcher=Searcher(loaded.index, self._model_embedder()))
                self._loaded = loaded
            return loaded

    def _model_embedder(self) -> Embedder:
        """The embedder, loaded once (call with ``_lock`` held)."""
        if self._embedder is None:
            from .embedding import load_embedder

            embedder = load_embedder(self.model)
            # Models and word splitters set themselves up on first use; do it here, under the lock,
            # rather than in several threads at once.
            from .segment import tokenize

            embedder.embed(["warm up 预热"])
            tokenize("warm up 预热")
            self._embedder = embedder
        return self._embedder

    # -- questions --------------------------------------------------------------------------------

    def ask(self, question: str, k: int = 5, mode: str = "hybrid", *, filters: Filters | None = None,
            path: str | None = None, lang: str | None = None, since: str | None = None,
            until: str | None = None, min_confidence: float | None = None) -> Answer:
        """The ``k`` best passages for ``question``, each cited, with its best sentence highlighted.

        Each hit has a ``confidence`` (0-1, the estimated chance it answers: docs/confidence.md) and
        the answer a verdict, ``answered``: the first hit is at least ``min_confidence`` sure (default
        $QA_MIN_CONFIDENCE, else the model's calibrated threshold). All hits are returned either way.

        ``mode``: ``hybrid`` (default), ``dense`` or ``lexical``. Filters (see ``qa.filters.Filters``)
        come as keywords or as one ``filters=Filters(...)``: ``path`` glob, ``lang`` (zh/en),
        ``since``/``until`` dates. Raises InputError for bad input.
        """
        asked = check_question(question, k, mode, filters=filters, path=path, lang=lang, since=since,
                               until=until)
        if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float, type(None))):
            raise InputError(f"min_confidence must be a number between 0 and 1 (got {min_confidence!r})")
        from .confidence import min_confidence as min_confidence_for

        given = min_confidence_for(min_confidence, None)  # checked before the model loads
        loaded = self._ready()
        searcher = loaded.searcher
        threshold = min_confidence_for(given, searcher.calibration)  # type: ignore[union-attr]
        hits = searcher.search(asked.text, k=asked.k, mode=asked.mode,  # type: ignore[union-attr]
                               allowed=loaded.table.mask(asked.filters))
        return Answer(question=asked.text, mode=asked.mode, hits=hits, model=loaded.index.manifest.model,
                      answered=verdict(hits, threshold), min_confidence=threshold)

    # -- keeping up to date -------------------------------------------------------------------------

    def reload(self) -> bool:
        """Swap to the index folder's current build if it is not the loaded one. True if swapped.

        Questions already running finish on the build they started with.
        """
        with self._lock:
            current = self._loaded
            for attempt in range(3):
                if read_manifest(self.index_dir).build == current.index.manifest.build:
                    return False
                try:
                    index = load_index(self.index_dir)
                    break
                except IndexCorruptError:
                    if attempt == 2:  # not a build published under our feet: really damaged
                        raise
            _check_model(self.index_dir, index, self._embedder.name if self._embedder else None)
            from .search import Searcher

            searcher = Searcher(index, self._embedder) if current.searcher is not None else None
            self._loaded = _Loaded(index, _table(index), searcher)
            return True

    def update(self, paths: list[str | os.PathLike] | None = None, *, full: bool = False,
               progress: Progress | None = None) -> BuildReport:
        """Bring the index up to date with its sources (the paths it was built from, or ``paths``),
        incrementally, then swap to the new build. Questions keep being answered meanwhile.

        Raises IndexLockedError if another build of the same folder is running.
        """
        manifest = self._loaded.index.manifest
        sources = list(paths) if paths else manifest.sources
        if not sources:
            raise InputError(f"{self.index_dir}/ does not record the paths it was built from (an older "
                             "qa built it)", remedy=Remedy.SOURCES)
        from .builder import build_index
        from .lexical import BM25Params

        with self._lock:
            embedder = self._model_embedder()
        report = build_index(sources, self.index_dir, embedder=embedder, full=full,
                             settings=chunk_settings(manifest), bm25_params=BM25Params(**manifest.bm25),
                             progress=progress, follow_links=manifest.follow_links)
        self.reload()
        self.last_build = report
        return report

    # -- what the faces show --------------------------------------------------------------------------

    def documents(self) -> list[dict]:
        """The loaded build's documents: path, title, source, date and passage count of each."""
        return [{key: d.get(key) for key in ("path", "title", "source", "date", "passages")}
                for d in self._loaded.index.documents]

    def status(self) -> dict:
        """The loaded build: model (and whether it is loaded yet), passages, documents, build, created."""
        m = self._loaded.index.manifest
        return {"model": m.model, "model_loaded": self.model_loaded, "passages": m.passages,
                "documents": len(m.documents), "build": m.build, "created": m.created}

    def document_window(self, path: str, start: int, end: int) -> dict | None:
        """The indexed text of document ``path`` around characters ``start:end`` (see qa.excerpt), or
        None when ``path`` is not a document of the index. Never reads a file."""
        from .excerpt import NotIndexedError, document_window

        try:
            return document_window(self._loaded.index, path, start, end)
        except NotIndexedError:
            return None


def _table(index: StoredIndex) -> PassageTable:
    from .filters import PassageTable

    return PassageTable(index.documents, index.store.columns())


def _format_options(options: FormatOptions | Mapping[str, Sequence[str]] | None) -> FormatOptions | None:
    if options is None or isinstance(options, FormatOptions):
        return options
    known = FormatOptions.__dataclass_fields__
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputError(f"unknown format option {unknown[0]!r}: choose from {', '.join(known)}")
    if not all(options.values()):
        raise InputError("a JSON field option needs at least one field name")
    return FormatOptions(**{k: (v,) if isinstance(v, str) else tuple(v) for k, v in options.items()})


def _check_model(index_dir: Path, index: StoredIndex, asked: str | None) -> None:
    built_with = index.manifest.model
    if asked is not None and asked != built_with:
        raise ModelMismatchError(f"{index_dir}/ was built with model {built_with!r}, not {asked!r}",
                                 model=asked)

