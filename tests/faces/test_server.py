"""The HTTP API: same answers as the Python API, every limit a clear 4xx, a guarded rebuild that
drops no request. Most tests use FastAPI's TestClient; the rebuild test uses real HTTP on loopback."""

from __future__ import annotations

import shutil
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from qa import QA, InputError

from ..conftest import ROOT, same_answers
from qa.server import MAX_BODY, MAX_QUESTION, create_app, is_loopback

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="module")
def client(built):
    return TestClient(create_app(built[0]))


@pytest.mark.parametrize("body", [
    {"question": "韩国人工智能发展的目标是什么？"},
    {"question": "龙井茶是哪里产的？", "k": 3, "mode": "dense"},
    {"question": "When did the Icelandic volcano erupt?", "k": 2, "mode": "lexical"},
    {"question": "Where does Longjing tea come from?", "lang": "zh", "path": "*.txt"},
    {"question": "固态电池什么时候量产？", "since": "2025-01-01", "until": "2025-12-31"},
])
def test_answers_match_the_python_api(client, built, body):
    r = client.post("/ask", json=body)
    assert r.status_code == 200, r.text
    kwargs = {k: v for k, v in body.items() if k != "question"}
    expected = built[0].ask(body["question"], **kwargs).to_dict()
    assert same_answers(r.json(), expected)
    assert r.json()["hits"], "every one of these questions has an answer in the fixture corpus"


def test_the_verdict_and_its_threshold(client):
    off = client.post("/ask", json={"question": "What is the capital of France?", "k": 2}).json()
    assert off["answered"] is False and len(off["hits"]) == 2
    on = client.post("/ask", json={"question": "Where does Longjing tea come from?", "k": 1}).json()
    assert on["answered"] is True and on["hits"][0]["confidence"] >= on["min_confidence"]
    strict = client.post("/ask", json={"question": "Where does Longjing tea come from?", "k": 1,
                                       "min_confidence": 1.0}).json()
    assert strict["answered"] is False and strict["hits"] == on["hits"]
    assert client.post("/ask", json={"question": "tea", "min_confidence": 3}).status_code == 422


def test_cited_answers_in_both_languages(client):
    zh = client.post("/ask", json={"question": "龙井茶是哪里产的？", "k": 1}).json()["hits"][0]
    en = client.post("/ask", json={"question": "Where does Longjing tea come from?", "k": 1}).json()["hits"][0]
    for hit in (zh, en):
        assert hit["citation"]["path"].endswith("longjing_zh.txt")
        assert hit["citation"]["line_start"] >= 1 and hit["highlight"]["text"] in hit["text"]


@pytest.mark.parametrize("kwargs, status, kind, words", [
    (dict(json={"question": "x" * (MAX_QUESTION + 1)}), 422, "invalid_request", "at most 2000 characters"),
    (dict(json={"question": ""}), 422, "invalid_request", "question"),
    (dict(json={"question": "   "}), 422, "InputError", "empty"),
    (dict(json={}), 422, "invalid_request", "question: required"),
    (dict(json={"question": "a", "k": 0}), 422, "invalid_request", "k: Input should be greater than or equal to 1"),
    (dict(json={"question": "a", "k": 51}), 422, "invalid_request", "k: Input should be less than or equal to 50"),
    (dict(json={"question": "a", "k": "5"}), 422, "invalid_request", "k: Input should be a valid integer"),
    (dict(json={"question": "a", "mode": "fast"}), 422, "invalid_request", "mode"),
    (dict(json={"question": "a", "lang": "fr"}), 422, "invalid_request", "lang"),
    (dict(json={"question": "a", "since": "last week"}), 422, "InputError", "YYYY-MM-DD"),
    (dict(json={"question": "a", "since": "2025-05-01", "until": "2025-04-01"}), 422, "InputError", "swap"),
    (dict(json={"question": "a", "index": "/etc"}), 422, "invalid_request", "index: unknown field"),
    (dict(json=["a"]), 422, "invalid_request", "dictionary"),
    (dict(content=b'{"question": "a",', headers={"content-type": "application/json"}), 400, "bad_json",
     "not valid JSON"),
    (dict(content=b'{"question": "a"}', headers={"content-type": "text/plain"}), 415,
     "unsupported_media_type", "Content-Type: application/json"),
    (dict(data={"question": "a"}), 415, "unsupported_media_type", "application/x-www-form-urlencoded"),
    (dict(content=b'{"question": "a"}'), 415, "unsupported_media_type", "no content type"),
    (dict(content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/json"}), 413, "too_large",
     "too large"),
    (dict(content=(b"x" * 1024 for _ in range(MAX_BODY // 1024 + 2)),
          headers={"content-type": "application/json"}), 413, "too_large", "too large"),  # chunked
])
def test_every_limit_returns_a_clear_4xx(client, kwargs, status, kind, words):
    r = client.post("/ask", **kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["status"] == status and error["type"] == kind and words in error["message"]


def test_wrong_method_and_route_are_json_errors(client):
    assert client.get("/ask").json()["error"]["type"] == "method_not_allowed"
    r = client.get("/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"


def test_question_of_exactly_the_limit_is_answered(client):
    assert client.post("/ask", json={"question": "茶" * MAX_QUESTION, "k": 1}).status_code == 200


def test_health_documents_and_openapi(client, built):
    qa, _ = built
    health = client.get("/health").json()
    assert health["index_loaded"] is True and health["model"] == "use-multilingual"
    assert health["passages"] == len(qa.index.passages) > 0 and health["allow_index"] is False
    docs = client.get("/documents").json()
    assert docs["count"] == len(qa.index.documents) == len(docs["documents"])
    battery = next(d for d in docs["documents"] if d["path"].endswith("battery_export.txt"))
    assert battery["date"] == "2025-03-02 08:15" and battery["title"] == "固态电池有望在2027年实现量产"
    spec = client.get("/openapi.json").json()
    assert {"/ask", "/documents", "/health", "/index"} <= set(spec["paths"])
    ask = spec["components"]["schemas"]["AskRequest"]
    assert ask["properties"]["question"]["maxLength"] == MAX_QUESTION
    assert ask["properties"]["k"]["maximum"] == 50 and ask["additionalProperties"] is False


# -- POST /index ------------------------------------------------------------------------------------

def test_index_refused_unless_allowed_and_authorised(built):
    closed = TestClient(create_app(built[0]))
    r = closed.post("/index", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and "--allow-index" in r.json()["error"]["message"]
    guarded = TestClient(create_app(built[0], allow_index=True, token=TOKEN))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}x"}):
        r = guarded.post("/index", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", headers
        assert r.json()["error"]["type"] == "unauthorized"
    # Authorised, but no endpoint reads a path given by the client.
    r = guarded.post("/index", headers={"Authorization": f"Bearer {TOKEN}"}, json={"paths": ["/etc"]})
    assert r.status_code == 422 and "paths: unknown field" in r.json()["error"]["message"]


def test_allow_index_without_token_refuses_to_start(built, tmp_path, monkeypatch, capsys):
    with pytest.raises(InputError, match="QA_TOKEN"):
        create_app(built[0], allow_index=True, token=None)
    from qa import cli

    monkeypatch.delenv("QA_TOKEN", raising=False)
    assert cli.main(["serve", "--allow-index", "--index", str(built[1])]) == 1
    assert "QA_TOKEN" in capsys.readouterr().err


def test_serve_warns_when_binding_beyond_loopback(built, monkeypatch, capsys):
    import qa.server
    from qa import cli

    calls = []
    monkeypatch.setattr(qa.server, "serve", lambda *a, **kw: calls.append((a, kw)) or 0)
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "9999", "--index", str(built[1])]) == 0
    assert "warning" in capsys.readouterr().err and calls[0][0][1:] == ("0.0.0.0", 9999)
    assert cli.main(["serve", "--index", str(built[1])]) == 0
    assert "warning" not in capsys.readouterr().err and calls[1][0][1:] == ("127.0.0.1", 8765)
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.org")


@pytest.mark.parametrize("face", ["serve", "mcp"])
@pytest.mark.parametrize("value", ["high", "1.5", "nan"])
def test_a_bad_min_confidence_in_the_environment_stops_a_server_at_startup(built, monkeypatch, capsys,
                                                                          face, value):
    """Once, with the variable named, before the server runs: not an error on every question."""
    import qa.server
    from qa import cli

    calls = []
    monkeypatch.setattr(qa.server, "serve", lambda *a, **kw: calls.append(a) or 0)
    if face == "mcp":
        mcp_server = pytest.importorskip("qa.mcp_server")
        monkeypatch.setattr(mcp_server, "run", lambda *a, **kw: calls.append(a))
    monkeypatch.setenv("QA_MIN_CONFIDENCE", value)
    assert cli.main([face, "--index", str(built[1])]) == 1
    err = capsys.readouterr().err
    assert f"QA_MIN_CONFIDENCE='{value}'" in err and "between 0 and 1" in err and not calls
    monkeypatch.setenv("QA_MIN_CONFIDENCE", "0.4")
    assert cli.main([face, "--index", str(built[1])]) == 0 and len(calls) == 1


@contextmanager
def live_server(app):
    """uvicorn on an ephemeral loopback port, in a thread."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and server.servers):
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_rebuild_during_queries_drops_none(tmp_path, embedder):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "tests" / "data", docs)
    qa = QA.build([docs], tmp_path / "index", embedder=embedder)
    (docs / "penguins_en.txt").write_text(
        "Emperor penguins breed in the Antarctic winter; the males keep the eggs warm on their feet for "
        "about two months while the females feed at sea.\n", encoding="utf-8")
    (docs / "football_en.txt").unlink()
    results, stop = [], threading.Event()  # (status, started, ended) of every question
    with live_server(create_app(qa, allow_index=True, token=TOKEN)) as url:
        old_build = httpx.get(f"{url}/health").json()["build"]

        def keep_asking(question):
            with httpx.Client(base_url=url, timeout=30) as c:
                while not stop.is_set():
                    started = time.monotonic()
                    status = c.post("/ask", json={"question": question, "k": 2}).status_code
                    results.append((status, started, time.monotonic()))

        threads = [threading.Thread(target=keep_asking, args=(q,)) for q in
                   ("Who keeps the penguin eggs warm?", "龙井茶是哪里产的？", "How many players on a team?")]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            rebuild_start = time.monotonic()
            r = httpx.post(f"{url}/index", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
            rebuild_end = time.monotonic()
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert r.status_code == 200, r.text
        report = r.json()["build"]
        assert report["added"] == 1 and report["removed"] == 1 and report["unchanged"] >= 5
        assert {status for status, _, _ in results} == {200}
        during = [1 for _, a, b in results if a < rebuild_end and b > rebuild_start]
        assert len(during) >= 3, (len(results), rebuild_end - rebuild_start)  # questions met the swap
        assert httpx.get(f"{url}/health").json()["build"] != old_build
        hit = httpx.post(f"{url}/ask", json={"question": "Who keeps the penguin eggs warm?", "k": 1}).json()
        assert hit["hits"][0]["citation"]["path"].endswith("penguins_en.txt")
        paths = [d["path"] for d in httpx.get(f"{url}/documents").json()["documents"]]
        assert not any(p.endswith("football_en.txt") for p in paths)
