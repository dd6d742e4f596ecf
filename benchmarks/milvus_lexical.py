"""Which lexical design for the Milvus store gives qa's BM25: three designs in milvus-lite, compared
with qa's own BM25 (qa.lexical) on the XQuAD pair's passages and questions.

    python benchmarks/milvus_lexical.py [--data DIR] [--every N]

  function  Milvus' BM25 function over a text field of qa's search tokens joined by spaces (the
            ``standard`` analyzer splits them back exactly), searched with the question's tokens;
            once with every row in one segment, once in two (flushed halfway)
  sparse    a sparse vector per passage of qa's own BM25 weights (term id -> weight), searched by
            inner product with the question's term counts
  postings  qa's postings by term (what qa.stores.milvus keeps), fetched for the question's terms
            and added up as qa.lexical does

For each, how many questions get the same top-10 as qa's BM25 (ids and order) and the largest score
difference. Deterministic; prints Markdown. Data (read, never copied): DIR/xquad-dev/xquad.{en,zh}.json,
DIR defaulting to ../shared/data beside the repository (or beside its parent).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.chunks import chunk_document  # noqa: E402
from qa.documents import Document  # noqa: E402
from qa.lexical import BM25, BM25Params  # noqa: E402
from qa.segment import tokenize  # noqa: E402
from qa.squad import load_squad  # noqa: E402


def default_data() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared" / "data"
    return ROOT.parent / "shared" / "data"


def passage_tokens(data: Path) -> tuple[list[list[str]], list[str]]:
    """Search tokens of every passage (chunked as `qa index` would), and the questions."""
    tokens, questions = [], []
    for lang in ("en", "zh"):
        squad = load_squad(data / "xquad-dev" / f"xquad.{lang}.json")
        for i, text in enumerate(squad.paragraphs):
            doc = Document(path=f"{lang}/p{i:05d}.txt", text=text, sha256="", start=0, end=len(text))
            tokens += [tokenize(text[c.start:c.end]) for c in chunk_document(doc)]
        questions += [q.text for q in squad.questions]
    return tokens, questions


def top10(scores: np.ndarray) -> list[int]:
    order = np.lexsort((np.arange(len(scores)), -scores))[:10]
    return [int(i) for i in order if scores[i] > 0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=default_data())
    ap.add_argument("--every", type=int, default=8, help="ask every N-th question (default 8)")
    args = ap.parse_args()
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    tokens, questions = passage_tokens(args.data)
    questions = [q for q in questions[::args.every] if tokenize(q)]
    bm25 = BM25.build(tokens, BM25Params())
    n, terms = len(tokens), sorted(bm25.vocab, key=bm25.vocab.get)
    with tempfile.TemporaryDirectory() as tmp:
        db = MilvusClient(uri=str(Path(tmp) / "lexical.db"))

        def create(name, schema, field, metric, params=None):
            index = db.prepare_index_params()
            index.add_index(field, index_type="SPARSE_INVERTED_INDEX", metric_type=metric, params=params or {})
            db.create_collection(name, schema=schema, index_params=index)

        for segments in (1, 2):
            s = db.create_schema(auto_id=False)
            s.add_field("id", DataType.INT64, is_primary=True)
            s.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                        analyzer_params={"tokenizer": "standard"})
            s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                    output_field_names=["sparse"]))
            create(f"function{segments}", s, "sparse", "BM25", {"bm25_k1": 1.2, "bm25_b": 0.75})
            rows = [{"id": i, "text": " ".join(t)} for i, t in enumerate(tokens)]
            cut = n // segments
            db.insert(f"function{segments}", rows[:cut])
            db.flush(f"function{segments}")
            if rows[cut:]:
                db.insert(f"function{segments}", rows[cut:])
        s = db.create_schema(auto_id=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        s.add_field("lex", DataType.SPARSE_FLOAT_VECTOR)
        create("sparse", s, "lex", "IP")
        forward: list[dict[int, float]] = [{} for _ in range(n)]
        s = db.create_schema(auto_id=False)
        s.add_field("term", DataType.VARCHAR, is_primary=True, max_length=513)
        s.add_field("postings", DataType.SPARSE_FLOAT_VECTOR)
        create("postings", s, "postings", "IP")
        rows = []
        for t_id, term in enumerate(terms):
            lo, hi = bm25.indptr[t_id], bm25.indptr[t_id + 1]
            ids, weights = bm25.doc_ids[lo:hi].tolist(), bm25.weights[lo:hi].tolist()
            for d, w in zip(ids, weights):
                forward[d][t_id] = w
            rows.append({"term": term, "postings": dict(zip(ids, weights))})
        db.insert("postings", rows)
        db.insert("sparse", [{"id": i, "lex": f or {0: 0.0}} for i, f in enumerate(forward)])

        same, worst = Counter(), Counter()
        for q in questions:
            q_tokens = tokenize(q)
            reference = bm25.scores(q_tokens)
            want = top10(reference)
            counts = Counter(q_tokens)
            for name, hits in (
                    ("function, 1 segment", _search(db, "function1", " ".join(q_tokens), "sparse", "BM25")),
                    ("function, 2 segments", _search(db, "function2", " ".join(q_tokens), "sparse", "BM25")),
                    ("sparse", _search(db, "sparse", {bm25.vocab[t]: float(c) for t, c in counts.items()
                                                      if t in bm25.vocab}, "lex", "IP"))):
                got = [i for i, score in hits if score > 0]
                same[name] += got == want
                diff = max((abs(score - reference[i]) for i, score in hits if score > 0), default=0.0)
                worst[name] = max(worst[name], diff)
            out = np.zeros(n, dtype=np.float32)
            quoted = ",".join(f'"{t}"' for t in counts)
            for r in db.query("postings", filter=f"term in [{quoted}]", output_fields=["term", "postings"]):
                p = r["postings"]
                out[np.fromiter(p.keys(), np.int64, len(p))] += counts[r["term"]] * np.fromiter(
                    p.values(), np.float32, len(p))
            same["postings"] += top10(out) == want
            worst["postings"] = max(worst["postings"], float(np.abs(out - reference).max()))
    print(f"{n} passages of the XQuAD pair (en + zh), {len(questions)} questions (every {args.every}th)\n")
    print("| design | same top-10 as qa's BM25 | largest score difference |\n|---|---:|---:|")
    for name in ("function, 1 segment", "function, 2 segments", "sparse", "postings"):
        print(f"| {name} | {same[name]}/{len(questions)} | {worst[name]:.2g} |")


def _search(db, collection: str, query, field: str, metric: str) -> list[tuple[int, float]]:
    """(id, BM25 or inner product) of the top 10; Milvus gives a BM25 search's score as distance."""
    if not query:
        return []
    hits = db.search(collection, data=[query], anns_field=field, limit=10, output_fields=["id"],
                     search_params={"metric_type": metric})[0]
    return [(h["id"], abs(h["distance"])) for h in hits]


if __name__ == "__main__":
    main()
