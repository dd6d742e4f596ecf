"""Arrays several processes read, kept once in the page cache instead of once per process.

Server workers (qa.workers) search the sentence vectors as float32; the index stores them as float16.
Converting in each worker would hold one float32 copy per worker, so the first worker that needs them
writes the float32 rows once, beside the float16 file in the build folder (removed with it), and every
worker maps that file read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def float32_beside(source: Path, rows: np.ndarray) -> np.ndarray | None:
    """``rows`` as float32, memory-mapped from ``<source stem>.f32.npy`` (written atomically if absent or
    stale). None when the folder cannot be written (or vanished under us): the caller copies instead."""
    path = source.with_name(source.stem + ".f32.npy")
    if not rows.size:  # nothing to share (and an empty file cannot be mapped)
        return None
    for attempt in range(2):
        try:
            mapped = np.load(path, mmap_mode="r", allow_pickle=False)
            if mapped.shape == rows.shape and mapped.dtype == np.float32:
                return mapped
        except (OSError, ValueError):  # absent, or a torn file from a crash: (re)write it
            pass
        if attempt:
            return None
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=rows.shape)
            out[:] = rows
            out.flush()
            del out
            os.replace(tmp, path)  # readers see the whole file or none
        except OSError:
            tmp.unlink(missing_ok=True)
            return None
    return None
