"""The supervisor of ``qa serve --workers N`` on Linux: each worker listens on a socket of its own.

uvicorn's own supervisor hands all its workers one listening socket. asyncio accepts every connection
waiting on a socket at once, so the first worker to wake takes a whole burst of new connections and
keeps them (keep-alive): measured with 40 closed-loop clients on 2 cores, one worker answered every
request (98% of a core) while the other idled, and 2 workers served 157 requests/s against 168 for 1.
Here every worker binds its own socket to the address with ``SO_REUSEPORT``, and the kernel spreads
new connections over the workers' sockets (by a hash of the client's address and port).

Before any worker starts, the supervisor checks that the port is free (a plain bind, which fails if
anyone listens there, a ``qa serve`` included) and then holds it with a bound socket that does not
listen (so it gets no connections) until it stops. A worker that dies is replaced; one that fails
before it ever served (no index, a port taken meanwhile) stops them all, as it would fail again.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading

from .errors import InputError

STARTUP_FAILURE = 3  # a worker's exit code when it failed before serving (uvicorn's own)
log = logging.getLogger("uvicorn.error")


def available() -> bool:
    """Whether the kernel spreads connections over sockets sharing a port (Linux does; macOS and the
    BSDs let the last one bound take them all)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bound_socket(host: str, port: int, share: bool) -> socket.socket:
    """A TCP socket bound to the address (``share``: with SO_REUSEPORT), not yet listening."""
    # TCP_NODELAY is set on each accepted connection by qa.http_guard (whatever socket it came from).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    return sock


def hold_port(host: str, port: int) -> socket.socket:
    """A socket bound to the address with ``SO_REUSEPORT``, not listening, once the port is known to be
    free: ``SO_REUSEPORT`` alone would let this server share a port another ``qa serve`` (of the same
    user) listens on. Raises OSError (e.g. the address is in use)."""
    bound_socket(host, port, share=False).close()
    return bound_socket(host, port, share=True)


def _serve_one(host: str, port: int, options: dict) -> None:
    """One worker process: its own socket on the shared port, then uvicorn on the app factory."""
    import uvicorn

    try:
        sock = bound_socket(host, port, share=True)
    except OSError as e:
        log.error("qa: worker could not bind %s:%d: %s", host, port, e)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(uvicorn.Config("qa.workers:worker_app", factory=True, host=host, port=port,
                                           **options))
    try:
        server.run(sockets=[sock])
    except BaseException:
        if not server.started:
            log.exception("qa: worker failed before it could serve")
            sys.exit(STARTUP_FAILURE)
        raise
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Supervisor:
    """Runs ``workers`` worker processes until SIGINT or SIGTERM, replacing any that dies."""

    def __init__(self, host: str, port: int, workers: int, options: dict):
        self.host, self.port, self.workers, self.options = host, port, workers, options
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads
        self._stop = threading.Event()
        self.failed = False

    def _start(self):
        process = self._context.Process(target=_serve_one, args=(self.host, self.port, self.options),
                                        name="qa-serve-worker")
        process.start()
        return process

    def run(self) -> int:
        """Serve until stopped; 0, or 1 if a worker failed before serving."""
        import uvicorn

        uvicorn.Config("qa.workers:worker_app", **self.options)  # sets up uvicorn's logging, as in the workers
        try:
            held = hold_port(self.host, self.port)
        except OSError as e:
            raise InputError(f"cannot listen on {self.host}:{self.port} ({e.strerror or e}): is another "
                             "server running there? Stop it, or choose another --port") from None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        processes = [self._start() for _ in range(self.workers)]
        shown = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        log.info("qa: %d workers on http://%s:%d, one socket each (SO_REUSEPORT)", self.workers, shown,
                 self.port)
        try:
            while not self._stop.wait(0.5):
                for i, process in enumerate(processes):
                    if process.is_alive():
                        continue
                    if process.exitcode == STARTUP_FAILURE:
                        log.error("qa: worker %d failed before it could serve: stopping", process.pid)
                        self.failed = True
                        self._stop.set()
                        break
                    log.warning("qa: worker %d died (exit code %s): starting another", process.pid,
                                process.exitcode)
                    processes[i] = self._start()
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()  # SIGTERM: uvicorn finishes the requests in hand, then exits
            for process in processes:
                process.join(30)
                if process.is_alive():
                    process.kill()
                    process.join()
            held.close()
        return 1 if self.failed else 0
