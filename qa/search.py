"""Retrieval over a loaded index: dense and lexical candidates, fused, cited and highlighted."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .answer import Citation, Highlight, Hit
from .blas import one_blas_thread
from .embedding import Embedder
from .errors import InputError
from .fusion import top_k, weighted_sum
from .index_files import StoredIndex
from .segment import HAN, detect_language, tokenize

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100  # per signal; the fused ranking is taken from their union
SENTENCE_CACHE = 4096  # passages whose sentences' text analysis is kept between questions
PER_DOCUMENT = 3  # of one document's candidate passages, how many compete to answer first
# Weights of the hybrid score, each signal z-normalised over the candidates first. Dictionary-bridged
# BM25 counts half: a translation guesses at the sense, and an English term maps to several Chinese
# words (measured on the dev sets: see benchmarks/RESULTS.md, "Quality"). Where candidates have both
# kinds of lexical evidence, the weight is mixed in proportion (Searcher._lexical_weight).
W_DENSE, W_LEXICAL, W_BRIDGE = 1.0, 1.0, 0.5
# Choosing the sentence to highlight: similarity + W_OVERLAP * the IDF-weighted share of the
# question's words it holds (words naming the document's topic count W_TOPIC as much, since every
# sentence is about the topic) + W_ANSWER_TYPE if the question asks for a quantity and it holds one.
W_OVERLAP, W_TOPIC, W_ANSWER_TYPE = 1.0, 0.25, 0.2
# A question whose words all name the document's topic ("What is X?", "X是什么？") asks about the topic
# itself, and the document's lead sentence is where it is defined: that sentence gets W_LEAD.
W_LEAD = 0.5
_ASKS_QUANTITY = re.compile(
    r"多少|几|多大|多高|多长|多远|多重|多久|多深|多宽|哪一?年|何年|何时|什么时候|哪一?天|年份|日期|面积|人口|比例"
    r"|\bhow (?:many|much|long|old|big|far|large|tall|high|often)\b|\bwhen\b|\bwhat (?:year|percentage|date)\b"
    r"|\bwhich year\b", re.IGNORECASE)
_QUANTITY = re.compile(r"\d|[一二三四五六七八九十两百千万亿]+(?:年|月|日|个|位|名|人|米|公里|千米|平方|岁|世纪|倍|%|％)")
_NON_WORD = re.compile(r"[^\w]+")
_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN = re.compile("[a-z]")  # search tokens are lower case


def _sentence_text(passage: dict, j: int) -> str:
    """The cited text of a passage record's j-th sentence."""
    s, e = passage["sentences"][j]
    return passage["text"][s - passage["start"]:e - passage["start"]]


def _searchable(text: str) -> str:
    """Sentence text for term look-ups: NFKC, lower case, runs of non-word characters as one space."""
    return " " + _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower())


def _holds(text: str, term: str) -> bool:
    """Whether a sentence (as ``_searchable`` gives it) holds a search term: a Chinese word anywhere,
    an English stem at the start of a word. Substring tests: tokenizing every sentence of every hit
    with jieba cost more than the rest of a query. The stemmer's one change that is not a cut, a
    final y made i (ferry -> ferri, city -> citi), is undone for the test."""
    if _HAN_CHAR.match(term):
        return term in text
    return f" {term}" in text or (term.endswith("i") and f" {term[:-1]}y" in text)


def _not_an_answer(sentence: str) -> bool:
    """A Markdown heading names what follows, and a question asks: neither answers one."""
    text = sentence.strip()
    return text.startswith("#") or text.endswith(("?", "？"))


def asks_quantity(question: str) -> bool:
    """The question asks for a number, a date or an amount (classic answer-type matching)."""
    return bool(_ASKS_QUANTITY.search(question))


def has_quantity(sentence: str) -> bool:
    return bool(_QUANTITY.search(sentence))


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


@dataclass
class _Topic:
    """What a document is about: the words of its title and lead sentence, its title as
    ``_searchable`` text, and where its lead sentence is (passage id, sentence number)."""

    terms: set[str]
    title: str
    lead_passage: int
    lead_sentence: int


class _AnswerFinder:
    """The answering sentence of a passage and its score, for one question (computed once a passage).
    Each sentence is read in its own language: a sentence in the other language than the question's
    is matched against the question's dictionary translation (mixed documents answer in either)."""

    def __init__(self, searcher: "Searcher", scored: Scored, q: np.ndarray | None, wants_number: bool):
        self.searcher, self.scored, self.q, self.wants_number = searcher, scored, q, wants_number
        self.readings: dict[str, tuple[set[str], dict[str, float]]] = {}
        self.found: dict[int, tuple[int, float]] = {}

    def __call__(self, pid: int) -> tuple[int, float]:
        if pid not in self.found:
            self.found[pid] = self.searcher._answer_sentence(pid, self.q, self.reading, self.wants_number)
        return self.found[pid]

    def reading(self, lang: str) -> tuple[set[str], dict[str, float]]:
        """The question's words for text in ``lang`` (its own, or their translation), and the
        weights of those the index holds."""
        q_lang = self.scored.lang
        if q_lang not in ("zh", "en") or lang not in ("zh", "en"):
            lang = q_lang
        if lang not in self.readings:
            s = self.searcher
            terms = (dict.fromkeys(self.scored.tokens, 1.0) if lang == q_lang
                     else s._translate(self.scored.tokens, lang, self.scored.translated))
            self.readings[lang] = set(terms), s._term_weights(terms)
        return self.readings[lang]


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder):
        self.index, self.embedder = index, embedder
        passages = index.passages
        self.sent_lo = np.zeros(len(passages) + 1, dtype=np.int64)
        np.cumsum([len(p["sentences"]) for p in passages], out=self.sent_lo[1:])
        self._topics: dict[int, _Topic] = {}  # document -> what it is about (read when first needed)
        self._sentence_cache: OrderedDict[int, list[tuple[str, str, bool, bool]]] = OrderedDict()
        self._cache_lock = threading.Lock()
        # Which passages can take lexical evidence from a question in each language.
        self.lang_mask = {lang: np.array([lang in p["langs"] for p in passages], dtype=bool)
                          for lang in ("zh", "en")}
        self.main_lang = {lang: np.array([p["langs"][0] == lang for p in passages], dtype=bool)
                          for lang in ("zh", "en")}

    # -- scoring --------------------------------------------------------------------------------

    def _best_sentences(self, ids: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each passage in ``ids``: the best sentence similarity, and that sentence's row
        (the first one on ties), as one gather and segment-wise reductions (no Python loop)."""
        best = np.full(len(ids), -1.0, dtype=np.float32)
        rows = np.zeros(len(ids), dtype=np.int64)
        if not len(ids):
            return best, rows
        lo, hi = self.sent_lo[ids], self.sent_lo[np.asarray(ids) + 1]
        lens = hi - lo
        full = lens > 0
        if not full.any():
            return best, rows
        lo, lens = lo[full], lens[full]
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        gather = np.repeat(lo - starts, lens) + np.arange(int(lens.sum()))
        sims = np.asarray(self.index.sentence_vectors[gather], dtype=np.float32) @ q
        top = np.maximum.reduceat(sims, starts)
        pos = np.where(sims == np.repeat(top, lens), np.arange(len(sims)), len(sims))
        first = np.minimum.reduceat(pos, starts)
        best[full], rows[full] = top, gather[first]
        return best, rows

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
            sentence_sim, _ = self._best_sentences(ids, q)
            dense = (passage_sim + sentence_sim) / 2.0
        else:
            dense = np.zeros(len(ids), dtype=np.float32)
        both = (lexical + bridged).astype(np.float64)  # disjoint: a passage gets one or the other
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
        and through the dictionary bridge where it does not (None when no passage needs it). Raw
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
            return self._search(question, k, mode, allowed)

    def _search(self, question: str, k: int, mode: str, allowed: np.ndarray | None) -> list[Hit]:
        scored = self.score(question, mode, allowed=allowed)
        q = scored.query_vector
        if q is None and len(scored.ids):
            q = self.embedder.embed([question])[0]  # lexical mode: the model only picks the sentence
        answer = _AnswerFinder(self, scored, q, asks_quantity(question))
        order = self._best_passage_first(scored.ids, k, answer)
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            pid = int(scored.ids[i])
            hits.append(self._hit(pid, rank, float(scored.fused[i]), float(scored.dense[i]),
                                  float(scored.lexical[i]), answer(pid)[0]))
        return hits

    def _best_passage_first(self, ids: np.ndarray, k: int, answer: "_AnswerFinder") -> list[int]:
        """Positions into ``ids``, in the order to show them: documents keep the rank of their best
        passage, and among one document's candidate passages (its PER_DOCUMENT best) the one whose
        sentence answers best takes the document's first place. Passage scores alone choose badly
        between passages of one document: the words naming its topic (the title, the subject's
        name) are in all of them and decide nothing about which one answers."""
        order = list(range(len(ids)))
        docs = [self.index.passages[int(pid)]["doc"] for pid in ids]
        seen: set[int] = set()
        for doc in docs[:k]:
            if doc in seen:
                continue
            seen.add(doc)
            slots = [i for i, d in enumerate(docs) if d == doc][:PER_DOCUMENT]
            if len(slots) > 1:
                best = sorted(slots, key=lambda i: -answer(int(ids[i]))[1])
                for slot, i in zip(slots, best):
                    order[slot] = i
        return order

    def _topic(self, doc: int) -> _Topic:
        topic = self._topics.get(doc)
        if topic is None:
            topic = self._topics[doc] = self._read_topic(doc)
        return topic

    def _read_topic(self, doc: int) -> _Topic:
        d = self.index.documents[doc]
        title = _searchable(d.get("title") or "").strip()
        if d.get("passages"):
            first = self.index.passages[d["first"]]
            for j in range(len(first["sentences"])):
                text = _sentence_text(first, j)
                if _searchable(text).strip() != title and not _not_an_answer(text):  # the lead says something
                    return _Topic(set(tokenize(f"{d.get('title') or ''}\n{text}")), title, d["first"], j)
        return _Topic(set(tokenize(d.get("title") or "")), title, -1, -1)

    def _term_weights(self, terms: dict[str, float]) -> dict[str, float]:
        """Each query term's weight times its IDF in the index. A term the index lacks counts as the
        rarest (seen once): the question still asks about it, and a sentence can hold it inside a
        longer word (聘为 in 受聘为)."""
        bm25 = self.index.bm25
        out = {}
        for t, w in terms.items():
            i = bm25.vocab.get(t)
            df = int(bm25.indptr[i + 1] - bm25.indptr[i]) if i is not None else 1
            out[t] = w * float(np.log(1.0 + (bm25.n_docs - df + 0.5) / (df + 0.5)))
        return out

    def _sentences(self, pid: int) -> list[tuple[str, str, bool, bool]]:
        """What the highlight step reads of each sentence of a passage, the same for every question
        (kept for the last SENTENCE_CACHE passages): its ``_searchable`` text, its language, whether
        it can be an answer (not a heading, a question, or the title again), whether it holds a
        quantity."""
        with self._cache_lock:
            found = self._sentence_cache.get(pid)
            if found is not None:
                self._sentence_cache.move_to_end(pid)
                return found
        p = self.index.passages[pid]
        title = self._topic(p["doc"]).title
        found = []
        for j in range(len(p["sentences"])):
            text = _sentence_text(p, j)
            words = _searchable(text)
            lang = detect_language(text) if len(p["langs"]) > 1 else p["langs"][0]
            found.append((words, lang, words.strip() != title and not _not_an_answer(text), has_quantity(text)))
        with self._cache_lock:
            self._sentence_cache[pid] = found
            if len(self._sentence_cache) > SENTENCE_CACHE:
                self._sentence_cache.popitem(last=False)
        return found

    def _answer_sentence(self, pid: int, q: np.ndarray,
                         reading: Callable[[str], tuple[set[str], dict[str, float]]],
                         wants_number: bool = False) -> tuple[int, float]:
        """The passage's sentence that best answers, and its score: closeness in meaning plus the
        share of the question's (IDF-weighted) words it contains, plus the answer-type and lead
        bonuses. ``reading(lang)`` gives the question's words for text in ``lang`` and the weights
        of those the index holds. A heading, a question, or a line that only repeats the document's
        title is not an answer (unless the passage has nothing else)."""
        lo, hi = int(self.sent_lo[pid]), int(self.sent_lo[pid + 1])
        if hi <= lo:
            return -1, float("-inf")
        score = np.asarray(self.index.sentence_vectors[lo:hi], dtype=np.float32) @ q
        p = self.index.passages[pid]
        topic = self._topic(p["doc"])
        terms, _ = reading(p["langs"][0])
        if terms and terms <= topic.terms and topic.lead_passage == pid:
            score[topic.lead_sentence] += W_LEAD
        # The document's topic (its title, its lead sentence) is what every sentence is about:
        # question words naming it do not tell sentences apart, the other question words do.
        overlap: dict[str, tuple[dict[str, float], float]] = {}
        for j, (words, lang, answers, quantity) in enumerate(self._sentences(pid)):
            if not answers and hi - lo > 1:
                score[j] = -np.inf
                continue
            if lang not in overlap:
                weights = {t: w * (W_TOPIC if t in topic.terms else 1.0) for t, w in reading(lang)[1].items()}
                overlap[lang] = weights, sum(weights.values())
            weights, total = overlap[lang]
            if total > 0:
                score[j] += W_OVERLAP * sum(w for t, w in weights.items() if _holds(words, t)) / total
            if wants_number and quantity:
                score[j] += W_ANSWER_TYPE
        best = int(np.argmax(score))
        return best, float(score[best])

    def _hit(self, pid: int, rank: int, fused: float, dense: float, lexical: float, sent: int) -> Hit:
        p = self.index.passages[pid]
        doc = self.index.documents[p["doc"]]
        citation = Citation(path=doc["path"], char_start=p["start"], char_end=p["end"],
                            line_start=p["line_start"], line_end=p["line_end"], title=doc.get("title"),
                            source=doc.get("source"), date=doc.get("date"), page=p.get("page"))
        highlight = None
        if 0 <= sent < len(p["sentences"]):
            s, e = p["sentences"][sent]
            highlight = Highlight(text=_sentence_text(p, sent), char_start=s, char_end=e)
        return Hit(rank=rank, text=p["text"], citation=citation, highlight=highlight, score=round(fused, 6),
                   scores={"dense": round(dense, 6), "lexical": round(lexical, 6)},
                   lang=p["langs"][0], passage_id=pid)
