"""Filters on a question: which passages may answer it, by document path, language and date.

A filter becomes a boolean mask over the index's passages; the searcher draws its candidates only
from passages the mask allows, so a filtered question gets the ``k`` best *allowed* passages (not the
allowed few among the ``k`` best overall).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .errors import InputError
from .inputs import LANGS

if TYPE_CHECKING:
    from .stores.base import PassageColumns

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")


def _normal_date(value: str, *, end_of_day: bool = False, what: str = "date") -> str:
    """``YYYY-MM-DD[ HH:MM[:SS]]`` as a sortable ``YYYY-MM-DD HH:MM:SS`` string.

    A bare day is its first second, or with ``end_of_day`` its last, so ``until=2025-11-14``
    includes documents dated 2025-11-14 23:09.
    """
    m = _DATE_RE.match(value.strip())
    if not m:
        raise InputError(f"{what} {value!r} is not a date: write YYYY-MM-DD or 'YYYY-MM-DD HH:MM'")
    y, mo, d, h, mi, s = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31) or (h and (int(h) > 23 or int(mi) > 59)):
        raise InputError(f"{what} {value!r} is out of range: write YYYY-MM-DD or 'YYYY-MM-DD HH:MM'")
    if h is None:
        h, mi, s = ("23", "59", "59") if end_of_day else ("00", "00", "00")
    return f"{y}-{mo}-{d} {h}:{mi}:{s or '00'}"


@dataclass(frozen=True)
class Filters:
    """Which passages may answer. Every field is optional; the ones given must all hold.

    - ``path``: a glob (``*``, ``?``, ``[...]``; ``*`` also matches ``/``) matched against the
      document's file path as cited (e.g. ``seeds/*.txt``, ``*/notes/*``); a pattern without ``/``
      is also tried against the file's name alone (``*.md``).
    - ``lang``: ``zh`` or ``en``: passages whose main language is that one (a hit's ``lang``).
    - ``since`` / ``until``: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``, both ends included (a bare
      ``until`` day includes the whole day). Only documents that have a date can match: with a date
      filter, undated documents are left out.
    """

    path: str | None = None
    lang: str | None = None
    since: str | None = None
    until: str | None = None

    def __post_init__(self) -> None:
        if self.path is not None and not self.path.strip():
            raise InputError("the path filter is empty: give a glob such as 'seeds/*.txt'")
        if self.lang is not None and self.lang not in LANGS:
            raise InputError(f"unknown language {self.lang!r}: choose zh or en")
        lo = _normal_date(self.since, what="since") if self.since is not None else None
        hi = _normal_date(self.until, end_of_day=True, what="until") if self.until is not None else None
        if lo and hi and lo > hi:
            raise InputError(f"since ({self.since}) is after until ({self.until}): swap them")

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def _doc_path(doc: dict) -> str:
    return doc.get("file") or doc["path"].split("#", 1)[0]


class PassageTable:
    """Per-passage facts the filters need, computed once per loaded index."""

    def __init__(self, documents: Sequence[dict], columns: PassageColumns):
        self.documents = documents
        self.doc_of = columns.doc
        self.lang = columns.lang
        self._dates: list[str | None] | None = None
        self._paths: list[str] | None = None

    @property
    def paths(self) -> list[str]:
        """Each document's file path (read on the first path filter, not on open)."""
        if self._paths is None:
            self._paths = [_doc_path(d) for d in self.documents]
        return self._paths

    @property
    def dates(self) -> list[str | None]:
        """Each document's date, normalised (worked out on the first date filter, not on open)."""
        if self._dates is None:
            self._dates = [self._date(d.get("date")) for d in self.documents]
        return self._dates

    @staticmethod
    def _date(value: str | None) -> str | None:
        if not value:
            return None
        try:
            return _normal_date(value)
        except InputError:
            return None  # a date we cannot read cannot match a date filter

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """Passages ``filters`` allow, or None when nothing is filtered."""
        if filters is None or not filters.active:
            return None
        keep_doc = np.ones(len(self.documents), dtype=bool)
        if filters.path is not None:
            pattern = filters.path.strip()
            by_name = "/" not in pattern
            for i, path in enumerate(self.paths):
                keep_doc[i] = fnmatchcase(path, pattern) or (
                    by_name and fnmatchcase(path.rsplit("/", 1)[-1], pattern))
        if filters.since is not None or filters.until is not None:
            lo = _normal_date(filters.since) if filters.since is not None else None
            hi = _normal_date(filters.until, end_of_day=True) if filters.until is not None else None
            for i, date in enumerate(self.dates):
                keep_doc[i] &= date is not None and (lo is None or date >= lo) and (hi is None or date <= hi)
        allowed = keep_doc[self.doc_of] if len(self.doc_of) else np.zeros(0, dtype=bool)
        if filters.lang is not None:
            allowed &= self.lang == filters.lang
        return allowed
