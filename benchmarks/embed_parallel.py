"""How the default model's encode uses the cores: BLAS threads, Python threads or worker processes.

    python benchmarks/embed_parallel.py [--texts 800] [--rounds 3] [--json]

The same texts (XQuAD en paragraphs and their sentences, what a build embeds) encoded four ways,
interleaved round by round so a burst of load from elsewhere hits each alike:

  one       one thread, one BLAS thread (the baseline: one core)
  blas      one thread, BLAS allowed every core
  threads   the texts split over one Python thread a core, one BLAS thread each (what qa does)
  procs     a pool of one worker process a core (model loaded in each), batches of 64 texts

Prints texts/s (median of the rounds) and each way's speed-up over ``one``. Speed on a shared
machine is noisy: compare the ratios of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

from qa.embedding import USEEmbedder, available_cores  # noqa: E402

_model = None


def _load() -> None:
    global _model
    _model = USEEmbedder(workers=1)


def _encode(texts: list[str]):
    with threadpool_limits(1, "blas"):
        return _model._model._encode(texts)


def texts_of(data: Path, n: int) -> list[str]:
    out = []
    for article in json.loads((data / "xquad-dev" / "xquad.en.json").read_text(encoding="utf-8"))["data"]:
        for p in article["paragraphs"]:
            out.append(p["context"])
            out += [s for s in p["context"].split(". ") if s]
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--texts", type=int, default=800)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    texts, cores = texts_of(args.data, args.texts), available_cores()
    _load()
    _encode(["warm up"])
    pool = ProcessPoolExecutor(cores, initializer=_load)
    list(pool.map(_encode, [["warm up"]] * cores))

    def blas() -> None:
        with threadpool_limits(cores, "blas"):
            _model._model._encode(texts)

    def threads() -> None:
        with ThreadPoolExecutor(cores) as ex:
            list(ex.map(_encode, [texts[i::cores] for i in range(cores)]))

    ways = {"one": lambda: _encode(texts), "blas": blas, "threads": threads,
            "procs": lambda: list(pool.map(_encode, [texts[i:i + 64] for i in range(0, len(texts), 64)]))}
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, fn in ways.items():
            t = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - t)
    pool.shutdown()
    rate = {name: len(texts) / statistics.median(s) for name, s in seconds.items()}
    result = {"texts": len(texts), "cores": cores, "load_start": load, "load_end": os.getloadavg()[0],
              "texts_per_s": {k: round(v, 1) for k, v in rate.items()},
              "speedup_over_one": {k: round(v / rate["one"], 2) for k, v in rate.items()}}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{len(texts)} texts, {cores} cores, load average {load:.1f} -> {result['load_end']:.1f}")
    print("| way | texts/s | x one core |\n|---|---:|---:|")
    for name in ways:
        print(f"| {name} | {rate[name]:.1f} | {rate[name] / rate['one']:.2f} |")


if __name__ == "__main__":
    main()
