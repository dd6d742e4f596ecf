"""What ``qa serve`` does below the web framework: connection time limits, JSON for the errors the
HTTP parser answers itself, and the Host check against DNS rebinding.

uvicorn closes a connection that stays idle *after* a response (keep-alive), but not one that never
finishes a request: connected and silent, half a header line, or a body trickling in a byte at a
time each held a descriptor for ever. Here every request must arrive whole within
``REQUEST_SECONDS`` of its first byte (or of the connection, for the first), else 408 and close.
"""

from __future__ import annotations

import ipaddress
import json
import math
import threading
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_SECONDS = 15.0


def json_error_bytes(status: int, kind: str, message: str) -> bytes:
    return json.dumps({"error": {"status": status, "type": kind, "message": message}}).encode()


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request and JSON protocol errors."""

    request_seconds = REQUEST_SECONDS

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = None
        self._arm()

    def _arm(self) -> None:
        if getattr(self, "_deadline", None) is None:
            self._deadline = self.loop.call_later(self.request_seconds, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Waiting for (the rest of) a request: the clock runs; a request in hand: it stops.
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state in (h11.IDLE, h11.SEND_BODY):
            self._reply(408, "timeout", f"the request did not arrive whole within {self.request_seconds:.0f} s")

    def send_400_response(self, msg: str) -> None:
        self._reply(400, "bad_request", "not a valid HTTP request (check the request line, headers and "
                                        "Content-Length)")

    def _reply(self, status: int, kind: str, message: str) -> None:
        """Answer with a JSON error and close, unless a response is already on its way."""
        body = json_error_bytes(status, kind, message)
        replying = self.cycle is not None and self.cycle.response_started and self.conn.our_state is not h11.IDLE
        if not replying:
            phrase = "Request Timeout" if status == 408 else "Bad Request"
            self.transport.write(f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\n"
                                 f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
        self.transport.close()


def allowed_hosts(bound: str) -> set[str] | None:
    """The Host header values a server bound to ``bound`` answers (without the port), or None for any.

    A server on loopback answers only loopback names: a web page whose own name was made to resolve
    to 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused. A server on one address
    answers that address; one on every interface (0.0.0.0, ::) cannot know its names.
    """
    loopback = {"localhost", "127.0.0.1", "[::1]", "::1"}
    host = bound.strip().strip("[]").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return loopback if host == "localhost" else {host}
    if address.is_unspecified:
        return None
    names = {str(address), f"[{address}]"} if address.version == 6 else {str(address)}
    return names | loopback if address.is_loopback else names


def host_of(header: str) -> str | None:
    """The host part of a Host header value (``[::1]:8765`` -> ``[::1]``, ``a.b:80`` -> ``a.b``), or
    None if the value is not a host with an optional port (``[::1]evil``, ``localhost:x``): such a
    request is refused, not read as the name it starts with."""
    header = header.strip().lower()
    if header.startswith("["):
        host, bracket, port = header.partition("]")
        host += bracket
        if not bracket or (port and not port.startswith(":")):
            return None
        port = port[1:]
    elif header.count(":") == 1:
        host, _, port = header.partition(":")
    else:
        host, port = header, ""  # no port, or a bare IPv6 address (which no allowed set names)
    return host if port == "" or (port.isascii() and port.isdigit()) else None


class GuessThrottle:
    """Slows down guessing the token of ``POST /index``: a client address that sent ``allowed`` wrong
    tokens within ``window`` seconds is refused (429, Retry-After) for ``lockout`` seconds, whatever
    token it sends meanwhile (else the lockout would tell it when a guess is right).

    Addresses are cheap (an IPv6 block, an X-Forwarded-For header from loopback, which uvicorn
    trusts), so wrong tokens are also counted over all addresses: at ``allowed_total`` within the
    window, every address is refused for ``lockout`` seconds (rebuilding over HTTP waits; answering
    does not).

    Per process: with ``--workers N`` a client gets N times the guesses. Behind a reverse proxy every
    client has the proxy's address, so one client's wrong guesses lock all of them out for a while.
    At most ``max_clients`` addresses are remembered (the oldest are forgotten first). Thread-safe.
    """

    EVERYONE = "*"  # the key of the count over all addresses (no client address)

    def __init__(self, allowed: int = 8, window: float = 60.0, lockout: float = 60.0,
                 allowed_total: int = 64, max_clients: int = 10_000, clock=None):
        self.allowed, self.window, self.lockout, self.max_clients = allowed, window, lockout, max_clients
        self.allowed_total = allowed_total
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}  # address -> times of its recent wrong tokens
        self._locked: dict[str, float] = {}  # address -> when its lockout ends

    def retry_after(self, client: str) -> int:
        """Whole seconds until ``client`` may try again (0: it may now)."""
        now = self._clock()
        with self._lock:
            wait = 0.0
            for key in (client, self.EVERYONE):
                until = self._locked.get(key)
                if until is not None and until <= now:
                    del self._locked[key]
                elif until is not None:
                    wait = max(wait, until - now)
            return max(1, math.ceil(wait)) if wait else 0

    def failed(self, client: str) -> None:
        """Count a wrong token from ``client``; lock it out at the ``allowed``-th within the window."""
        now = self._clock()
        with self._lock:
            for key, allowed in ((client, self.allowed), (self.EVERYONE, self.allowed_total)):
                recent = [t for t in self._failures.pop(key, ()) if now - t < self.window]
                recent.append(now)
                if len(recent) >= allowed:
                    self._locked[key] = now + self.lockout
                else:
                    self._failures[key] = recent  # re-inserted: the dict stays oldest first
            for table in (self._failures, self._locked):
                while len(table) > self.max_clients:
                    del table[next(key for key in table if key != self.EVERYONE)]

    def succeeded(self, client: str) -> None:
        """The right token: ``client``'s earlier wrong ones are forgiven."""
        with self._lock:
            self._failures.pop(client, None)
