"""The store protocol: everything a question reads from an index, and how a build writes it.

A store holds one build's data: the passage vectors (searched by inner product over L2-normalised
rows, i.e. cosine), each passage's sentence vectors, the passage table (typed ``Passage`` records
and the per-passage columns search needs), and the BM25 side (scores of every passage for a query's
terms). Search and the builder reach the data through these methods only, so a store may keep it in
local files (``faiss``) or in a server (a remote store fetches only what a question needs, e.g. the
postings of the question's terms).

A store kind is registered in ``qa.stores`` (one line) and recorded in the manifest
(``manifest.store["kind"]``), which chooses the class that opens the build.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Union

import numpy as np

from ..sparse_scores import SparseScores

if TYPE_CHECKING:
    from ..lexical import BM25Params
    from ..records import Manifest, Passage

Ids = Union[np.ndarray, Sequence[int]]  # passage ids
LANGS = ("zh", "en")  # the languages the columns mark passages for


@dataclass
class BuildData:
    """What a build gives its store to write: passages in id order, each passage's search tokens,
    its vector (``vectors[i]``), its sentences' vectors (rows in passage order, then sentence order)
    and the BM25 parameters; ``analysis``: what the highlight reads of each passage for every
    question (qa.highlight.analyse, a JSON value per passage), None when not worked out."""

    passages: list[Passage]
    tokens: list[list[str]]
    vectors: np.ndarray | None  # (passages, dim) float32, L2-normalised (None: ``embedded`` gives them)
    sentence_vectors: np.ndarray | None  # (sentences, dim) float32 or float16 (as a build holds them), L2-normalised
    bm25: BM25Params
    analysis: list | None = None
    # The vectors when they are still being computed: called once, by the store, when it needs them
    # (a store writes what does not depend on them first, while the model finishes).
    embedded: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None

    def with_vectors(self) -> "BuildData":
        """This data with its vectors (waiting for ``embedded`` if they are still being computed)."""
        if self.embedded is None:
            return self
        vectors, sentence_vectors = self.embedded()
        return replace(self, vectors=vectors, sentence_vectors=sentence_vectors, embedded=None)


@dataclass(frozen=True)
class PassageColumns:
    """The per-passage facts search and filters read for every passage at once, as arrays."""

    doc: np.ndarray  # int64: the passage's document
    sentences: np.ndarray  # int64: how many sentences it has
    lang: np.ndarray  # str: its main language (``other`` when none)
    has_lang: dict[str, np.ndarray]  # "zh"/"en" -> bool: the language is among its languages

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> "PassageColumns":
        return cls(doc=np.array([p.doc for p in passages], dtype=np.int64),
                   sentences=np.array([len(p.sentences) for p in passages], dtype=np.int64),
                   lang=np.array([p.lang for p in passages]),
                   has_lang={lang: np.array([lang in p.langs for p in passages], dtype=bool) for lang in LANGS})

    def sentence_starts(self) -> np.ndarray:
        """``starts[p]``: the row of passage p's first sentence among all sentences; ``starts[n]`` is
        the total."""
        starts = np.zeros(len(self.sentences) + 1, dtype=np.int64)
        np.cumsum(self.sentences, out=starts[1:])
        return starts


class Store(ABC):
    """One build's data, opened for reading. Ids are passage numbers ``0 .. count-1``."""

    kind: ClassVar[str]  # what the manifest records: manifest.store["kind"]

    # -- writing and dropping (class side: there is no open store yet, or no longer) ----------------

    @classmethod
    @abstractmethod
    def write(cls, folder: Path, data: BuildData, target: str = "") -> dict:
        """Write a build's data (``folder`` is the new build folder, created and empty; ``target`` is
        what follows ``kind:`` in the store spec). Returns the manifest's store record: ``kind`` plus
        whatever ``open`` and ``drop`` need to find the data again."""

    @classmethod
    def check(cls, target: str, index_dir: Path) -> str:
        """Raise a QAError now if a build into ``target`` for ``index_dir`` cannot be written (a bad
        address, a server that is down), before the build reads or embeds anything. Returns the
        target as later builds should find it (the same, or a canonical form)."""
        return target

    @classmethod
    @abstractmethod
    def open(cls, folder: Path, manifest: Manifest) -> "Store":
        """Open a written build. Raise IndexCorruptError when its data is missing or inconsistent."""

    @classmethod
    def drop(cls, folder: Path, record: dict) -> None:
        """Remove what ``write`` put outside ``folder`` (the folder itself is removed by the caller)."""

    @classmethod
    def keeps_replaced(cls, record: dict) -> bool:
        """True when readers read this build's data at question time (a server), so a replaced build
        is kept until the next one replaces its successor; a local store's readers hold what they read."""
        return False

    def close(self) -> None:
        """Let go of connections or files (the store is not used after)."""

    @property
    def single_process(self) -> bool:
        """True when no other process may read the data while this one has it open (a milvus-lite
        file): ``qa serve`` then answers in one process."""
        return False

    #: True when the store checks each passage and vector as a question reads it, so that opening a
    #: large index need not read them all (qa.index_files.open_build).
    checks_rows_when_read: ClassVar[bool] = False

    #: True when the documents' and files' records go into the build folder, read a record at a time
    #: (qa.record_lines); False keeps them in manifest.json, so the manifest alone opens the index on
    #: another machine (a server's store).
    records_in_folder: ClassVar[bool] = False

    # -- size -----------------------------------------------------------------------------------------

    @property
    @abstractmethod
    def count(self) -> int:
        """Number of passages."""

    @property
    @abstractmethod
    def dim(self) -> int:
        """Dimension of the vectors."""

    # -- vectors --------------------------------------------------------------------------------------

    @abstractmethod
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` passages nearest ``query`` (inner product), best first; fewer when
        there are fewer. ``allowed``: a bool per passage, or an array of ids: only those passages are
        candidates (exact search over them: a filter never hides an allowed passage behind others)."""

    @abstractmethod
    def vectors(self, ids: Ids) -> np.ndarray:
        """The passages' vectors, (len(ids), dim) float32, in the order of ``ids``."""

    @abstractmethod
    def sentence_vectors(self, ids: Ids) -> np.ndarray:
        """The vectors of every sentence of the given passages, float32: passage by passage in the
        order of ``ids``, each passage's sentences in order (``columns().sentences`` gives the counts)."""

    # -- the passage table ----------------------------------------------------------------------------

    @abstractmethod
    def passages(self, ids: Ids | None = None) -> list[Passage]:
        """The passage records, in the order of ``ids`` (all of them when None)."""

    def passage(self, pid: int) -> Passage:
        return self.passages([pid])[0]

    @abstractmethod
    def columns(self) -> PassageColumns:
        """Per-passage arrays over all passages (computed once)."""

    @abstractmethod
    def tokens(self, ids: Ids | None = None) -> list[list[str]]:
        """The passages' search tokens as written (a rebuild reuses them for unchanged files)."""

    def analysis(self, ids: Ids | None = None) -> list:
        """What the build worked out of the passages for the highlight (``BuildData.analysis``), in
        the order of ``ids`` (all when None), read only for the passages asked for; None for each
        when the build has none (the highlight then works it out itself)."""
        return [None] * (self.count if ids is None else len(ids))

    # -- lexical (BM25) -------------------------------------------------------------------------------

    @abstractmethod
    def lexical_scores(self, tokens: Iterable[str]) -> np.ndarray:
        """BM25 score of every passage for a query's tokens (a repeated token counts again), float32,
        0 where no token occurs."""

    @abstractmethod
    def weighted_lexical_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        """BM25 of every passage for a query given as term -> weight (terms with weight <= 0 and
        unknown terms ignored), float32."""

    def lexical_hits(self, tokens: Iterable[str]) -> SparseScores:
        """``lexical_scores`` of the passages holding a token only (the same float32 values): what a
        question reads, so its work grows with its terms' postings rather than with the index."""
        return SparseScores.of_dense(self.lexical_scores(tokens))

    def weighted_lexical_hits(self, terms: Mapping[str, float]) -> SparseScores:
        """``weighted_lexical_scores`` of the passages holding a term only (as ``lexical_hits``)."""
        return SparseScores.of_dense(self.weighted_lexical_scores(terms))

    def lexical_holders(self, terms: Iterable[str]) -> np.ndarray:
        """The passages holding any of ``terms``, ascending (those ``lexical_hits`` scores above 0)."""
        return self.lexical_hits(terms).holders()

    def lexical_parts(self, tokens: Iterable[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """What ``lexical_hits`` adds up, in order (a store that keeps postings: term by term, each
        (passages holding it, ascending; its contribution in each)), for qa.lazy_scores."""
        hits = self.lexical_hits(tokens)
        return [(hits.ids, hits.scores)]

    def weighted_lexical_parts(self, terms: Mapping[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
        """What ``weighted_lexical_hits`` adds up, in order (as ``lexical_parts``)."""
        hits = self.weighted_lexical_hits(terms)
        return [(hits.ids, hits.scores)]

    @abstractmethod
    def known_terms(self, terms: Iterable[str]) -> set[str]:
        """Which of ``terms`` occur in some passage."""

    @abstractmethod
    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """In how many passages each term occurs (0 for a term none holds)."""
