"""The passage table of a local build, opened without parsing every passage.

    b-<id>/passages.jsonl         one passage a line, a JSON array (qa.records.Passage fields in order)
    b-<id>/passages_offsets.npy   int64: where each line starts (n + 1 entries, the last is the size)
    b-<id>/passages_columns.npz   per-passage arrays search reads for all passages at once: document,
                                  sentence count, main language, has zh, has en
    b-<id>/analysis.jsonl         what the highlight reads of each passage (qa.highlight.analyse), a
    b-<id>/analysis_offsets.npy   JSON value a line, and where each line starts (as the passages)

Opening reads the two small arrays and opens the lines; a passage is read (by its offset, with
pread) and parsed when a question touches it (a question touches tens of passages; parsing a million
lines cost seconds on every open). A build written before these files existed is read whole, as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import IndexCorruptError
from ..record_lines import write_lines
from ..records import Passage
from .base import LANGS, PassageColumns

LINES, OFFSETS, COLUMNS = "passages.jsonl", "passages_offsets.npy", "passages_columns.npz"
ANALYSIS, ANALYSIS_OFFSETS = "analysis.jsonl", "analysis_offsets.npy"


class JsonLines:
    """The values of a file ``write_lines`` wrote, by number, each parsed when asked for (the file
    read by its offset). ``what`` names a value in errors."""

    def __init__(self, path: Path, offsets_path: Path, count: int, what: str):
        self.what = what
        try:
            self._offsets = np.load(offsets_path, allow_pickle=False)
            # Read a line at a time with pread: a memory map would count in this process's memory by
            # the cached blocks (up to megabytes) around every line read (qa.stores.row_file).
            self._fd = os.open(path, os.O_RDONLY)
            size = os.fstat(self._fd).st_size
        except (OSError, ValueError) as e:
            raise IndexCorruptError(f"the {what}s of the index are unreadable ({e})") from e
        if len(self._offsets) != count + 1 or int(self._offsets[-1]) != size:
            raise IndexCorruptError(f"the {what} table does not match the manifest's {count} passages")

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def get(self, i: int):
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        line = os.pread(self._fd, hi - lo, lo)
        if len(line) != hi - lo:
            raise IndexCorruptError(f"the {self.what} table was cut short")
        try:
            return json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise IndexCorruptError(f"{self.what} {i} of the index is unreadable ({e})") from e


def write_passages(folder: Path, passages: Sequence[Passage]) -> None:
    write_lines(folder / LINES, folder / OFFSETS, (p.to_row() for p in passages), len(passages))
    c = PassageColumns.of(passages)
    np.savez(folder / COLUMNS, doc=c.doc, sentences=c.sentences, lang=c.lang.astype("U8"),
             **{f"has_{lang}": c.has_lang[lang] for lang in LANGS})


def read_all(folder: Path, count: int) -> list[Passage]:
    """Every passage, parsed (what a rebuild and a build written before the columns need)."""
    try:
        with open(folder / LINES, encoding="utf-8") as f:
            rows = json.loads("[" + ",".join(f) + "]")
        passages = [Passage(*row) for row in rows]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError) as e:
        raise IndexCorruptError(f"the passages of the index are unreadable ({e})") from e
    if len(passages) != count:
        raise IndexCorruptError(f"the index holds {len(passages)} passages, its manifest says {count}")
    return passages


class PassageFile:
    """Passages by id, parsed on first use; all of them only when asked for all."""

    def __init__(self, folder: Path, count: int):
        self.folder, self.count = folder, count
        self._all: list[Passage] | None = None
        if not (folder / OFFSETS).exists():  # written before the columns: parse everything now
            self._all = read_all(folder, count)
            self.columns = PassageColumns.of(self._all)
            return
        try:
            with np.load(folder / COLUMNS, allow_pickle=False) as z:
                self.columns = PassageColumns(doc=z["doc"], sentences=z["sentences"], lang=z["lang"],
                                              has_lang={lang: z[f"has_{lang}"] for lang in LANGS})
        except (OSError, ValueError, KeyError) as e:
            raise IndexCorruptError(f"the passages of the index are unreadable ({e})") from e
        self._rows = JsonLines(folder / LINES, folder / OFFSETS, count, "passage")
        if len(self.columns.doc) != count:
            raise IndexCorruptError(f"the passage table does not match the manifest's {count} passages")

    def get(self, pid: int) -> Passage:
        if self._all is not None:
            return self._all[pid]
        if not 0 <= pid < self.count:
            raise IndexError(pid)
        try:
            return Passage(*self._rows.get(pid))
        except TypeError as e:
            raise IndexCorruptError(f"passage {pid} of the index is unreadable ({e})") from e

    def all(self) -> list[Passage]:
        if self._all is None:
            self._all = read_all(self.folder, self.count)
        return self._all
