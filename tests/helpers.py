"""What several test files read of an answer: the file its hits cite."""

from __future__ import annotations

from pathlib import Path


def file_of(hit) -> str:
    """The name of the file a hit cites (an export file's record, ``#n``, left off)."""
    return Path(hit.citation.path.split("#")[0]).name


def files_of(answer) -> list[str]:
    return [file_of(h) for h in answer.hits]


def top_file(qa, question: str, k: int = 1, **options) -> str:
    """The file of the first hit for ``question`` (``options``: mode, filters, ...)."""
    return file_of(qa.ask(question, k=k, **options).hits[0])


def document_of(hit, folder: Path) -> str:
    """The document a hit cites: its file's path under ``folder``, with ``#n`` for the n-th record of
    an export file."""
    file, _, record = hit.citation.path.partition("#")
    # Cited relative to the working folder when inside it, else from the indexed folder (its name first).
    inside = Path(file) if Path(file).is_absolute() or Path(file).resolve().is_relative_to(folder.resolve()) \
        else folder.parent / file
    name = inside.resolve().relative_to(folder.resolve()).as_posix()
    return f"{name}#{record}" if record else name
