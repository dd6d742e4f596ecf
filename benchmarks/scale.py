"""Scale benchmark: build N passages through QA.build, rebuild, and ask 200 real questions.

    python benchmarks/scale.py --passages 100000 [--json] [--jobs J] [--index-type T] [--out DIR]
                               [--flush-passages F]

The corpus is real text tiled: every paragraph of the XQuAD dev pair (en, zh) and of the CMRC 2018
trial set (/work/shared/data, or --data) is one JSON Lines record; copy c of paragraph j has the
title "TITLE · c", and copies are added until the corpus holds N passages. Copy 0 is indexed once
with the real model (the base index, kept in --out between runs). Every other copy's passage
vectors are the originals' plus a little noise (so the vector search sees no exact ties), written
before the build into the index's embedding cache (qa/embed_cache.py), which the build takes
instead of running the model: the model's time is measured on its own (``embed_*_per_core``), and
everything else (reading, segmenting, chunking, BM25, the store, the manifest) is the real build.

Each step is a fresh process (peak RSS from wait4): the full build (``QA.build_index``, timed, then
``QA.open``), a rebuild with nothing changed, a rebuild after adding 1% more documents (new files: the
incremental path, a new segment with the local store), then ``QA.open`` and the questions (the first
one timed with the open; then 10 to warm up; then 200 timed; then all of it again in a second fresh
process, ``warm_*``: the index's pages are in the page cache by then, as for a folder in use, where
the first process read many of them from disk), then ``--optimize`` (segments merged
into one) and a rebuild with the 1% removed again (deletions). Each ratio is that rebuild's
``build_index`` time over the full build's. The recall of
the vector store's top 10 against exact inner product is measured on the same questions.
``--json`` prints one object. Speed figures on a shared machine are noisy: give the load average.
``--ask-only`` asks the questions (both processes) of the index an earlier run left in ``--out``
without building it again (figures of the build are then left out).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from qa.collector import embed_text, passage_views  # noqa: E402
from qa.embed_cache import EmbeddingCache, cache_path, text_key  # noqa: E402
from qa.embedding import DEFAULT_MODEL, USEEmbedder  # noqa: E402
from rebuild import paragraphs  # noqa: E402
import speed  # noqa: E402
from speed import questions  # noqa: E402

RECORDS_PER_FILE = 500
NOISE = 0.05
PY = sys.executable

BUILD = r"""
import json, os, sys, time
from qa import QA
if os.environ.get("SCALE_FLUSH_PASSAGES"):  # --flush-passages: the build's segment size
    import qa.stores.segments as policy
    policy.FLUSH_PASSAGES = int(os.environ["SCALE_FLUSH_PASSAGES"])
docs, index, jobs, store = sys.argv[1], sys.argv[2], (int(sys.argv[3]) or None), (sys.argv[4] or None)
optimize = len(sys.argv) > 5 and sys.argv[5] == "optimize"
t = time.perf_counter()
r = QA.build_index([docs], index, jobs=jobs, store=store, **({"optimize": True} if optimize else {}))
qa = QA.open(index, embedder=r.embedder)
print(json.dumps({"qa_build_s": time.perf_counter() - t, "build_index_s": r.seconds, "passages": r.passages,
                  "documents": r.documents, "embedded": r.embedded, "added": len(r.added),
                  "removed": len(r.removed), "merged": getattr(r, "merged", 0)}))
"""

ASK = r"""
import json, sys, time
import numpy as np
from qa import QA
index, qs = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter()
qa = QA.open(index)
qa.ask(qs[0], k=5)
opened = time.perf_counter() - t
for q in qs[1:11]:
    qa.ask(q, k=5)
lat = []
for q in qs:
    t = time.perf_counter(); qa.ask(q, k=5); lat.append((time.perf_counter() - t) * 1000)
from qa.embedding import load_embedder
store, embedder = qa.index.store, load_embedder()
Q = np.stack([embedder.embed([q])[0] for q in qs])
# Exact top 10 a block of rows at a time: the whole matrix would cost the asking process its size.
best_s, best_i = np.full((len(qs), 0), -np.inf, np.float32), np.zeros((len(qs), 0), np.int64)
for lo in range(0, store.count, 8192):
    ids = np.arange(lo, min(lo + 8192, store.count))
    sims = Q @ store.vectors(ids).T
    best_s, best_i = np.hstack([best_s, sims]), np.hstack([best_i, np.broadcast_to(ids, sims.shape)])
    top = np.argpartition(-best_s, min(10, best_s.shape[1] - 1), axis=1)[:, :10]
    best_s, best_i = np.take_along_axis(best_s, top, 1), np.take_along_axis(best_i, top, 1)
hits = sum(len(set(best_i[j].tolist()) & set(int(i) for i in store.search(Q[j], 10)[1])) for j in range(len(qs)))
print(json.dumps({"open_first_ask_s": opened, "p50_ms": float(np.percentile(lat, 50)),
                  "p95_ms": float(np.percentile(lat, 95)), "recall_at_10_vs_exact": hits / (10 * len(qs)),
                  "index_type": qa.index.manifest.store.get("index_type")}))
"""


def run(cmd: list[str]) -> tuple[dict, float]:
    """Run a fresh process; (its JSON output, its peak RSS in MB)."""
    r = speed.run(cmd, speed.env_for(ROOT), cwd=None)
    return json.loads(r["stdout"].strip().splitlines()[-1]), r["rss_mb"]


def write_records(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


class Base:
    """Copy 0 of every paragraph, indexed with the real model; what each copy's vectors come from."""

    def __init__(self, out: Path, data: Path, jobs: int | None):
        self.paras = paragraphs(data)
        docs, index = out / "base-docs", out / "base-index"
        if not (index / "manifest.json").exists():
            write_records(docs / "base.jsonl", [{"title": f"{t} · 0", "text": x} for t, x in self.paras])
            run([PY, "-c", BUILD, str(docs), str(index), str(jobs or 0), ""])
        from qa.index_files import load_index

        ix = load_index(index)
        ids = np.arange(ix.store.count)
        vectors, sentence_vectors = ix.store.vectors(ids), ix.store.sentence_vectors(ids)
        # Per paragraph: its passages' views (text embedded without the title) and vectors.
        self.passages: list[list[tuple[str, np.ndarray]]] = [[] for _ in self.paras]
        self.sentences: dict[bytes, np.ndarray] = {}
        self.sentence_texts: list[str] = []
        row = 0
        for i, p in enumerate(ix.passages):
            j = int(ix.documents[p.doc]["path"].rsplit("#", 1)[1]) - 1
            view, sentence_texts = passage_views(p)
            self.passages[j].append((view, vectors[i]))
            for t in sentence_texts:
                self.sentences[text_key(t)] = sentence_vectors[row]
                self.sentence_texts.append(t)
                row += 1
        self.count = len(ix.passages)

    def plan(self, target: int, first_copy: int = 0) -> list[tuple[int, int]]:
        """(copy, paragraph) pairs, in order, until they hold ``target`` passages."""
        out, n, c = [], 0, first_copy
        while n < target:
            for j, ps in enumerate(self.passages):
                if n >= target:
                    break
                if ps:
                    out.append((c, j))
                    n += len(ps)
            c += 1
        return out

    def write(self, docs: Path, pairs: list[tuple[int, int]], name: str, cache: EmbeddingCache) -> None:
        """The records of ``pairs`` as JSONL files, and their vectors into the build's cache."""
        rng = np.random.default_rng(len(pairs))
        for lo in range(0, len(pairs), RECORDS_PER_FILE):
            chunk = pairs[lo:lo + RECORDS_PER_FILE]
            records, keys, vecs = [], [], []
            for c, j in chunk:
                title = f"{self.paras[j][0]} · {c}"
                records.append({"title": title, "text": self.paras[j][1]})
                for view, v in self.passages[j]:
                    keys.append(text_key(embed_text(view, title)))
                    if c:
                        v = v + NOISE * rng.standard_normal(v.shape).astype(np.float32)
                    vecs.append(v / np.linalg.norm(v))
            write_records(docs / f"{name}-{lo // RECORDS_PER_FILE:05d}.jsonl", records)
            cache.append(keys, np.stack(vecs))
        fresh = [k for k in self.sentences if k not in cache]
        cache.append(fresh, np.stack([self.sentences[k] for k in fresh]) if fresh else np.zeros((0, 512)))


def embed_rate(base: Base, n: int = 400) -> dict:
    """The real model on one core: texts/s, and passages/s at the base corpus's texts per passage."""
    per_passage = (base.count + len(base.sentences)) / base.count
    texts = [view for ps in base.passages for view, _ in ps][: round(n / per_passage)]
    texts += base.sentence_texts[: n - len(texts)]
    model = USEEmbedder(workers=1)
    model.embed(["warm up"])
    t = time.perf_counter()
    model.embed(texts)
    rate = len(texts) / (time.perf_counter() - t)
    return {"embed_texts_per_s_per_core": round(rate, 1), "texts_per_passage": round(per_passage, 2),
            "embed_passages_per_s_per_core": round(rate / per_passage, 1)}


SECTION = ("## Scale\n", "<!-- end of scale -->")
COLUMNS = ("passages", "build_s", "build_peak_rss_mb", "open_first_ask_s", "p50_ms", "p95_ms", "peak_rss_mb",
           "recall_at_10_vs_exact", "index_type", "disk_mb", "nochange_ratio", "add_1pct_ratio",
           "embed_passages_per_s_per_core", "load_start", "load_end")


def write_row(result: dict) -> None:
    """Put the run's row (replacing one of the same size) into the Scale section of RESULTS.md."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    if SECTION[0] not in text:
        text = text.rstrip("\n") + "\n\n" + SECTION[0] + "\n(rows written by `benchmarks/scale.py --passages N " \
            "--write`; 2 cores; date in the last column)\n\n| " + " | ".join(COLUMNS) + " | date |\n|" + \
            "---:|" * (len(COLUMNS) + 1) + "\n" + SECTION[1] + "\n"
    head, rest = text.split(SECTION[0], 1)
    body, tail = rest.split(SECTION[1], 1)
    lines = [ln for ln in body.splitlines() if not ln.startswith(f"| {result['passages']:,} |")]
    row = "| " + " | ".join(f"{result[c]:,}" if c == "passages" else str(result[c]) for c in COLUMNS) + \
        f" | {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC |"
    lines.insert(len(lines) - (0 if lines[-1].strip() else 1), row)
    path.write_text(head + SECTION[0] + "\n".join(lines) + "\n" + SECTION[1] + tail, encoding="utf-8")


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def asked_figures(asked: dict, ask_rss: float, again: dict) -> dict:
    """The asking processes' figures: the first (``asked``, its peak RSS) and the second (``again``)."""
    return {"open_first_ask_s": round(asked["open_first_ask_s"], 3), "p50_ms": round(asked["p50_ms"], 1),
            "p95_ms": round(asked["p95_ms"], 1), "warm_p50_ms": round(again["p50_ms"], 1),
            "warm_p95_ms": round(again["p95_ms"], 1), "peak_rss_mb": round(ask_rss),
            "recall_at_10_vs_exact": round(asked["recall_at_10_vs_exact"], 4), "index_type": asked["index_type"]}


def build_and_ask(args, docs: Path, index: Path, ask: list[str]) -> dict:
    """Build, rebuild and ask as the module says; every figure."""
    base = Base(args.out, args.data, args.jobs)
    shutil.rmtree(docs, ignore_errors=True), shutil.rmtree(index, ignore_errors=True)
    cache = lambda: EmbeddingCache(cache_path(index, DEFAULT_MODEL, 512), 512)  # noqa: E731
    pairs = base.plan(args.passages)
    base.write(docs, pairs, "tile", cache())
    build = [PY, "-c", BUILD, str(docs), str(index), str(args.jobs or 0),
             f"faiss:{args.index_type}" if args.index_type else ""]
    full, build_rss = run(build)
    same, _ = run(build)
    extra = base.plan(math.ceil(0.01 * full["passages"]), first_copy=pairs[-1][0] + 1)
    base.write(docs, extra, "added", cache())
    added, _ = run(build)
    asked, ask_rss = run(ask)
    again, _ = run(ask)
    optimized, _ = run(build + ["optimize"])  # the segments merged into one
    for f in docs.glob("added-*.jsonl"):  # the 1% taken out again: deletions
        f.unlink()
    removed, _ = run(build)
    return {"passages": full["passages"], "documents": full["documents"], "build_s": round(full["qa_build_s"], 2),
            "build_index_s": full["build_index_s"], "build_peak_rss_mb": round(build_rss),
            **asked_figures(asked, ask_rss, again), "disk_mb": round(disk_mb(index), 1),
            "nochange_ratio": round(same["build_index_s"] / full["build_index_s"], 4),
            "add_1pct_ratio": round(added["build_index_s"] / full["build_index_s"], 4),
            "remove_1pct_ratio": round(removed["build_index_s"] / full["build_index_s"], 4),
            "optimize_ratio": round(optimized["build_index_s"] / full["build_index_s"], 4),
            "segments_merged_by_optimize": optimized["merged"],
            "add_1pct_passages": added["passages"] - full["passages"],
            "embedded_by_model": full["embedded"] + added["embedded"], **embed_rate(base)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, required=True)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--jobs", type=int, default=None, help="cores for the build (default all)")
    ap.add_argument("--index-type", choices=("auto", "flat", "hnsw", "ivf"), default=None,
                    help="as qa index --index-type (default: auto)")
    ap.add_argument("--write", action="store_true", help="put the row into benchmarks/RESULTS.md (## Scale)")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "scale")
    ap.add_argument("--ask-only", action="store_true",
                    help="only ask the questions of the index an earlier run left in --out")
    ap.add_argument("--flush-passages", type=int, default=None,
                    help="passages a build holds before writing a segment (default: qa's FLUSH_PASSAGES)")
    args = ap.parse_args()
    if args.flush_passages:
        os.environ["SCALE_FLUSH_PASSAGES"] = str(args.flush_passages)
    load = os.getloadavg()[0]
    docs, index = args.out / f"docs-{args.passages}", args.out / f"index-{args.passages}"
    qs = questions(args.data, args.questions)
    ask = [PY, "-c", ASK, str(index), json.dumps(qs, ensure_ascii=False)]
    if args.ask_only:
        if args.write:
            raise SystemExit("--write needs the build's figures: leave out --ask-only")
        if not index.is_dir():
            raise SystemExit(f"no index at {index}: run scale.py --passages {args.passages} first")
        asked, ask_rss = run(ask)
        result = {**asked_figures(asked, ask_rss, run(ask)[0]), "passages": args.passages}
    else:
        result = build_and_ask(args, docs, index, ask)
    result.update({"questions": len(qs), "load_start": round(load, 1), "load_end": round(os.getloadavg()[0], 1),
                   "cores": os.cpu_count()})
    if args.write:
        write_row(result)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:32} {v}")


if __name__ == "__main__":
    main()
