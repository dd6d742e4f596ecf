"""Retrieval over a loaded index: dense and lexical candidates, fused, cited and highlighted."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .answer import Citation, Highlight, Hit
from .embedding import Embedder
from .errors import InputError
from .fusion import top_k, weighted_sum
from .index_files import StoredIndex
from .segment import detect_language, tokenize

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100  # per signal; the fused ranking is taken from their union


@lru_cache(maxsize=1)
def _blas_limit():
    """threadpoolctl's limiter: one query's matrix-vector products run fastest on one BLAS thread
    (on busy cores OpenBLAS's spinning threads cost several milliseconds a product)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().limit


@dataclass
class Scored:
    ids: np.ndarray  # passage ids, best first
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    query_vector: np.ndarray | None


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder):
        self.index, self.embedder = index, embedder
        passages = index.passages
        self.sent_lo = np.zeros(len(passages) + 1, dtype=np.int64)
        np.cumsum([len(p["sentences"]) for p in passages], out=self.sent_lo[1:])
        # Which passages can take lexical evidence from a question in each language.
        self.lang_mask = {lang: np.array([lang in p["langs"] for p in passages], dtype=bool)
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
        store, bm25 = self.index.store, self.index.bm25
        q_lang = detect_language(question)
        lexical_all = None
        if mode != "dense":
            lexical_all = bm25.scores(tokenize(question))
            mask = self.lang_mask.get(q_lang)
            if mask is not None:
                # Lexical evidence only where the passage shares the question's language: an English
                # question's stray matches in Chinese passages (numbers, names) are noise.
                lexical_all = np.where(mask, lexical_all, 0.0).astype(np.float32)
            if allowed is not None:
                lexical_all = np.where(allowed, lexical_all, 0.0).astype(np.float32)
        q = None
        pools = []
        if mode != "lexical":
            q = self.embedder.embed([question])[0]
            pools.append(self._dense_candidates(q, candidates, allowed))
        if lexical_all is not None:
            lex_top = top_k(lexical_all, candidates)
            pools.append(lex_top[lexical_all[lex_top] > 0])
        ids = np.unique(np.concatenate(pools)) if pools else np.zeros(0, dtype=np.int64)
        ids = ids[ids >= 0]
        lexical = lexical_all[ids] if lexical_all is not None else np.zeros(len(ids), np.float32)
        if q is not None and len(ids):
            passage_sim = store.vectors[ids] @ q
            sentence_sim, _ = self._best_sentences(ids, q)
            dense = (passage_sim + sentence_sim) / 2.0
        else:
            dense = np.zeros(len(ids), dtype=np.float32)
        if mode == "dense":
            fused = dense.astype(np.float64)
        elif mode == "lexical":
            fused = lexical.astype(np.float64)
        else:
            fused = weighted_sum([dense, lexical], [1.0, 1.0 if lexical.any() else 0.0])
        order = np.lexsort((ids, -fused))
        return Scored(ids[order], fused[order], dense[order], lexical[order], q)

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
        limit = _blas_limit()
        with limit(limits=1, user_api="blas") if limit else nullcontext():
            return self._search(question, k, mode, allowed)

    def _search(self, question: str, k: int, mode: str, allowed: np.ndarray | None) -> list[Hit]:
        scored = self.score(question, mode, allowed=allowed)
        take = slice(0, k)
        ids = scored.ids[take]
        q = scored.query_vector
        if q is None and len(ids):
            q = self.embedder.embed([question])[0]  # lexical mode: the model only picks the sentence
        _, rows = self._best_sentences(ids, q) if q is not None else (None, None)
        hits = []
        for rank, (pid, fused, dense, lexical) in enumerate(zip(
                ids, scored.fused[take], scored.dense[take], scored.lexical[take]), start=1):
            hits.append(self._hit(int(pid), rank, float(fused), float(dense), float(lexical),
                                  int(rows[rank - 1]) - int(self.sent_lo[pid])))
        return hits

    def _hit(self, pid: int, rank: int, fused: float, dense: float, lexical: float, sent: int) -> Hit:
        p = self.index.passages[pid]
        doc = self.index.documents[p["doc"]]
        citation = Citation(path=doc["path"], char_start=p["start"], char_end=p["end"],
                            line_start=p["line_start"], line_end=p["line_end"], title=doc.get("title"),
                            source=doc.get("source"), date=doc.get("date"), page=p.get("page"))
        highlight = None
        if 0 <= sent < len(p["sentences"]):
            s, e = p["sentences"][sent]
            highlight = Highlight(text=p["text"][s - p["start"]:e - p["start"]], char_start=s, char_end=e)
        return Hit(rank=rank, text=p["text"], citation=citation, highlight=highlight, score=round(fused, 6),
                   scores={"dense": round(dense, 6), "lexical": round(lexical, 6)},
                   lang=p["langs"][0], passage_id=pid)
