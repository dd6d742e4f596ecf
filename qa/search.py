"""Retrieval over a loaded index: dense and lexical candidates, fused, cited and highlighted."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import confidence
from .answer import Citation, Highlight, Hit
from .blas import one_blas_thread
from .embedding import Embedder
from .errors import InputError
from .fusion import top_k, weighted_sum
from .highlight import AnswerFinder, SentenceChooser, asks_quantity, sentence_text
from .index_files import StoredIndex
from .segment import detect_language, tokenize

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100  # per signal; the fused ranking is taken from their union
PER_DOCUMENT = 3  # of one document's candidate passages, how many compete to answer first
TIE = 1e-6  # answer scores closer than this are equal (the same sentence scores alike in two passages)
# Weights of the hybrid score, each signal z-normalised over the candidates first. The lexical signal
# weighs W_LEXICAL when its evidence is the question's own words and W_BRIDGE when it comes through the
# dictionary (a translation guesses at the sense, and an English term maps to several Chinese words;
# measured on the dev sets: benchmarks/RESULTS.md, "Quality"); when the candidates have both kinds, one
# weight between the two, set by their shares (Searcher._lexical_weight).
W_DENSE, W_LEXICAL, W_BRIDGE = 1.0, 1.0, 0.5
_LATIN = re.compile("[a-z]")  # search tokens are lower case


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


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder):
        self.index, self.embedder = index, embedder
        passages = index.passages
        self.sent_lo = np.zeros(len(passages) + 1, dtype=np.int64)
        np.cumsum([len(p["sentences"]) for p in passages], out=self.sent_lo[1:])
        self.doc_of = np.array([p["doc"] for p in passages], dtype=np.int64)
        self.chooser = SentenceChooser(index, self.sent_lo)
        self.calibration = confidence.load_calibration(embedder.name)
        # Which passages can take lexical evidence from a question in each language.
        self.lang_mask = {lang: np.array([lang in p["langs"] for p in passages], dtype=bool)
                          for lang in ("zh", "en")}
        self.main_lang = {lang: np.array([p["langs"][0] == lang for p in passages], dtype=bool)
                          for lang in ("zh", "en")}
        self.index_langs = {lang for lang, mask in self.lang_mask.items() if mask.any()}

    # -- scoring --------------------------------------------------------------------------------

    def _best_sentences(self, ids: np.ndarray, q: np.ndarray) -> np.ndarray:
        """For each passage in ``ids``: its best sentence similarity (-1 for a passage without
        sentences), as one gather and a segment-wise maximum (no Python loop)."""
        best = np.full(len(ids), -1.0, dtype=np.float32)
        if not len(ids):
            return best
        lo, hi = self.sent_lo[ids], self.sent_lo[np.asarray(ids) + 1]
        lens = hi - lo
        full = lens > 0
        if not full.any():
            return best
        lo, lens = lo[full], lens[full]
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        gather = np.repeat(lo - starts, lens) + np.arange(int(lens.sum()))
        sims = np.asarray(self.index.sentence_vectors[gather], dtype=np.float32) @ q
        best[full] = np.maximum.reduceat(sims, starts)
        return best

    def score(self, question: str, mode: str = "hybrid", candidates: int = CANDIDATES,
              allowed: np.ndarray | None = None) -> Scored:
        """Score candidate passages. ``allowed`` (a bool per passage, from qa.filters) limits the
        candidates to those passages before any is chosen."""
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
        store = self.index.store
        q_lang = detect_language(question)
        tokens = tokenize(question)
        lexical_all = bridged_all = None
        translated: dict[str, dict[str, float]] = {}
        if mode != "dense":
            lexical_all, bridged_all = self._lexical(tokens, q_lang, translated)
            if allowed is not None:
                lexical_all = np.where(allowed, lexical_all, 0.0).astype(np.float32)
                if bridged_all is not None:
                    bridged_all = np.where(allowed, bridged_all, 0.0).astype(np.float32)
        q = None
        pools = []
        if mode != "lexical":
            q = self.embedder.embed([question])[0]
            pools.append(self._dense_candidates(q, candidates, allowed))
        for signal in (lexical_all, bridged_all):
            if signal is not None:
                top = top_k(signal, candidates)
                pools.append(top[signal[top] > 0])
        ids = np.unique(np.concatenate(pools)) if pools else np.zeros(0, dtype=np.int64)
        ids = ids[ids >= 0]
        lexical = lexical_all[ids] if lexical_all is not None else np.zeros(len(ids), np.float32)
        bridged = bridged_all[ids] if bridged_all is not None else np.zeros(len(ids), np.float32)
        if q is not None and len(ids):
            passage_sim = store.vectors[ids] @ q
            sentence_sim = self._best_sentences(ids, q)
            dense = (passage_sim + sentence_sim) / 2.0
        else:
            dense = np.zeros(len(ids), dtype=np.float32)
        both = (lexical + bridged).astype(np.float64)  # one BM25 scale: the two kinds add up
        if mode == "dense":
            fused = dense.astype(np.float64)
        elif mode == "lexical":
            fused = both
        else:
            fused = weighted_sum([dense, both], [W_DENSE, self._lexical_weight(lexical, bridged)])
        order = np.lexsort((ids, -fused))
        return Scored(ids[order], fused[order], dense[order], both[order].astype(np.float32), q, tokens,
                      q_lang, translated)

    @staticmethod
    def _lexical_weight(direct: np.ndarray, bridged: np.ndarray) -> float:
        """The lexical signal's weight against dense: W_LEXICAL for BM25 in the passage's own
        language, W_BRIDGE for BM25 through the dictionary, mixed in proportion to how much of the
        candidates' lexical score each gives. Both are BM25 over one index, so they are summed on
        one scale and normalised together: normalising them apart (or weighting them apart) ranks
        a same-language passage that shares a topic word above the other-language passage the
        question names."""
        mass = float(direct.sum() + bridged.sum())
        if mass <= 0:
            return 0.0
        share = float(direct.sum()) / mass
        return W_LEXICAL * share + W_BRIDGE * (1.0 - share)

    def _lexical(self, tokens: list[str], q_lang: str,
                 translated: dict[str, dict[str, float]]) -> tuple[np.ndarray, np.ndarray | None]:
        """BM25 of every passage, two ways: directly where the passage shares the question's language,
        and through the dictionary bridge where it does not, or where only its title does (its body,
        its main language, is the other one; then the translations alone, since the words the
        question shares with it already count directly). None when no passage needs the bridge. Raw
        cross-language matches count only for the Latin-script words of a Chinese question: names
        and codes ("Brindle", "HBM3E") are written the same in English passages and decide which of
        them is meant. The reverse is noise: every word of an English question is Latin, and its
        hits in Chinese passages are stray words and numbers. The translated question is left in
        ``translated``."""
        bm25 = self.index.bm25
        direct = bm25.scores(tokens)
        same = self.lang_mask.get(q_lang)
        if same is None:
            return direct, None
        direct = np.where(same, direct, 0.0).astype(np.float32)
        other_lang = "en" if q_lang == "zh" else "zh"
        other = self.lang_mask[other_lang] & ~same
        mixed = self.main_lang[other_lang] & same
        if not other.any() and not mixed.any():
            return direct, None
        terms = self._translate(tokens, other_lang, translated)
        bridged = np.where(other, bm25.weighted_scores(terms), 0.0)
        if mixed.any():
            own = set(tokens)
            translations = {t: w for t, w in terms.items() if t not in own}
            bridged = bridged + np.where(mixed, bm25.weighted_scores(translations), 0.0)
        names = [t for t in tokens if _LATIN.search(t)] if q_lang == "zh" else []
        if names:
            direct = (direct + np.where(other, bm25.scores(names), 0.0)).astype(np.float32)
        return direct, bridged.astype(np.float32)

    def _translate(self, tokens: list[str], lang: str,
                   translated: dict[str, dict[str, float]]) -> dict[str, float]:
        """The question's terms in ``lang`` through the dictionary, once per question."""
        if lang not in translated:
            from .bridge import translate_query

            translated[lang] = translate_query(tokens, lang, self.index.bm25.vocab)
        return translated[lang]

    def _dense_candidates(self, q: np.ndarray, candidates: int, allowed: np.ndarray | None) -> np.ndarray:
        if allowed is None:
            return self.index.store.search(q, candidates)[1]
        # Exact search over the allowed passages only: the same inner products FAISS's flat index
        # computes, so a filter never hides an allowed passage behind disallowed ones.
        ids = np.flatnonzero(allowed)
        return ids[top_k(self.index.store.vectors[ids] @ q, candidates)] if len(ids) else ids

    # -- answers --------------------------------------------------------------------------------

    def search(self, question: str, k: int = 5, mode: str = "hybrid",
               allowed: np.ndarray | None = None) -> list[Hit]:
        question = (question or "").strip()
        if not question:
            raise InputError("the question is empty: ask something, e.g. qa ask \"What is ...?\"")
        if k < 1:
            raise InputError(f"k must be at least 1 (got {k})")
        with one_blas_thread():
            return self._search(question, k, mode, allowed)[0]

    def _search(self, question: str, k: int, mode: str,
                allowed: np.ndarray | None) -> tuple[list[Hit], np.ndarray | None]:
        """The hits, and their confidence features (qa.confidence; None without candidates)."""
        scored = self.score(question, mode, allowed=allowed)
        q = scored.query_vector
        if q is None and len(scored.ids):
            q = self.embedder.embed([question])[0]  # lexical mode: the model only picks the sentence
        answer = AnswerFinder(self.chooser, q, scored.tokens, scored.lang, asks_quantity(question),
                              lambda lang: self._translate(scored.tokens, lang, scored.translated))
        order = self._best_passage_first(scored.ids, k, answer)[:k]
        pids = [int(scored.ids[i]) for i in order]
        sentences = [answer(pid)[0] for pid in pids]
        rows = (confidence.features(self, question, q, scored.tokens, scored.ids, pids, sentences, allowed)
                if pids else None)
        sure = self.calibration.probability(rows) if rows is not None and self.calibration else None
        hits = []
        for rank, (i, pid) in enumerate(zip(order, pids), start=1):
            hits.append(self._hit(pid, rank, float(scored.fused[i]), float(scored.dense[i]),
                                  float(scored.lexical[i]), sentences[rank - 1],
                                  None if sure is None else round(float(sure[rank - 1]), 4)))
        return hits, rows

    def _best_passage_first(self, ids: np.ndarray, k: int, answer: AnswerFinder) -> list[int]:
        """Positions into ``ids``, in the order to show them. Documents keep the rank of their best
        passage; of one document's PER_DOCUMENT best candidates, the one whose sentence answers best
        takes the document's first place and the others follow in their own order (so the passage
        it displaces moves one place down the document's list, and may fall below k). Passage scores
        alone choose badly between passages of one document: the words naming its topic (the title,
        the subject's name) are in all of them and decide nothing about which one answers. Two
        passages whose answer is the same sentence (passages overlap by a sentence) are a tie, kept
        in their own order."""
        order = list(range(len(ids)))
        docs = self.doc_of[ids]
        for doc in dict.fromkeys(docs[:k].tolist()):
            slots = np.flatnonzero(docs == doc)[:PER_DOCUMENT].tolist()
            if len(slots) < 2:
                continue
            best, (best_sentence, best_score) = slots[0], answer(int(ids[slots[0]]))
            for i in slots[1:]:
                sentence, score = answer(int(ids[i]))
                if score > best_score + TIE and self._sentence_span(int(ids[i]), sentence) != \
                        self._sentence_span(int(ids[best]), best_sentence):
                    best, best_sentence, best_score = i, sentence, score
            if best != slots[0]:
                for slot, i in zip(slots, [best] + [i for i in slots if i != best]):
                    order[slot] = i
        return order

    def _sentence_span(self, pid: int, sentence: int) -> tuple[int, int] | None:
        """Where a passage's sentence is in its document (the same sentence in two passages that
        overlap has the same span)."""
        sentences = self.index.passages[pid]["sentences"]
        return tuple(sentences[sentence]) if 0 <= sentence < len(sentences) else None

    def _hit(self, pid: int, rank: int, fused: float, dense: float, lexical: float, sent: int,
             sure: float | None) -> Hit:
        p = self.index.passages[pid]
        doc = self.index.documents[p["doc"]]
        citation = Citation(path=doc["path"], char_start=p["start"], char_end=p["end"],
                            line_start=p["line_start"], line_end=p["line_end"], title=doc.get("title"),
                            source=doc.get("source"), date=doc.get("date"), page=p.get("page"))
        highlight = None
        if 0 <= sent < len(p["sentences"]):
            s, e = p["sentences"][sent]
            highlight = Highlight(text=sentence_text(p, sent), char_start=s, char_end=e)
        return Hit(rank=rank, text=p["text"], citation=citation, highlight=highlight, score=round(fused, 6),
                   scores={"dense": round(dense, 6), "lexical": round(lexical, 6)},
                   lang=p["langs"][0], passage_id=pid, confidence=sure)
