"""A compiled look-up table (SQLite) opened read-only, one connection per thread: a sqlite3 connection
is not shared between threads, and look-ups come from every thread that answers questions."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class ReadOnlyDatabase:
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                                  check_same_thread=False)
        return db
