"""Finding the files to index: folders walked, only regular files taken, links that leave the indexed
folders not followed, and everything passed over reported once with its reason. Also how a path is
shown in citations."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Remedy


NO_TEXT_FIELD = "no text field"  # how a JSON record without the text field is reported
NOT_FOLLOWED = "not followed"  # how a symbolic link left alone is reported


@dataclass
class Skipped:
    path: str
    reason: str

    @property
    def remedy(self) -> Remedy | None:
        """The fix a face can word for a reason that has one (reasons are kept as text in the manifest)."""
        if f"{NO_TEXT_FIELD} (" in self.reason:
            return Remedy.JSON_FIELDS
        if NOT_FOLLOWED in self.reason:
            return Remedy.FOLLOW_LINKS
        return None


def safe_name(name: str) -> str:
    """A path as text that can always be written as UTF-8: bytes that were not valid UTF-8 in the
    file system's name (kept by Python as lone surrogates) appear as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return kind
    return "not a regular file"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def display_path(path: Path, roots: list[Path] | None = None) -> str:
    """The path as users see it in citations, never absolute when it can be helped: relative to the
    working folder when inside it, else to the indexed folder it was found in (that folder's name
    first), else the absolute path. The path is not resolved: a link is shown by its own name."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if _inside(absolute, cwd) and absolute != cwd:
        return safe_name(os.path.relpath(absolute, cwd))
    for root in roots or ():
        top = os.path.abspath(root)
        if _inside(absolute, top):
            return safe_name(os.path.join(os.path.basename(top), os.path.relpath(absolute, top))
                             if absolute != top else os.path.basename(top))
    return safe_name(absolute)


def display_paths(files: list[Path], roots: list[Path] | None = None) -> list[str]:
    """``display_path`` of each file, made unique: files of two indexed folders of the same name
    (``/a/docs/x.txt`` and ``/b/docs/x.txt`` both show as ``docs/x.txt``) get as many of their
    parent folders as tell them apart (``a/docs/x.txt``, ``b/docs/x.txt``), at worst their absolute path."""
    shown = [display_path(fp, roots) for fp in files]
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(shown):
        groups.setdefault(name, []).append(i)
    taken = set(shown)
    for name, members in groups.items():
        if len(members) < 2:
            continue
        parts = [Path(os.path.abspath(files[i])).parts for i in members]
        n = len(Path(name).parts)
        while True:
            n += 1
            longer = [safe_name(os.path.join(*p[-n:])) if n < len(p) else safe_name(os.path.join(*p))
                      for p in parts]
            if len(set(longer)) == len(longer) and not taken.intersection(longer) or n >= max(map(len, parts)):
                break
        for i, new in zip(members, longer):
            shown[i] = new
        taken.update(longer)
    return shown


class _Walk:
    """One discovery: the files found and what was passed over, each once with its reason."""

    def __init__(self, roots: list[Path], suffixes: tuple[str, ...], follow_links: bool):
        self.suffixes, self.follow_links = suffixes, follow_links
        self.real_roots = [os.path.realpath(r) for r in roots]
        self.found: dict[str, Path] = {}
        self.skipped: list[Skipped] = []
        self.seen_dirs: set[str] = set()

    def skip(self, path: Path | str, reason: str) -> None:
        self.skipped.append(Skipped(safe_name(str(path)), reason))

    def leaves_roots(self, path: Path) -> bool:
        real = os.path.realpath(path)
        return not any(_inside(real, r) for r in self.real_roots)

    def file(self, fp: Path) -> None:
        if not _valid_name(fp.name):
            return self.skip(fp, "its name is not valid UTF-8: rename the file to index it")
        if fp.is_symlink():
            if not fp.exists():
                return self.skip(fp, "broken or looping symbolic link")
            if not self.follow_links and self.leaves_roots(fp):
                return self.skip(fp, f"a symbolic link leading outside the indexed folders: {NOT_FOLLOWED}")
        try:
            mode = fp.stat().st_mode
        except OSError as e:
            return self.skip(fp, f"cannot read: {e.strerror or e}")
        if not stat.S_ISREG(mode):
            return self.skip(fp, f"{file_kind(mode)}, not a regular file: only files are read")
        self.found.setdefault(os.path.realpath(fp), fp)

    def folder(self, top: Path) -> None:
        def unreadable(e: OSError) -> None:
            self.skip(e.filename or top, f"cannot read this folder: {e.strerror or e}")

        for root, dirs, files in os.walk(top, onerror=unreadable, followlinks=self.follow_links):
            real = os.path.realpath(root)
            if real in self.seen_dirs:  # a link back to a folder already walked
                dirs[:] = []
                continue
            self.seen_dirs.add(real)
            keep = []
            for d in sorted(dirs):
                dp = Path(root) / d
                if d.startswith("."):
                    continue
                if not _valid_name(d):
                    self.skip(dp, "its name is not valid UTF-8: rename the folder to index it")
                elif dp.is_symlink() and not self.follow_links:
                    self.skip(dp, f"a symbolic link to a folder: {NOT_FOLLOWED}")
                elif dp.is_symlink() and self.leaves_roots(dp) and not dp.exists():
                    self.skip(dp, "broken or looping symbolic link")
                else:
                    keep.append(d)
            dirs[:] = keep
            for name in sorted(files):
                if name.startswith(".") or not name.lower().endswith(self.suffixes):
                    continue
                self.file(Path(root) / name)


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def discover(paths: list[str | os.PathLike], suffixes: tuple[str, ...] | None = None,
             follow_links: bool = False) -> tuple[list[Path], list[Skipped]]:
    """Files to index under ``paths`` (folders walked, hidden entries skipped), sorted, unique.

    Files named directly are taken whatever their suffix; in folders only known suffixes count.
    Only regular files are taken. Symbolic links that lead outside ``paths`` and links to folders
    are not followed unless ``follow_links``. Everything passed over (those links, FIFOs and
    devices, folders that cannot be read, names that are not UTF-8) is in the skipped list, once,
    with its reason. A path that does not exist is an InputError: nothing is indexed from a
    mistyped path.
    """
    if suffixes is None:
        from .formats import SUFFIXES as suffixes
    walk = _Walk([Path(p) for p in paths], suffixes, follow_links)
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            if p.is_symlink():
                walk.skip(p, "broken symbolic link")
                continue
            raise InputError(f"{safe_name(str(p))}: no such file or folder: check the path")
        if p.is_dir():
            walk.folder(p)
        else:
            walk.file(p)
    return sorted(walk.found.values(), key=lambda q: str(q)), walk.skipped
