"""Retrieval quality of dense, lexical and hybrid ranking side by side, and the embedding floor.

    python benchmarks/quality.py [--data DIR] [--limit N] [--repeats R] [--note TEXT] [--dry-run] [--before REV]

In one run, with one loaded model:
  1. ``qa eval`` (the library behind it) on the XQuAD pair (five tasks) and on CMRC 2018 trial
     (zh->zh), each in the three modes over the same temporary indexes;
  2. the embedding floor: for each corpus, building its index with the normal builder against
     embedding just its passages (the texts the model sees, in the builder's batches), best of R.
``--before REV`` also runs the hybrid mode with qa's code as it was at git revision REV (same
data, its own indexes, in the same run) and adds its rows ("hybrid at REV") to the table.
It rewrites the "## Quality" section of benchmarks/RESULTS.md and the quality table in docs/quality.md.
Data (read, never copied; CC BY-SA 4.0): DIR/xquad-dev/xquad.{en,zh}.json and
DIR/cmrc2018-trial/cmrc2018_trial.json, DIR defaulting to ../shared/data beside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("QA_SRC", str(ROOT)))  # --before runs this script on an older qa/
sys.path.insert(0, str(ROOT / "benchmarks"))

from qa import __version__  # noqa: E402
from qa.builder import EMBED_BATCH, build_index, embed_text  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402
from qa.evaluate import evaluate_modes  # noqa: E402
from qa.index_files import load_index  # noqa: E402
from qa.squad import load_squad  # noqa: E402

MODES = ("dense", "lexical", "hybrid")
METRICS = ("recall@1", "recall@5", "mrr@10", "answer@1", "sentence@1")
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
QUALITY_PAGE = ROOT / "docs" / "quality.md"
SECTION = ("## Quality\n", "<!-- end of quality -->")
TABLE_MARKERS = ("<!-- quality table: written by benchmarks/quality.py -->", "<!-- end of quality table -->")


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        ram = ""
    return f"{os.cpu_count()} CPU cores ({model}){ram}, {platform.system()} {platform.release()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def embedding_floor(name: str, files: list[Path], embedder, repeats: int) -> dict:
    """Build the corpus's index (fresh, each time) and embed only its passages; best of ``repeats``."""
    squads = [load_squad(f) for f in files]
    with tempfile.TemporaryDirectory(prefix="qa-floor-") as tmp:
        folder = Path(tmp) / "docs"
        for s in squads:
            (folder / s.lang).mkdir(parents=True)
            for i, context in enumerate(s.paragraphs):
                (folder / s.lang / f"p{i:05d}.txt").write_text(context, encoding="utf-8")
        builds, floors = [], []
        for r in range(repeats):
            started = time.perf_counter()
            build_index([folder], Path(tmp) / f"index-{r}", embedder=embedder, full=True)
            builds.append(time.perf_counter() - started)
            index = load_index(Path(tmp) / f"index-{r}")
            texts = [embed_text(p.text, index.documents[p.doc].get("title")) for p in index.passages]
            texts.sort(key=len)  # the builder's batching: alike lengths together
            started = time.perf_counter()
            for lo in range(0, len(texts), EMBED_BATCH):
                embedder.embed(texts[lo:lo + EMBED_BATCH])
            floors.append(time.perf_counter() - started)
        sentences = int(index.manifest.sentences)
    build, floor = min(builds), min(floors)
    return {"corpus": name, "documents": sum(len(s.paragraphs) for s in squads), "passages": len(texts),
            "sentences": sentences, "floor": floor, "build": build, "ratio": build / floor}


def f3(x: float) -> str:
    return f"{x:.3f}"


def quality_table(evals: dict[str, dict]) -> list[str]:
    """Rows per data set and task: the three modes (bold: best of the three), then any "hybrid at REV"
    rows (``--before``: plain dicts of task -> metrics)."""
    lines = ["| data | task | queries | mode | " + " | ".join(METRICS) + " |",
             "|---|---|---:|---|" + "---:|" * len(METRICS)]
    for data, by_mode in evals.items():
        for task in by_mode[MODES[0]].tasks:
            best = {m: max(by_mode[x].tasks[task][m] for x in MODES) for m in METRICS}
            for mode, result in by_mode.items():
                row = result.tasks[task] if mode in MODES else result[task]
                cells = [f"**{f3(row[m])}**" if row[m] == best[m] else f3(row[m]) for m in METRICS]
                lines.append(f"| {data} | {task} | {row['queries']} | {mode} | " + " | ".join(cells) + " |")
    return lines


def written_by(script: str, started: str, seconds: float, load: str, what_ran: str, note: str | None = None,
               load_note: str = "") -> list[str]:
    """The opening lines of a benchmark's section: which script, when, how long, on what machine and
    load, which qa (``what_ran`` follows "qa VERSION (commit C)"), and the caller's note if any."""
    out = [f"Written by `benchmarks/{script}` on {started} (took {seconds / 60:.1f} min). Machine: {machine()}; "
           f"load average at start {load}{load_note}. qa {__version__} (commit {commit()}){what_ran}", ""]
    return out + ([f"**Note:** {note}", ""] if note else [])


def report(evals: dict[str, dict], floors: list[dict], started: str, seconds: float, load: str,
           note: str | None, limit: int | None) -> str:
    model = next(iter(evals.values()))["hybrid"].settings["model"]
    before = [m for m in next(iter(evals.values())) if m not in MODES]
    out = [SECTION[0]] + written_by(
        "quality.py", started, seconds, load, f", model `{model}`, default passages."
        + (f" Only the first {limit} questions of each file." if limit else ""), note)
    out += ["Retrieval, one run, the three modes over the same indexes (bold: best of the three). "
            "Data: XQuAD dev subset (24 articles, 120 paragraphs, parallel en/zh) and CMRC 2018 trial "
            "(256 paragraphs, zh); each paragraph is one document. Metric definitions: docs/quality.md."
            + (" Rows \"hybrid at REV\": the same questions asked of qa as it was at that git revision, in the "
               "same run (its own indexes, built by its own code)." if before else ""),
            ""] + quality_table(evals) + [""]
    out += ["Index build and question latency (latency measured around `QA.ask`, all tasks of a mode):", "",
            "| data | documents | passages | build s | passages/s | " +
            " | ".join(f"{m} p50 / p95 ms" for m in MODES) + " |",
            "|---|---:|---:|---:|---:|" + "---:|" * len(MODES)]
    for data, by_mode in evals.items():
        ix = by_mode["hybrid"].index
        lat = " | ".join(f"{by_mode[m].query_ms['p50']:.0f} / {by_mode[m].query_ms['p95']:.0f}" for m in MODES)
        out.append(f"| {data} | {ix['documents']} | {ix['passages']} | {ix['seconds']:.1f} | "
                   f"{ix['passages_per_second']} | {lat} |")
    out += ["", "(XQuAD's figures add up three indexes: en, zh and the mixed corpus.)", "",
            "Embedding floor: the same documents indexed by the builder (read, segment, chunk, embed "
            "passages and sentences, BM25, write) against only embedding their passages with the same "
            "model and batches; best of the repeats, fresh index each time:", "",
            "| corpus | documents | passages | sentences | embed passages s | build index s | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for f in floors:
        out.append(f"| {f['corpus']} | {f['documents']} | {f['passages']} | {f['sentences']} | "
                   f"{f['floor']:.1f} | {f['build']:.1f} | {f['ratio']:.2f}× |")
    out += ["", "(The builder also embeds every sentence, for the highlight and the dense score's "
            "best-sentence term, so it runs the model over passages + sentences.)", "", SECTION[1]]
    return "\n".join(out)


def replace_between(text: str, start: str, end: str, body: str) -> str:
    i, j = text.index(start), text.index(end)
    return text[:i] + body + text[j + len(end):]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("QA_EVAL_DATA", ROOT.parent / "shared" / "data")))
    ap.add_argument("--limit", type=int, default=None, help="first N questions of each file (quick runs)")
    ap.add_argument("--repeats", type=int, default=2, help="floor timing repeats; the best counts")
    ap.add_argument("--note", default=None, help="a note printed with the results, e.g. 'machine shared'")
    ap.add_argument("--dry-run", action="store_true", help="print the section, write nothing")
    ap.add_argument("--before", metavar="REV", help="also run qa as it was at this git revision (hybrid)")
    ap.add_argument("--hybrid-json", action="store_true", help=argparse.SUPPRESS)  # for --before
    args = ap.parse_args()
    xquad = [args.data / "xquad-dev" / "xquad.en.json", args.data / "xquad-dev" / "xquad.zh.json"]
    cmrc = [args.data / "cmrc2018-trial" / "cmrc2018_trial.json"]
    if args.hybrid_json:  # the hybrid rows only, as JSON (run by --before on an older qa)
        results = {data: evaluate_modes(files, ("hybrid",), limit=args.limit)["hybrid"].tasks
                   for data, files in (("XQuAD en+zh", xquad), ("CMRC 2018 trial", cmrc))}
        print(json.dumps(results))
        return 0
    from docset import started  # not at the top: --hybrid-json runs this script on an older qa/

    started_at, load, t0 = started()
    from qa.terminal import ProgressBar, stderr_console

    embedder = load_embedder()
    with ProgressBar(stderr_console()) as bar:
        evals = {"XQuAD en+zh": evaluate_modes(xquad, MODES, embedder=embedder, limit=args.limit, progress=bar),
                 "CMRC 2018 trial": evaluate_modes(cmrc, MODES, embedder=embedder, limit=args.limit,
                                                   progress=bar)}
    if args.before:
        from docset import run_at

        older = run_at(args.before, __file__, ["--hybrid-json", "--data", str(args.data)]
                       + (["--limit", str(args.limit)] if args.limit else []))
        for data, tasks in older.items():
            evals[data][f"hybrid at {args.before}"] = tasks
    floors = [embedding_floor("XQuAD en+zh", xquad, embedder, args.repeats),
              embedding_floor("CMRC 2018 trial", cmrc, embedder, args.repeats)]
    section = report(evals, floors, started_at, time.perf_counter() - t0, load, args.note, args.limit)
    print(section)
    if args.dry_run:
        return 0
    RESULTS.write_text(replace_between(RESULTS.read_text(encoding="utf-8"), *SECTION, section), encoding="utf-8")
    page = QUALITY_PAGE.read_text(encoding="utf-8")
    if TABLE_MARKERS[0] in page:
        limited = f", first {args.limit} questions of each file only" if args.limit else ""
        table = "\n".join([TABLE_MARKERS[0], f"Measured {started_at} on {os.cpu_count()} cores{limited} "
                           "(benchmarks/RESULTS.md has the details):", ""] + quality_table(evals)
                          + ["", TABLE_MARKERS[1]])
        QUALITY_PAGE.write_text(replace_between(page, *TABLE_MARKERS, table), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
