"""How likely a hit is to answer its question: features that do not grow with the corpus, and a
calibrated probability from them (docs/confidence.md).

Fused scores are z-normalised over each question's candidates, so a question the folder does not
answer still gets a confident-looking first hit. What does tell the two apart: how similar the hit
and its best sentence are to the question (cosines, on one scale whatever the corpus), how much of
the question the hit covers, and above all whether what the question names (its people, places,
companies, numbers, dates: the tokenizer's shared keys, spelt alike in both languages) occurs in the
hit, or anywhere in the index at all; other words count in either language through the dictionary
bridge; and whether the highlighted sentence holds the kind of quantity (date, percentage, number)
the question asks for. A logistic regression over those features, fitted on our own data by
``benchmarks/calibrate.py`` and stored per model in ``calibration.json``, turns them into the
estimated chance that the passage answers the question.

Adds no model call (the question's vector is the search's): a few dot products for the shown hits,
one BM25 pass per question word over its own postings (as the search's), and substring tests in the
highlighted sentences the highlight already keeps.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .centres import Centres, best_sentence_vectors, centred_cosines
from .document_conflicts import period_conflicts, place_conflicts, value_conflicts
from .errors import InputError
from .logistic import fit_logistic, fit_logistic_cross  # noqa: F401 (the fit's, read from here)
from .sparse_scores import among
from .name_words import QuestionNames
from .quoted import quoted_hit, quoted_terms
from .segment import HAN_CHAR
from .translit import heard_names
from .word_cuts import other_cuts

FEATURES = ("passage_sim", "sentence_sim", "coverage_hit", "weighted_hit", "sentence_cover", "key_hit",
            "coverage_index", "weighted_index", "key_index", "margin", "type_match", "cross",
            "key_absent", "lexical_first", "contradicts", "name_keys_hit", "name_absent", "period_conflict",
            "place_conflict", "value_conflict", "zh_question", "zh_cross", "quoted_hit")
CALIBRATION = Path(__file__).with_name("calibration.json")
ENV = "QA_MIN_CONFIDENCE"
# A hit whose document names the asked kind of period only with other values, or the asked year only in
# comparisons (``period_conflict``), or reports on another city or province, or another country or region,
# than the asked one and never names it (``place_conflict``; countries since the twelfth round (c)), or
# gives a unit or counter the question pins to a number only with other numbers (``value_conflict``: 3nm
# asked 2nm, eleventh round (d)), does not answer, whatever else it shares with the question: its confidence is 0, and the regression is fitted on the other hits (docs/confidence.md, ninth and
# eleventh rounds).
VETOES = ("period_conflict", "place_conflict", "value_conflict")
# Features whose weight a hit with no text in the question's language (``cross``) has of its own: the
# shared weight plus one fitted for those hits (``Calibration.cross_coef``; docs/confidence.md, tenth
# round). A cross-lingual cosine says more than a same-language one beside the same word counts.
CROSS_WEIGHTED = ("passage_sim", "sentence_sim")
MARGIN_CANDIDATES = 20  # the best fused candidates a hit's dense margin is measured against
MARGIN_CAP = 0.3  # a margin is clipped to +-this: one document alone in its topic is no surer than that


@dataclass(frozen=True)
class QuestionTerms:
    """The question's content words, each with the index terms it may appear as (itself, and its
    translations when the index holds the other language), and whether it is a key word."""

    forms: list[set[str]]
    key: np.ndarray  # bool per word
    sounds: list[set[str]] | None = None  # per word: its sound skeletons when it is a name (qa.translit)
    quantity: np.ndarray | None = None  # bool per word: a quantity key (number, date), not a name's word


def question_terms(question: str, tokens: list[str], known, langs: set[str],
                   names: QuestionNames | None = None, held=None) -> QuestionTerms:
    """The question's words, and its key words: its quantity keys (qa.segment.search_keys: numbers
    and dates, one spelling in both languages) and the words of its names (``name_words``).
    ``known(terms)``: which terms the index holds; ``langs``: the languages of its passages. A word
    is also looked for in its translations into the language it is not written in, when the index
    holds that language. A Chinese word the index lacks is looked for as the terms the index cuts
    it into (``other_cuts``; ``held(terms)``: which of them a passage the question may see holds,
    ``known`` when None). ``names``: the question's QuestionNames when already at hand."""
    from .segment import is_key, searchable_text, tokenize, whole_words

    keys = [t for t in dict.fromkeys(tokens) if t.startswith("=")]
    words = whole_words([t for t in tokens if not is_key(t)])
    names = QuestionNames(question) if names is None else names
    in_names = {t for w in names.words for t in tokenize(w) if not is_key(t)}
    forms, key = [set(known({k})) for k in keys], [True] * len(keys)
    sounds: list[set[str]] = [set() for _ in keys]
    text = None
    for word in words:
        sounds.append(names.sounds.get(word, set()) if word in in_names else set())
        terms = set(known({word}))
        if not terms and HAN_CHAR.match(word):
            text = searchable_text(question) if text is None else text
            terms = other_cuts(word, text, held or known)
        other = "en" if HAN_CHAR.search(word) else "zh"
        if other in langs:
            from .bridge import translate_query

            terms.update(translate_query([word], other, known))
        forms.append(terms)
        key.append(word in in_names)
    return QuestionTerms(forms, np.array(key, dtype=bool), sounds, np.arange(len(forms)) < len(keys))


# -- features ---------------------------------------------------------------------------------------

def _share(flags: np.ndarray, mask: np.ndarray) -> np.ndarray | float:
    """Share of the masked words that are found (1 when there are none: nothing is missing)."""
    if not mask.any():
        return np.ones(flags.shape[1:]) if flags.ndim > 1 else 1.0
    return flags[mask].mean(axis=0)


def _rarity(frequency: np.ndarray, n: int) -> np.ndarray:
    """How rare each question word is in the index: BM25's idf divided by the idf of a word the
    index lacks (so 1 for a word found nowhere): 0-1 on any corpus size."""
    n = max(n, 1)
    return np.log1p((n - frequency + 0.5) / (frequency + 0.5)) / np.log1p((n + 0.5) / 0.5)


def _in_sentences(chooser, terms: QuestionTerms, pids: list[int], sentences: list[int]) -> np.ndarray:
    """words x hits: whether the word (a form of it) is in the hit's highlighted sentence, looked for
    as the highlight looks (qa.highlight.needles in the sentence texts it keeps, no tokenizing)."""
    from .highlight import needles

    wanted = [[n for t in f for n in needles(t)] for f in terms.forms]
    out = np.zeros((len(wanted), len(pids)), dtype=bool)
    for h, (pid, j) in enumerate(zip(pids, sentences)):
        if j < 0:
            continue
        text = chooser.keyed(pid, j) if terms.key.any() else chooser.sentences(pid)[j][0]
        out[:, h] = [any(n in text for n in ns) for ns in wanted]
    return out


def features(searcher, question: str, q: np.ndarray, tokens: list[str], candidates: np.ndarray, candidate_dense: np.ndarray | None,
             pids: list[int], sentences: list[int],
             allowed: np.ndarray | None = None, candidate_lexical: np.ndarray | None = None,
             candidate_conflicts: np.ndarray | None = None,
             name_holders: dict[str, np.ndarray] | None = None, *, wants: str, lang: str,
             names: QuestionNames | None = None,
             period_holders: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """One row of FEATURES per hit in ``pids`` (``sentences``: each one's highlighted sentence);
    ``candidates`` are the fused ranking's passage ids, best first, with their dense scores when the
    search computed them, their lexical (BM25, direct and bridged) scores, and whether each
    contradicts the question (qa.search.Searcher._conflicts; None: no rule applied); ``allowed`` the
    passages the question may see (a filter), None for all; ``name_holders`` the search's
    CandidateFinder.name_holders when it worked them out (None: worked out here); ``wants`` the
    kind of answer the question asks for (qa.answer_types.answer_type); ``lang`` the question's
    language as the search read it (Scored.lang: qa.segment.detect_language); ``names`` the question's
    QuestionNames when the highlight has them (None: worked out here); ``period_holders`` the asked
    periods' holders the ranking read (Scored.period_holders; None: read here)."""
    store = searcher.store
    hits = np.asarray(pids, dtype=np.int64)
    columns = store.columns()
    cross = _cross(columns, lang, hits)
    passage_vectors = np.asarray(store.vectors(hits), dtype=np.float32)
    raw_passage, (raw_sentence, sentence_vectors) = passage_vectors @ q, best_sentence_vectors(searcher, hits, q)
    centres = getattr(searcher, "centres", None)
    passage_sim = centred_cosines(q, passage_vectors, lang, cross, centres, raw_passage)
    sentence_sim = np.where(raw_sentence > -1.0,
                            centred_cosines(q, sentence_vectors, lang, cross, centres, raw_sentence), -1.0)
    langs = {lang for lang, mask in columns.has_lang.items() if mask.any()}
    terms = question_terms(question, tokens, store.known_terms, langs, names,
                           None if allowed is None else lambda found: {
                               t for t in store.known_terms(found) if allowed[store.lexical_holders([t])].any()})
    # Where each word occurs: the passages its forms' postings name, ascending.
    where = [store.lexical_holders(f) if f else None for f in terms.forms]
    n_words = len(terms.forms)
    in_hit = np.array([among(hits, w) if w is not None else np.zeros(len(hits), bool) for w in where],
                      dtype=bool).reshape(n_words, len(hits))
    frequency = np.array([0 if w is None else int(allowed[w].sum() if allowed is not None else len(w))
                          for w in where], dtype=np.int64)
    heard = heard_names(searcher, terms.sounds, in_hit, hits, cross)  # names found as transliterations
    in_hit = in_hit | heard
    frequency = np.maximum(frequency, heard.sum(axis=1))
    anywhere = frequency > 0
    n = store.count if allowed is None else int(allowed.sum())
    rarity = _rarity(frequency, n)
    weight = rarity.sum()
    every = np.ones(n_words, dtype=bool)
    zeros = np.zeros(len(hits))
    coverage_hit = _share(in_hit, every) if n_words else zeros
    weighted_hit = (rarity @ in_hit) / weight if weight > 0 else zeros
    sentence_cover = (rarity @ _in_sentences(searcher.chooser, terms, pids, sentences)) / weight if weight > 0 else zeros
    key_hit = _share(in_hit, terms.key) * np.ones(len(hits))
    coverage_index = float(_share(anywhere, every)) if n_words else 0.0
    weighted_index = float(rarity @ anywhere / weight) if weight > 0 else 0.0
    key_index = float(_share(anywhere, terms.key))
    top = np.asarray(candidates[:MARGIN_CANDIDATES], dtype=np.int64)
    margin = _margins(searcher, q, top, None if candidate_dense is None else candidate_dense[:MARGIN_CANDIDATES],
                      hits, (raw_passage + raw_sentence) / 2.0)
    k = len(hits)
    key_absent = float((~anywhere & terms.key).any())  # a word it names is nowhere in the index
    # A name's word nowhere in the index (in either language, through the bridge or by sound) while
    # the hit is in the question's language: the name is not just spelt otherwise in another
    # language's passage, the folder does not know it (numbers and dates left out: a right passage
    # may give a year the question names only as "that season").
    name_absent = float((~anywhere & terms.key & ~terms.quantity).any()) * (1.0 - cross)
    zh_question = 1.0 if lang == "zh" else 0.0  # with zh_cross: the verdict's threshold per direction
    return np.column_stack([passage_sim, sentence_sim, coverage_hit, weighted_hit, sentence_cover, key_hit,
                            np.full(k, coverage_index), np.full(k, weighted_index), np.full(k, key_index),
                            margin, _type_match(searcher.chooser, wants, pids, sentences),
                            cross, np.full(k, key_absent),
                            _lexical_first(searcher, candidates, candidate_lexical, hits),
                            _contradicts(candidates, candidate_conflicts, hits),
                            _name_keys_hit(searcher.candidates.name_holders(tokens) if name_holders is None
                                           else name_holders, hits),
                            name_absent, period_conflicts(searcher, question, tokens, hits, period_holders),
                            place_conflicts(searcher, question, hits), value_conflicts(searcher, question, hits),
                            np.full(k, zh_question), zh_question * cross,
                            quoted_hit(store, searcher.index.documents, searcher.doc_of, hits, quoted_terms(question),
                                       cross)]).astype(np.float64)


def _name_keys_hit(holders: dict[str, np.ndarray], hits: np.ndarray) -> np.ndarray:
    """Share of the question's name keys (qa.names: pinyin spellings, 吕本富 / "Lu Benfu") that the
    index holds (``holders``: CandidateFinder.name_holders) and the hit holds too; 1 when the index
    holds none (nothing to miss)."""
    if not holders:
        return np.ones(len(hits))
    return np.mean([among(hits, holding) for holding in holders.values()], axis=0)


def _contradicts(candidates: np.ndarray, conflicts: np.ndarray | None, hits: np.ndarray) -> np.ndarray:
    """1 for a hit the ranking found contradicting the question (another quarter, year or phase
    than the one asked, or none of the names it is about: qa.candidates) and still shows."""
    if conflicts is None or not conflicts.any():
        return np.zeros(len(hits))
    return np.isin(hits, np.asarray(candidates)[np.asarray(conflicts, dtype=bool)]).astype(np.float64)


def _lexical_first(searcher, candidates: np.ndarray, lexical: np.ndarray | None, hits: np.ndarray) -> np.ndarray:
    """1 for a hit from the document of the candidate that words alone rank first (BM25, directly
    and through the bridge): the two rankings agree on it. 0 when no candidate matched a word."""
    if lexical is None or not len(candidates) or float(np.max(lexical)) <= 0.0:
        return np.zeros(len(hits))
    top = searcher.doc_of[int(candidates[int(np.argmax(lexical))])]
    return (searcher.doc_of[hits] == top).astype(np.float64)


def _cross(columns, lang: str, hits: np.ndarray) -> np.ndarray:
    """1 for a hit with no text in the question's language ``lang`` (cross-lingual cosines run lower;
    a question in neither script is taken as English)."""
    own = columns.has_lang.get("zh" if lang == "zh" else "en")
    return np.ones(len(hits)) if own is None else (~np.asarray(own)[hits]).astype(np.float64)


def _type_match(chooser, wants: str, pids: list[int], sentences: list[int]) -> np.ndarray:
    """1 when the question asks for no quantity, else whether the highlighted sentence holds one of
    the kind it asks for (a date, a percentage, a number: an amount of money or a count is a number
    here). ``wants``: qa.answer_types.answer_type of the question."""
    letter = {"m": "n", "c": "n"}.get(wants, wants)
    if not letter or letter not in "dpn":
        return np.ones(len(pids))
    return np.array([j >= 0 and letter in chooser.sentences(pid)[j][3] for pid, j in zip(pids, sentences)],
                    dtype=np.float64)


def _margins(searcher, q: np.ndarray, candidates: np.ndarray, cand_dense: np.ndarray | None, hits: np.ndarray,
             dense: np.ndarray) -> np.ndarray:
    """Each hit's dense score less the best dense score of a candidate from another document."""
    if not len(candidates):
        return np.full(len(hits), MARGIN_CAP)
    if cand_dense is None:  # lexical mode: the search had no dense scores
        sims = np.asarray(searcher.store.vectors(candidates), dtype=np.float32) @ q
        best = searcher.candidates._best_sentences(candidates, q)
        cand_dense = (sims + best) / 2.0
    cand_doc = searcher.doc_of[candidates]
    out = np.empty(len(hits))
    for i, pid in enumerate(hits):
        other = cand_dense[cand_doc != searcher.doc_of[pid]]
        out[i] = dense[i] - other.max() if len(other) else MARGIN_CAP
    return np.clip(out, -MARGIN_CAP, MARGIN_CAP)


# -- the calibrated probability --------------------------------------------------------------------

@dataclass(frozen=True)
class Calibration:
    """A logistic regression over standardised FEATURES, and the verdict's default threshold. A hit
    with no text in the question's language (``cross``) adds ``cross_coef`` to the weights (zero but
    for CROSS_WEIGHTED; None: no weights of its own)."""

    model: str
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    features: tuple[str, ...] = FEATURES
    centres: Centres | None = None  # the cosines' centres (centred_cosines) the weights were fitted with
    cross_coef: np.ndarray | None = None

    def probability(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64)
        standard = (rows - self.mean) / self.scale
        z = standard @ self.coef + self.intercept
        if self.cross_coef is not None and "cross" in self.features:
            z = z + (rows[..., self.features.index("cross")] >= 0.5) * (standard @ self.cross_coef)
        sure = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        return np.where(vetoed(rows, self.features), 0.0, sure)

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6), "threshold": self.threshold,
                **({"cross_coef": self.cross_coef.round(6).tolist()} if self.cross_coef is not None else {}),
                **({"centres": self.centres.to_dict()} if self.centres is not None else {})}

    @classmethod
    def from_dict(cls, model: str, d: dict) -> "Calibration":
        return cls(model, np.array(d["mean"]), np.array(d["scale"]), np.array(d["coef"]),
                   float(d["intercept"]), float(d["threshold"]), tuple(d["features"]),
                   Centres.from_dict(d["centres"]) if "centres" in d else None,
                   np.array(d["cross_coef"]) if "cross_coef" in d else None)


def vetoed(rows: np.ndarray, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """Per row of ``features``: the hit's document contradicts the period, the place or a value the
    question asks (``VETOES``), so it does not answer. As a weight in the regression the period rule was
    shrunk by its L2 penalty to a few log-odds (no right first hit of the calibration data shows it,
    yet a passage sharing most of the question's words outweighed it: Q1 asked, a report on Q3 kept
    at 64%)."""
    rows = np.asarray(rows, dtype=np.float64)
    out = np.zeros(rows.shape[:-1], dtype=bool)
    if not rows.size:
        return out
    for name in VETOES:
        if name in features:
            out |= rows[..., features.index(name)] >= 0.5
    return out


@lru_cache(maxsize=8)
def load_calibration(model: str, path: Path = CALIBRATION) -> Calibration | None:
    """The calibration fitted for ``model``; None when there is none (then hits carry no confidence
    and answers no verdict), or when it was fitted on other features than this code computes."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))["models"].get(model)
    except (OSError, ValueError, KeyError):
        return None
    if not stored or tuple(stored.get("features", ())) != FEATURES or "centres" not in stored:
        return None
    return Calibration.from_dict(model, stored)


def env_min_confidence() -> float | None:
    """$QA_MIN_CONFIDENCE as a number between 0 and 1, or None when it is not set. Raises InputError;
    long-running faces (``qa serve``, ``qa mcp``) call it at startup, so a bad value stops them once
    instead of failing every question."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{ENV}={raw!r} is not a number: set it between 0 and 1, e.g. 0.5") from None
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{ENV}={raw!r} is not between 0 and 1: set it between 0 and 1, e.g. 0.5")
    return value


def min_confidence(given: float | None, calibration: Calibration | None) -> float | None:
    """The verdict's threshold: the one given, else $QA_MIN_CONFIDENCE, else the calibration's."""
    if given is None:
        given = env_min_confidence()
    if given is not None:
        if not 0.0 <= given <= 1.0:
            raise InputError(f"the minimum confidence must be between 0 and 1 (got {given})")
        return float(given)
    return calibration.threshold if calibration is not None else None
