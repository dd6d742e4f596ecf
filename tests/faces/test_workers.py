"""`qa serve --workers 2`: real worker processes over one index, swapping builds under load.

A real `qa serve` process (its supervisor and two workers, real model and FAISS) on a loopback
port, 20 client threads asking without pause while the index is rebuilt twice: once by `POST /index`,
once by a `qa index` run from outside. Not one question may fail, every answer must come from one
whole build (the documents of the old set or of the new one), and afterwards every worker answers
from the new build."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from qa import QA

from ..conftest import ROOT, same_answers

TOKEN = "test-token-0123456789"
CLIENTS = 20
QUESTIONS = ["Who keeps the penguin eggs warm?", "龙井茶是哪里产的？", "How many players on a team?",
             "固态电池什么时候量产？", "When did the Icelandic volcano erupt?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def docs_and_index(tmp_path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "tests" / "data", docs)
    QA.build([docs], tmp_path / "index", embedder=embedder)
    return docs, tmp_path / "index"


@pytest.fixture
def two_workers(docs_and_index, tmp_path):
    docs, index = docs_and_index
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), QA_TOKEN=TOKEN)
    env.pop("QA_MODEL", None)
    log = open(tmp_path / "serve.log", "wb")
    # The same working folder as the build above: the index shows paths relative to it.
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--index", str(index), "--port", str(port),
                             "--workers", "2", "--allow-index"], cwd=os.getcwd(), env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_workers(url, proc, 2, tmp_path / "serve.log")
        yield url, docs, index
    finally:
        proc.terminate()  # the supervisor stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _healths(url: str, n: int = 12) -> list[dict]:
    """/health from fresh connections (each may land on either worker)."""
    out = []
    for _ in range(n):
        try:
            out.append(httpx.get(f"{url}/health", timeout=10).json())
        except httpx.HTTPError:
            pass
    return out


def _wait_for_workers(url, proc, workers, log_path, timeout=180.0):
    """Until `workers` different processes have answered /health."""
    seen, deadline = set(), time.monotonic() + timeout
    while len(seen) < workers:
        if proc.poll() is not None:
            raise RuntimeError(f"qa serve exited:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(seen)} of {workers} workers answered in {timeout} s")
        seen |= {h["worker"] for h in _healths(url, 4)}
        time.sleep(0.2)


def _everyone_on(url: str, build: str, timeout: float = 20.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        healths = _healths(url)
        if healths and all(h["build"] == build for h in healths):
            return {h["worker"] for h in healths}
        assert time.monotonic() < deadline, [(h["worker"], h["build"]) for h in healths]
        time.sleep(0.2)


def test_swaps_under_load_drop_no_question(two_workers):
    url, docs, index = two_workers
    before = {p.name for p in docs.iterdir()}
    results: list[tuple[int, set[str], float, float]] = []  # status, cited files, started, ended
    stop = threading.Event()

    def keep_asking(i):
        with httpx.Client(base_url=url, timeout=60) as c:
            n = i
            while not stop.is_set():
                started = time.monotonic()
                try:
                    r = c.post("/ask", json={"question": QUESTIONS[n % len(QUESTIONS)], "k": 3})
                    files = {Path(h["citation"]["path"]).name for h in r.json().get("hits", [])}
                    results.append((r.status_code, files, started, time.monotonic()))
                except httpx.HTTPError as e:
                    results.append((-1, {type(e).__name__}, started, time.monotonic()))
                n += CLIENTS

    threads = [threading.Thread(target=keep_asking, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        # 1. POST /index (handled by one worker; the other follows): a document added, one removed.
        (docs / "penguins_en.txt").write_text(
            "Emperor penguins breed in the Antarctic winter; the males keep the eggs warm on their feet for "
            "about two months while the females feed at sea.\n", encoding="utf-8")
        (docs / "football_en.txt").unlink()
        first_start = time.monotonic()
        r = httpx.post(f"{url}/index", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
        first_end = time.monotonic()
        assert r.status_code == 200, r.text
        assert r.json()["build"]["added"] == 1 and r.json()["build"]["removed"] == 1
        workers = _everyone_on(url, r.json()["health"]["build"])
        time.sleep(0.5)
        # 2. `qa index` from outside the server: the penguins go again.
        (docs / "penguins_en.txt").unlink()
        second_start = time.monotonic()
        subprocess.run([sys.executable, "-m", "qa.cli", "index", "--index", str(index), "--json", str(docs)],
                       cwd=os.getcwd(), env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True,
                       stdout=subprocess.DEVNULL)
        second_end = time.monotonic()
        import json

        new_build = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["build"]
        workers |= _everyone_on(url, new_build)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()

    failures = [r for r in results if r[0] != 200]
    assert not failures, failures[:5]
    assert len(workers) == 2, "both workers answered /health"
    middle = before - {"football_en.txt"} | {"penguins_en.txt"}
    final = before - {"football_en.txt"}
    for _, files, _, _ in results:  # every answer from one whole build
        assert files <= before or files <= middle or files <= final, files
    for start, end in ((first_start, first_end), (second_start, second_end)):
        during = [1 for _, _, a, b in results if a < end and b > start]
        assert len(during) >= CLIENTS, (len(during), end - start)  # questions met each swap
    # The guards of one process hold in every worker: the Host check, for one.
    for _ in range(4):
        assert httpx.get(f"{url}/health", headers={"Host": "attacker.example"}).status_code == 421
    # The new build answers, from every worker.
    for _ in range(6):
        hits = httpx.post(f"{url}/ask", json={"question": "Who keeps the penguin eggs warm?", "k": 5}).json()["hits"]
        assert not any(h["citation"]["path"].endswith(("penguins_en.txt", "football_en.txt")) for h in hits)


def test_connections_opened_at_once_are_spread_over_the_workers_and_a_dead_worker_is_replaced(two_workers):
    """40 keep-alive connections opened in one burst (a pool of clients starting together): each
    worker gets a share. With one listening socket shared by the workers, the first to wake accepted
    the whole burst and the other idled (one worker at 98% of a core, the other at 0%)."""
    import http.client
    import json
    from collections import Counter

    url = two_workers[0]
    port = int(url.rsplit(":", 1)[1])
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(40)]
    for c in connections:
        c.connect()
    owners = Counter()
    for c in connections:  # each connection asks twice: it stays with the worker that accepted it
        for _ in range(2):
            c.request("GET", "/health")
            owners[json.loads(c.getresponse().read())["worker"]] += 1
    for c in connections:
        c.close()
    assert len(owners) == 2 and min(owners.values()) >= 10, owners  # (even spread: 40 each)
    # A worker that dies is replaced.
    os.kill(next(iter(owners)), signal.SIGKILL)
    deadline = time.monotonic() + 120
    while not ({h["worker"] for h in _healths(url, 8)} - set(owners)):
        assert time.monotonic() < deadline, "no new worker in 120 s"
        time.sleep(0.5)


@pytest.mark.parametrize("listening", ["uvicorn's socket", "a worker's socket"])
def test_every_accepted_connection_sends_without_waiting_for_acks(built, listening):
    """TCP_NODELAY on each connection a server accepts, whatever socket it listens on: asyncio sets it
    only for sockets made with proto=IPPROTO_TCP, and uvicorn makes its own with proto 0. Without it,
    a response's body, written after its headers, waited for the client's delayed ACK (40 ms)."""
    import uvicorn

    from qa.http_guard import GuardedH11
    from qa.server import create_app
    from qa.supervisor import bound_socket

    config = uvicorn.Config(create_app(built[0]), host="127.0.0.1", port=0, http=GuardedH11, log_level="critical")
    sock = config.bind_socket() if listening == "uvicorn's socket" else bound_socket("127.0.0.1", 0, share=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        with socket.create_connection(sock.getsockname()) as client:
            client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(65536).startswith(b"HTTP/1.1 200")
            accepted = [c.transport.get_extra_info("socket") for c in server.server_state.connections]
            assert accepted and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in accepted)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_a_port_in_use_is_one_clear_error(built, monkeypatch, capsys):
    from qa import cli
    from qa.workers import CONFIG_ENV, ONE_THREAD

    for var in (CONFIG_ENV, *ONE_THREAD):  # what the supervisor sets for its workers, restored after
        monkeypatch.setenv(var, "1")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--workers", "2", "--port", str(port), "--index", str(built[1])]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and len(err.splitlines()) == 1


def test_watcher_swaps_whole_builds_and_keeps_the_old_one_when_a_new_one_is_broken(docs_and_index, embedder):
    from qa.workers import BuildWatcher

    docs, index = docs_and_index
    qa = QA.open(index, embedder=embedder)
    watcher = BuildWatcher(qa)
    assert watcher.check() is False  # the first look: same build, nothing to load
    good = (index / "manifest.json").read_text(encoding="utf-8")
    # A manifest naming a build folder that is not there: logged, and the loaded build kept.
    broken = index / "broken.json"
    broken.write_text(good.replace('"build": "b-', '"build": "b-missing-'), encoding="utf-8")
    os.replace(broken, index / "manifest.json")
    assert watcher.check() is False
    assert qa.ask("龙井茶是哪里产的？", k=1).hits[0].citation.path.endswith("longjing_zh.txt")
    # A real new build is swapped in.
    (docs / "longjing_zh.txt").unlink()
    QA.build([docs], index, embedder=embedder)
    assert watcher.check() is True
    assert not any(h.citation.path.endswith("longjing_zh.txt") for h in qa.ask("龙井茶是哪里产的？").hits)
    assert watcher.check() is False  # nothing new since


def test_workers_option_is_checked(built, capsys):
    from qa import cli
    from qa.workers import default_workers

    for bad in ("0", "65"):
        assert cli.main(["serve", "--workers", bad, "--index", str(built[1])]) == 1
        assert "--workers must be between 1 and 64" in capsys.readouterr().err
    assert default_workers() >= 1


def test_workers_share_one_float32_copy_of_the_sentence_vectors(built, monkeypatch, tmp_path):
    import numpy as np

    from qa import index_files
    from qa.shared_arrays import float32_beside
    from qa.stores import faiss_store

    qa, index = built
    monkeypatch.setattr(faiss_store, "SHARE_SENTENCES", True)
    one, two = index_files.load_index(index), index_files.load_index(index)
    for loaded in (one, two):  # the store's own array (white box): a map of one file, not a copy
        rows = loaded.store.segments[0]._sentences
        assert isinstance(rows, np.memmap) and rows.dtype == np.float32
        assert rows.filename == two.store.segments[0]._sentences.filename
        assert np.array_equal(rows, qa.index.store.segments[0]._sentences)  # the in-memory copy's values
    shared = QA(index, one, qa._embedder)
    for question in ("龙井茶是哪里产的？", "When did the Icelandic volcano erupt?"):
        assert same_answers(shared.ask(question).to_dict(), qa.ask(question).to_dict())
    # A folder that cannot be written (here: gone) gives None, and the caller copies instead.
    assert float32_beside(tmp_path / "gone" / "sentences.npy", np.ones((2, 3), np.float16)) is None
