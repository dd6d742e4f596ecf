"""The Milvus store beside the faiss store: the same retrieval figures, and warm latency at one size.

    python benchmarks/milvus.py quality [--data DIR] [--limit N] [--uri URI] [--dry-run]
    python benchmarks/milvus.py speed [--passages 10000] [--uri URI] [--dry-run]

quality: ``qa eval`` (qa.evaluate.evaluate_modes, as benchmarks/quality.py) on the XQuAD pair and CMRC
2018 trial in the three modes, once with each store, one loaded model; the table gives both stores'
figures and whether every question's rank of its gold paragraph is the same. Deterministic.
speed: one index of N passages (tiled from the XQuAD and CMRC indexes, as benchmarks/speed.py does)
written to both stores from the same data, then each asked the same questions in a fresh process
(benchmarks/speed.py's WARM: open, warm-up, then p50/p95 of every question). Timings are only worth
recording on a quiet machine.

--uri: the Milvus to use (default: a milvus-lite file in a temporary folder); a server:
http://HOST:19530, with QA_MILVUS_TOKEN if it is secured. Each run writes the "## Milvus" section of
benchmarks/RESULTS.md (quality) or its "### Warm latency" part (speed) unless --dry-run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docset import started, write_section  # noqa: E402
from milvus_lexical import default_data  # noqa: E402
from quality import MODES, METRICS, f3, written_by  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## Milvus\n", "<!-- end of milvus -->")
SPEED = ("### Warm latency\n", "<!-- end of milvus speed -->")


def quality(args, uri: str) -> str:
    from qa.embedding import load_embedder
    from qa.evaluate import evaluate_modes
    from qa.terminal import ProgressBar, stderr_console

    sets = {"XQuAD en+zh": [args.data / "xquad-dev" / "xquad.en.json", args.data / "xquad-dev" / "xquad.zh.json"],
            "CMRC 2018 trial": [args.data / "cmrc2018-trial" / "cmrc2018_trial.json"]}
    embedder = load_embedder()
    evals: dict[str, dict[str, dict]] = {}
    with ProgressBar(stderr_console()) as bar:
        for name, files in sets.items():
            evals[name] = {store: evaluate_modes(files, MODES, embedder=embedder, limit=args.limit, progress=bar,
                                                 store=store) for store in ("faiss", f"milvus:{uri}")}
    lines = ["| data | task | queries | mode | " + " | ".join(METRICS) + " | milvus vs faiss |",
             "|---|---|---:|---|" + "---:|" * len(METRICS) + "---|"]
    for name, by_store in evals.items():
        faiss, milvus = by_store.values()
        for task in faiss[MODES[0]].tasks:
            for mode in MODES:
                a, b = faiss[mode].tasks[task], milvus[mode].tasks[task]
                cells = [f3(a[m]) if a[m] == b[m] else f"{f3(a[m])} / **{f3(b[m])}**" for m in METRICS]
                ranks = faiss[mode].ranks[task] == milvus[mode].ranks[task]
                verdict = "same figures, same rank of every question" if ranks and a == b else \
                    ("same figures, **other ranks**" if a == b else "**different** (faiss / milvus)")
                lines.append(f"| {name} | {task} | {a['queries']} | {mode} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


def speed(args, uri: str) -> str:
    import speed as bench  # benchmarks/speed.py: its corpora, tiling and warm-query scripts

    bench.OUT.mkdir(parents=True, exist_ok=True)
    corpora = bench.write_docs(args.data)
    for name in ("xquad", "cmrc"):
        index = bench.OUT / f"idx-{name}"
        if not (index / "manifest.json").exists():
            bench.run(bench.qa_cmd("index", "--json", "--index", str(index), str(corpora[name])), bench.env_for(ROOT))
    qs = bench.questions(args.data)
    rows = []
    for store in ("faiss", f"milvus:{uri}"):
        kind = store.split(":")[0]
        dst = bench.OUT / f"idx-tiled-{args.passages}-{kind}"
        if kind == "milvus":  # written afresh: the Milvus data of an earlier run may be gone
            _drop(dst, uri)
        if not (dst / "manifest.json").exists():
            bench.run([bench.PY, "-c", bench.TILE, str(ROOT), str(args.passages), str(dst),
                       str(bench.OUT / "idx-xquad"), str(bench.OUT / "idx-cmrc")],
                      dict(bench.env_for(ROOT), QA_TILE_STORE=store))
        r = bench.run([bench.PY, "-c", bench.WARM, str(dst), json.dumps(qs, ensure_ascii=False)], bench.env_for(ROOT))
        rows.append(dict(json.loads(r["stdout"]), store=kind, rss_mb=r["rss_mb"]))
    lines = [f"Warm questions on one index of {args.passages:,} passages in each store, each asked in a fresh "
             f"process (open, one warm-up, then {rows[0]['n']} questions).", "",
             "| store | open + first question (s) | p50 (ms) | p95 (ms) | max (ms) | peak RSS (MB) |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['store']} | {r['open_s']:.2f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | "
              f"{r['rss_mb']:.0f} |" for r in rows]
    return "\n".join(lines)


def _drop(index_dir: Path, uri: str) -> None:
    """Remove an index folder and its data in Milvus, then let go of the Milvus file (milvus-lite
    serves one process at a time, and the next process to open it is the benchmark's)."""
    from qa.index_files import remove_stale_builds
    from qa.stores.milvus_conn import release

    if index_dir.is_dir():
        remove_stale_builds(index_dir, keep=None)
        shutil.rmtree(index_dir)
        release(uri)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("quality", "speed"))
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("QA_EVAL_DATA", default_data())))
    ap.add_argument("--uri", default=None, help="Milvus URI (default: a temporary milvus-lite file)")
    ap.add_argument("--limit", type=int, default=None, help="quality: the first N questions of each file")
    ap.add_argument("--passages", type=int, default=10_000, help="speed: passages in the index (default 10,000)")
    ap.add_argument("--note", default=None, help="a note printed with the results")
    ap.add_argument("--dry-run", action="store_true", help="print, write nothing")
    args = ap.parse_args()
    started_at, load, t0 = started()
    with tempfile.TemporaryDirectory(prefix="qa-milvus-bench-") as tmp:
        uri = args.uri or str(Path(tmp) / "bench.db")
        body = quality(args, uri) if args.what == "quality" else speed(args, uri)
    where = "a milvus-lite file" if uri.endswith(".db") else f"Milvus at {uri}"
    opening = written_by("milvus.py", started_at, time.perf_counter() - t0, load, f", {where}.", args.note)
    if args.what == "quality":
        text = "\n".join([SECTION[0]] + opening + [
            "`qa eval` with the index in each store (`--store faiss`, `--store milvus:…`; docs/milvus.md), "
            "the same model and questions"
            + (f", the first {args.limit} of each file" if args.limit else "") + ". *milvus vs faiss*: whether the two "
            "stores give the same five figures and every question's gold paragraph at the same rank.", "", body, "", SPEED[0], "Not measured yet: "
            "`python benchmarks/milvus.py speed` on a quiet machine.", SPEED[1], "", SECTION[1]])
    else:
        text = "\n".join([SPEED[0]] + opening + [body, SPEED[1]])
    print(text)
    if not args.dry_run:
        write_section(text, SPEED if args.what == "speed" else SECTION, RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
