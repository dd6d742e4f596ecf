"""`qa serve --workers N`: N answering processes over one index, all following its current build.

Answering is mostly Python work under the GIL, so one process uses one core however many threads it
runs. Here a supervisor starts N worker processes, each listening on a socket of its own bound to the
one port (qa.supervisor; elsewhere than Linux, uvicorn's supervisor and one shared socket); each opens
the index itself. The large arrays are memory-mapped read-only (the FAISS vectors, the model's
embedding table, large sentence-vector files), so the page cache holds them once for all workers.

Every worker watches the index's ``manifest.json``. A build (``POST /index`` in any worker, or a
``qa index`` run from outside) writes a new build folder and then replaces the manifest in one atomic
rename; a worker sees the new manifest, loads that build beside the old one and swaps, while questions
already running finish on the old one. So no question is dropped or answered from a half-written
build, and once ``POST /index`` has answered, every worker answers from the new build: each checks the
manifest (one ``stat``) before a request and loads a newer build first if there is one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from .api import QA
from .errors import QAError
from .index_files import manifest_stamp

CONFIG_ENV = "QA_SERVE_WORKER_CONFIG"  # how the supervisor hands the settings to its workers
HEALTHCHECK_SECONDS = 60  # a worker silent this long to its supervisor's ping is killed and restarted
POLL_SECONDS = 0.2  # an idle worker notices a new build within this, before a question arrives
ONE_THREAD = {var: "1" for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
log = logging.getLogger("qa.serve")


def one_compute_thread() -> None:
    """One BLAS and one OpenMP thread for the whole of this process, from now on.

    A serving process computes one question at a time, so thread pools only cost: measured with 40
    closed-loop clients on 2 cores, one worker spent 11.2 ms of CPU a request with NumPy's OpenBLAS
    thread spinning between requests (188% of a core for 168 requests/s), 6.2-7.7 ms with one;
    with several workers, each worker's pools would also fight over the cores the others use.
    qa.blas keeps one thread only while a question is computed; a server wants it for good."""
    os.environ.update(ONE_THREAD)  # for libraries loaded later
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)  # for those already loaded (NumPy's and FAISS's OpenBLAS, OpenMP)


def default_workers() -> int:
    """The cores this process may run on (the affinity mask, not the machine's count, where known)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class BuildWatcher:
    """Keeps ``qa`` on the index folder's current build: ``check()`` is one stat of the manifest when
    nothing changed; a background thread calls it too, so idle workers swap before the next question."""

    def __init__(self, qa: QA, poll: float = POLL_SECONDS):
        self.qa, self.poll = qa, poll
        self._seen: tuple | None = ()  # nothing seen yet: the first check compares the builds themselves
        # (a build published while the index was being opened is not missed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _stamp(self) -> tuple | None:
        return manifest_stamp(self.qa.index_dir)

    def changed(self) -> bool:
        return self._stamp() != self._seen

    def check(self) -> bool:
        """Swap to a newer build if the manifest changed. True if swapped. A build that does not
        load (damaged, another model) is logged and the loaded one kept: answering goes on."""
        stamp = self._stamp()
        if stamp == self._seen or stamp is None:
            return False
        try:
            swapped = self.qa.reload()
        except QAError as e:
            log.error("qa: the new build of %s/ did not load, still answering from the old one: %s",
                      self.qa.index_dir, e)
            swapped = False
        except Exception:  # whatever went wrong, the question that triggered the check is still answered
            log.exception("qa: loading the new build of %s/ failed, still answering from the old one",
                          self.qa.index_dir)
            swapped = False
        self._seen = stamp
        return swapped

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            self.check()

    def start(self) -> "BuildWatcher":
        self._thread = threading.Thread(target=self._run, name="qa-build-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()


class FollowBuilds:
    """ASGI middleware: before each request, swap to a newer build if the manifest changed (in a
    worker thread, so the event loop never waits on a load)."""

    def __init__(self, app, watcher: BuildWatcher):
        self.app, self.watcher = app, watcher

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.watcher.changed():
            from starlette.concurrency import run_in_threadpool

            await run_in_threadpool(self.watcher.check)
        await self.app(scope, receive, send)


def following_app(qa: QA, **options):
    """The HTTP app for ``qa``, kept on the index's current build."""
    from .server import create_app

    app = create_app(qa, **options)
    watcher = BuildWatcher(qa).start()
    app.add_middleware(FollowBuilds, watcher=watcher)
    return app


def worker_app():
    """uvicorn's app factory in each worker process: open the index, load the model, follow builds."""
    from .stores import faiss_store

    config = json.loads(os.environ[CONFIG_ENV])
    one_compute_thread()
    faiss_store.SHARE_SENTENCES = True  # one float32 copy of the sentence vectors for all workers
    qa = QA.open(Path(config["index"]), model=config.get("model"))
    qa.load()
    token = os.environ.get("QA_TOKEN") or None
    return following_app(qa, allow_index=config["allow_index"], token=token, bound_host=config["host"])


def run_workers(index_dir: Path, model: str | None, host: str, port: int, workers: int, *,
                allow_index: bool, log_level: str, **uvicorn_options) -> int:
    """Run ``workers`` processes until interrupted: under qa.supervisor (one listening socket each)
    where the kernel spreads connections over such sockets, else under uvicorn's supervisor."""
    os.environ.update(ONE_THREAD)  # each worker starts with one thread a pool (and see one_compute_thread)
    os.environ[CONFIG_ENV] = json.dumps({"index": str(Path(index_dir).resolve()), "model": model,
                                         "allow_index": allow_index, "host": host})
    from . import supervisor

    if supervisor.available():
        return supervisor.Supervisor(host, port, workers, dict(uvicorn_options, log_level=log_level)).run()
    import inspect

    import uvicorn

    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        # The supervisor kills a worker that does not answer its ping in time (default 5 s): on a busy
        # machine, during a rebuild, that would drop the questions it holds. Only a real hang should.
        uvicorn_options.setdefault("timeout_worker_healthcheck", HEALTHCHECK_SECONDS)
    uvicorn.run("qa.workers:worker_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, **uvicorn_options)
    return 0
