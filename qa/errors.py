"""Typed errors. The library raises these; each face turns them into its own terms (the CLI an exit
code and a ``qa ...`` command, the HTTP API a status and the endpoint to call).

An error's message states the problem. When the fix is an action on the index or an option (rebuild,
name a JSON field), the error also carries a ``remedy``: a ``Remedy`` that names the action without
any face's words. ``str(error)`` is the problem and the remedy's advice in plain words, for Python
callers; the CLI and the HTTP API render ``error.problem`` and their own form of ``error.remedy``.
"""

from __future__ import annotations

from enum import Enum


class Remedy(str, Enum):
    """What fixes an error, in no face's words (see ``qa.cli`` and ``qa.server`` for their forms)."""

    BUILD = "build"              # there is no index: build one from documents
    REBUILD = "rebuild"          # the index is damaged or old: rebuild it whole, reusing nothing
    UPGRADE = "upgrade"          # a newer qa wrote the index: upgrade qa, or rebuild it whole
    MODEL = "model"              # another model than the index's: ask with its model, or rebuild with this one
    SOURCES = "sources"          # the index records no source paths: give them
    JSON_FIELDS = "json-fields"  # JSON records without the text field: name the field that holds the text
    FOLLOW_LINKS = "follow-links"  # a symbolic link left alone: index its target, or follow links

    @property
    def advice(self) -> str:
        return _ADVICE[self]


_ADVICE = {
    Remedy.BUILD: "build an index from your documents first",
    Remedy.REBUILD: "rebuild the index whole (a full rebuild, reusing nothing)",
    Remedy.UPGRADE: "upgrade qa, or rebuild the index whole",
    Remedy.MODEL: "ask with the model the index was built with, or rebuild the index whole with the new one",
    Remedy.SOURCES: "give the paths to index, or rebuild the index once from them",
    Remedy.JSON_FIELDS: "name the record field that holds the text (the JSON text field option)",
    Remedy.FOLLOW_LINKS: "index the link's target directly, or let the build follow symbolic links",
}


class QAError(Exception):
    """Base class for every error qa raises on purpose. ``str()`` says how to fix it.

    ``problem``: what is wrong. ``remedy``: a ``Remedy`` or None (then the problem text says the
    fix itself). ``context``: values a face needs to render the remedy (e.g. ``model``).
    """

    exit_code = 1
    remedy: Remedy | None = None

    def __init__(self, problem: str = "", *, remedy: Remedy | None = None, **context: str):
        super().__init__(problem)
        self.problem = problem
        if remedy is not None:
            self.remedy = remedy
        self.context = context

    def __str__(self) -> str:
        return f"{self.problem}; {self.remedy.advice}" if self.remedy else self.problem


class InputError(QAError):
    """Bad input from the caller: an empty question, a path that does not exist, a bad option."""


class IndexMissingError(QAError):
    """No index where one was expected."""

    remedy = Remedy.BUILD


class IndexCorruptError(QAError):
    """An index whose files are missing, unreadable or inconsistent."""

    remedy = Remedy.REBUILD


class IndexVersionError(QAError):
    """An index written by an older format (rebuild it) or a newer one (upgrade qa, or rebuild it)."""

    remedy = Remedy.REBUILD


class ModelMismatchError(QAError):
    """Asking an index with another embedding model than the one it was built with."""

    remedy = Remedy.MODEL


class ModelLoadError(QAError):
    """The embedding model could not be loaded."""


class DocumentError(QAError):
    """A document could not be read or decoded. Indexing reports and skips it."""


class IndexLockedError(QAError):
    """Another process is writing the same index."""


class EvalDataError(QAError):
    """Evaluation data that is not SQuAD-shaped JSON, or files that do not pair up."""


class StoreUnavailableError(QAError):
    """The store that holds an index (e.g. a Milvus server) cannot be reached."""
