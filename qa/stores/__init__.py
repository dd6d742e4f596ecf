"""Stores: where a build's vectors, passages and BM25 postings live (protocol: qa.stores.base.Store).

A store kind is one module and one line in ``KINDS``. The manifest records the kind that wrote a build
(``manifest.store["kind"]``), and that chooses the class that opens it; a build is written by the
store a spec names: ``faiss`` (the default: files in the build folder) or ``KIND:TARGET``.
"""

from __future__ import annotations

import importlib
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import IndexCorruptError, InputError

if TYPE_CHECKING:
    from ..records import Manifest
    from .base import BuildData, Store

DEFAULT_SPEC = "faiss"
KINDS = {  # kind -> "module:class", imported when first used
    "faiss": "faiss_store:FaissStore",
    "milvus": "milvus:MilvusStore",
}


def store_class(kind: str) -> type[Store]:
    """The store class registered for ``kind``. Raise KeyError for an unknown kind."""
    module, _, name = KINDS[kind].partition(":")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def open_store(index_dir: Path, manifest: Manifest) -> Store:
    """Open the build the manifest names, with the store that wrote it."""
    kind = manifest.store.get("kind")
    if kind not in KINDS:
        raise IndexCorruptError(f"{index_dir}/ was written by a store this qa does not know ({kind!r})")
    return store_class(kind).open(Path(index_dir) / manifest.build, manifest)


def store_writer(spec: str = DEFAULT_SPEC) -> Callable[[Path, BuildData], dict]:
    """``write(folder, data) -> store record`` for a store spec: ``KIND`` or ``KIND:TARGET``."""
    kind, _, target = (spec or DEFAULT_SPEC).partition(":")
    if kind not in KINDS:
        raise InputError(f"unknown store {spec!r}: choose one of {', '.join(KINDS)}")
    return partial(store_class(kind).write, target=target)


def check_store(spec: str, index_dir: Path) -> str:
    """Fail now, before a build does any work, if ``spec`` names no store or one it cannot write to.
    Returns the spec as the manifest records it (e.g. a relative path made absolute)."""
    kind, _, target = (spec or DEFAULT_SPEC).partition(":")
    if kind not in KINDS:
        raise InputError(f"unknown store {spec!r}: choose one of {', '.join(KINDS)}")
    target = store_class(kind).check(target, Path(index_dir))
    return f"{kind}:{target}" if target else kind


def keeps_replaced(record: dict) -> bool:
    """Whether a replaced build's data should outlive one more build (qa.index_files.remove_stale_builds)."""
    return record.get("kind") in KINDS and store_class(record["kind"]).keeps_replaced(record)


def records_in_folder(record: dict) -> bool:
    """Whether a build of this store keeps its documents' and files' records in its folder
    (``Store.records_in_folder``) rather than in the manifest."""
    return record.get("kind") in KINDS and store_class(record["kind"]).records_in_folder


def drop_store(folder: Path, record: dict) -> None:
    """Remove what a build's store keeps outside its folder (nothing for a local store)."""
    if record.get("kind") in KINDS:
        store_class(record["kind"]).drop(folder, record)


def kept_folders(record: dict) -> set[str]:
    """The folders of the index, beside the build folders, a build's data is in (the local store's
    segments); the others are removed once no build in use names them."""
    if record.get("kind") not in KINDS:
        return set()
    cls = store_class(record["kind"])
    return cls.kept_folders(record) if hasattr(cls, "kept_folders") else set()
