"""Writing one build's collections for the Milvus store (qa.stores.milvus has the layout)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np

from ..lexical import BM25
from .base import BuildData
from .milvus_conn import call

PIECE = 16_000  # characters of JSON per VARCHAR value: at most 64,000 bytes in UTF-8 (the limit is 65,535)
TERM_BYTES = 512  # longer terms (runs of letters with no space) are keyed by a hash
BATCH_BYTES = 8 * 2**20  # per insert call (a gRPC message is capped at 64 MB)


def term_key(term: str) -> str:
    if len(term.encode("utf-8")) <= TERM_BYTES:
        return term
    import hashlib

    return "#" + hashlib.blake2b(term.encode("utf-8"), digest_size=16).hexdigest()  # no token starts with #


def write_collections(db, uri: str, prefix: str, data: BuildData) -> tuple[bool, int, dict]:
    """Write and flush the build's collections ``prefix_*``. Returns whether a spill collection was
    needed, the bytes written (vectors, JSON, postings) and the row counts."""
    data = data.with_vectors()
    dim = int(data.vectors.shape[1])
    rows, spill = [], []
    analysis = data.analysis if data.analysis is not None else [None] * len(data.passages)
    for i, (p, tokens, read) in enumerate(zip(data.passages, data.tokens, analysis)):
        text = json.dumps([p.to_row(), tokens, read], ensure_ascii=False, separators=(",", ":"))
        pieces = [text[lo:lo + PIECE] for lo in range(0, len(text), PIECE)]
        rows.append({"id": i, "vector": data.vectors[i], "doc": p.doc, "langs": ",".join(p.langs),
                     "sentences": len(p.sentences), "data": pieces[0] if len(pieces) == 1 else "",
                     "parts": 0 if len(pieces) == 1 else len(pieces)})
        if len(pieces) > 1:
            spill += [{"key": f"{i}:{n}", "passage": i, "part": n, "data": piece, "vector": [0.0, 0.0]}
                      for n, piece in enumerate(pieces)]
    _create(db, uri, f"{prefix}_passages", dim, [
        ("id", "INT64", {"is_primary": True}), ("doc", "INT64", {}), ("langs", "VARCHAR", {"max_length": 256}),
        ("sentences", "INT64", {}), ("data", "VARCHAR", {"max_length": 65535}), ("parts", "INT64", {})])
    _insert(db, uri, f"{prefix}_passages", rows, 4 * dim + 3 * PIECE)
    sentences = np.asarray(data.sentence_vectors, dtype=np.float32).astype(np.float16).astype(np.float32)
    owner = np.repeat(np.arange(len(data.passages)), [len(p.sentences) for p in data.passages])
    _create(db, uri, f"{prefix}_sentences", dim,
            [("id", "INT64", {"is_primary": True}), ("passage", "INT64", {})])
    _insert(db, uri, f"{prefix}_sentences",
            ({"id": j, "passage": int(owner[j]), "vector": sentences[j]} for j in range(len(sentences))),
            4 * dim + 16)
    postings = _write_terms(db, uri, f"{prefix}_terms", BM25.build(data.tokens, data.bm25))
    if spill:
        _create(db, uri, f"{prefix}_spill", 2, [
            ("key", "VARCHAR", {"is_primary": True, "max_length": 64}), ("passage", "INT64", {}),
            ("part", "INT64", {}), ("data", "VARCHAR", {"max_length": 65535})])
        _insert(db, uri, f"{prefix}_spill", spill, 3 * PIECE)
    for part in ("passages", "sentences", "terms") + (("spill",) if spill else ()):
        call(uri, "flush the new build", db.flush, f"{prefix}_{part}")
    size = 4 * dim * (len(rows) + len(sentences)) + sum(len(r["data"].encode()) for r in rows) + \
        sum(len(r["data"].encode()) for r in spill) + 12 * postings
    return bool(spill), size, {"passages": len(rows), "sentences": len(sentences)}


def _create(db, uri: str, name: str, dim: int, fields: list[tuple[str, str, dict]]) -> None:
    from pymilvus import DataType

    schema = db.create_schema(auto_id=False, enable_dynamic_field=False)
    for field, kind, options in fields:
        schema.add_field(field, getattr(DataType, kind), **options)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    index = db.prepare_index_params()
    index.add_index("vector", index_type="FLAT", metric_type="IP")
    _create_collection(db, uri, name, schema, index)


def _create_collection(db, uri: str, name: str, schema, index) -> None:
    """Create a collection and its index, and return: the index is built as rows arrive (pymilvus'
    waiting for it polls every 0.5 s). Strong consistency: a build is read right after it is written."""
    call(uri, f"create the collection {name}", db.create_collection, name, schema=schema,
         consistency_level="Strong")
    call(uri, f"index the collection {name}", db.create_index, name, index, sync=False)


def _write_terms(db, uri: str, name: str, bm25: BM25) -> int:
    """Write the BM25 postings by term. Returns how many (term, passage) pairs."""
    from pymilvus import DataType

    schema = db.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("term", DataType.VARCHAR, is_primary=True, max_length=TERM_BYTES + 1)
    schema.add_field("df", DataType.INT64)
    schema.add_field("postings", DataType.SPARSE_FLOAT_VECTOR)
    index = db.prepare_index_params()
    index.add_index("postings", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    _create_collection(db, uri, name, schema, index)
    rows = []
    for term, t in bm25.vocab.items():
        lo, hi = int(bm25.indptr[t]), int(bm25.indptr[t + 1])
        rows.append({"term": term_key(term), "df": hi - lo,
                     "postings": dict(zip(bm25.doc_ids[lo:hi].tolist(), bm25.weights[lo:hi].tolist()))})
    _insert(db, uri, name, rows, None)
    return len(bm25.doc_ids)


def _insert(db, uri: str, name: str, rows: Iterable[dict], row_bytes: int | None) -> None:
    """Insert in calls of about BATCH_BYTES (``row_bytes`` a row, or sized by its postings)."""
    batch, size = [], 0
    for row in rows:
        batch.append(row)
        size += row_bytes if row_bytes is not None else 16 + 12 * len(row["postings"])
        if size >= BATCH_BYTES:
            call(uri, f"write {name}", db.insert, name, batch)
            batch, size = [], 0
    if batch:
        call(uri, f"write {name}", db.insert, name, batch)
