"""The on-disk index: a self-describing ``manifest.json`` that names one build folder beside it.

    index/
      manifest.json        format, versions, model, settings, files and documents, build folder
      b-<id>/passages.jsonl   one passage a line: document, spans, lines, sentences, text
      b-<id>/tokens.jsonl     search tokens a passage (read only when rebuilding)
      b-<id>/vectors.faiss    passage vectors (FAISS's own format)
      b-<id>/sentences.npy    sentence vectors (float16), rows by passage
      b-<id>/bm25_*.npy, bm25_terms.json
      .lock                   held while a build writes

A build writes a new folder, then replaces manifest.json in one atomic rename: readers see the old
index or the new one, never half of one, and a crash mid-build leaves the old one in place.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import IndexCorruptError, IndexMissingError, IndexVersionError

if TYPE_CHECKING:  # numpy and the rest load only when vectors do: `qa info` reads the manifest alone
    import numpy as np

    from .chunks import ChunkSettings
    from .lexical import BM25

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REPAIR = "run `qa index --full` to rebuild it"
SENTENCES_IN_MEMORY = 256 * 2**20  # bytes of float32 sentence vectors held in memory; more stay mapped


def read_manifest(index_dir: Path) -> dict:
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexMissingError(f"no index at {index_dir}/: build one with `qa index [PATH ...]`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexCorruptError(f"{path} is unreadable ({e}); {REPAIR}") from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise IndexCorruptError(f"{path} is not a qa manifest; {REPAIR}")
    if manifest["format"] > FORMAT_VERSION:
        raise IndexVersionError(
            f"{index_dir}/ was written by a newer qa (index format {manifest['format']}, this qa reads "
            f"up to {FORMAT_VERSION}): upgrade qa, or rebuild with `qa index --full`")
    if manifest["format"] < FORMAT_VERSION:
        raise IndexVersionError(f"{index_dir}/ uses the old index format {manifest['format']}; {REPAIR}")
    for key, kind in _MANIFEST_TYPES.items():
        if key not in manifest:
            raise IndexCorruptError(f"{path} lacks {key!r}; {REPAIR}")
        if not isinstance(manifest[key], kind) or isinstance(manifest[key], bool):
            raise IndexCorruptError(f"{path} has a {type(manifest[key]).__name__} for {key!r}, not a "
                                    f"{kind.__name__}; {REPAIR}")
    build = manifest["build"]
    if not build.startswith("b-") or "/" in build or "\\" in build or ".." in build:
        raise IndexCorruptError(f"{path} names no build folder of its own ({build!r}); {REPAIR}")
    if manifest["dim"] <= 0 or manifest["passages"] < 0 or \
            not all(isinstance(d, dict) for d in manifest["documents"]):
        raise IndexCorruptError(f"{path} has impossible values; {REPAIR}")
    return manifest


_MANIFEST_TYPES = {"build": str, "model": str, "dim": int, "passages": int, "documents": list, "files": list,
                   "chunking": dict, "bm25": dict}
# What every passage record must hold, and of which type.
_PASSAGE_TYPES = {"doc": int, "start": int, "end": int, "line_start": int, "line_end": int, "langs": list,
                  "sentences": list, "text": str}


def check_passages(passages: list, n_docs: int) -> None:
    for i, p in enumerate(passages):
        if not isinstance(p, dict) or any(not isinstance(p.get(k), t) for k, t in _PASSAGE_TYPES.items()) \
                or not 0 <= p["doc"] < n_docs:
            missing = [k for k, t in _PASSAGE_TYPES.items() if not isinstance(p, dict) or not isinstance(p.get(k), t)]
            raise IndexCorruptError(f"passage {i} of the index is damaged (missing or wrong: "
                                    f"{', '.join(missing) or 'doc'}); {REPAIR}")
        if not all(isinstance(x, list) and len(x) == 2 and all(isinstance(v, int) for v in x)
                   for x in p["sentences"]):
            raise IndexCorruptError(f"passage {i} of the index has damaged sentence spans; {REPAIR}")


@dataclass
class StoredIndex:
    """Everything a search needs, loaded from one build folder."""

    manifest: dict
    passages: list[dict]
    store: "object"  # VectorStore; imported lazily so `qa info` never loads FAISS
    sentence_vectors: np.ndarray
    bm25: BM25

    @property
    def documents(self) -> list[dict]:
        return self.manifest["documents"]


def build_folder(index_dir: Path, manifest: dict) -> Path:
    return index_dir / manifest["build"]


def read_passages(folder: Path, count: int) -> list[dict]:
    try:
        with open(folder / "passages.jsonl", encoding="utf-8") as f:
            passages = [json.loads(line) for line in f]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexCorruptError(f"the passages of the index are unreadable ({e}); {REPAIR}") from e
    if len(passages) != count:
        raise IndexCorruptError(f"the index holds {len(passages)} passages, its manifest says {count}; {REPAIR}")
    return passages


def read_tokens(folder: Path) -> list[list[str]]:
    with open(folder / "tokens.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


LOAD_ATTEMPTS = 5


def load_index(index_dir: Path) -> StoredIndex:
    """Load and check an index. Raise IndexMissingError / IndexCorruptError / IndexVersionError.

    A build published while this one loads removes the folder being read: the load then starts again
    on the new manifest (the publish protocol, docs/reliability.md). Only a failure on a build that
    is still the current one is damage.
    """
    for attempt in range(LOAD_ATTEMPTS):
        manifest = read_manifest(index_dir)
        try:
            return _load_build(index_dir, manifest)
        except IndexCorruptError:
            try:
                republished = read_manifest(index_dir)["build"] != manifest["build"]
            except IndexCorruptError:
                republished = False
            if not republished or attempt == LOAD_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _load_build(index_dir: Path, manifest: dict) -> StoredIndex:
    import numpy as np

    from .lexical import BM25, BM25Params
    from .store import VectorStore

    folder = build_folder(index_dir, manifest)
    if not folder.is_dir():
        raise IndexCorruptError(f"the index build folder {folder} is missing; {REPAIR}")
    n = int(manifest["passages"])
    passages = read_passages(folder, n)
    check_passages(passages, len(manifest["documents"]))
    store = VectorStore.load(folder / "vectors.faiss", int(manifest["dim"]), n)
    try:
        sentence_vectors = np.load(folder / "sentences.npy", mmap_mode="r", allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - an empty file is an EOFError, a garbled one anything
        raise IndexCorruptError(f"the sentence vectors are unreadable ({type(e).__name__}: {e}); {REPAIR}") from e
    n_sent = sum(len(p["sentences"]) for p in passages)
    if getattr(sentence_vectors, "shape", None) != (n_sent, int(manifest["dim"])) or \
            sentence_vectors.dtype.kind != "f":
        raise IndexCorruptError(f"the sentence vectors do not match the passages; {REPAIR}")
    if not np.isfinite(store.vectors).all():
        raise IndexCorruptError(f"the passage vectors hold NaN or infinite values; {REPAIR}")
    if sentence_vectors.size * 4 <= SENTENCES_IN_MEMORY:
        # Every question gathers a few hundred sentence rows: as float32 in memory that is a copy; from
        # the float16 memory map it was a page walk plus a conversion, a fifth of a warm query at 10k
        # passages. Larger indexes stay mapped.
        sentence_vectors = np.asarray(sentence_vectors, dtype=np.float32)
        if not np.isfinite(sentence_vectors).all():
            raise IndexCorruptError(f"the sentence vectors hold NaN or infinite values; {REPAIR}")
    bm25 = BM25.load(folder, n, BM25Params(**manifest["bm25"]))
    return StoredIndex(manifest, passages, store, sentence_vectors, bm25)


def write_build(index_dir: Path, build: str, passages: list[dict], tokens: list[list[str]],
                vectors: np.ndarray, sentence_vectors: np.ndarray, bm25: BM25) -> Path:
    """Write a build folder's data files (not the manifest). Returns the folder."""
    import numpy as np

    from .store import VectorStore

    folder = index_dir / build
    folder.mkdir(parents=True)
    with open(folder / "passages.jsonl", "w", encoding="utf-8") as f:
        for p in passages:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    with open(folder / "tokens.jsonl", "w", encoding="utf-8") as f:
        for t in tokens:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    VectorStore.build(vectors).save(folder / "vectors.faiss")
    np.save(folder / "sentences.npy", sentence_vectors.astype(np.float16))
    bm25.save(folder)
    return folder


def publish(index_dir: Path, manifest: dict) -> None:
    """Swap in a written build: replace manifest.json atomically, then drop other build folders."""
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, index_dir / MANIFEST)
    except BaseException:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(index_dir / manifest["build"], ignore_errors=True)
        raise
    remove_stale_builds(index_dir, keep=manifest["build"])


def remove_stale_builds(index_dir: Path, keep: str | None) -> None:
    """Remove build folders the manifest does not name (left by older builds or by a crash).

    Readers that loaded an old build keep working: they hold its data in memory, and on POSIX a
    memory-mapped file stays readable after it is unlinked.
    """
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("b-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def chunk_settings(manifest: dict) -> ChunkSettings:
    from .chunks import ChunkSettings

    # The chunking record also names the sentence splitter's version, which is not a setting.
    return ChunkSettings(**{k: v for k, v in manifest["chunking"].items() if k != "splitter"})


def index_info(index_dir: str | os.PathLike) -> dict:
    """What an index holds, from its manifest alone (no model, no vectors loaded)."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    folder = build_folder(index_dir, manifest)
    try:
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    except OSError:  # no folder, or replaced by a newer build while being read
        size = 0
    return {
        "index": str(index_dir), "documents": len(manifest["documents"]), "files": len(manifest["files"]),
        "passages": manifest["passages"], "model": manifest["model"], "dim": manifest["dim"],
        "index_type": manifest.get("index_type"), "bytes": size, "created": manifest.get("created"),
        "build_seconds": manifest.get("build_seconds"), "qa_version": manifest.get("qa_version"),
        "format": manifest["format"],
        "paths": [d["path"] for d in manifest["documents"]],
    }
