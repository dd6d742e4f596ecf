"""The order hits are shown in: ranked passages, with each document's best-answering passage first."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .stores.base import Store

PER_DOCUMENT = 3  # of one document's candidate passages, how many compete to answer first
TIE = 1e-6  # answer scores closer than this are equal (the same sentence scores alike in two passages)

Answer = Callable[[int], tuple[int, float]]  # passage id -> (its answering sentence, the score)


def best_passage_first(ids: np.ndarray, k: int, answer: Answer, doc_of: np.ndarray, store: Store) -> list[int]:
    """Positions into ``ids`` (ranked passages), in the order to show them. Documents keep the rank of
    their best passage; of one document's PER_DOCUMENT best candidates, the one whose sentence answers
    best takes the document's first place and the others follow in their own order (so the passage
    it displaces moves one place down the document's list, and may fall below k). Passage scores
    alone choose badly between passages of one document: the words naming its topic (the title, the
    subject's name) are in all of them and decide nothing about which one answers. Two passages
    whose answer is the same sentence (passages overlap by a sentence) are a tie, kept in their own
    order."""
    order = list(range(len(ids)))
    docs = doc_of[ids]
    for doc in dict.fromkeys(docs[:k].tolist()):
        slots = np.flatnonzero(docs == doc)[:PER_DOCUMENT].tolist()
        if len(slots) < 2:
            continue
        best, (best_sentence, best_score) = slots[0], answer(int(ids[slots[0]]))
        for i in slots[1:]:
            sentence, score = answer(int(ids[i]))
            if score > best_score + TIE and _sentence_span(store, int(ids[i]), sentence) != \
                    _sentence_span(store, int(ids[best]), best_sentence):
                best, best_sentence, best_score = i, sentence, score
        if best != slots[0]:
            for slot, i in zip(slots, [best] + [i for i in slots if i != best]):
                order[slot] = i
    return order


def _sentence_span(store: Store, pid: int, sentence: int) -> tuple[int, int] | None:
    """Where a passage's sentence is in its document (the same sentence in two passages that overlap
    has the same span)."""
    sentences = store.passage(pid).sentences
    return tuple(sentences[sentence]) if 0 <= sentence < len(sentences) else None
