"""HTTP load: N concurrent clients against a real `qa serve` process on loopback.

    python benchmarks/load.py                 # seeds and xquad-dev, 50 clients x 30 s, 1 client x 10 s
    python benchmarks/load.py --corpus seeds --seconds 10 --no-write

For each corpus it builds an index (into benchmarks/out/, never committed), starts `qa serve` on a free
loopback port as a separate process, and runs closed-loop clients (each sends its next question when the
answer arrives) with httpx's async client: requests/s, p50/p95/p99 latency, errors. The questions are the
corpus's own (xquad-dev: its English and Chinese questions; seeds: a few in both languages), cycled.
The client shares the machine's cores with the server, as it would on a laptop. Results go to the
"HTTP load" section of benchmarks/RESULTS.md.

xquad-dev (CC BY-SA 4.0) is read from /work/shared/data/xquad-dev (or --xquad DIR): its 240 paragraphs
(120 English, 120 Chinese) become one text file each under benchmarks/out/xquad-docs/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "## HTTP load", "<!-- end of http load -->"
MAX_REQUESTS = 200_000  # a bound on any run, whatever the speed

SEED_QUESTIONS = ["韩国人工智能发展的目标是什么？", "What does South Korea aim to achieve in AI by 2030?",
                  "韩国在人工智能方面面临哪些挑战？", "How self-sufficient does South Korea want its AI to be?"]


def python() -> list[str]:
    return [sys.executable]


def env() -> dict:
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    e.pop("QA_TOKEN", None)
    e.pop("QA_MODEL", None)
    return e


def build(paths: list[Path], index_dir: Path) -> None:
    subprocess.run(python() + ["-m", "qa.cli", "index", "--index", str(index_dir), "--json"]
                   + [str(p) for p in paths], cwd=ROOT, env=env(), check=True, stdout=subprocess.DEVNULL)


def xquad_corpus(data: Path) -> tuple[list[Path], list[str]]:
    docs = OUT / "xquad-docs"
    docs.mkdir(parents=True, exist_ok=True)
    questions: list[str] = []
    for lang in ("en", "zh"):
        squad = json.loads((data / f"xquad.{lang}.json").read_text(encoding="utf-8"))
        n = 0
        for article in squad["data"]:
            for para in article["paragraphs"]:
                path = docs / f"{lang}_{n:03d}.txt"
                text = f"{article.get('title', '')}\n\n{para['context']}\n" if article.get("title") else para["context"]
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    path.write_text(text, encoding="utf-8")
                questions += [qa["question"] for qa in para["qas"]]
                n += 1
    # Interleave the languages so every stretch of the run asks both.
    half = len(questions) // 2
    mixed = [q for pair in zip(questions[:half], questions[half:]) for q in pair]
    return [docs], mixed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`qa serve` in its own process, stopped (by its pid) on exit."""

    def __init__(self, index_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(python() + ["-m", "qa.cli", "serve", "--index", str(index_dir), "--port",
                                     str(self.port)], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def __enter__(self) -> "Server":
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"qa serve exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("qa serve did not come up in 120 s")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def run_clients(url: str, questions: list[str], clients: int, seconds: float, k: int) -> dict:
    import httpx

    latencies: list[float] = []
    queue_ms: list[float] = []
    ask_ms: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    # One httpx client (one keep-alive connection) per simulated user: a single shared pool of 50
    # connections hands them out unevenly and added seconds of client-side wait to the tail.
    pool = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(clients)]
    try:
        for q in questions[:3]:  # warm-up, not counted
            await pool[0].post("/ask", json={"question": q, "k": k})
        deadline = time.perf_counter() + seconds

        async def one_client(i: int) -> None:
            nonlocal sent
            client = pool[i]
            n = i
            while time.perf_counter() < deadline and sent < MAX_REQUESTS:
                sent += 1
                q = questions[n % len(questions)]
                n += clients
                t = time.perf_counter()
                try:
                    r = await client.post("/ask", json={"question": q, "k": k})
                    ok = r.status_code == 200 and "hits" in r.json()
                    if not ok:
                        errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                except httpx.HTTPError as e:
                    ok = False
                    errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                if ok:
                    latencies.append(time.perf_counter() - t)
                    parts = dict(p.strip().split(";dur=") for p in r.headers.get("server-timing", "").split(",") if ";dur=" in p)
                    queue_ms.append(float(parts.get("queue", "nan")))
                    ask_ms.append(float(parts.get("ask", "nan")))

        cpu0 = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(one_client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - cpu0
    finally:
        for client in pool:
            await client.aclose()
    latencies = [1000 * x for x in sorted(latencies)]
    queue_ms.sort()
    ask_ms.sort()

    def pct(p: float, values: list[float] = latencies) -> float:
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 1) if values else float("nan")

    return {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies) + sum(errors.values()),
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "errors": sum(errors.values()), "error_kinds": errors,
            "server_queue_p50_ms": pct(50, queue_ms), "server_queue_p95_ms": pct(95, queue_ms),
            "server_ask_p50_ms": pct(50, ask_ms), "server_ask_p95_ms": pct(95, ask_ms),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(latencies)), 2)}


def write_section(rows: list[dict], args) -> None:
    today = date.today().isoformat()
    lines = [START, "", "(written by `benchmarks/load.py`)", "",
             f"`qa serve` (one uvicorn process, default model use-multilingual, k={args.k}, hybrid) on "
             f"127.0.0.1; closed-loop httpx async clients in another process on the same machine, each "
             f"sending its next question when its answer arrives. Machine: {os.cpu_count()} CPU cores, "
             f"{platform.python_implementation()} {platform.python_version()}; run {today}.",
             "", "Latency is what the client sees; the server's own share (from its `Server-Timing` header) "
             "is the time a question waited for the answering thread (queue) and took to answer (ask).", "",
             "| corpus | passages | clients | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
             "| server queue p50 ms | server ask p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['corpus']} | {r['passages']} | {r['clients']} | {r['seconds']} | {r['requests']} | "
                     f"{r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} | "
                     f"{r['server_queue_p50_ms']} | {r['server_ask_p50_ms']} / {r['server_ask_p95_ms']} |")
    if args.note:
        lines += ["", args.note]
    lines += ["", END]
    text = RESULTS.read_text(encoding="utf-8")
    a, b = text.index(START), text.index(END) + len(END)
    RESULTS.write_text(text[:a] + "\n".join(lines) + text[b:], encoding="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", choices=("seeds", "xquad", "both"), default="both")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--baseline-seconds", type=float, default=10.0, help="a 1-client run first (0: skip)")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--xquad", type=Path, default=Path("/work/shared/data/xquad-dev"))
    p.add_argument("--note", default="", help="a sentence added under the table (e.g. 'machine shared')")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600:
        p.error("--clients 1..500 and --seconds up to 600")
    corpora = []
    if args.corpus in ("seeds", "both"):
        corpora.append(("seeds", [ROOT / "seeds"], SEED_QUESTIONS))
    if args.corpus in ("xquad", "both"):
        corpora.append(("xquad-dev en+zh", *xquad_corpus(args.xquad)))
    rows = []
    for name, paths, questions in corpora:
        index_dir = OUT / f"index-{name.split()[0]}"
        build(paths, index_dir)
        passages = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["passages"]
        with Server(index_dir) as server:
            runs = ([1] if args.baseline_seconds > 0 else []) + [args.clients]
            for clients in runs:
                seconds = args.baseline_seconds if clients == 1 and len(runs) > 1 else args.seconds
                row = asyncio.run(run_clients(server.url, questions, clients, seconds, args.k))
                row.update(corpus=name, passages=passages)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                rows.append(row)
    if not args.no_write:
        write_section(rows, args)
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
