"""Whether each shown hit's *document* contradicts what the question pins down, for the confidence's
rules (qa.confidence.VETOES): another quarter, half, phase or year than the asked one (qa.periods), the
asked year only in comparisons (qa.passing_years), another city or province (qa.place_conflict), another
value of a unit or counter (qa.value_conflict), another country or region (qa.country_conflict)."""

from __future__ import annotations

import numpy as np


def _spans(searcher, hits: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The hits' documents, and each one's passage ids as [first, end) (Searcher.document_spans: from the
    passages' document column, not the document records)."""
    docs = searcher.doc_of[hits]
    return docs, searcher.document_spans(docs)


def period_conflicts(searcher, question: str, tokens: list[str], hits: np.ndarray,
                     held: dict[str, np.ndarray] | None) -> np.ndarray:
    """1 for a hit whose document names another quarter, half, phase or year than the one asked and
    nowhere the asked one (qa.periods.PeriodRule.contradicting_documents): a report on a
    company's Q2 and Q3 does not answer a question on its Q1, whichever passage is shown; or names
    the asked year only as what it compares against while its title or lead names another
    (qa.passing_years: "up 18% from 2023" in the 2024 report, asked about 2023); or names the asked
    kind of quarter or half only bound to other years than the asked one (qa.period_years: "the
    first quarter of 2026", asked about the first quarter of 2025)."""
    from .passing_years import years_in_passing
    from .period_years import asked_pairs, documents_conflicting

    docs, spans = _spans(searcher, hits)
    rule = searcher.candidates.periods
    found = rule.contradicting_documents(tokens, spans, held)
    if not found.all():
        found |= years_in_passing(searcher.store, tokens, spans,
                                  lambda i: searcher.chooser.topic(int(docs[i])).terms)
    pairs = asked_pairs(question) if not found.all() else set()
    if pairs:
        found |= documents_conflicting(
            searcher.store, pairs, spans, lambda kind: rule.kind_holders(kind),
            lambda i: topic_years(searcher.chooser, int(docs[i])), found)
    return found.astype(np.float64)


def topic_years(chooser, doc: int) -> set[int]:
    """The years a document's title and lead sentence name (not a byline's or a dateline's: a report
    on the fourth quarter is dated the next year), the year its quarters written alone are of."""
    from .period_years import years_in

    topic = chooser.topic(doc)
    lead = chooser.sentences(topic.lead_passage)[topic.lead_sentence][0] if topic.lead_passage >= 0 else ""
    return years_in(f"{topic.title}\n{lead}")


def place_conflicts(searcher, question: str, hits: np.ndarray) -> np.ndarray:
    """1 for a hit whose document's title or lead names a city or province of the kind the question
    asks about and which nowhere names the asked one (qa.place_conflict: the Wuhan plant's report,
    asked about the Xi'an plant), or names or places another country or region than the one asked
    and nowhere names it (qa.country_conflict: the report on an Indonesian pilot, asked about the
    Philippines; twelfth round (c))."""
    from .place_conflict import documents_conflicting, question_places

    places = question_places(question)
    found = country_conflicts(searcher, question, hits)
    if not places or found.all():
        return found
    docs, spans = _spans(searcher, hits)
    return np.maximum(found, documents_conflicting(searcher.store, places, spans,
                                                   lambda i: searcher.chooser.topic(int(docs[i])).terms))


def country_conflicts(searcher, question: str, hits: np.ndarray) -> np.ndarray:
    """1 for a hit whose document's title or lead names or places another country or region than the one
    the question asks about and which nowhere names the asked one (qa.country_conflict: the report on
    an Indonesian pilot, asked about the Philippines); part of ``place_conflicts``."""
    from .country_conflict import documents_conflicting, question_countries

    asked = question_countries(question)
    if len(asked) != 1:
        return np.zeros(len(hits))
    docs, spans = _spans(searcher, hits)
    return documents_conflicting(searcher.store, asked, spans,
                                 lambda i: searcher.chooser.topic(int(docs[i])).terms).astype(np.float64)


def value_conflicts(searcher, question: str, hits: np.ndarray) -> np.ndarray:
    """1 for a hit whose document names a unit or counter the question pins to a number only with
    other numbers (qa.value_conflict: the 3-nanometre report asked about the 2-nanometre process, the
    first batch's asked about the second), when its title or lead gives that unit or counter with
    another number."""
    from .value_conflict import documents_conflicting, values

    asked = values(question)
    if not asked:
        return np.zeros(len(hits))
    return documents_conflicting(searcher.store, searcher.index.documents, asked, searcher.doc_of[hits],
                                 lambda d: topic_text(searcher.chooser, d)).astype(np.float64)


def topic_text(chooser, doc: int) -> str:
    """A document's title and the sentences of its first passage up to its lead (qa.highlight.Topic),
    as the highlight reads them."""
    topic = chooser.topic(doc)
    lead = [s[0] for s in chooser.sentences(topic.lead_passage)[:topic.lead_sentence + 1]] \
        if topic.lead_passage >= 0 else []
    return "\n".join([topic.title, *lead])
