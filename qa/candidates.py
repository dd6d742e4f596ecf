"""Finding a question's candidate passages and their evidence: the dense nearest passages and the
best lexical (BM25) ones, direct and through the dictionary bridge, each candidate with its dense
score (passage and best sentence similarity) and its two lexical scores. Ranking them is qa.fusion's."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .lazy_scores import LazyScores
from .once_per_word import WordTerms, counted_once
from .periods import PeriodRule
from .segment import HAN_CHAR, detect_language, is_key, tokenize, word_weights
from .sound_keys import question_sounds
from .sparse_scores import SparseScores, among
from .stores.ann import ANN_MIN_PASSAGES
from .stores.base import Store

CANDIDATES = 100  # per signal; the fused ranking is taken from their union
_LATIN = re.compile("[a-z]")  # search tokens are lower case


@dataclass
class Candidates:
    ids: np.ndarray  # passage ids, ascending
    dense: np.ndarray  # (passage similarity + best sentence similarity) / 2; zeros in lexical mode
    direct: np.ndarray  # BM25 of the question's own words
    bridged: np.ndarray  # BM25 of its dictionary translation
    query_vector: np.ndarray | None  # None in lexical mode
    tokens: list[str]  # the question's search tokens: its words, then its shared keys
    lang: str  # the question's language
    translated: dict[str, dict[str, float]]  # language -> the question's terms in it, via the bridge


class CandidateFinder:
    def __init__(self, store: Store, embedder: Embedder):
        self.store, self.embedder = store, embedder
        columns = store.columns()
        self.sentence_counts = columns.sentences
        # Which passages can take lexical evidence from a question in each language.
        self.lang_mask = columns.has_lang
        self.main_lang = {lang: columns.lang == lang for lang in ("zh", "en")}
        self._lang_masks: dict[str, tuple | None] = {}
        self.periods = PeriodRule(store)  # which candidates name another period than the one asked
        # Equal BM25 scores straddling the last candidate's place: below the approximate size they are
        # chosen among as an array over every passage chooses (answers as they always were); from it,
        # where results are approximate anyway, by passage id, without that array (at a million tiled
        # passages most questions have such ties: p50 47.6 -> 34.3 ms, 2026-12-01).
        # From that size, too, the best lexical candidates are found without summing every posting of
        # a question's common terms (qa.lazy_scores: the same candidates and scores).
        self._pruned = store.count >= ANN_MIN_PASSAGES
        self._ties_over = 0 if self._pruned else store.count

    def find(self, question: str, mode: str, candidates: int = CANDIDATES,
             allowed: np.ndarray | None = None) -> Candidates:
        """The union of the best ``candidates`` passages by each signal the mode uses. ``allowed`` (a
        bool per passage, from qa.filters) limits them to those passages before any is chosen."""
        q_lang = detect_language(question)
        tokens = tokenize(question, question=True)
        lexical_all = bridged_all = None
        translated: dict[str, dict[str, float]] = {}
        heard = question_sounds(self, question, tokens, q_lang, translated) if mode != "dense" else {}
        if mode != "dense":
            lexical_all, bridged_all = self._lexical(tokens, q_lang, translated, heard)
            if allowed is not None:
                lexical_all = lexical_all.where(allowed)
                if bridged_all is not None:
                    bridged_all = bridged_all.where(allowed)
        q = None
        pools = []
        if mode != "lexical":
            q = self.embedder.embed([question])[0]
            # With a filter the store searches the allowed passages only, so a filter never hides an
            # allowed passage behind disallowed ones.
            pools.append(self.store.search(q, candidates, allowed)[1])
        for signal in (lexical_all, bridged_all):
            if signal is not None:
                pools.append(signal.top(candidates, self._ties_over))
        ids = np.unique(np.concatenate(pools)) if pools else np.zeros(0, dtype=np.int64)
        ids = ids[ids >= 0]
        direct = lexical_all.at(ids) if lexical_all is not None else np.zeros(len(ids), np.float32)
        bridged = bridged_all.at(ids) if bridged_all is not None else np.zeros(len(ids), np.float32)
        if bridged_all is not None and len(ids):  # (a question in one language, an index with both)
            direct, bridged = self._once_per_word(ids, direct, bridged, tokens, q_lang, translated, heard)
        if q is not None and len(ids):
            passage_sim = self.store.vectors(ids) @ q
            sentence_sim = self._best_sentences(ids, q)
            dense = (passage_sim + sentence_sim) / 2.0
        else:
            dense = np.zeros(len(ids), dtype=np.float32)
        return Candidates(ids, dense, direct, bridged, q, tokens, q_lang, translated)

    def name_holders(self, tokens: list[str]) -> dict[str, np.ndarray]:
        """The question's name keys (qa.names) that the index holds, sorted, each with the passages
        holding it (their ids, ascending). Worked out once per question: the ranking
        (``lacking_names``) and the confidence (qa.confidence) both read them."""
        names = sorted(self.store.known_terms({t for t in tokens if t[0] == "~"}))
        return {name: self.store.lexical_holders([name]) for name in names}

    def word_name_holders(self, names: list[tuple[str, ...]], lang: str) -> dict[str, np.ndarray]:
        """The question's names (qa.names.question_names), each with the passages holding it (their
        ids, ascending, as ``name_holders`` gives them: ``lacking_names`` reads both): a passage holds a name when it holds each of its words, as itself or as
        one of its translations through the dictionary bridge (Strait Wind / 海峡 + 风, Taichung / 台中,
        越南 / Vietnam). Where some words of a name translate into the dictionary's proper names, those
        words alone tell it: the bridge translates word by word, and "Greater Los Angeles Area" is
        洛杉矶 plus the general words around it, which a passage naming 大洛杉矶地区 need not hold. A
        name with a word the index holds in neither form (a romanised name no English text spells:
        its name key tells it) is left out."""
        other = {"zh": "en", "en": "zh"}.get(lang)
        if other is None or not names:
            return {}
        from .bridge import load_bridge, translate_query

        bridge = load_bridge()
        out = {}
        for name in names:
            words = []
            for word in name:
                terms = self.store.known_terms({word}) | set(translate_query([word], other, self.store.known_terms))
                if not terms:
                    break
                proper = lang == "en" and bridge is not None and any(bridge.is_name(t) for t in terms if t != word)
                words.append((terms, proper))
            else:
                told_by = [terms for terms, proper in words if proper] or [terms for terms, _ in words]
                holds = self.store.lexical_holders(told_by[0])
                for terms in told_by[1:]:
                    holds = np.intersect1d(holds, self.store.lexical_holders(terms), assume_unique=True)
                out["'" + " ".join(name)] = holds
        return out

    def lacking_names(self, holders: dict[str, np.ndarray], lang: str, ids: np.ndarray) -> np.ndarray | None:
        """For each passage in ``ids``, whether it lacks every name the question is about: the
        question's name keys (``holders``, from ``name_holders``) that some candidate in the other
        language holds. A question naming Hongjing or 宏晶 is about that company, and a passage
        naming neither is about another, however many of the question's other words it shares.
        Only names found across languages count, as in BM25: a Chinese question's nouns give keys
        that can meet a name in Chinese text by chance (叶子 and someone called Yezi), while English
        text gives keys only for capitalised pinyin. None when no candidate in the other language
        holds one."""
        other = self.lang_mask.get("en" if lang == "zh" else "zh") if lang in ("zh", "en") else None
        if other is None or not holders or not len(ids):
            return None
        across = other[ids]
        held = np.zeros(len(ids), dtype=bool)
        for holding in holders.values():
            holds = among(ids, holding)
            if (holds & across).any():
                held |= holds
        return ~held if held.any() else None

    def _best_sentences(self, ids: np.ndarray, q: np.ndarray) -> np.ndarray:
        """For each passage in ``ids``: its best sentence similarity (-1 for a passage without
        sentences), as one gather and a segment-wise maximum (no Python loop)."""
        best = np.full(len(ids), -1.0, dtype=np.float32)
        if not len(ids):
            return best
        lens = self.sentence_counts[ids]
        full = lens > 0
        if not full.any():
            return best
        lens = lens[full]
        starts = np.zeros(len(lens), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        sims = self.store.sentence_vectors(np.asarray(ids)[full]) @ q
        best[full] = np.maximum.reduceat(sims, starts)
        return best

    def _lexical(self, tokens: list[str], q_lang: str, translated: dict[str, dict[str, float]],
                 heard: dict[str, float]) -> tuple[SparseScores | LazyScores, SparseScores | LazyScores | None]:
        """BM25 of every passage, two ways: directly where the passage shares the question's language,
        and through the dictionary bridge where it does not, or where only its title does (its body,
        its main language, is the other one; then the translations alone, since the words the
        question shares with it already count directly). None when no passage needs the bridge.

        Raw cross-language matches count directly only where they mean the same in both languages:
        the Latin-script words of a Chinese question (names and codes such as "Brindle" or "HBM3E"
        are written the same in English passages and decide which of them is meant), and the shared
        keys of quantities and names (qa.quantities, qa.names: "48亿" / "4.8 billion", 吕本富 /
        "Lu Benfu"). Other raw matches of an English question in Chinese passages are noise (stray
        words and numbers). A name's key counts only across languages: in the question's own
        language the name's words already match. The translated question is left in
        ``translated``; ``heard``: the sound keys of its untranslated names (qa.sound_keys), counted
        as translations."""
        words = [t for t in tokens if not is_key(t)]
        query = words + [t for t in tokens if t[0] == "="]
        masks = self.masks(q_lang)
        if masks is None:
            return self._hits(query), None
        same, other, mixed, other_lang = masks
        if other is None and mixed is None:
            return self._hits(query).where(same), None
        # Passages in the other language are matched through the dictionary, where each word of the
        # question counts once; so does each here, however jieba splits it or whatever English terms
        # the dictionary renders as one word ("Hong Kong": segment.word_weights). An
        # index in one language compares no translations, and keeps plain BM25.
        terms = self.translate(tokens, other_lang, translated)
        direct = self._weighted_hits(word_weights(query, getattr(terms, "phrases", ()))).where(same)
        terms = terms.joined(heard)
        bridged = self._weighted_hits(terms).where(other) if other is not None else self._no_hits()
        if mixed is not None:
            own = set(words)
            translations = {t: w for t, w in terms.items() if t not in own}
            bridged = bridged + self._weighted_hits(translations).where(mixed)
        shared = [t for t in words if _LATIN.search(t)] if q_lang == "zh" else []
        shared += [t for t in tokens if is_key(t)]
        if shared:
            cross = self._hits(shared).where(other) if other is not None else self._no_hits()
            names = [t for t in tokens if t[0] == "~"]
            if names and mixed is not None:
                cross = cross + self._hits(names).where(mixed)
            direct = direct + cross
        return direct, bridged

    def _once_per_word(self, ids: np.ndarray, direct: np.ndarray, bridged: np.ndarray, tokens: list[str],
                       q_lang: str, translated: dict[str, dict[str, float]], heard: dict) -> tuple[np.ndarray, np.ndarray]:
        """``direct`` and ``bridged`` of the candidates ``ids`` with each question word counted once in
        a passage in the other language (qa.once_per_word): a word's translation and its name key
        (宁远: "ningyuan" and ~ningyuan), and in a passage mainly in the other language with text in
        the question's (a Chinese title over an English body) the word itself too. As ``_lexical``
        counts them: there the question's words, their translations (with its names' sound keys,
        ``heard``) less those words, its name keys; in a passage only in the other language its
        translations, its name keys and, for a Chinese question, its Latin-script words. Work: a
        binary search of those candidates in the postings of each question term, key and translation."""
        masks = self.masks(q_lang)
        if masks is None:
            return direct, bridged
        same, other, mixed, other_lang = masks
        words = [t for t in tokens if not is_key(t)]
        terms = self.translate(tokens, other_lang, translated).joined(heard)
        keys = Counter(t for t in tokens if t[0] == "~")
        spellings = None
        if keys:
            from .names import pinyin_spellings

            spellings = pinyin_spellings([w for w in dict.fromkeys(words) if HAN_CHAR.match(w)])
        sources = getattr(terms, "sources", {})
        own = set(words)
        kinds = []
        if mixed is not None:
            weights = word_weights(words, getattr(terms, "phrases", ()))
            kinds.append((mixed, weights, {t: w for t, w in terms.items() if t not in own}))
        if other is not None:
            kinds.append((other, {}, terms))
        read: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}  # a term's postings, read once for both kinds
        for mask, weights, translation in kinds:
            where = np.flatnonzero(mask[ids])
            if not len(where):
                continue
            at = ids[where]

            def scores(term: str) -> np.ndarray:
                out = np.zeros(len(at), dtype=np.float32)
                if term not in read:
                    read[term] = self.store.lexical_parts([term])
                for holders, contributions in read[term]:
                    if len(holders):
                        pos = np.minimum(np.searchsorted(holders, at), len(holders) - 1)
                        found = holders[pos] == at
                        out[found] += contributions[pos[found]]
                return out

            by_word = WordTerms({**weights, **keys}, translation, sources, spellings or {})
            direct, bridged = counted_once(direct, bridged, where, by_word, scores)
        return direct, bridged

    def _hits(self, tokens: list[str]) -> SparseScores | LazyScores:
        if self._pruned:
            return LazyScores.of(self.store.lexical_parts(tokens), self.store.count)
        return self.store.lexical_hits(tokens)

    def _weighted_hits(self, terms: dict[str, float]) -> SparseScores | LazyScores:
        if self._pruned:
            return LazyScores.of(self.store.weighted_lexical_parts(terms), self.store.count)
        return self.store.weighted_lexical_hits(terms)

    def _no_hits(self) -> SparseScores | LazyScores:
        return LazyScores.of([], self.store.count) if self._pruned else SparseScores.empty()

    def masks(self, q_lang: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str] | None:
        """For a question in ``q_lang``: (passages in its language, passages only in the other
        language, passages mainly in the other language with text in its language, the other
        language); a mask none holds is None. None for a question in neither language. Worked out
        once per language (each is a pass over every passage)."""
        if q_lang not in self._lang_masks:
            same = self.lang_mask.get(q_lang)
            if same is None:
                self._lang_masks[q_lang] = None
            else:
                other_lang = "en" if q_lang == "zh" else "zh"
                other = self.lang_mask[other_lang] & ~same
                mixed = self.main_lang[other_lang] & same
                self._lang_masks[q_lang] = (same, other if other.any() else None,
                                            mixed if mixed.any() else None, other_lang)
        return self._lang_masks[q_lang]

    def translate(self, tokens: list[str], lang: str, translated: dict[str, dict[str, float]]) -> dict[str, float]:
        """The question's terms in ``lang`` through the dictionary, once per question (kept in
        ``translated``): its words (``tokens`` less its keys), without a rendering that names a
        period, ordinal or month its keys do not (qa.bridge.translate_query's ``asked``)."""
        if lang not in translated:
            from .bridge import translate_query

            translated[lang] = translate_query([t for t in tokens if not is_key(t)], lang, self.store.known_terms,
                                               asked=[t for t in tokens if t[0] == "="])
        return translated[lang]

    def readings(self, tokens: list[str], translated: dict[str, dict[str, float]]):
        """(the question's own terms, its terms for text in another language) for the highlight: its
        words and the quantity keys the index has, as they are; for the other language its words
        through the dictionary and every shared key the index has. A name's key counts across
        languages only, and a key no passage has would only dilute the share of words matched."""
        known = self.store.known_terms([t for t in tokens if is_key(t)])
        own = [t for t in tokens if not is_key(t) or (t[0] == "=" and t in known)]

        def other(lang: str) -> dict[str, float]:
            from .bridge import Translation

            terms = self.translate(tokens, lang, translated)
            return Translation({**terms, **{t: 1.0 for t in tokens if t in known}},
                               sources=getattr(terms, "sources", None))

        return own, other
