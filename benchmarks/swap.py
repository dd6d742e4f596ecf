"""Readers during republishing: how many `qa ask` runs (and `QA.open` calls) fail while another
process publishes new builds of the same index, with the retrying load (qa now) and without it.

    python benchmarks/swap.py [--asks 200] [--opens 2000] [--publishes 20] [--no-write]

A small index of tests/data is built in a temporary folder. A second process then republishes it
(`build_index(..., full=True)`, a new build folder each time, the old one removed) in a loop until
the readers are done and at least --publishes builds were published. Meanwhile, one after another:

- `qa ask` runs (separate processes, `--json`), the way the issue counted failures;
- `QA.open` + one question, in this process, with the model loaded once (many more attempts).

Each is done twice: with ``qa.index_files.LOAD_ATTEMPTS`` as shipped (a load whose build folder
vanished starts again on the new manifest) and with 1 (the old protocol: no retry). The other way
of keeping readers safe, keeping superseded build folders until no reader can be on them, needs
reader registration or a grace period and costs a second copy of the index on disk; the retry costs
nothing unless a swap happens mid-load. Writes the "Readers during republishing" section of
benchmarks/RESULTS.md (failure counts, not timings).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.docset import write_section  # noqa: E402
from benchmarks.quality import written_by  # noqa: E402
from qa import index_files  # noqa: E402

SECTION = ("## Readers during republishing\n", "<!-- end of readers during republishing -->")
QUESTION = "How many players does each football team have?"
REPUBLISHER = r"""
import sys
from pathlib import Path
from qa.builder import build_index
docs, index, stop, least = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
n = 0
while n < least or not stop.exists():
    build_index([docs], index, full=True)
    n += 1
print(n, flush=True)
"""
ASK = r"""
import sys
import qa.index_files as f
f.LOAD_ATTEMPTS = int(sys.argv[1])
from qa.cli import main
sys.exit(main(sys.argv[2:]))
"""


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def republishing(docs: Path, index: Path, least: int, readers) -> tuple[int, dict]:
    """Run ``readers()`` while another process republishes; (builds published, readers' result)."""
    stop = index.parent / "stop"
    stop.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", REPUBLISHER, str(docs), str(index), str(stop), str(least)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    try:
        result = readers(proc)
    finally:
        stop.touch()
        out, err = proc.communicate(timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(err[-2000:])
    return int(out.strip()), result


def cli_asks(index: Path, n: int, attempts: int):
    def run(proc) -> dict:
        failures = []
        for _ in range(n):
            done = subprocess.run([sys.executable, "-c", ASK, str(attempts), "ask", QUESTION, "--json", "-k", "1",
                                   "--index", str(index)], capture_output=True, text=True, env=env())
            if done.returncode != 0:
                failures.append(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message")
        return {"runs": n, "failed": len(failures), "examples": sorted(set(failures))[:3]}
    return run


def opens(index: Path, n: int, attempts: int, embedder):
    from qa import QA

    def run(proc) -> dict:
        failures = []
        index_files.LOAD_ATTEMPTS = attempts
        try:
            for i in range(n):
                try:
                    QA.open(index, embedder=embedder).ask(QUESTION, k=1)
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{type(e).__name__}: {e}"[:160])
                if i >= n // 2 and proc.poll() is not None:
                    break
        finally:
            index_files.LOAD_ATTEMPTS = shipped
        return {"runs": i + 1, "failed": len(failures), "examples": sorted(set(failures))[:3]}
    return run


shipped = index_files.LOAD_ATTEMPTS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--asks", type=int, default=200, help="`qa ask` runs per protocol")
    ap.add_argument("--opens", type=int, default=2000, help="QA.open calls per protocol")
    ap.add_argument("--publishes", type=int, default=20, help="at least this many builds published per run")
    ap.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = ap.parse_args()
    from qa.builder import build_index
    from qa.embedding import load_embedder

    started, t0 = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), time.perf_counter()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    embedder = load_embedder()
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-swap-") as tmp:
        docs, index = Path(tmp) / "docs", Path(tmp) / "index"
        shutil.copytree(ROOT / "tests" / "data", docs)
        build_index([docs], index, embedder=embedder)
        for attempts, label in ((shipped, f"retry on the new manifest (up to {shipped} loads)"),
                                (1, "no retry (the old protocol)")):
            for kind, readers in (("`qa ask` processes", cli_asks(index, args.asks, attempts)),
                                  ("`QA.open` + ask in one process", opens(index, args.opens, attempts, embedder))):
                published, result = republishing(docs, index, args.publishes, readers)
                rows.append({"protocol": label, "readers": kind, "published": published, **result})
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    seconds = time.perf_counter() - t0
    out = [SECTION[0]] + written_by("swap.py", started, seconds, load, ", tests/data (7 files).")
    out += ["Failed reads while a second process republished the index in a loop (full builds). A failure "
            "is any exception (`QA.open`) or non-zero exit (`qa ask`).", "",
            "| protocol | readers | builds published | runs | failed |", "|---|---|---:|---:|---:|"]
    out += [f"| {r['protocol']} | {r['readers']} | {r['published']} | {r['runs']} | {r['failed']} |" for r in rows]
    examples = sorted({e for r in rows for e in r["examples"]})
    if examples:
        out += ["", "Failures seen: " + "; ".join(f"`{e}`" for e in examples[:4])]
    section = "\n".join(out + ["", SECTION[1]])
    if args.no_write:
        print(section)
        return
    write_section(section, SECTION, ROOT / "benchmarks" / "RESULTS.md")

if __name__ == "__main__":
    main()
