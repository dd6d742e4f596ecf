"""``qa serve`` against hostile clients: DNS rebinding, guessable tokens, malformed bytes, connections
that never finish a request. Real uvicorn on loopback for what happens below FastAPI."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from qa.answer import Citation, Hit
from qa.errors import InputError
from qa.http_guard import GuardedH11
from qa.server import create_app


def test_host_header_must_name_the_server(built):
    app = create_app(built[0], bound_host="127.0.0.1")
    ok = TestClient(app, base_url="http://127.0.0.1:8765")
    assert ok.get("/health").status_code == 200
    assert TestClient(app, base_url="http://localhost:8765").get("/health").status_code == 200
    r = ok.get("/documents", headers={"Host": "rebind.attacker.example:8765"})
    assert r.status_code == 421 and r.json()["error"]["type"] == "wrong_host"
    by_name = TestClient(create_app(built[0], bound_host="localhost"), base_url="http://127.0.0.1:8765")
    assert by_name.get("/health").status_code == 200
    assert by_name.get("/health", headers={"Host": "evil.example"}).status_code == 421
    # A Host that only starts with an allowed name is refused, not read as that name.
    on_v6 = TestClient(create_app(built[0], bound_host="::1"), base_url="http://[::1]:8765")
    assert on_v6.get("/health").status_code == 200
    for forged in ("[::1]evil", "[::1]evil:8765", "[::1]:80x", "[::1", "localhost:evil",
                   "127.0.0.1:\xb2".encode("latin-1")):  # a digit, but not an ASCII one
        assert on_v6.get("/health", headers={"Host": forged}).status_code == 421, forged
    # Bound to every interface, the server cannot know its names: any Host is answered.
    assert TestClient(create_app(built[0], bound_host="0.0.0.0"),
                      base_url="http://any.example").get("/health").status_code == 200


@pytest.mark.parametrize("token", ["a", "short-token", " " * 20, "long-enough-token-but-\n-inside"])
def test_weak_or_unusable_tokens_are_refused(built, token):
    with pytest.raises(InputError, match="QA_TOKEN"):
        create_app(built[0], allow_index=True, token=token)


def test_wrong_token_guesses_are_throttled_per_address(built):
    from qa.http_guard import GuessThrottle

    token = "right-token-0123456789"
    app = create_app(built[0], allow_index=True, token=token, guesses=GuessThrottle(allowed=3, lockout=30))
    guesser, other = TestClient(app, client=("203.0.113.7", 5000)), TestClient(app, client=("203.0.113.8", 5000))
    for guess in ("wrong-1", "wrong-2", "wrong-3"):
        assert guesser.post("/index", headers={"Authorization": f"Bearer {guess}"}).status_code == 401
    right = {"Authorization": f"Bearer {token}"}
    # Locked out, even with the right token (else the lockout would tell which guess is right).
    r = guesser.post("/index", headers=right, json={"paths": ["/etc"]})
    assert r.status_code == 429 and r.json()["error"]["type"] == "too_many_requests"
    assert 1 <= int(r.headers["retry-after"]) <= 30 and "try again" in r.json()["error"]["message"]
    # Another address is not locked out: its right token reaches the body's validation.
    r = other.post("/index", headers=right, json={"paths": ["/etc"]})
    assert r.status_code == 422 and "paths: unknown field" in r.json()["error"]["message"]


def test_rotating_forwarded_addresses_does_not_escape_the_throttle(built):
    """uvicorn takes the client's address from X-Forwarded-For on loopback: a guesser who sends a new
    one each time is a new client each time, so the count over all addresses is what stops it."""
    import httpx

    from qa.http_guard import GuessThrottle

    from .test_server import live_server

    token = "right-token-0123456789"
    app = create_app(built[0], allow_index=True, token=token,
                     guesses=GuessThrottle(allowed=3, allowed_total=6, lockout=30))
    with live_server(app) as url:
        statuses = [httpx.post(f"{url}/index", headers={"Authorization": f"Bearer guess-{n}",
                                                        "X-Forwarded-For": f"198.51.100.{n}"}).status_code
                    for n in range(10)]
    assert statuses == [401] * 6 + [429] * 4


def test_an_unexpected_failure_is_a_json_500_without_internals(built, monkeypatch):
    """A bug (any exception that is not a QAError) answers JSON like every other error, over the wire,
    and says where the details are; the traceback goes to the log, not to the client."""
    import httpx

    from .test_server import live_server

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal state /home/user/.cache")

    monkeypatch.setattr(built[0], "ask", broken)
    with live_server(create_app(built[0])) as url:
        r = httpx.post(f"{url}/ask", json={"question": "When did the volcano erupt?"})
        assert r.status_code == 500 and r.headers["content-type"] == "application/json"
        error = r.json()["error"]
        assert error["type"] == "internal_error" and "log" in error["message"]
        assert "secret" not in r.text
        assert httpx.get(f"{url}/health").status_code == 200  # and the server goes on answering


def test_a_body_that_is_not_utf8_gets_a_json_400(built):
    r = TestClient(create_app(built[0])).post("/ask", content=b'{"question": "caf\xe9?"}',
                                                headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "bad_json"


def test_nan_scores_never_reach_json():
    hit = Hit(rank=1, text="t", citation=Citation("a.txt", 0, 1, 1, 1), highlight=None,
              score=math.nan, scores={"dense": math.inf, "lexical": 0.5})
    d = json.loads(json.dumps(hit.to_dict(), allow_nan=False))
    assert d["score"] is None and d["scores"] == {"dense": None, "lexical": 0.5}


class QuickGuard(GuardedH11):
    request_seconds = 0.5


@contextmanager
def guarded_server(app):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical",
                                           http=QuickGuard))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def exchange(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send ``data``, then read until the server closes (or ``wait`` seconds pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        if data:
            s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except socket.timeout:
            return out + b"<still open>"
        return out


def json_body(response: bytes) -> dict:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"application/json" in head.lower(), response[:300]
    return json.loads(body)


def test_connections_that_never_finish_a_request_are_closed_with_json(built):
    with guarded_server(create_app(built[0])) as port:
        idle = exchange(port, b"")
        half_header = exchange(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow_body = exchange(port, b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: 100\r\n\r\n{\"quest")
        bad_length = exchange(port, b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 12x\r\n\r\n{}")
        healthy = exchange(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    for response in (idle, half_header, slow_body):
        assert response.startswith(b"HTTP/1.1 408"), response[:200]
        assert json_body(response)["error"]["type"] == "timeout"
    assert bad_length.startswith(b"HTTP/1.1 400") and json_body(bad_length)["error"]["type"] == "bad_request"
    assert healthy.startswith(b"HTTP/1.1 200") and json_body(healthy)["status"] == "ok"
