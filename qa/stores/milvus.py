"""The Milvus store: a build's data in Milvus, for an index one machine cannot hold or serve, or that
several machines ask (docs/milvus.md). ``qa index PATH --store milvus:URI[#NAME]``.

Each build writes its own collections, named ``NAME_<build>_<part>``:

    passages    id, passage vector (FLAT index, inner product), document, languages, sentence count,
                and the passage record with its search tokens and what the highlight reads of it
                (qa.highlight.analyse) as JSON
    sentences   id (the sentence's row), passage, sentence vector (rounded to float16 as the faiss
                store keeps them, so both give the same scores)
    terms       term, document frequency, postings: passage id -> BM25 weight (a sparse vector)
    spill       the JSON of a passage too long for one VARCHAR field, in pieces (only when needed)

The lexical side is qa's own BM25 (qa.lexical), its postings stored by term and fetched for a
question's terms only: scores, the bridge's weighted queries and document frequencies are then those
of the faiss store exactly. Milvus' built-in BM25 function was measured against it and cannot do this
(docs/milvus.md, "Why qa's own postings").

The manifest switches builds in one step; a build's collections are written and flushed before it.
Readers read at question time, so a replaced build's collections are kept until the next build
(questions running on it, and other machines that have not reopened, go on answering), then dropped;
those of a build that never finished go at the next build (its folder holds the record, written first).
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from ..errors import IndexCorruptError, QAError
from ..records import Manifest, Passage
from ..sparse_scores import SparseScores
from .base import LANGS, BuildData, Ids, PassageColumns, Store
from .milvus_build import term_key, write_collections
from .milvus_conn import build_prefix, call, chunks, client, in_filter, parse_target

TIE_MARGIN = 16  # extra dense hits asked for, so ties at the k-th place are broken by id as faiss does
CACHE_ROWS = 8192  # vectors, passages and postings kept per kind (a build never changes once written)
SCAN = 4096  # rows a query when reading a whole collection
METRIC = {"metric_type": "IP"}


class _Cache:
    """The last CACHE_ROWS rows read, shared by the threads asking questions (a server)."""

    def __init__(self, size: int = CACHE_ROWS):
        self._rows: OrderedDict = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def lookup(self, keys: Iterable) -> tuple[dict, list]:
        """(the rows held, by key; the keys missing, each once)."""
        found, missing = {}, []
        with self._lock:
            for key in dict.fromkeys(keys):
                if key in self._rows:
                    self._rows.move_to_end(key)
                    found[key] = self._rows[key]
                else:
                    missing.append(key)
        return found, missing

    def keep(self, rows: dict) -> dict:
        with self._lock:
            self._rows.update(rows)
            for key in rows:
                self._rows.move_to_end(key)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
        return rows


class MilvusStore(Store):
    kind = "milvus"

    def __init__(self, record: dict, manifest: Manifest):
        self.uri, self.prefix = record["uri"], record["collections"]
        self._client = client(self.uri)
        self._count, self._dim = int(manifest.passages), int(manifest.dim)
        self._spill = bool(record.get("spill"))
        self._columns: PassageColumns | None = None
        self._starts: np.ndarray | None = None
        self._passages, self._vectors, self._sentences = _Cache(), _Cache(), _Cache()
        self._postings = _Cache()  # term -> (ids, weights), or None for a term no passage holds

    def _call(self, what: str, method: str, *args, **kwargs):
        return call(self.uri, what, getattr(self._client, method), *args, **kwargs)

    # -- writing --------------------------------------------------------------------------------------

    @classmethod
    def check(cls, target: str, index_dir: Path) -> str:
        where = parse_target(target, index_dir)
        client(where.uri)
        # The file's absolute path (a relative one would move with the working folder) and the
        # collections' name (the index folder may move).
        return f"{where.uri}#{where.name}"

    @classmethod
    def write(cls, folder: Path, data: BuildData, target: str = "") -> dict:
        from ..index_files import STORE_RECORD

        where = parse_target(target, folder.parent)
        db = client(where.uri)
        prefix = build_prefix(where.name, folder.name)
        record = {"kind": cls.kind, "uri": where.uri, "name": where.name, "collections": prefix,
                  "index_type": "FLAT (Milvus)", "complete": False}
        # Written before anything goes to Milvus, so a crash leaves a record the next build drops.
        (folder / STORE_RECORD).write_text(json.dumps(record), encoding="utf-8")
        spill, size, rows = write_collections(db, where.uri, prefix, data)
        return dict(record, complete=True, spill=spill, where=f"milvus {where.uri} ({prefix}_*)", bytes=size,
                    rows=rows)

    @classmethod
    def drop(cls, folder: Path, record: dict) -> None:
        """Drop a build's collections (a replaced build, or one that never finished). Milvus being
        unreachable leaves them: the error would come after the new build is already published."""
        try:
            db = client(record["uri"])
            for name in call(record["uri"], "list collections", db.list_collections):
                if name.startswith(record["collections"] + "_"):
                    call(record["uri"], "drop an old build", db.drop_collection, name)
        except (QAError, KeyError):
            pass

    @classmethod
    def keeps_replaced(cls, record: dict) -> bool:
        return bool(record.get("complete"))  # a build that never finished has no readers

    # -- opening --------------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path, manifest: Manifest) -> "MilvusStore":
        record = manifest.store
        if not record.get("complete") or "uri" not in record or "collections" not in record:
            raise IndexCorruptError("the manifest's Milvus record is incomplete")
        store = cls(record, manifest)
        for part in ("passages", "sentences", "terms") + (("spill",) if store._spill else ()):
            store._call(f"load the collection {store.prefix}_{part}", "load_collection", f"{store.prefix}_{part}")
        stats = store._call("count passages", "get_collection_stats", f"{store.prefix}_passages")
        if int(stats.get("row_count", -1)) != store._count:
            raise IndexCorruptError(f"Milvus holds {stats.get('row_count')} passages for this build, the manifest "
                                    f"says {store._count}")
        return store

    @property
    def single_process(self) -> bool:
        return self.uri.endswith(".db")  # milvus-lite serves one process per file

    @property
    def count(self) -> int:
        return self._count

    @property
    def dim(self) -> int:
        return self._dim

    # -- vectors --------------------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        expr = ""
        if allowed is not None:
            allowed = np.asarray(allowed)
            ids = np.flatnonzero(allowed) if allowed.dtype == bool else np.unique(allowed.astype(np.int64))
            if not len(ids):
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            expr = _id_filter(ids)
        limit = min(k + TIE_MARGIN, self._count, 16384)
        if k <= 0 or limit <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        hits = self._call("search passage vectors", "search", f"{self.prefix}_passages",
                          data=[np.asarray(query, dtype=np.float32).tolist()], anns_field="vector", limit=limit,
                          filter=expr, output_fields=["id"], search_params=METRIC)[0]
        ids = np.array([h["id"] for h in hits], dtype=np.int64)
        scores = np.array([h["distance"] for h in hits], dtype=np.float32)
        order = np.lexsort((ids, -scores))[:k]
        return scores[order], ids[order]

    def vectors(self, ids: Ids) -> np.ndarray:
        ids = [int(i) for i in ids]
        found = self._fetch(self._vectors, ids, "passages", ["id", "vector"],
                            lambda rows: {r["id"]: np.asarray(r["vector"], dtype=np.float32) for r in rows})
        return np.array([found[i] for i in ids], dtype=np.float32).reshape(len(ids), self._dim)

    def sentence_vectors(self, ids: Ids) -> np.ndarray:
        ids = [int(i) for i in ids]
        starts = self._sentence_starts()
        held, wanted = self._sentences.lookup(ids)
        rows = [r for i in wanted for r in range(int(starts[i]), int(starts[i + 1]))]
        found = {}
        for part in chunks(rows):
            for r in self._call("fetch sentence vectors", "query", f"{self.prefix}_sentences",
                                filter=in_filter("id", part), output_fields=["id", "vector"]):
                found[r["id"]] = r["vector"]
        fetched = {}
        for i in wanted:
            block = [found.get(r) for r in range(int(starts[i]), int(starts[i + 1]))]
            if any(v is None for v in block):
                raise IndexCorruptError(f"Milvus lacks sentence vectors of passage {i}")
            fetched[i] = np.asarray(block, dtype=np.float32).reshape(len(block), self._dim)
        held.update(self._sentences.keep(fetched))
        blocks = [held[i] for i in ids]
        return np.concatenate(blocks) if blocks else np.zeros((0, self._dim), dtype=np.float32)

    def _sentence_starts(self) -> np.ndarray:
        if self._starts is None:
            self._starts = self.columns().sentence_starts()
        return self._starts

    # -- the passage table ----------------------------------------------------------------------------

    def passages(self, ids: Ids | None = None) -> list[Passage]:
        return [row[0] for row in self._rows(ids)]

    def tokens(self, ids: Ids | None = None) -> list[list[str]]:
        return [row[1] for row in self._rows(ids)]

    def analysis(self, ids: Ids | None = None) -> list:
        return [row[2] for row in self._rows(ids)]

    def _rows(self, ids: Ids | None) -> list[tuple[Passage, list[str], list | None]]:
        if ids is None:  # every passage (a rebuild reads them all): not through the cache
            found = self._read_rows(self._iterate("passages", ["id", "data", "parts"]))
            if len(found) != self._count:
                raise IndexCorruptError(f"Milvus holds {len(found)} passages, the manifest says {self._count}")
            return [found[i] for i in range(self._count)]
        ids = [int(i) for i in ids]
        found = self._fetch(self._passages, ids, "passages", ["id", "data", "parts"], self._read_rows)
        return [found[i] for i in ids]

    def _read_rows(self, rows: Iterable[dict]) -> dict[int, tuple[Passage, list[str], list | None]]:
        texts, spilled = {}, []
        for r in rows:
            texts[r["id"]] = r["data"]
            if r["parts"]:
                spilled.append(r["id"])
        if spilled:
            pieces: dict[int, dict[int, str]] = {}
            for part in chunks(spilled):
                for r in self._call("fetch long passages", "query", f"{self.prefix}_spill",
                                    filter=in_filter("passage", part), output_fields=["passage", "part", "data"]):
                    pieces.setdefault(r["passage"], {})[r["part"]] = r["data"]
            for pid in spilled:
                texts[pid] = "".join(pieces.get(pid, {})[n] for n in sorted(pieces.get(pid, {})))
        out = {}
        for pid, text in texts.items():
            try:
                row, tokens, analysis = json.loads(text)  # the passage, its tokens, qa.highlight.analyse's
                out[pid] = (Passage.from_row(row), tokens, analysis)
            except (ValueError, TypeError) as e:
                raise IndexCorruptError(f"passage {pid} in Milvus is unreadable ({e})") from None
        return out

    def columns(self) -> PassageColumns:
        if self._columns is None:
            n = self._count
            doc, sentences, langs = np.zeros(n, np.int64), np.zeros(n, np.int64), [""] * n
            seen = 0
            for r in self._iterate("passages", ["id", "doc", "sentences", "langs"]):
                i = r["id"]
                doc[i], sentences[i], langs[i] = r["doc"], r["sentences"], r["langs"]
                seen += 1
            if seen != n:
                raise IndexCorruptError(f"Milvus holds {seen} passages, the manifest says {n}")
            split = [s.split(",") if s else [] for s in langs]
            self._columns = PassageColumns(
                doc=doc, sentences=sentences, lang=np.array([ls[0] if ls else "other" for ls in split]),
                has_lang={lang: np.array([lang in ls for ls in split], dtype=bool) for lang in LANGS})
        return self._columns

    def _iterate(self, part: str, fields: list[str]) -> Iterable[dict]:
        """Every row of a collection keyed by passage id (ids are 0 .. count-1), a block at a time."""
        for lo in range(0, self._count, SCAN):
            yield from self._call(f"read the {part}", "query", f"{self.prefix}_{part}", limit=SCAN,
                                  filter=f"id >= {lo} and id < {lo + SCAN}", output_fields=fields)

    def _fetch(self, cache: _Cache, ids: list[int], part: str, fields: list[str], read) -> dict:
        """The rows of ``ids`` (by id): those ``cache`` holds, the others read (``read`` turns query
        results into rows by id) and kept."""
        held, missing = cache.lookup(ids)
        for group in chunks(missing):
            found = read(self._call(f"fetch {part}", "query", f"{self.prefix}_{part}",
                                    filter=in_filter("id", group), output_fields=fields))
            lost = [i for i in group if i not in found]
            if lost:
                raise IndexCorruptError(f"Milvus lacks {part} row {lost[0]}")
            held.update(cache.keep(found))
        return held

    # -- lexical --------------------------------------------------------------------------------------

    def _terms(self, terms: Iterable[str]) -> dict[str, tuple[np.ndarray, np.ndarray] | None]:
        held, missing = self._postings.lookup(terms)
        for group in chunks(missing, 512):
            keys = {term_key(t): t for t in group}
            found = {}
            for r in self._call("fetch postings", "query", f"{self.prefix}_terms",
                                filter=in_filter("term", list(keys)), output_fields=["term", "postings"]):
                p = r["postings"]
                found[keys[r["term"]]] = (np.fromiter(p.keys(), np.int64, len(p)),
                                          np.fromiter(p.values(), np.float32, len(p)))
            held.update(self._postings.keep({t: found.get(t) for t in group}))
        return held

    def lexical_scores(self, tokens: Iterable[str]) -> np.ndarray:
        counts = Counter(tokens)
        return self._add_up(self._terms(counts), counts.items())

    def weighted_lexical_scores(self, terms: Mapping[str, float]) -> np.ndarray:
        terms = {t: w for t, w in terms.items() if w > 0}
        return self._add_up(self._terms(terms), ((t, np.float32(w)) for t, w in terms.items()))

    def _add_up(self, postings: dict, weights: Iterable) -> np.ndarray:
        """The same sums in the same order as qa.lexical.BM25, so the same float32 scores."""
        out = np.zeros(self._count, dtype=np.float32)
        for term, w in weights:
            found = postings.get(term)
            if found is not None:
                out[found[0]] += w * found[1]
        return out

    def lexical_hits(self, tokens: Iterable[str]) -> SparseScores:
        counts = Counter(tokens)
        found = self._terms(counts)
        return SparseScores.summed([(found[t][0], n * found[t][1]) for t, n in counts.items()
                                    if found.get(t) is not None])

    def weighted_lexical_hits(self, terms: Mapping[str, float]) -> SparseScores:
        terms = {t: w for t, w in terms.items() if w > 0}
        found = self._terms(terms)
        return SparseScores.summed([(found[t][0], np.float32(w) * found[t][1]) for t, w in terms.items()
                                    if found.get(t) is not None])

    def known_terms(self, terms: Iterable[str]) -> set[str]:
        return {t for t, found in self._terms(terms).items() if found is not None}

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        return {t: 0 if found is None else len(found[0]) for t, found in self._terms(terms).items()}


def _id_filter(ids: np.ndarray) -> str:
    """``id in [...]``, or ranges when the ids run in blocks (a filter on documents keeps their
    passages, which are numbered together), whichever is shorter."""
    breaks = np.flatnonzero(np.diff(ids) != 1) + 1
    ranges = [(int(b[0]), int(b[-1])) for b in np.split(ids, breaks)]
    if len(ranges) * 4 < len(ids):
        return " or ".join(f"(id >= {a} and id <= {b})" for a, b in ranges)
    return in_filter("id", ids.tolist())
