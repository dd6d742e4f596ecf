"""Which sentence of a passage answers a question (the highlight), and how well.

A sentence's score is its similarity to the question plus the IDF-weighted share of the question's words
it holds (read in the sentence's own language), with bonuses for the answer type and, for a question
about the document's topic itself, for the lead sentence. The same score chooses which of a document's
passages is shown first (qa.search).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .answer_types import answer_kinds, names_beyond
from .headings import alone_on_its_line, not_an_answer
from .index_files import StoredIndex
from .quantities import names_a_period
from .records import Passage
from .scripts import to_simplified
from .segment import HAN, HAN_CHAR, detect_language, is_key, search_keys, tokenize

SENTENCE_CACHE = 4096  # passages whose sentences' text analysis (documents: topic) is kept between questions
# Choosing the sentence to highlight: similarity + W_OVERLAP * the IDF-weighted share of the
# question's words it holds (words naming the document's topic count W_TOPIC as much, since every
# sentence is about the topic, and its quarter, half-year or phase nothing: ``_topic_share``)
# + W_ANSWER_TYPE if it holds the kind of answer the question asks for
# (qa.answer_types: a date for "when", a percentage for "what share", an amount of money for "how much
# did it cost", a count for "how many", any number for "how long", a name for "who").
W_OVERLAP, W_TOPIC, W_ANSWER_TYPE = 1.0, 0.25, 0.2
# A question whose words all name the document's topic ("What is X?", "X是什么？") asks about the topic
# itself, and the document's lead sentence is where it is defined: that sentence gets W_LEAD.
W_LEAD = 0.5
# In a document that names its topic above the lead (a title, a headline), a sentence holding no
# question word but the topic's gets W_TOPIC_ALONE of their credit: they say which report, not which
# sentence (at 0 a lead holding the asked fact lost too often: docs/ranking.md).
W_TOPIC_ALONE = 0.5
# Matching a question's words in text of the other language is noisy: the dictionary renders a word
# several ways, some of them common words ("state", "day"), found in many of a passage's sentences.
# There a word held by many of the passage's sentences tells them apart less: its weight is blended
# W_LOCAL into its rarity among the passage's sentences (qa.highlight._sentence_rarity).
W_LOCAL = 0.5
_NON_WORD = re.compile(r"[^\w]+")
_SCRIPT_EDGE = re.compile(f"(?<=[{HAN}])(?=[a-z0-9])|(?<=[a-z0-9])(?=[{HAN}])")


def searchable(text: str) -> str:
    """Sentence text for term look-ups: NFKC, traditional Chinese as simplified, lower case, runs of
    non-word characters as one space, and a space where Chinese meets a Latin letter or digit (so
    "较2023年" holds the term 2023)."""
    text = _NON_WORD.sub(" ", to_simplified(unicodedata.normalize("NFKC", text)).lower())
    return " " + _SCRIPT_EDGE.sub(" ", text)


def needles(term: str) -> tuple[str, ...]:
    """What to look for in a sentence (as ``searchable`` gives it) to see whether it holds a search
    term: a Chinese word anywhere, an English stem at the start of a word. Substring tests:
    tokenizing every sentence of every hit with jieba cost more than the rest of a query. The
    stemmer's one change that is not a cut, a final y made i (ferry -> ferri, city -> citi), is
    undone for the test. A shared key (qa.segment.search_keys) is looked for whole among the keys
    ``SentenceChooser.keys`` appends."""
    if is_key(term):
        return (f" {term} ",)
    if HAN_CHAR.match(term):
        return (term,)
    return (f" {term}", f" {term[:-1]}y") if term.endswith("i") else (f" {term}",)


def can_answer(text: str, words: str, title: str, alone: bool = False) -> bool:
    """Whether a sentence (``text``, and ``words`` = its ``searchable`` form; ``alone``: a line of its
    own) can be an answer or a document's lead: not a heading, not a question, not the document's
    title (``searchable``) again."""
    return words.strip() != title and not not_an_answer(text, alone)


@dataclass
class Topic:
    """What a document is about: the words of its title and lead sentence, its title as
    ``searchable`` text, and where its lead sentence is (passage id, sentence number)."""

    terms: set[str]
    title: str
    lead_passage: int
    lead_sentence: int
    named: bool = False  # a title or a headline names the topic above the lead


def read_topic(title: str | None, first: Passage | None) -> tuple[int, set[str]]:
    """What a document (``title``, ``first`` passage) is about: its lead sentence (the first that
    says something, in the first passage; -1 for none) and the words of its title, of any headline
    or byline above the lead and of the lead itself."""
    named, title_words = title or "", searchable(title or "").strip()
    if first is not None:
        for j in range(len(first.sentences)):
            text = first.sentence_text(j)
            if can_answer(text, searchable(text), title_words, alone_on_its_line(first, j)):
                # the lead says something; a headline or byline above it names the topic, as a
                # title does (it can still be an answer: a headline often states the news)
                return j, set(tokenize(f"{named}\n{text}"))
            named += "\n" + text
    return -1, set(tokenize(named))


@lru_cache(maxsize=4096)  # a sentence two passages share (their overlap) is read once
def sentence_keys(text: str) -> str:
    """A sentence's shared keys (qa.segment.search_keys of its NFKC, simplified text), joined by spaces."""
    return " ".join(search_keys(to_simplified(unicodedata.normalize("NFKC", text))))


def with_keys(words: str, keys: str) -> str:
    """A sentence's ``searchable`` text followed by its shared keys (``sentence_keys``), if any."""
    return f"{words} {keys} " if keys else words


def read_sentences(p: Passage, title: str) -> list[tuple[str, str, bool, str]]:
    """What the highlight reads of each sentence of a passage whatever the question (``title``: its
    document's title as ``searchable`` gives it): its ``searchable`` text, its language, whether it
    can be an answer (not a heading, a question, or the title again), the kinds of answer it
    holds (qa.answer_types.answer_kinds)."""
    found = []
    for j in range(len(p.sentences)):
        text = p.sentence_text(j)
        words = searchable(text)
        lang = detect_language(text) if len(p.langs) > 1 else p.langs[0]
        found.append((words, lang, can_answer(text, words, title, alone_on_its_line(p, j)), answer_kinds(text)))
    return found


def analyse(passages: list[Passage], title: str | None) -> list[list]:
    """What the highlight reads of a document's passages (in order) for every question, worked out
    once by the build and kept in the index (``Store.analysis``), a JSON value per passage:
    [its sentences, each as ``read_sentences`` reads it followed by its ``sentence_keys``; on the
    document's first passage its topic, [lead sentence, words] as ``read_topic`` gives them, else
    None]. A change to what these functions compute needs a new index format (FORMAT_VERSION)."""
    title_words = searchable(title or "").strip()
    out: list[list] = [[[[*s, sentence_keys(p.sentence_text(j))] for j, s in enumerate(read_sentences(p, title_words))],
                        None] for p in passages]
    if passages:
        lead, terms = read_topic(title, passages[0])
        out[0][1] = [lead, sorted(terms)]
    return out


def _keyed(stored: list) -> list[str]:
    """Each sentence of an ``analyse`` record with its keys (``with_keys``)."""
    return [with_keys(words, keys) for words, *_rest, keys in stored[0]]


Reading = Callable[[str], dict[str, float]]


class SentenceChooser:
    """Scores the sentences of an index's passages for a question. Holds what does not depend on the
    question: each document's topic, and the text analysis of recently seen passages."""

    def __init__(self, index: StoredIndex):
        self.index, self.store = index, index.store
        self.sentence_counts = index.store.columns().sentences
        self._topics: dict[int, Topic] = {}  # document -> what it is about (read when needed; oldest first)
        self._cache: OrderedDict[int, list[tuple[str, str, bool, str]]] = OrderedDict()
        self._keys: OrderedDict[int, list[str]] = OrderedDict()
        self._sounds: OrderedDict[int, list[set[str]]] = OrderedDict()
        self._topic_sounds: dict[int, set[str]] = {}  # document -> the sounds of the names naming its topic
        self._lock = threading.Lock()

    def topic(self, doc: int) -> Topic:
        topic = self._topics.get(doc)
        if topic is None:
            topic = self._keep(self._topics, doc, self._read_topic(doc))
        return topic

    def _read_topic(self, doc: int) -> Topic:
        d = self.index.documents[doc]
        stored = self._stored(d["first"]) if d.get("passages") else None
        if stored is not None and stored[1] is not None:
            lead, terms = stored[1][0], set(stored[1][1])
        else:
            lead, terms = read_topic(d.get("title"), self.store.passage(d["first"]) if d.get("passages") else None)
        title = searchable(d.get("title") or "").strip()
        return Topic(terms, title, d["first"] if lead >= 0 else -1, lead, bool(title) or lead > 0)

    def _stored(self, pid: int) -> list | None:
        """What the build worked out of a passage (``analyse``); None when the index has none for it."""
        found = self.store.analysis([pid])[0]
        if isinstance(found, list) and len(found) == 2 and isinstance(found[0], list) and \
                len(found[0]) == self.sentence_counts[pid]:
            return found
        return None

    def term_weights(self, terms: dict[str, float]) -> dict[str, float]:
        """Each query term's weight times its IDF in the index. A term the index lacks counts as the
        rarest (seen once): the question still asks about it, and a sentence can hold it inside a
        longer word (聘为 in 受聘为)."""
        frequencies, n = self.store.document_frequencies(terms), self.store.count
        out = {}
        for t, w in terms.items():
            df = frequencies[t] or 1
            out[t] = w * float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return out

    def sentences(self, pid: int) -> list[tuple[str, str, bool, str]]:
        """What the highlight step reads of each sentence of a passage, the same for every question
        (kept for the last SENTENCE_CACHE passages): its ``searchable`` text, its language, whether
        it can be an answer (not a heading, a question, or the title again), the kinds of answer
        it holds (qa.answer_types.answer_kinds)."""
        return self._cached(self._cache, pid, self._read_sentences)

    def _read_sentences(self, pid: int) -> list[tuple[str, str, bool, str]]:
        stored = self._stored(pid)
        if stored is None:
            p = self.store.passage(pid)
            return read_sentences(p, self.topic(p.doc).title)
        self._keep(self._keys, pid, _keyed(stored))  # read anyway: the keys come with the rest
        return [(words, lang, answers, quantity) for words, lang, answers, quantity, _ in stored[0]]

    def keys(self, pid: int) -> list[str]:
        """Each sentence of a passage as ``sentences`` reads it, followed by its shared keys (numbers,
        dates, names: qa.segment.search_keys); computed only for a question that has keys itself."""
        return self._cached(self._keys, pid, self._read_keys)

    def keyed(self, pid: int, j: int) -> str:
        """One sentence as ``keys(pid)[j]`` gives it, without computing the passage's other
        sentences' keys unless they are kept already (the confidence check reads one sentence)."""
        with self._lock:
            found = self._keys.get(pid)
        if found is None:
            stored = self._stored(pid)
            if stored is None:
                return with_keys(self.sentences(pid)[j][0], sentence_keys(self.store.passage(pid).sentence_text(j)))
            found = self._keep(self._keys, pid, _keyed(stored))
        return found[j]

    def _read_keys(self, pid: int) -> list[str]:
        stored = self._stored(pid)
        if stored is not None:
            return _keyed(stored)
        p = self.store.passage(pid)
        return [with_keys(words, sentence_keys(p.sentence_text(j)))
                for j, (words, *_rest) in enumerate(self.sentences(pid))]

    def sounds(self, pid: int) -> list[set[str]]:
        """Each sentence's names as sound skeletons (qa.translit.held_sounds), kept like ``sentences``;
        read only for a question with a name the dictionary does not translate."""
        from .translit import sentence_sounds

        return self._cached(self._sounds, pid, lambda pid: sentence_sounds(self.keys(pid), self.store.passage(pid)))

    def topic_sounds(self, doc: int) -> set[str]:
        """The sound skeletons of the names in a document's title and first passage up to its lead."""
        found = self._topic_sounds.get(doc)
        if found is None:
            from .translit import held_sounds

            title, topic = self.index.documents[doc].get("title") or "", self.topic(doc)
            lead = self.sounds(topic.lead_passage)[:topic.lead_sentence + 1] if topic.lead_passage >= 0 else []
            found = self._keep(self._topic_sounds, doc, held_sounds(sentence_keys(title), title).union(*lead))
        return found

    def _cached(self, cache: OrderedDict, pid: int, read: Callable[[int], list]) -> list:
        """``read(pid)``, kept in ``cache`` for the last SENTENCE_CACHE passages."""
        with self._lock:
            found = cache.get(pid)
            if found is not None:
                cache.move_to_end(pid)
                return found
        return self._keep(cache, pid, read(pid))

    def _keep(self, cache: dict, pid: int, found):  # (a passage's, or a document's: the oldest kept dropped)
        with self._lock:
            cache[pid] = found
            if len(cache) > SENTENCE_CACHE:
                del cache[next(iter(cache))]
        return found

    def best(self, pid: int, q: np.ndarray, reading: Reading, wants: str = "",
             question_lang: str = "") -> tuple[int, float]:
        """The passage's sentence that best answers, and its score: closeness in meaning plus the
        share of the question's (IDF-weighted) words it contains, plus the answer-type and lead
        bonuses (``parts``). A heading, a question, or a line that only repeats the document's title
        is not an answer, unless the passage has nothing else (then its first such sentence is shown)."""
        parts = self.parts(pid, q, reading, wants, question_lang)
        if parts is None:
            return -1, float("-inf")
        score = sum(parts.values())
        best = int(np.argmax(score))
        return best, float(score[best])

    def parts(self, pid: int, q: np.ndarray, reading: Reading, wants: str = "",
              question_lang: str = "") -> dict[str, np.ndarray] | None:
        """Each sentence's score, part by part (arrays, one value a sentence; their sum is the score):
        "similarity" to the question, "overlap" (W_OVERLAP times the share of the question's words it
        holds), "answer_type", "lead", and "blocked" (-inf for a sentence that cannot answer). None for
        a passage without sentences. ``reading(lang)`` gives the question's words for text in ``lang``
        with their weights (a ``Weights`` may cap what a word counts in a sentence); ``wants``, the kind
        of answer the question asks for (a letter of qa.answer_types.answer_type: a sentence holding
        that kind gets W_ANSWER_TYPE); ``question_lang``, the question's language (in sentences of
        another language, words many sentences hold count less: W_LOCAL)."""
        n = int(self.sentence_counts[pid])
        if n <= 0:
            return None
        similarity = (self.store.sentence_vectors([pid]) @ q).astype(np.float64)
        overlap, answer_type, lead, blocked = (np.zeros(n) for _ in range(4))
        p = self.store.passage(pid)
        topic = self.topic(p.doc)
        terms = reading(p.langs[0]).keys()
        if terms and terms <= topic.terms and topic.lead_passage == pid:
            lead[topic.lead_sentence] = W_LEAD
        # The document's topic (its title, its lead sentence) is what every sentence is about:
        # question words naming it do not tell sentences apart, the other question words do.
        # language -> its terms (needles, weight, credit in a sentence, sound skeletons), their weights' sum
        weighted: dict[str, tuple[list[tuple[tuple[str, ...], float, float, set[str]]], float]] = {}
        sentences = self.sentences(pid)
        langs = {s[1] for s in sentences}
        keyed = self.keys(pid) if any(is_key(t) for lang in langs for t in reading(lang)) else None
        held: dict[str, tuple[list[int], list[list[float]]]] = {}  # language -> its sentences, words held
        heard = {lang: dict(getattr(reading(lang), "sounds", {}) if lang != question_lang else {}) for lang in langs}
        names = self.sounds(pid) if any(heard.values()) else None  # names the question's untranslated ones by sound
        for j, (words, lang, answers, quantity) in enumerate(sentences):
            if keyed is not None:
                words = keyed[j]
            if not answers and n > 1:
                blocked[j] = -np.inf
                continue
            if lang not in weighted:
                weights = reading(lang)
                caps = getattr(weights, "caps", {})
                terms = [(needles(t), *_scaled(_topic_share(t) if t in topic.terms else 1.0, w, caps.get(t)),
                          heard[lang].pop(t, (set(), 0.0))[0]) for t, w in weights.items()]
                terms += [((), *_scaled(W_TOPIC if sounds & self.topic_sounds(p.doc) else 1.0, w, None), sounds)
                          for t, (sounds, w) in heard[lang].items()]
                # a rendering of a question word the title or lead holds (量产: "mass") names the topic too
                sources = getattr(weights, "sources", {})
                topical = [t in topic.terms or sources.get(t) in topic.terms for t in weights] + [
                    bool(sounds & self.topic_sounds(p.doc)) for sounds, _ in heard[lang].values()]
                weighted[lang] = terms, sum(w for _, w, _, _ in terms), np.asarray(topical, dtype=bool)
            terms, total, _ = weighted[lang]
            if total > 0:
                rows, matrix = held.setdefault(lang, ([], []))
                rows.append(j)
                matrix.append([credit if any(x in words for x in ns) or (sounds and not sounds.isdisjoint(names[j]))
                               else 0.0 for ns, _, credit, sounds in terms])
            if wants and wants in quantity and (wants != "w" or names_beyond(p.sentence_text(j), reading(lang))):
                answer_type[j] = W_ANSWER_TYPE
        for lang, (rows, matrix) in held.items():
            found = np.asarray(matrix)
            if W_LOCAL > 0 and question_lang and lang != question_lang and len(rows) > 1:
                weights, sources = reading(lang), getattr(reading(lang), "sources", {})
                found = found * _sentence_rarity(found, [sources.get(t, t) for t in weights] +
                                                 [w for w in getattr(weights, "sounds", {}) if w not in weights])
            terms, total, topical = weighted[lang]  # a name heard in none of the passage's sentences is left out:
            total -= sum(w for i, (ns, w, _, _) in enumerate(terms) if not ns and not found[:, i].any())
            if topic.named and W_TOPIC_ALONE < 1.0:  # the topic's words count beside another word only
                alone = ~(found[:, ~topical] > 0).any(axis=1)
                found = found * np.where(alone, W_TOPIC_ALONE, 1.0)[:, None]
            if total > 0:
                overlap[rows] = W_OVERLAP * found.sum(axis=1) / total
        return {"similarity": similarity, "overlap": overlap, "answer_type": answer_type, "lead": lead,
                "blocked": blocked}


def _topic_share(term: str) -> float:
    """What a question's term naming the document's topic counts: W_TOPIC, nothing for the key of the
    quarter, half-year or phase its title or lead names (=q3, =h1, =phase2). Sibling reports differ by
    it, and every sentence of the report is about that period, whether it says so or not ("Four new
    buildings were completed in the first six months of the year"): it picks the report, not a sentence."""
    return 0.0 if names_a_period(term) else W_TOPIC


def _scaled(factor: float, weight: float, cap: float | None) -> tuple[float, float]:
    """(a term's weight among the question's words, what it counts in a sentence that holds it)."""
    return factor * weight, factor * (weight if cap is None else min(weight, cap))


def _sentence_rarity(held: np.ndarray, words: list[str]) -> np.ndarray:
    """Each term's factor from how many of the passage's sentences hold the question's word it
    renders (``held``: one row a sentence, one column a term, > 0 where held; ``words``: each
    column's word): 1 for a word in one sentence, less for a word in more (an IDF among the
    passage's sentences, 1 at one sentence), blended W_LOCAL into 1. The dictionary renders a word
    several ways (任务: task, mission, assignment): sentences holding different renderings hold one
    word, which is as common among them as all its renderings together."""
    m = held.shape[0]
    column_of = {w: i for i, w in enumerate(dict.fromkeys(words))}
    groups = np.zeros((held.shape[1], len(column_of)))
    groups[np.arange(held.shape[1]), [column_of[w] for w in words]] = 1.0
    present = ((held > 0) @ groups > 0).sum(axis=0)[[column_of[w] for w in words]]
    rarity = np.log1p((m - present + 0.5) / (present + 0.5)) / np.log1p((m - 0.5) / 1.5)
    return (1.0 - W_LOCAL) + W_LOCAL * np.minimum(rarity, 1.0)
