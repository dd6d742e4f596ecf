"""Which passages and documents name another period than the one a question asks about: a report on
a company's Q2 and Q3 does not answer a question on its Q1 (qa.search's ranking rule, and the
confidence's ``period_conflict``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np

from .sparse_scores import among
from .stores.base import Store

# Keys of which a report names one value and a sibling report another (qa.quantities): quarter,
# half, phase, year; and every value each can take.
_PERIOD = re.compile(r"^=(q|h|phase|y)(\d+)$")
_PERIOD_VALUES = {"q": range(1, 5), "h": range(1, 3), "phase": range(1, 21), "y": range(1900, 2101)}


def _periods(tokens: Iterable[str]) -> dict[str, set[str]]:
    """The quarter, half, phase and year keys among ``tokens``, by kind."""
    found: dict[str, set[str]] = {}
    for t in tokens:
        m = _PERIOD.match(t)
        if m:
            found.setdefault(m.group(1), set()).add(t)
    return found


class PeriodRule:
    """The period rules over one index's store (each kind's holders worked out once)."""

    def __init__(self, store: Store):
        self.store = store
        self._kinds: dict[str, tuple[set[str], np.ndarray]] = {}

    def contradictions(self, tokens: list[str], ids: np.ndarray, topic: Callable[[int], set[str]],
                       held: dict[str, np.ndarray] | None = None) -> np.ndarray | None:
        """For each passage in ``ids``, whether it contradicts the question: for a kind of key the
        question names (quarter, half, phase, year), the passage holds another value of that kind
        and none of the question's; or it holds the asked value but its document's topic (``topic``:
        passage id -> the search tokens of its document's title and lead) names another value and
        not the asked one (a report on Q2 that mentions its Q3 guidance). None when the question
        names no such key. A passage that names none of a kind does not contradict (it may leave
        the period implicit). ``held``: the asked values' holders by kind, kept for the question
        (``asked_holders``)."""
        asked = _periods(tokens)
        if not asked or not len(ids):
            return None
        conflicts = np.zeros(len(ids), dtype=bool)
        for kind, values in asked.items():
            known, holders = self._kind(kind)
            if not known - values:
                continue
            holds_asked = among(ids, self.asked_holders(kind, values, held))
            # A passage without the asked value that holds some value of the kind holds another one.
            conflicts |= among(ids, holders) & ~holds_asked
            for i in np.flatnonzero(holds_asked & ~conflicts):
                named = _periods(topic(int(ids[i]))).get(kind)
                conflicts[i] = bool(named) and not named & values
        return conflicts

    def contradicting_documents(self, tokens: list[str], spans: list[tuple[int, int]],
                                held: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """For each document (``spans``: its passage ids as [first, end)), whether it contradicts the
        question as a whole: for a kind of key the question names (quarter, half, phase, year), the
        document holds some value of that kind and nowhere the asked one (a report on Q2 and Q3
        asked about Q1). Unlike ``contradictions``, which judges one passage, a passage that leaves
        the period implicit does not escape it. A binary search per document and kind: no pass over
        the holders; the asked value's holders read once per kind and question, as the ranking's own
        rule reads them (``held``: kept by ``contradictions``)."""
        out = np.zeros(len(spans), dtype=bool)
        if not spans:
            return out
        first = np.array([a for a, _ in spans], dtype=np.int64)
        end = np.array([b for _, b in spans], dtype=np.int64)

        def holds(sorted_ids: np.ndarray) -> np.ndarray:
            return np.searchsorted(sorted_ids, first) < np.searchsorted(sorted_ids, end)

        for kind, values in _periods(tokens).items():
            known, holders = self._kind(kind)
            naming = holds(holders) & ~out
            if known - values and naming.any():  # the asked value's postings only when a document could conflict
                # A year also counts as named by its bare number: a document's year key needs a context
                # ("in 2025"), and "by 2030." or "for 2026" name it without one.
                spelt = holds(self.asked_holders(kind, values, held))
                if kind == "y":
                    spelt |= holds(self.store.lexical_holders(sorted(v[2:] for v in values)))
                out |= naming & ~spelt
        return out

    @staticmethod
    def asked_kinds(tokens: Iterable[str]) -> dict[str, set[str]]:
        """The question's quarter, half, phase and year keys, by kind."""
        return _periods(tokens)

    def asked_holders(self, kind: str, values: set[str], held: dict[str, np.ndarray] | None) -> np.ndarray:
        """The passages holding one of the asked ``values`` of a kind (ascending), read once per
        question when ``held`` keeps them by kind (the ranking's rule and the confidence both ask)."""
        if held is None:
            return self.store.lexical_holders(values)
        if kind not in held:
            held[kind] = self.store.lexical_holders(values)
        return held[kind]

    def kind_holders(self, kind: str) -> np.ndarray:
        """The passages holding any key of a kind (quarter "q", half "h", phase, year "y"), ascending."""
        return self._kind(kind)[1]

    def _kind(self, kind: str) -> tuple[set[str], np.ndarray]:
        """The keys of a kind (quarter, half, phase, year) the index holds, and the passages holding
        any of them (ascending), worked out once: each question naming a year asked about 200 year
        keys and scored the passages holding any of them (a good share of a large index)."""
        found = self._kinds.get(kind)
        if found is None:
            known = self.store.known_terms([f"={kind}{n}" for n in _PERIOD_VALUES[kind]])
            found = self._kinds[kind] = (known, self.store.lexical_holders(known))
        return found
