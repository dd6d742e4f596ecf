"""qa: bilingual (Chinese + English) question answering over a folder of documents.

    from qa import QA
    qa = QA.open("index")
    answer = qa.ask("韩国人工智能发展的目标是什么？", k=5)
    for hit in answer.hits:
        print(hit.citation, hit.highlight.text)

Names are imported on first use, so ``import qa`` (and ``qa --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import (DocumentError, EvalDataError, IndexCorruptError, IndexLockedError,
                     IndexMissingError, IndexVersionError, InputError, ModelLoadError,
                     ModelMismatchError, QAError, Remedy)

__version__ = "0.1.0"

_LAZY = {
    "QA": "api", "index_info": "api", "Filters": "filters",
    "Answer": "answer", "Hit": "answer", "Citation": "answer", "Highlight": "answer",
}

__all__ = [
    "QA", "Filters", "Answer", "Hit", "Citation", "Highlight", "index_info", "__version__",
    "QAError", "Remedy", "InputError", "IndexMissingError", "IndexCorruptError", "IndexVersionError",
    "IndexLockedError", "ModelMismatchError", "ModelLoadError", "DocumentError", "EvalDataError",
]

if TYPE_CHECKING:
    from .answer import Answer, Citation, Highlight, Hit
    from .api import QA, index_info
    from .filters import Filters


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
