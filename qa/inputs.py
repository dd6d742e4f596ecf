"""A question checked once, for every face: ``QA.ask`` calls ``check_question``, and the CLI calls it
(as ``QA.check``) before it loads anything, so a bad question fails fast and says the same everywhere.

Loads no numpy until a filter is checked: the CLI imports this module on its fastest paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .controls import is_blank
from .errors import InputError

if TYPE_CHECKING:
    from .filters import Filters

MODES = ("hybrid", "dense", "lexical")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Question:
    """A question that passed ``check_question``: stripped text, k, mode and filters."""

    text: str
    k: int
    mode: str
    filters: Filters


def check_question(question: object, k: object = 5, mode: object = "hybrid", *, filters: Filters | None = None,
                   path: str | None = None, lang: str | None = None, since: str | None = None,
                   until: str | None = None) -> Question:
    """The question, ``k``, ``mode`` and filters checked; raise InputError with the fix otherwise.

    Filters come either as ``filters=Filters(...)`` or as the keywords, not both.
    """
    from .filters import Filters

    if not isinstance(question, str):
        raise InputError(f"the question must be a string, not {type(question).__name__}")
    text = question.strip()
    if is_blank(text):
        raise InputError('the question is empty: ask something, e.g. "What is ...?"')
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputError(f"k must be a whole number (got {k!r})")
    if k < 1:
        raise InputError(f"k must be at least 1 (got {k})")
    check_mode(mode)
    loose = Filters(path=path, lang=lang, since=since, until=until)
    if filters is not None and loose.active:
        raise InputError("give filters either as filters=Filters(...) or as keywords, not both")
    return Question(text, k, mode, filters if filters is not None else loose)


def check_mode(mode: object) -> str:
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    return mode  # type: ignore[return-value]
