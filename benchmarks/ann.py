"""Approximate vector search against exact: recall@10, query time, build time and memory per FAISS index.

    python benchmarks/ann.py [--passages 100000] [--questions 200] [--json]

Vectors: the base index of benchmarks/scale.py (real passage vectors of the XQuAD pair and CMRC
trial; built there first if missing), tiled to N rows, each copy the original plus noise as
scale.py makes them. Queries: 200 real dev questions embedded by the real model. Every variant
takes its top candidates and rescores them exactly (float32 inner product), as the store does;
recall@10 is the share of the exact top 10 found. One thread (as qa searches).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

NOISE = 0.05


def tiled(base: np.ndarray, n: int, noise: float = NOISE) -> np.ndarray:
    rng = np.random.default_rng(0)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for lo in range(0, n, len(base)):
        part = base[: min(len(base), n - lo)]
        if lo:
            part = part + noise * rng.standard_normal(part.shape).astype(np.float32)
        out[lo:lo + len(part)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    return out


def variants(n: int) -> list[tuple[str, str, dict]]:
    nlist = int(4 * np.sqrt(n))
    return [("HNSW32,Flat", "HNSW32,Flat", {"efSearch": 64}),
            ("HNSW32,Flat ef128", "HNSW32,Flat", {"efSearch": 128}),
            ("HNSW32,SQ8", "HNSW32,SQ8", {"efSearch": 64}),
            ("HNSW32,SQ8 ef256", "HNSW32,SQ8", {"efSearch": 256}),
            (f"IVF{nlist},SQ8 nprobe16", f"IVF{nlist},SQ8", {"nprobe": 16}),
            (f"IVF{nlist},SQ8 nprobe32", f"IVF{nlist},SQ8", {"nprobe": 32}),
            (f"IVF{nlist},SQ8 nprobe64", f"IVF{nlist},SQ8", {"nprobe": 64}),
            (f"IVF{nlist},PQ64 nprobe32", f"IVF{nlist},PQ64", {"nprobe": 32})]


def main() -> None:
    import faiss

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--candidates", type=int, default=200, help="rescored exactly (the store: 200)")
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "scale")
    ap.add_argument("--noise", type=float, default=NOISE,
                    help="per-component noise of a copy (0.05: a copy's cosine to its original is about 0.66)")
    ap.add_argument("--only", default=None, help="variant names separated by ';'")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    faiss.omp_set_num_threads(1)
    from qa.embedding import load_embedder
    from scale import Base
    from speed import questions

    base = Base(args.out, args.data, None)
    vectors = tiled(np.stack([v for ps in base.passages for _, v in ps]), args.passages, args.noise)
    qs = load_embedder().embed(questions(args.data, args.questions))
    exact = [set(np.argpartition(-(vectors @ q), 10)[:10].tolist()) for q in qs]
    flat = faiss.IndexFlatIP(vectors.shape[1])  # exact search as the store does it (one thread)
    flat.add(vectors)
    t = time.perf_counter()
    for q in qs:
        flat.search(q[None, :], 10)
    rows = [{"variant": "exact (IndexFlatIP)", "recall_at_10": 1.0, "build_s": 0.0,
             "query_ms": (time.perf_counter() - t) * 1000 / len(qs), "index_mb": vectors.nbytes / 2**20}]
    del flat
    only = set(args.only.split(";")) if args.only else None
    built: dict[str, tuple] = {}
    for name, factory, params in variants(args.passages):
        if only and name not in only:
            continue
        if factory not in built:  # variants that differ only in search settings share one index
            index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
            t = time.perf_counter()
            if not index.is_trained:
                pick = np.random.default_rng(1).choice(len(vectors), min(len(vectors), 100_000), replace=False)
                index.train(vectors[np.sort(pick)])
            index.add(vectors)
            built[factory] = index, time.perf_counter() - t
        index, build = built[factory]
        ps = faiss.ParameterSpace()
        for key, value in params.items():
            ps.set_index_parameter(index, key, value)
        found, t = 0, time.perf_counter()
        for q, gold in zip(qs, exact):
            _, ids = index.search(q[None, :], args.candidates)
            ids = ids[0][ids[0] >= 0]
            best = ids[np.argsort(-(vectors[ids] @ q), kind="stable")[:10]]
            found += len(gold & set(best.tolist()))
        ms = (time.perf_counter() - t) * 1000 / len(qs)
        rows.append({"variant": name, "recall_at_10": found / (10 * len(qs)), "build_s": build, "query_ms": ms,
                     "index_mb": len(faiss.serialize_index(index)) / 2**20})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"passages": args.passages, "noise": args.noise, "candidates": args.candidates, "rows": rows}))
        return
    print(f"{args.passages:,} vectors (copies: noise {args.noise}), {len(qs)} questions, top {args.candidates} "
          "rescored exactly\n")
    print("| index | recall@10 | query ms | build s | index MB |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['variant']} | {r['recall_at_10']:.3f} | {r['query_ms']:.2f} | {r['build_s']:.1f} | "
              f"{r['index_mb']:.0f} |")


if __name__ == "__main__":
    main()
