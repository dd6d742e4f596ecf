"""The on-disk index: a self-describing ``manifest.json`` that names one build folder beside it.

    index/
      manifest.json        format, versions, model, settings, store, build folder, how many files and documents
      b-<id>/              one build's store.json (the manifest's store record), its documents' and files'
                           records (qa.record_lines: read a record at a time, never whole on open) and
                           what its store writes there (a Milvus build's data is elsewhere, named by the record)
      s-<id>/              the local store's segments (qa.stores.faiss_store): immutable, shared by
                           successive builds, named by the store record
      .lock                held while a build writes

A build writes a new folder (and new segments), then replaces manifest.json in one atomic rename:
readers see the old index or the new one, never half of one, and a crash mid-build leaves the old one
in place. This module is the only one that reads or writes manifest.json, and it checks a manifest
where it reads it.
"""

from __future__ import annotations

import enum
import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from .errors import IndexCorruptError, IndexLockedError, IndexMissingError, IndexVersionError, Remedy
from .record_lines import Records, write_records
from .records import Manifest

if TYPE_CHECKING:  # numpy and the stores load only when an index does: `qa info` reads the manifest alone
    from .chunks import ChunkSettings
    from .records import Passage
    from .stores.base import BuildData, Store

FORMAT_VERSION = 11  # 2: passages as typed rows, the store recorded in the manifest; 3: and what the highlight reads of them (qa.highlight.analyse); 4: the local store in segments; 5: sentence keys in a fixed order, and answer kinds (qa.answer_types); 6: documents and files out of the manifest, in the build folder (qa.record_lines); 7: a title's name keys left out of passages whose body lacks its language (qa.passage_tokens.title_name_keys); 8: answer kinds without citation markers, with named months and days, currency codes (qa.answer_types); 9: and the sound keys of names (qa.sound_keys.sound_keys); 10: an English name's from two consonants, k before i heard as j (qa.translit); 11: a phase named with describing words between its ordinal and "phase" (the first offshore phase), 首期 and 首季 (qa.quantities)
MANIFEST = "manifest.json"
STORE_RECORD = "store.json"


def read_manifest(index_dir: Path) -> Manifest:
    """The index's manifest, checked. Raise IndexMissingError / IndexCorruptError / IndexVersionError."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        raise IndexMissingError(f"no index at {index_dir}/")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexCorruptError(f"{path} is unreadable ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("format"), int):
        raise IndexCorruptError(f"{path} is not a qa manifest")
    if data["format"] > FORMAT_VERSION:
        raise IndexVersionError(
            f"{index_dir}/ was written by a newer qa (index format {data['format']}, this qa reads "
            f"up to {FORMAT_VERSION})", remedy=Remedy.UPGRADE)
    if data["format"] < FORMAT_VERSION:
        raise IndexVersionError(f"{index_dir}/ uses the old index format {data['format']}")
    for key in Manifest.REQUIRED:
        if key not in data:
            raise IndexCorruptError(f"{path} lacks {key!r}")
    if not isinstance(data["store"], dict) or "kind" not in data["store"]:
        raise IndexCorruptError(f"{path} does not say which store holds the index")
    _check_types(path, data)
    manifest = Manifest.from_dict(data)
    folder = Path(index_dir) / manifest.build
    # Opened now (sizes checked, no record read): held open, a later build removing the folder leaves
    # them readable, and a damaged or missing one is found here. (A list: the manifest holds them.)
    for name in ("documents", "files"):
        if isinstance(data[name], int):
            setattr(manifest, name, Records(folder, name, data[name]).open())
    return manifest


# The type of each required value of a manifest (the rest are only read when present).
_MANIFEST_TYPES = {"build": str, "model": str, "dim": int, "passages": int, "documents": (int, list), "files": (int, list),
                   "chunking": dict, "bm25": dict}


def own_folder(name: object, prefix: str) -> bool:
    """Whether ``name`` is a folder of the index's own of that kind (``b-`` a build, ``s-`` a
    segment): a plain name inside the index folder, never a path out of it."""
    return isinstance(name, str) and name.startswith(prefix) and "/" not in name and "\\" not in name \
        and ".." not in name


def _check_types(path: Path, data: dict) -> None:
    """Wrong value types (a text where a count should be) and impossible values are damage too."""
    for key, kind in _MANIFEST_TYPES.items():
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise IndexCorruptError(f"{path} has a {type(data[key]).__name__} for {key!r}, not a {names}")
    build = data["build"]
    if not own_folder(build, "b-"):
        raise IndexCorruptError(f"{path} names no build folder of its own ({build!r})")
    if data["dim"] <= 0 or data["passages"] < 0 or any(
            data[k] < 0 if isinstance(data[k], int) else not all(isinstance(r, dict) for r in data[k])
            for k in ("documents", "files")):
        raise IndexCorruptError(f"{path} has impossible values")


def build_folder(index_dir: Path, manifest: Manifest) -> Path:
    return Path(index_dir) / manifest.build


@dataclass
class StoredIndex:
    """An opened build: its manifest and the store that holds its data."""

    manifest: Manifest
    store: Store

    @property
    def documents(self) -> Sequence[dict]:
        """The documents' records, each read when asked for (qa.record_lines)."""
        return self.manifest.documents

    @property
    def passages(self) -> list[Passage]:
        """Every passage record, by id."""
        return self.store.passages()


# Up to this many passages an open checks every passage and vector (cheap there: a tenth of a
# second at 10,000). A larger index is opened without reading them: its files' sizes and shapes are
# checked on open, and each passage and vector when a question reads it (qa.stores.faiss_store).
FULL_CHECK_PASSAGES = 20_000


def open_build(index_dir: Path, manifest: Manifest) -> StoredIndex:
    """Open a build's store and check its passages against the manifest. Raise IndexCorruptError."""
    from .stores import open_store

    store = open_store(Path(index_dir), manifest)
    try:
        if manifest.passages <= FULL_CHECK_PASSAGES or not store.checks_rows_when_read:
            check_passages(store.passages(), len(manifest.documents))
    except IndexCorruptError:
        store.close()
        raise
    return StoredIndex(manifest, store)


# What every passage must hold, and of which type (page and clean are optional).
_PASSAGE_TYPES = {"doc": int, "start": int, "end": int, "line_start": int, "line_end": int, "langs": list,
                  "sentences": list, "text": str}


def check_passages(passages: list[Passage], n_docs: int) -> None:
    """Every passage's fields of the right type, its document in the manifest, its sentence spans
    pairs of numbers. Raise IndexCorruptError naming the first bad passage."""
    for i, p in enumerate(passages):
        check_passage(i, p, n_docs)


def check_passage(i: int, p: Passage, n_docs: int) -> None:
    """One passage's fields (see check_passages). Raise IndexCorruptError."""
    wrong = [k for k, t in _PASSAGE_TYPES.items() if not isinstance(getattr(p, k, None), t)]
    if not wrong and not 0 <= p.doc < n_docs:
        wrong = ["doc"]
    if not wrong and not all(isinstance(x, list) and len(x) == 2 and all(isinstance(v, int) for v in x)
                             for x in p.sentences):
        wrong = ["sentences"]
    if wrong:
        raise IndexCorruptError(f"passage {i} of the index is damaged ({', '.join(wrong)})")


LOAD_ATTEMPTS = 5


def load_index(index_dir: Path, manifest: Manifest | None = None) -> StoredIndex:
    """Load and check an index (``manifest``: its manifest when the caller has read it, the first
    attempt's). Raise IndexMissingError / IndexCorruptError / IndexVersionError.

    A build published while this one loads removes the folder being read: the load then starts again
    on the new manifest (the publish protocol, docs/reliability.md). Only a failure on a build that
    is still the current one is damage.
    """
    for attempt in range(LOAD_ATTEMPTS):
        before = manifest_stamp(index_dir)
        try:
            return open_build(index_dir, manifest if manifest is not None and not attempt else read_manifest(index_dir))
        except (IndexCorruptError, FileNotFoundError) as e:
            # A file a store opens unguarded and finds removed is a republish too, or else damage.
            if manifest_stamp(index_dir) == before or attempt == LOAD_ATTEMPTS - 1:
                if isinstance(e, FileNotFoundError):  # not republished meanwhile: damage
                    raise IndexCorruptError(f"a file of the index is missing ({e.filename})",
                                            remedy=Remedy.REBUILD) from e
                raise  # not republished meanwhile: damage
    raise AssertionError("unreachable")


def manifest_stamp(index_dir: Path) -> tuple[int, int, int] | None:
    """Which manifest.json is there (a publish renames a new file over it), None when none is."""
    try:
        st = os.stat(Path(index_dir) / MANIFEST)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def write_build(index_dir: Path, build: str, data: BuildData, store: str | None = None) -> dict:
    """Write a build's data with the store ``store`` names (a spec: ``faiss`` by default) into a new
    folder ``build`` (not the manifest). Returns the manifest's store record."""
    from .stores import store_writer

    folder = Path(index_dir) / build
    folder.mkdir(parents=True)
    record = store_writer(store)(folder, data)
    write_record(index_dir, build, record)
    return record


def write_record(index_dir: Path, build: str, record: dict) -> None:
    """Write a build folder's store.json (the folder is made when the store has not made it)."""
    folder = Path(index_dir) / build
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STORE_RECORD
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with open(path, "rb") as f:
        os.fsync(f.fileno())


class _Unknown(enum.Enum):
    """The build a publish replaces when its caller does not say: read from the manifest there (a
    member of its own type, so no build name can be taken for it)."""

    READ_IT = enum.auto()


def publish(index_dir: Path, manifest: Manifest, replaced: str | None | _Unknown = _Unknown.READ_IT) -> None:
    """Swap in a written build: write its documents' and files' records into its folder, replace
    manifest.json atomically, then drop other build folders. ``replaced``: the build it replaces when
    the caller knows it (None: none), else read from the manifest there."""
    if replaced is _Unknown.READ_IT:
        replaced = _current_build(index_dir)
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    record = manifest.to_dict()
    folder = build_folder(index_dir, manifest)
    from .stores import records_in_folder

    try:
        for name in ("documents", "files"):
            rows = record[name]
            if not records_in_folder(manifest.store):
                record[name] = list(rows)
                continue
            if not (isinstance(rows, Records) and rows.folder == folder):
                write_records(folder, name, rows)
            record[name] = len(rows)
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1, allow_nan=False),
                       encoding="utf-8")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, index_dir / MANIFEST)
        fsync_folder(index_dir)  # the rename itself on disk: else a crash could bring back the old manifest
    except BaseException:  # nothing of a build that could not be published is left behind
        tmp.unlink(missing_ok=True)
        remove_stale_builds(index_dir, keep=_current_build(index_dir))
        raise
    remove_stale_builds(index_dir, keep=manifest.build, replaced=replaced)


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the system can (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse to sync a folder: nothing more can be done there
        pass
    finally:
        os.close(fd)


def remove_stale_builds(index_dir: Path, keep: str | None, replaced: str | None = None) -> None:
    """Remove build folders the manifest does not name (left by older builds or by a crash), and what
    their store keeps elsewhere.

    Readers that loaded an old build keep working: the faiss store's readers hold its data in memory
    (and on POSIX a memory-mapped file stays readable after it is unlinked). A store read at question
    time (``Store.keeps_replaced``: Milvus) keeps the build just ``replaced`` until the next build:
    questions running on it, and readers elsewhere that have not reopened, go on answering.
    """
    kept = _kept_folders(index_dir / keep) if keep else set()
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("s-") and child.name not in kept:
            shutil.rmtree(child, ignore_errors=True)  # a segment no build in use names (merged, or crashed)
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("b-") and child.name != keep:
            try:
                record = json.loads((child / STORE_RECORD).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = None  # a build that crashed before its store wrote anything
            if isinstance(record, dict):
                from .stores import drop_store, keeps_replaced

                if child.name == replaced and keeps_replaced(record):
                    continue
                drop_store(child, record)
            shutil.rmtree(child, ignore_errors=True)


def _kept_folders(build: Path) -> set[str]:
    """The folders beside the build folders (segments) that build ``build`` reads."""
    try:
        record = json.loads((build / STORE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    from .stores import kept_folders

    return kept_folders(record) if isinstance(record, dict) else set()


def _current_build(index_dir: Path) -> str | None:
    try:
        return read_manifest(index_dir).build
    except (IndexCorruptError, IndexMissingError, IndexVersionError):
        return None


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


def chunk_settings(manifest: Manifest) -> ChunkSettings:
    from .chunks import ChunkSettings

    # The chunking record also names the sentence splitter's version, which is not a setting.
    return ChunkSettings(**{k: v for k, v in manifest.chunking.items() if k != "splitter"})


def index_info(index_dir: str | os.PathLike) -> dict:
    """What an index holds, from its manifest alone (no model, no vectors loaded)."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    folders = [build_folder(index_dir, manifest)] + [
        index_dir / s["name"] for s in manifest.store.get("segments", [])
        if isinstance(s, dict) and own_folder(s.get("name"), "s-")]
    try:
        size = sum(f.stat().st_size for folder in folders for f in folder.iterdir() if f.is_file())
    except OSError:  # no folder, or replaced by a newer build while being read
        size = 0
    return {
        "index": str(index_dir), "documents": len(manifest.documents), "files": len(manifest.files),
        "passages": manifest.passages, "model": manifest.model, "dim": manifest.dim,
        "index_type": manifest.store.get("index_type", manifest.store["kind"]),
        # Where the data is, and its size (a store outside the folder recorded what it wrote).
        "store": manifest.store.get("where", manifest.store["kind"]), "bytes": manifest.store.get("bytes", size),
        "created": manifest.created, "build_seconds": manifest.build_seconds,
        "qa_version": manifest.qa_version, "format": manifest.format,
        "paths": [d["path"] for d in manifest.documents],
    }
