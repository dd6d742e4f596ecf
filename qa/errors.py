"""Typed errors. The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error qa raises on purpose. The message says how to fix it."""

    exit_code = 1


class InputError(QAError):
    """Bad input from the caller: an empty question, a path that does not exist, a bad option."""


class IndexMissingError(QAError):
    """No index where one was expected."""


class IndexCorruptError(QAError):
    """An index whose files are missing, unreadable or inconsistent."""


class IndexVersionError(QAError):
    """An index written by a newer (or unknown) format version."""


class ModelMismatchError(QAError):
    """Asking an index with another embedding model than the one it was built with."""


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
