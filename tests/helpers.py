"""What several test files share: the file an answer's hits cite; a store of given postings for the
document rules' unit tests."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np


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


def postings_store(postings: dict[str, list[float]], texts: list[str] | None = None):
    """A stand-in for an index store holding ``postings`` (term -> its weight in each passage) and the
    passages' ``texts``: what qa.place_conflict and qa.country_conflict read of a store."""
    from qa.sparse_scores import SparseScores

    n = len(next(iter(postings.values())))
    arrays = {t: np.array(v, dtype=float) for t, v in postings.items()}
    texts = texts or [""] * n
    return SimpleNamespace(
        known_terms=lambda ts: {t for t in ts if t in arrays},
        lexical_holders=lambda ts: SparseScores.of_dense(sum((arrays[t] for t in ts if t in arrays),
                                                             np.zeros(n))).holders(),
        passages=lambda ids: [SimpleNamespace(text=texts[int(i)]) for i in ids])
