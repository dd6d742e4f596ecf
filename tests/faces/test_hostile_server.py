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
    # Bound to every interface, the server cannot know its names: any Host is answered.
    assert TestClient(create_app(built[0], bound_host="0.0.0.0"),
                      base_url="http://any.example").get("/health").status_code == 200


@pytest.mark.parametrize("token", ["a", "short-token", " " * 20, "long-enough-token-but-\n-inside"])
def test_weak_or_unusable_tokens_are_refused(built, token):
    with pytest.raises(InputError, match="QA_TOKEN"):
        create_app(built[0], allow_index=True, token=token)


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
