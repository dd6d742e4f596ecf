"""Rebuild benchmark: a full build, a rebuild with nothing changed, and one after changing 1% of files.

    python benchmarks/rebuild.py [--docs 2000] [--out benchmarks/out/rebuild] [--no-write]

The corpus is generated from the XQuAD (en, zh) and CMRC 2018 trial paragraphs in /work/shared/data
(or --data): document i is paragraph i mod N under a title line of its own. The paragraphs repeat
(about 500 of them for 2,000 documents) and qa embeds a text it has seen once only, so a full build
here costs less than one of 2,000 distinct documents would: the rebuild ratios below are, if
anything, on the high side. Timings are in-process with the model already loaded (a CLI run adds
Python start-up, and the model load when something must be embedded); the no-change rebuild is
also timed as a `qa index` process. Writes the "Rebuilds" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.builder import build_index  # noqa: E402
from qa.embedding import load_embedder  # noqa: E402

DATA = Path("/work/shared/data")


def paragraphs(data: Path) -> list[tuple[str, str]]:
    """(title, text) of every paragraph of the evaluation sets."""
    out = []
    for rel in ("xquad-dev/xquad.en.json", "xquad-dev/xquad.zh.json", "cmrc2018-trial/cmrc2018_trial.json"):
        for article in json.loads((data / rel).read_text(encoding="utf-8"))["data"]:
            for p in article["paragraphs"]:
                out.append((article.get("title") or rel, p["context"].strip()))
    return out


def make_corpus(folder: Path, n_docs: int, data: Path) -> list[Path]:
    shutil.rmtree(folder, ignore_errors=True)
    paras = paragraphs(data)
    files = []
    for i in range(n_docs):
        title, text = paras[i % len(paras)]
        path = folder / f"{i // 500:02d}" / f"doc{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title} ({i // len(paras) + 1})\n{text}\n", encoding="utf-8")
        files.append(path)
    return files


def change(files: list[Path], share: float, round_no: int) -> int:
    """Append a new sentence to ``share`` of the files, a different set each round."""
    step = max(1, round(1 / share))
    picked = files[round_no::step]
    for k, path in enumerate(picked):
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"Revision {round_no}.{k}: this paragraph was checked again on day {round_no * 7 + k}.\n")
    return len(picked)


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def write_results(text: str) -> None:
    path = ROOT / "benchmarks" / "RESULTS.md"
    body = path.read_text(encoding="utf-8")
    head, end = "## Rebuilds\n", "<!-- end of rebuilds -->"
    start, stop = body.index(head) + len(head), body.index(end)
    path.write_text(body[:start] + "\n" + text.strip() + "\n\n" + body[stop:], encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "rebuild")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--rounds", type=int, default=3, help="no-change and 1%% rebuilds to time (median)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = ap.parse_args()

    corpus, index = args.out / "docs", args.out / "index"
    files = make_corpus(corpus, args.docs, args.data)
    shutil.rmtree(index, ignore_errors=True)
    embedder = load_embedder()
    full_s, full = timed(lambda: build_index([corpus], index, embedder=embedder, full=True))
    print(f"full: {full_s:.1f} s, {full.documents} documents, {full.passages} passages, "
          f"{full.embedded} texts embedded", flush=True)

    same = [timed(lambda: build_index([corpus], index, embedder=embedder))[0] for _ in range(args.rounds)]
    print("no change:", [f"{s:.2f}" for s in same], flush=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cli = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.cli", "index", str(corpus), "--index", str(index), "--json"],
                       env=env, check=True, capture_output=True)
        cli.append(time.perf_counter() - t)
    print("no change (qa index process):", [f"{s:.2f}" for s in cli], flush=True)

    one, embedded, changed = [], [], 0
    for r in range(args.rounds):
        changed = change(files, 0.01, r)
        s, rep = timed(lambda: build_index([corpus], index, embedder=embedder))
        assert len(rep.changed) == changed, (len(rep.changed), changed)
        one.append(s)
        embedded.append(rep.embedded)
    print("1% changed:", [f"{s:.2f}" for s in one], "embedded", embedded, flush=True)

    med_same, med_cli, med_one = statistics.median(same), statistics.median(cli), statistics.median(one)
    verdict = lambda x, goal: "meets" if x <= goal else "misses"  # noqa: E731
    text = f"""(written by `benchmarks/rebuild.py` on {date.today().isoformat()}, on a {os.cpu_count()}-core machine;
load average at the end {os.getloadavg()[0]:.1f}: above 1 means something else was running)

Corpus: {full.documents} generated documents ({full.passages} passages) from the XQuAD en/zh and CMRC 2018
trial paragraphs (each paragraph used about {args.docs / len(paragraphs(args.data)):.0f} times under
distinct titles; texts seen before are embedded once, so the full build is cheaper than with 2,000
distinct documents). Model: {embedder.name}, loaded before timing. Python {platform.python_version()}.
Median of {args.rounds} runs for the rebuilds.

| build | seconds | share of full | goal |
|---|---|---|---|
| full (`--full`, {full.embedded} texts embedded) | {full_s:.1f} | 100% | |
| nothing changed (in process) | {med_same:.2f} | {100 * med_same / full_s:.1f}% | ≤ 5%: {verdict(med_same / full_s, 0.05)} |
| nothing changed (`qa index` process, start-up included) | {med_cli:.2f} | {100 * med_cli / full_s:.1f}% | |
| {changed} files changed (1%; {statistics.median(embedded):.0f} texts embedded) | {med_one:.2f} | {100 * med_one / full_s:.1f}% | ≤ 10%: {verdict(med_one / full_s, 0.10)} |

A no-change rebuild reads the manifest and stats the files, nothing more (no model, no index data,
nothing written). A rebuild with changes reads the previous passages, tokens and vectors, embeds only
texts it has not seen, rebuilds BM25 and writes a new build folder.
"""
    print(text)
    if not args.no_write:
        write_results(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
