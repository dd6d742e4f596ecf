"""Warm question latency of several git revisions side by side, in interleaved rounds.

    python benchmarks/warm_revs.py f43361c 14b2c92 HEAD [--size 10000] [--rounds 3]

Each revision is checked out (``git worktree add --detach``) under benchmarks/out/warm-revs/<commit>
and uses its own code for everything: its ``benchmarks/speed.py`` writes the XQuAD + CMRC documents,
its ``qa index --full`` builds their indexes, its speed.py's TILE tiles them to ``--size`` passages and
the 200 dev questions are asked as speed.py's WARM asks them (``QA.ask(q, k=5)``, hybrid, after 10
warm-up, a fresh process each time; each question is also timed in CPU seconds of that process, which
other programs' load on a shared machine inflates much less than the wall time). Rounds run every
revision once, one after another, so a burst of load from elsewhere hits each alike. Prints a Markdown
table: per revision, each round's p50 / p95 ms, their medians, and the medians of the CPU p50 / p95.
The worktrees and indexes are kept for the next run (``--clean`` checks the revisions out afresh);
HEAD's index is rebuilt when this code can no longer read it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "warm-revs"


# speed.py's WARM, also timing each question's CPU time (this process's, all threads): on a shared
# machine the wall time holds other programs' load, the CPU time much less of it.
WARM = r"""
import json, sys, time
import numpy as np
from qa import QA
index, questions = sys.argv[1], json.loads(sys.argv[2])
qa = QA.open(index); qa.ask("warm up", k=5)
for q in questions[:10]:
    qa.ask(q, k=5)
wall, cpu = [], []
for q in questions:
    t, c = time.perf_counter(), time.process_time()
    qa.ask(q, k=5)
    wall.append(time.perf_counter() - t), cpu.append(time.process_time() - c)
out = {}
for name, xs in (("", wall), ("cpu_", cpu)):
    xs = np.array(xs) * 1000
    out.update({name + "p50": float(np.percentile(xs, 50)), name + "p95": float(np.percentile(xs, 95))})
print(json.dumps(out))
"""


def commit_of(rev: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], capture_output=True, text=True,
                          check=True).stdout.strip()


def checkout(rev: str, clean: bool) -> Path:
    """A detached worktree of ``rev`` (HEAD: this working tree itself, uncommitted changes included)."""
    if rev == "HEAD":
        return ROOT
    dst = OUT / commit_of(rev)
    if clean and dst.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(dst)], check=True)
    if not (dst / "qa").is_dir():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(dst), rev], check=True,
                       capture_output=True)
    return dst


def speed_module(code: Path, name: str):
    """The revision's own benchmarks/speed.py, writing under benchmarks/out/warm-revs/<name>/."""
    spec = importlib.util.spec_from_file_location(f"speed_{name}", code / "benchmarks" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROOT, module.OUT = code, OUT / f"work-{name}"
    module.OUT.mkdir(parents=True, exist_ok=True)
    return module


def prepare(speed, data: Path, size: int) -> Path:
    """The revision's tiled index of ``size`` passages (built once, by the revision's own code)."""
    tiled = speed.OUT / f"idx-tiled-{size}"
    opens = [speed.PY, "-c", "import sys; from qa.index_files import load_index; load_index(sys.argv[1])", str(tiled)]
    if (tiled / "manifest.json").exists() and subprocess.run(opens, env=speed.env_for(speed.ROOT),
                                                             capture_output=True).returncode == 0:
        return tiled  # built before, and still readable by this code (HEAD: its format may have changed)
    shutil.rmtree(tiled, ignore_errors=True)
    corpora = speed.write_docs(data)
    for name, docs in corpora.items():
        index_dir = speed.OUT / f"idx-{name}"
        shutil.rmtree(index_dir, ignore_errors=True)
        speed.run(speed.qa_cmd("index", "--full", "--index", str(index_dir), str(docs)), speed.env_for(speed.ROOT),
                  cwd=speed.OUT)
    speed.run([speed.PY, "-c", speed.TILE, str(speed.ROOT), str(size), str(tiled), str(speed.OUT / "idx-xquad"),
               str(speed.OUT / "idx-cmrc")], speed.env_for(speed.ROOT), cwd=speed.OUT)
    return tiled


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("revs", nargs="+", help="git revisions (HEAD: this working tree as it is)")
    ap.add_argument("--size", type=int, default=10000, help="passages in the tiled index")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--clean", action="store_true", help="check the revisions out afresh")
    args = ap.parse_args()
    names = {rev: ("HEAD" if rev == "HEAD" else commit_of(rev)) for rev in args.revs}
    speeds = {rev: speed_module(checkout(rev, args.clean), names[rev]) for rev in args.revs}
    tiled = {rev: prepare(speeds[rev], args.data, args.size) for rev in args.revs}
    questions = json.dumps(speeds[args.revs[0]].questions(args.data), ensure_ascii=False)
    samples: dict[str, list[dict]] = {rev: [] for rev in args.revs}
    for r in range(args.rounds):
        for rev in args.revs:
            s = speeds[rev]
            out = s.run([s.PY, "-c", WARM, str(tiled[rev]), questions], s.env_for(s.ROOT), cwd=s.OUT)
            samples[rev].append(json.loads(out["stdout"]))
            x = samples[rev][-1]
            print(f"round {r + 1} {names[rev]}: p50 {x['p50']:.1f} ms, p95 {x['p95']:.1f} ms; CPU p50 "
                  f"{x['cpu_p50']:.1f} ms, p95 {x['cpu_p95']:.1f} ms (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    print(f"Warm `QA.ask(q, k=5)` at {args.size:,} passages, 200 dev questions, {args.rounds} interleaved rounds "
          f"(load average at end {os.getloadavg()[0]:.1f}):\n")
    print("| revision | p50 ms (each round) | p95 ms (each round) | median p50 / p95 ms "
          "| CPU median p50 / p95 ms |\n|---|---|---|---:|---:|")
    for rev in args.revs:
        rows = samples[rev]
        each = {k: [x[k] for x in rows] for k in ("p50", "p95", "cpu_p50", "cpu_p95")}
        median = {k: statistics.median(v) for k, v in each.items()}
        print(f"| {names[rev]} | {' / '.join(f'{x:.1f}' for x in each['p50'])} "
              f"| {' / '.join(f'{x:.1f}' for x in each['p95'])} | {median['p50']:.1f} / {median['p95']:.1f} "
              f"| {median['cpu_p50']:.1f} / {median['cpu_p95']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
