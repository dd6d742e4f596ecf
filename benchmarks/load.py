"""HTTP load: `qa serve` with 1 and with N worker processes, side by side, on loopback.

    python benchmarks/load.py --workers 2               # seeds and xquad-dev; writes RESULTS.md
    python benchmarks/load.py --corpus seeds --seconds 10 --no-write

For each corpus it builds an index (into benchmarks/out/, never committed), then for 1 worker and for
N (`qa serve --workers N`, a separate process on a free loopback port, started only when all its workers
answer) runs two loads with asyncio clients on keep-alive connections:

- closed loop: C clients, each sending its next question when its answer arrives (the most the server
  can do: requests/s);
- open loop: questions arriving at a fixed rate, whatever the answers do (what a user sees at a given
  load: latency from each question's scheduled arrival, so a slow server cannot hide its queue), at
  80% of the requests/s one worker managed closed-loop (or --rate).

Each run is bounded (--seconds, at most MAX_REQUESTS requests, at most MAX_IN_FLIGHT open-loop requests
waiting: more count as errors). Reported: requests/s, p50/p95/p99 latency, errors. The questions are the
corpus's own (xquad-dev: its English and Chinese questions; seeds: a few in both languages), cycled. The
client shares the machine's cores with the server, as it would on a laptop. Results go to the "HTTP
load" section of benchmarks/RESULTS.md; run it on a quiet machine.

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
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "## HTTP load", "<!-- end of http load -->"
MAX_REQUESTS = 200_000  # a bound on any run, whatever the speed
MAX_IN_FLIGHT = 500  # open loop: questions waiting at once, at most
OPEN_SHARE = 0.8  # open-loop rate: this share of the requests/s one worker served closed-loop

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
    """`qa serve --workers N` in its own process, stopped (by its pid) on exit."""

    def __init__(self, index_dir: Path, workers: int):
        self.port, self.workers = free_port(), workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(python() + ["-m", "qa.cli", "serve", "--index", str(index_dir), "--port",
                                     str(self.port), "--workers", str(workers)], cwd=ROOT, env=env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self) -> "Server":
        import httpx

        deadline, seen = time.monotonic() + 180, set()
        while len(seen) < self.workers:  # until every worker has answered (each loads the model itself)
            if self.proc.poll() is not None:
                raise RuntimeError(f"qa serve exited: {self.proc.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(seen)} of {self.workers} workers came up in 180 s")
            try:
                r = httpx.get(f"{self.url}/health", timeout=2)  # a new connection each time: any worker
                if r.status_code == 200:
                    seen.add(r.json().get("worker"))
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return self

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) of the server so far: the `qa serve` process and its workers (Linux:
        /proc; None elsewhere). Divided by the requests served, the cost of a request, which unlike
        requests/s does not depend on what else (the client, other programs) uses the cores."""
        tick, total, todo = os.sysconf("SC_CLK_TCK"), 0, [self.proc.pid]
        try:
            while todo:
                pid = todo.pop()
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (of every thread)
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(x) for x in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            return None
        return total / tick

    def __exit__(self, *exc) -> None:
        self.proc.terminate()  # the supervisor stops its workers
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Connection:
    """One keep-alive HTTP/1.1 connection on loopback, written by hand: a general client (httpx) spent
    1-3 ms of CPU a request, on the same cores the server is being measured on."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    _asks: dict[tuple, bytes] = {}  # each question's request, encoded once: the client's CPU is kept small

    def encode(self, path: str, payload: dict) -> bytes:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def ask_request(self, question: str, k: int) -> bytes:
        key = (self.port, question, k)
        if key not in self._asks:
            self._asks[key] = self.encode("/ask", {"question": question, "k": k})
        return self._asks[key]

    async def post(self, path: str, payload: dict) -> tuple[int, dict, bytes]:
        return await self.send(self.encode(path, payload))

    async def send(self, data: bytes) -> tuple[int, dict, bytes]:
        """One request (its bytes) on this connection, opened if need be: (status, headers, body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            self.writer.write(data)
            status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = dict((k.strip().lower(), v.strip()) for k, _, v in (x.partition(":") for x in lines if x))
            data = await self.reader.readexactly(int(headers.get("content-length", 0)))
        except Exception:
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split()[1]), headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tally:
    """Latencies and errors of one run."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.queue_ms: list[float] = []
        self.ask_ms: list[float] = []
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def ask(self, conn: Connection, question: str, k: int, since: float) -> None:
        """One question; its latency counts from ``since`` (when it was sent, or was due to arrive)."""
        try:
            status, headers, body = await asyncio.wait_for(conn.send(conn.ask_request(question, k)), 60)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as e:
            conn.close()
            self.error(type(e).__name__)
            return
        if status != 200 or b'"hits"' not in body:
            self.error(str(status))
            return
        self.latencies.append(time.perf_counter() - since)
        parts = dict(p.strip().split(";dur=") for p in headers.get("server-timing", "").split(",") if ";dur=" in p)
        self.queue_ms.append(float(parts.get("queue", "nan")))
        self.ask_ms.append(float(parts.get("ask", "nan")))

    def row(self, elapsed: float, client_cpu: float, **extra) -> dict:
        latencies = [1000 * x for x in sorted(self.latencies)]
        queue_ms, ask_ms = sorted(self.queue_ms), sorted(self.ask_ms)

        def pct(p: float, values: list[float] = latencies) -> float:
            return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 1) if values else float("nan")

        return {**extra, "seconds": round(elapsed, 1), "requests": len(latencies) + sum(self.errors.values()),
                "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
                "errors": sum(self.errors.values()), "error_kinds": self.errors,
                "server_queue_p50_ms": pct(50, queue_ms), "server_ask_p50_ms": pct(50, ask_ms),
                "server_ask_p95_ms": pct(95, ask_ms),
                "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(latencies)), 2)}


async def warm_up(port: int, questions: list[str], k: int, workers: int) -> None:
    """A few questions on fresh connections (so likely on every worker), not counted."""
    for q in questions[: 3 * workers]:
        conn = Connection(port)
        await conn.post("/ask", {"question": q, "k": k})
        conn.close()


async def run_closed(port: int, questions: list[str], clients: int, seconds: float, k: int) -> dict:
    """``clients`` closed-loop clients (one connection each) for ``seconds``."""
    tally, sent = Tally(), 0
    pool = [Connection(port) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    async def one_client(i: int) -> None:
        nonlocal sent
        n = i
        while time.perf_counter() < deadline and sent < MAX_REQUESTS:
            sent += 1
            await tally.ask(pool[i], questions[n % len(questions)], k, time.perf_counter())
            n += clients

    cpu0, started = time.process_time(), time.perf_counter()
    try:
        await asyncio.gather(*(one_client(i) for i in range(clients)))
    finally:
        for conn in pool:
            conn.close()
    elapsed, client_cpu = time.perf_counter() - started, time.process_time() - cpu0
    return tally.row(elapsed, client_cpu, load=f"closed loop, {clients} clients")


async def run_open(port: int, questions: list[str], rate: float, seconds: float, k: int) -> dict:
    """A question due every 1/``rate`` s for ``seconds``, each timed from when it was due, on an idle
    connection or a new one."""
    tally, in_flight, tasks, idle = Tally(), 0, [], []

    async def one(question: str, due: float) -> None:
        nonlocal in_flight
        in_flight += 1
        conn = idle.pop() if idle else Connection(port)
        try:
            await tally.ask(conn, question, k, due)
        finally:
            in_flight -= 1
            idle.append(conn)

    cpu0, started = time.process_time(), time.perf_counter()
    for n in range(min(MAX_REQUESTS, int(rate * seconds))):
        due = started + n / rate
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        if in_flight >= MAX_IN_FLIGHT:  # the server has fallen far behind: count it, do not pile on
            tally.error("client_overload")
            continue
        tasks.append(asyncio.create_task(one(questions[n % len(questions)], due)))
    await asyncio.gather(*tasks)
    elapsed, client_cpu = time.perf_counter() - started, time.process_time() - cpu0
    for conn in idle:
        conn.close()
    return tally.row(elapsed, client_cpu, load=f"open loop, {rate:.1f} req/s", rate=round(rate, 1))


def with_cpu(server: Server, run) -> dict:
    """``run`` (a coroutine giving a row), with the server's CPU during it: per request (its cost,
    whatever else uses the cores), in cores busy, and the client's share of the CPU both used."""
    before = server.cpu_seconds()
    row = asyncio.run(run)
    after = server.cpu_seconds()
    served = row["rps"] * row["seconds"]
    if before is None or after is None or not served:
        return {**row, "server_cpu_ms_per_request": None, "server_cores_busy": None, "client_cpu_share": None}
    cost = 1000 * (after - before) / served
    return {**row, "server_cpu_ms_per_request": round(cost, 2),
            "server_cores_busy": round((after - before) / row["seconds"], 2),
            "client_cpu_share": round(row["client_cpu_ms_per_request"] / (row["client_cpu_ms_per_request"] + cost), 3)}


def load_of(server: Server, questions: list[str], args, rate: float | None) -> list[dict]:
    """The closed-loop run, then the open-loop one (at ``rate``, or a share of this closed-loop rate)."""
    asyncio.run(warm_up(server.port, questions, args.k, server.workers))
    closed = with_cpu(server, run_closed(server.port, questions, args.clients, args.seconds, args.k))
    rate = rate or OPEN_SHARE * closed["rps"]
    opened = with_cpu(server, run_open(server.port, questions, rate, args.seconds, args.k))
    return [closed, opened]


def summary(corpus: str, rows: list[dict]) -> str:
    """One line: N workers against 1, closed-loop, in requests/s and in server CPU a request."""
    closed = {r["workers"]: r for r in rows if r["corpus"] == corpus and r["load"].startswith("closed")}
    if 1 not in closed or len(closed) < 2 or not closed[1]["rps"]:
        return ""
    one, n = closed[1], closed[max(closed)]
    line = f"- {corpus}: {n['workers']} workers serve {n['rps'] / one['rps']:.2f}x the requests/s of 1 worker closed-loop"
    if one["server_cpu_ms_per_request"] and n["server_cpu_ms_per_request"]:
        line += (f"; a request costs {one['server_cpu_ms_per_request']} ms of server CPU with 1 worker "
                 f"({one['server_cores_busy']} cores busy) and {n['server_cpu_ms_per_request']} ms with "
                 f"{n['workers']} ({n['server_cores_busy']} cores busy); the client took "
                 f"{one['client_cpu_share']:.1%} and {n['client_cpu_share']:.1%} of the CPU")
    return line + "."


def write_section(rows: list[dict], args, started: str, load: str) -> None:
    lines = [START, "", f"(written by `benchmarks/load.py` on {started}; load average at start {load})", "",
             f"`qa serve --workers N` (default model use-multilingual, k={args.k}, hybrid) on 127.0.0.1; asyncio "
             f"clients (keep-alive HTTP/1.1) in another process on the same machine. Closed loop: {args.clients} clients, each "
             f"sending its next question when its answer arrives. Open loop: questions due at a fixed rate, "
             f"{OPEN_SHARE:.0%} of what one worker served closed-loop (the same rate for 1 and N workers), "
             f"latency counted from when each was due. {args.seconds:.0f} s a run. Machine: {os.cpu_count()} "
             f"CPU cores, {platform.python_implementation()} {platform.python_version()}.", "",
             "Server queue/ask: the server's own share (its `Server-Timing` header): waiting for the "
             "answering thread, and answering. Server CPU: the CPU time of `qa serve` and its workers "
             "(/proc) per request served (the cost of a request, whatever else uses the cores) and in "
             "cores kept busy; client share: the load generator's part of the CPU both used.", "",
             "| corpus | passages | workers | load | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
             "| server queue p50 ms | server ask p50 / p95 ms | server CPU ms/request | server cores busy "
             "| client share of CPU |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        share = "" if r["client_cpu_share"] is None else f"{r['client_cpu_share']:.1%}"
        lines.append(f"| {r['corpus']} | {r['passages']} | {r['workers']} | {r['load']} | {r['requests']} | "
                     f"{r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['errors']} | "
                     f"{r['server_queue_p50_ms']} | {r['server_ask_p50_ms']} / {r['server_ask_p95_ms']} | "
                     f"{r['server_cpu_ms_per_request']} | {r['server_cores_busy']} | {share} |")
    lines.append("")
    lines += [summary(corpus, rows) for corpus in dict.fromkeys(r["corpus"] for r in rows)]
    if args.note:
        lines += ["", args.note]
    lines += ["", END]
    text = RESULTS.read_text(encoding="utf-8")
    a, b = text.index(START), text.index(END) + len(END)
    RESULTS.write_text(text[:a] + "\n".join(lines) + text[b:], encoding="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", choices=("seeds", "xquad", "both"), default="both")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="N, compared with 1 (default: cores)")
    p.add_argument("--clients", type=int, default=40, help="closed-loop clients (default 40)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each run (default 20)")
    p.add_argument("--rate", type=float, default=None, help="open-loop requests/s (default: "
                   f"{OPEN_SHARE * 100:.0f}%% of one worker's closed-loop requests/s, measured first)")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--xquad", type=Path, default=Path("/work/shared/data/xquad-dev"))
    p.add_argument("--note", default="", help="a sentence added under the table (e.g. 'machine shared')")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600 or not 1 <= args.workers <= 64 \
            or (args.rate is not None and not 0 < args.rate <= 5000):
        p.error("--clients 1..500, --seconds up to 600, --workers 1..64, --rate up to 5000")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
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
        rate = args.rate
        for workers in dict.fromkeys((1, args.workers)):
            with Server(index_dir, workers) as server:
                runs = load_of(server, questions, args, rate)
            rate = rate or runs[1]["rate"]  # N workers get the same arrival rate as 1
            for row in runs:
                row.update(corpus=name, passages=passages, workers=workers)
                print(json.dumps(row, ensure_ascii=False), flush=True)
                rows.append(row)
    if not args.no_write:
        write_section(rows, args, started, load)
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
