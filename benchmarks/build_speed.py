"""Indexing real text with no embedding cache: qa at a base revision against this checkout, side by side.

    python benchmarks/build_speed.py [--base base-session5] [--rounds 3] [--jobs 2] [--eval-limit N]
                                     [--no-eval] [--no-ahead] [--json] [--write]

The folder built is real text: one Markdown document per XQuAD article (English and Chinese) and per
CMRC 2018 trial article, written to a temporary folder (what benchmarks/speed.py indexes). Each round
builds it from nothing (``full``, a fresh index folder, so neither an old index nor a crashed
build's vectors help) once with the base revision's qa (``git archive`` of it, in a temporary
folder) and once with this checkout's, in alternating order, each in its own process. Per build:
wall seconds of ``build_index`` (model loading included), seconds inside ``Collector.embed_all``
("model s": on this branch the texts of files already read go to the model in the background while
later files are read, so only the rest, and the wait for those, is in it), peak RSS of the process. Reports the median of the rounds and HEAD's speed-up in passages/s.

CPU seconds (user + system, of the build process) are reported too: on a shared machine they move
less with other load than wall seconds do.

Equal output: the passage and sentence vectors of the two last builds are compared (largest
difference of a component), and ``qa eval`` (hybrid) runs with each revision's code on the XQuAD
pair and on CMRC; its figures must agree to ±.005 (they are deterministic, so equal vectors give
equal figures). ``--write`` puts the table into the "Build speed" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import speed  # noqa: E402
from quality import replace_between  # noqa: E402
from speed import PY, articles, checkout  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION = ("## Build speed\n", "<!-- end of build speed -->")

BUILD = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
import qa.collector as collector
from qa.builder import build_index
spent = [0.0]
embed_all = collector.Collector.embed_all
def timed(self, cache):
    t = time.perf_counter()
    try:
        return embed_all(self, cache)
    finally:
        spent[0] += time.perf_counter() - t
collector.Collector.embed_all = timed
docs, index, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
if len(sys.argv) > 4 and hasattr(collector, "AHEAD_PASSAGES"):
    collector.AHEAD_PASSAGES = 10 ** 9  # --no-ahead: the model starts only once every file is read
t = time.perf_counter()
report = build_index([docs], index, full=True, jobs=jobs)
print(json.dumps({"passages": report.passages, "embedded": report.embedded,
                  "build_s": time.perf_counter() - t, "model_s": spent[0]}))
"""

EVAL = r"""
import json, sys
from qa.evaluate import evaluate_modes
out = {}
limit = int(sys.argv[3]) if sys.argv[3] != "0" else None
for name, files in (("xquad", [sys.argv[1] + "/xquad-dev/xquad.en.json", sys.argv[1] + "/xquad-dev/xquad.zh.json"]),
                    ("cmrc", [sys.argv[1] + "/cmrc2018-trial/cmrc2018_trial.json"])):
    tasks = evaluate_modes(files, ("hybrid",), limit=limit)["hybrid"].tasks
    for task, m in tasks.items():
        out[f"{name} {task}"] = {k: m[k] for k in ("recall@1", "recall@5", "mrr@10", "sentence@1") if k in m}
print(json.dumps(out))
"""

DUMP = r"""
import json, sys
import numpy as np
from pathlib import Path
from qa.index_files import load_index
store = load_index(Path(sys.argv[1])).store
ids = np.arange(store.count)
np.save(sys.argv[2] + "-passages.npy", np.asarray(store.vectors(ids), dtype=np.float32))
np.save(sys.argv[2] + "-sentences.npy", np.asarray(store.sentence_vectors(ids), dtype=np.float32))
print(json.dumps({"passages": int(store.count)}))
"""


def compare(codes: dict, tmp: Path) -> dict:
    """Each side's vectors, read by its own code (the index formats differ between revisions)."""
    for side in ("base", "head"):
        run(codes[side], ["-c", DUMP, str(tmp / f"idx-{side}"), str(tmp / f"vec-{side}")])
    (pa, sa), (pb, sb) = ((np.load(tmp / f"vec-{side}-passages.npy"), np.load(tmp / f"vec-{side}-sentences.npy"))
                          for side in ("base", "head"))
    out = {"passages_equal": pa.shape == pb.shape}
    if pa.shape == pb.shape:
        out["passage_max_diff"] = float(np.abs(pa - pb).max())
        out["sentence_max_diff"] = float(np.abs(sa - sb).max()) if sa.shape == sb.shape else None
    return out


def write_docs(data: Path, out: Path) -> Path:
    """One Markdown document per article, all in ``out``: benchmarks/speed.py's corpora in one folder."""
    out.mkdir(parents=True, exist_ok=True)
    for corpus, name, text in articles(data):
        (out / f"{corpus}_{name}.md").write_text(text, encoding="utf-8")
    return out


def run(code: Path, args: list[str]) -> tuple[dict, float, float]:
    """(JSON the child printed last, its peak RSS in MB, its CPU seconds): Python on ``code``'s qa."""
    r = speed.run([PY, *args], dict(os.environ, PYTHONPATH=str(code)), cwd=code)
    return json.loads(r["stdout"].strip().splitlines()[-1]), r["rss_mb"], r["cpu_s"]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("QA_EVAL_DATA", "/work/shared/data")))
    ap.add_argument("--base", default="base-session5")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--eval-limit", type=int, default=0, help="questions per file for qa eval (0: all)")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--no-ahead", action="store_true",
                    help="this branch without sending texts to the model while files are still read")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write", action="store_true", help="write the Build speed section of RESULTS.md")
    args = ap.parse_args()
    started, load_before = datetime.now(timezone.utc), load()
    with tempfile.TemporaryDirectory(prefix="qa-build-speed-") as tmp:
        tmp = Path(tmp)
        docs = write_docs(args.data, tmp / "docs")
        codes = {"base": checkout(args.base, tmp / "base"), "head": ROOT}
        rows: dict[str, list[dict]] = {"base": [], "head": []}
        for r in range(args.rounds):
            for side in (("base", "head") if r % 2 == 0 else ("head", "base")):
                index = tmp / f"idx-{side}"
                shutil.rmtree(index, ignore_errors=True)
                result, rss, cpu = run(codes[side], ["-c", BUILD, str(docs), str(index), str(args.jobs)]
                                       + (["no-ahead"] if args.no_ahead else []))
                result.update(peak_rss_mb=round(rss), cpu_s=round(cpu, 2), load=load())
                rows[side].append(result)
                if not args.json:
                    print(f"round {r + 1} {side}: {result['passages'] / result['build_s']:.1f} passages/s, "
                          f"build {result['build_s']:.1f} s, model {result['model_s']:.1f} s, cpu {cpu:.1f} s, "
                          f"{result['peak_rss_mb']} MB (load {result['load']})", flush=True)
        same = compare(codes, tmp)
        evals = {}
        if not args.no_eval:
            for side in ("base", "head"):
                evals[side], _, _ = run(codes[side], ["-c", EVAL, str(args.data), "x", str(args.eval_limit)])
    summary = {}
    for side, rs in rows.items():
        summary[side] = {
            "passages": rs[0]["passages"], "texts_embedded": rs[0]["embedded"],
            "passages_per_s": round(statistics.median(x["passages"] / x["build_s"] for x in rs), 2),
            "build_s": round(statistics.median(x["build_s"] for x in rs), 2),
            "model_s": round(statistics.median(x["model_s"] for x in rs), 2),
            "cpu_s": round(statistics.median(x["cpu_s"] for x in rs), 2),
            "peak_rss_mb": max(x["peak_rss_mb"] for x in rs)}
    speedups = [h["build_s"] and b["build_s"] / h["build_s"] for b, h in zip(rows["base"], rows["head"])]
    result = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "base_rev": args.base, "jobs": args.jobs,
              "rounds": args.rounds, "load": [load_before, load()], **summary,
              "speedup": round(statistics.median(speedups), 2), "speedups": [round(s, 2) for s in speedups],
              "cpu_ratio": round(summary["base"]["cpu_s"] / summary["head"]["cpu_s"], 2),
              "vectors": same}
    if evals:
        diff = max(abs(evals["base"][t][m] - evals["head"][t][m]) for t in evals["base"] for m in evals["base"][t])
        result.update(eval_max_diff=round(diff, 4), eval_equal=diff <= 0.005, eval=evals["head"])
    if args.json:
        print(json.dumps(result))
    else:
        print(markdown(result))
    if args.write:
        write_section(markdown(result))


def markdown(r: dict) -> str:
    lines = [f"Measured {r['date']}, {r['jobs']} jobs, {r['rounds']} rounds interleaved, load average "
             f"{r['load'][0]} before and {r['load'][1]} after (`benchmarks/build_speed.py`; medians). Real text "
             f"(XQuAD en + zh and CMRC trial articles as Markdown), no embedding cache.", "",
             "| code | passages | texts embedded | passages/s | build s | model s | CPU s | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for side in ("base", "head"):
        s = r[side]
        name = r["base_rev"] if side == "base" else "this branch"
        lines.append(f"| {name} | {s['passages']} | {s['texts_embedded']} | {s['passages_per_s']} | {s['build_s']} | "
                     f"{s['model_s']} | {s['cpu_s']} | {s['peak_rss_mb']} |")
    lines += ["", f"Speed-up in passages/s: **{r['speedup']}x** (rounds: {r['speedups']}); CPU seconds "
              f"(work done, less sensitive to other load): base/this = {r['cpu_ratio']}x. Vectors against "
              f"{r['base_rev']}'s: {r['vectors']} (sentence vectors are stored as float16: 6.1e-5 is one step of it)."]
    if "eval_max_diff" in r:
        lines.append(f"`qa eval` hybrid (XQuAD pair + CMRC): largest difference of a figure {r['eval_max_diff']} "
                     f"({'equal' if r['eval_equal'] else 'NOT equal'} to ±.005).")
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    head, end = SECTION
    body = RESULTS.read_text(encoding="utf-8")
    if head in body and end in body:
        body = replace_between(body, head, end, f"{head}\n{text}\n{end}")
    else:
        body = body.rstrip("\n") + f"\n\n{head}\n{text}\n{end}\n"
    RESULTS.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
