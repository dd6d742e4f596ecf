"""Retrieval over a loaded index, in four steps: find candidates (qa.candidates), fuse their
evidence into one ranking (qa.fusion), show each document's best-answering passage first
(qa.reorder), and cite the hits with their highlighted sentence (qa.cite, qa.highlight)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import confidence
from .answer import Hit
from .blas import one_blas_thread
from .candidates import CANDIDATES, CandidateFinder
from .cite import cite
from .embedding import Embedder
from .evidence import distinct_spans, sentence_in
from .fusion import MODES, below_asked_period, fuse, level_languages, ranking
from .answer_types import answer_type, sought_kind
from .answer_finder import AnswerFinder
from .highlight import SentenceChooser
from .index_files import StoredIndex
from .inputs import check_mode
from .name_words import QuestionNames
from .names import question_names
from .reorder import best_passage_first
from .sparse_scores import among

__all__ = ["MODES", "CANDIDATES", "Scored", "Searcher"]


@dataclass
class Scored:
    ids: np.ndarray  # passage ids, best first
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    query_vector: np.ndarray | None
    tokens: list[str]  # the question's search tokens
    lang: str  # the question's language
    translated: dict[str, dict[str, float]]  # language -> the question's terms in it, via the bridge
    conflicts: np.ndarray | None = None  # per passage: it contradicts the question (Searcher._conflicts)
    name_holders: dict[str, np.ndarray] | None = None  # CandidateFinder.name_holders (hybrid mode)
    period_holders: dict[str, np.ndarray] | None = None  # qa.periods.PeriodRule.asked_holders, by kind (hybrid mode)


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder):
        self.index, self.embedder, self.store = index, embedder, index.store
        self.doc_of = self.store.columns().doc
        self._doc_spans: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # document_spans, once
        self.candidates = CandidateFinder(self.store, embedder)
        self.chooser = SentenceChooser(index)
        self.calibration = confidence.load_calibration(embedder.name)
        # where the model's vectors sit per language (qa.centres.centred_cosines); None: plain cosines
        self.centres = self.calibration.centres if self.calibration is not None else None

    def score(self, question: str, mode: str = "hybrid", candidates: int = CANDIDATES,
              allowed: np.ndarray | None = None) -> Scored:
        """Score candidate passages. ``allowed`` (a bool per passage, from qa.filters) limits the
        candidates to those passages before any is chosen."""
        check_mode(mode)
        found = self.candidates.find(question, mode, candidates, allowed)
        holders = self.candidates.name_holders(found.tokens) if mode == "hybrid" else None
        periods: dict[str, np.ndarray] = {}  # the asked periods' holders, read once (ranking, confidence)
        conflicts = self._conflicts(question, found, holders, periods) if mode == "hybrid" else None
        own = self.candidates.main_lang.get(found.lang)
        dense = found.dense if mode != "hybrid" or own is None else level_languages(found.dense, own[found.ids])
        fused, lexical = fuse(mode, dense, found.direct, found.bridged, conflicts)
        if mode == "hybrid":
            fused = self._below_asked_period(found, fused, conflicts, periods)
        order = ranking(found.ids, fused)
        return Scored(found.ids[order], fused[order], found.dense[order], lexical[order].astype(np.float32),
                      found.query_vector, found.tokens, found.lang, found.translated,
                      None if conflicts is None else conflicts[order], holders, periods)

    def _conflicts(self, question: str, found, holders: dict[str, np.ndarray],
                   periods: dict[str, np.ndarray]) -> np.ndarray | None:
        """Candidates that contradict the question's period or lack every name it is about (a bool
        each; None when neither applies): evidence against them (qa.fusion.W_CONFLICT). The names are
        its name keys (``holders``: by their sound, 吕本富 / Lu Benfu) and its name words (by the
        words or their translations, Taichung / 台中). ``periods`` keeps the asked periods' holders
        (qa.periods.PeriodRule.asked_holders)."""
        names = {**holders, **self.candidates.word_name_holders(question_names(question, found.lang), found.lang)}
        parts = [p for p in (self.candidates.periods.contradictions(found.tokens, found.ids, self._topic_terms, periods),
                             self.candidates.lacking_names(names, found.lang, found.ids)) if p is not None]
        return np.logical_or.reduce(parts) if parts else None

    def _below_asked_period(self, found, fused: np.ndarray, conflicts: np.ndarray | None,
                            periods: dict[str, np.ndarray]) -> np.ndarray:
        """``fused`` with the candidates of documents that contradict the asked period as a whole
        placed below the best candidate naming it: one that holds the asked value of each kind the
        question names (the second quarter and 2025, not only 2025), that the ranking's own rules do
        not flag, in a document that does not contradict (qa.fusion.below_asked_period; documents
        judged as qa.periods.PeriodRule.contradicting_documents judges the confidence's hits)."""
        rule = self.candidates.periods
        asked = rule.asked_kinds(found.tokens)
        if not asked or not len(found.ids):
            return fused
        docs, at = np.unique(self.doc_of[found.ids], return_inverse=True)
        spans = self.document_spans(docs)
        contradicting = rule.contradicting_documents(found.tokens, spans, periods)[at]
        if not contradicting.any():
            return fused
        naming = ~contradicting  # naming each asked kind's value (a quarter and its year: Q2 and 2025)
        for kind, values in asked.items():
            naming &= among(found.ids, rule.asked_holders(kind, values, periods))
        if conflicts is not None:
            naming &= ~conflicts
        return below_asked_period(fused, contradicting, naming)

    def document_spans(self, docs: np.ndarray) -> list[tuple[int, int]]:
        """Each document's passage ids as [first, end), from the passages' document column (a
        document's passages are consecutive): reading the document records instead parsed one JSON
        line per candidate's document, 3 ms of a question naming a year at 10k passages."""
        if self._doc_spans is None:
            self._doc_spans = np.unique(self.doc_of, return_index=True, return_counts=True)
        known, first, count = self._doc_spans
        at = np.searchsorted(known, docs)
        return [(int(f), int(f + c)) for f, c in zip(first[at], count[at])]

    def _topic_terms(self, pid: int) -> set[str]:
        """The search tokens of the title and lead of a passage's document (qa.highlight.Topic)."""
        return self.chooser.topic(int(self.doc_of[pid])).terms

    def search(self, question: str, k: int = 5, mode: str = "hybrid",
               allowed: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best hits for a question that ``qa.inputs.check_question`` has passed (QA.ask
        checks it: the question is not checked again here)."""
        with one_blas_thread():
            return self._search(question, k, mode, allowed)[0]

    def _search(self, question: str, k: int, mode: str,
                allowed: np.ndarray | None) -> tuple[list[Hit], np.ndarray | None]:
        """The hits, and their confidence features (qa.confidence; None without candidates)."""
        scored = self.score(question, mode, allowed=allowed)
        q = scored.query_vector
        if q is None and len(scored.ids):
            q = self.embedder.embed([question])[0]  # lexical mode: the model only picks the sentence
        own, other = self.candidates.readings(scored.tokens, scored.translated)
        wants = answer_type(question)
        names = QuestionNames(question)  # read by the highlight and the confidence, found once
        answer = AnswerFinder(self.chooser, q, own, scored.lang, sought_kind(question), other, names)
        order = best_passage_first(scored.ids, k, answer, self.doc_of, self.store)
        spans = distinct_spans(order, scored.ids, k, self.store.passage)  # a document's text once
        order = [span.positions[0] for span in spans]
        pids = [int(scored.ids[i]) for i in order]
        passages = self.store.passages(pids)
        sentences = [answer(pid)[0] for pid in pids]
        dense = scored.dense if scored.query_vector is not None else None
        rows = (confidence.features(self, question, q, scored.tokens, scored.ids, dense, pids, sentences, allowed,
                                    scored.lexical, scored.conflicts, scored.name_holders, wants=wants,
                                    lang=scored.lang, names=names, period_holders=scored.period_holders)
                if pids else None)
        sure = self.calibration.probability(rows) if rows is not None and self.calibration else None
        hits = []
        documents: dict[int, int] = {}  # document -> its number in the answer (1 = shown first)
        for rank, (i, pid, passage, span) in enumerate(zip(order, pids, passages, spans), start=1):
            hit = cite(span.passage, self.index.documents[passage.doc], pid, rank, float(scored.fused[i]),
                       float(scored.dense[i]), float(scored.lexical[i]),
                       sentence_in(span.passage, passage, sentences[rank - 1]))
            hit = replace(hit, document=documents.setdefault(passage.doc, len(documents) + 1))
            hits.append(hit if sure is None else replace(hit, confidence=round(float(sure[rank - 1]), 4)))
        return hits, rows
