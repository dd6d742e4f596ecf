"""The HTTP JSON API (``qa serve``): FastAPI over one shared, thread-safe ``QA``.

    POST /ask        {"question", "k", "mode", "path", "lang", "since", "until", "min_confidence"}
                     -> Answer.to_dict() (hits, each with its confidence, and the verdict "answered")
    GET  /documents  what is indexed
    GET  /health     index loaded, model, passages
    POST /index      incremental rebuild from the index's own sources (off unless --allow-index,
                     and then only with the token from QA_TOKEN as ``Authorization: Bearer ...``)
    GET  /openapi.json
    GET  /           a page to ask from (qa/web/); GET /text: a window of a document's indexed text

Only ``qa serve`` imports this module, so FastAPI, pydantic and uvicorn cost nothing elsewhere.
Every error is JSON: ``{"error": {"status", "type", "message"}}``; an error the index or its options
can fix adds ``"remedy": {"code", "how"}``, the code a ``qa.errors.Remedy`` and ``how`` in this API's terms.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import ipaddress
import threading
import time
import weakref
from typing import Literal

from fastapi import Body, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from . import __version__
from .api import QA
from .errors import (DocumentError, IndexCorruptError, IndexLockedError, IndexMissingError,
                     IndexVersionError, InputError, ModelLoadError, ModelMismatchError, QAError, Remedy,
                     StoreUnavailableError)

MAX_QUESTION = 2000  # characters
MAX_K = 50
MAX_BODY = 64 * 1024  # bytes: a question of 2,000 characters and its filters fit many times over
MIN_TOKEN = 16  # characters of QA_TOKEN: a short one can be guessed

STATUS = {  # QAError type -> HTTP status
    InputError: 422, DocumentError: 422, IndexLockedError: 409, IndexMissingError: 503,
    IndexCorruptError: 503, IndexVersionError: 503, ModelLoadError: 503, ModelMismatchError: 500,
    StoreUnavailableError: 503,  # the Milvus server is down: try again later
}


_REBUILD = 'POST /index with {"full": true} (on a server started with --allow-index)'
REMEDY_HOW = {  # a Remedy in this API's terms
    Remedy.BUILD: "build an index on the server (qa index PATH ...), then start the server again",
    Remedy.REBUILD: f"{_REBUILD}, or rebuild the index on the server (qa index --full)",
    Remedy.UPGRADE: f"upgrade qa on the server, or {_REBUILD}",
    Remedy.MODEL: "start the server without a model option, or rebuild the index on the server with the model",
    Remedy.SOURCES: "rebuild the index on the server once from its paths (qa index PATH ...): "
                    "POST /index takes no paths",
    Remedy.JSON_FIELDS: "rebuild the index on the server naming the JSON text field (qa index --json-text-field)",
    Remedy.FOLLOW_LINKS: "rebuild the index on the server following links (qa index --follow-links)",
}

HTTP_TYPES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              411: "length_required", 413: "too_large", 415: "unsupported_media_type", 421: "wrong_host",
              429: "too_many_requests"}


def check_token(token: str | None) -> None:
    """Refuse a token that can be guessed or that no request can send (spaces are stripped from what
    requests send). Raise InputError."""
    if token is None:
        return
    if token != token.strip() or not token.isprintable():
        raise InputError("QA_TOKEN has spaces or control characters at its ends or inside, which no "
                         "request can send: use a long random string, e.g. "
                         "python -c 'import secrets; print(secrets.token_urlsafe(32))'")
    if len(token) < MIN_TOKEN:
        raise InputError(f"QA_TOKEN is too short ({len(token)} characters; at least {MIN_TOKEN}): use a long "
                         "random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'")


class _HostCheck:
    """421 (as JSON) for a request whose Host header names none of the server's own names: the
    defence against DNS rebinding, where a web page's name is made to resolve to 127.0.0.1."""

    def __init__(self, app, allowed: set[str]):
        self.app, self.allowed = app, allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            from .http_guard import host_of

            given = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if host_of(given) not in self.allowed:
                response = _error(421, "wrong_host", f"this server answers requests for "
                                  f"{', '.join(sorted(self.allowed))}, not {given!r}")
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


class AskRequest(BaseModel):
    """A question, with optional filters (all given must hold)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION, strict=True,
                          description=f"the question, Chinese or English (at most {MAX_QUESTION} characters)")
    k: int = Field(5, ge=1, le=MAX_K, strict=True, description="how many passages")
    # Literal[tuple] is Literal[each item]: the API offers the front's own lists of modes and languages.
    mode: Literal[QA.MODES] = Field("hybrid", description="how to rank")  # type: ignore[valid-type]
    path: str | None = Field(None, min_length=1, max_length=500,
                             description="glob on the document's path, e.g. 'seeds/*' or '*.md'")
    lang: Literal[QA.LANGS] | None = Field(None,  # type: ignore[valid-type]
                                           description="only passages mainly in this language")
    since: str | None = Field(None, max_length=32, description="YYYY-MM-DD or 'YYYY-MM-DD HH:MM', inclusive")
    until: str | None = Field(None, max_length=32, description="YYYY-MM-DD or 'YYYY-MM-DD HH:MM', inclusive")
    min_confidence: float | None = Field(None, ge=0.0, le=1.0, description="the first passage must be at "
                                         "least this sure for `answered` (default: the server's "
                                         "QA_MIN_CONFIDENCE, else the model's calibrated threshold)")


class IndexRequest(BaseModel):
    """Options of a rebuild. No paths: the server rebuilds only what the index was built from."""

    model_config = ConfigDict(extra="forbid")

    full: bool = Field(False, strict=True, description="rebuild everything, reusing nothing")


def is_loopback(host: str) -> bool:
    """True for hosts only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error(status: int, kind: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "type": kind, "message": message, **extra}},
                        status_code=status, headers=headers)


def _explain(errors: list[dict], model: type[BaseModel]) -> tuple[str, list[dict]]:
    """Pydantic's errors as one readable line and a list of {field, problem}."""
    fields_allowed = ", ".join(model.model_fields)
    details = []
    for e in errors:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        if e["type"] == "extra_forbidden":
            problem = f"unknown field (allowed: {fields_allowed})"
        elif e["type"] == "missing":
            problem = "required"
        else:
            problem = e.get("msg", "invalid")
        details.append({"field": where, "problem": problem})
    return "; ".join(f"{d['field']}: {d['problem']}" for d in details), details


class _TooLarge(HTTPException):
    """Raised from inside body reading; an HTTPException, so FastAPI passes it on as it is."""

    def __init__(self) -> None:
        super().__init__(413, "too large")


class _BodyLimit:
    """413 as JSON for a body over the limit: a declared Content-Length is refused before anything is
    read; a chunked body is counted as it arrives and cut off at the limit."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    def _refuse(self):
        return _error(413, "too_large", f"the request body is too large (at most {self.limit} bytes; a "
                      f"question is at most {MAX_QUESTION} characters)")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse()(scope, receive, send)
        seen, started = 0, False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse()(scope, receive, send)


_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _gate(workers: int) -> asyncio.Semaphore:
    """The running event loop's semaphore (a semaphore belongs to one loop; tests run several)."""
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(workers)
    return gate


def create_app(qa: QA, *, allow_index: bool = False, token: str | None = None,
               workers: int | None = None, bound_host: str | None = None, guesses=None) -> FastAPI:
    """The FastAPI app answering from ``qa``. ``POST /index`` works only with ``allow_index`` and
    a non-empty ``token``, which requests must carry as ``Authorization: Bearer <token>``.
    ``workers``: questions computed at once (default 1). Answering is mostly pure-Python work
    (tokenizers) under the GIL, so a second thread barely adds throughput (50 clients on 2 cores:
    within 10%, inside the noise of a shared machine) while each answer takes about twice as long
    and the event loop, which needs the GIL too, gets less of it (benchmarks/load.py).
    ``bound_host``: the address the server listens on; requests must name it (or, on loopback, a
    loopback name) in their Host header. ``guesses``: the qa.http_guard.GuessThrottle counting wrong
    tokens (default: a new one)."""
    from .http_guard import GuessThrottle

    workers = workers or 1
    guesses = guesses or GuessThrottle()
    if allow_index and not token:
        raise InputError("rebuilding over HTTP needs a token: set QA_TOKEN (a long random string)")
    check_token(token)
    app = FastAPI(title="qa", version=__version__,
                  description="Ask questions, in Chinese or English, of a folder of documents; get the best "
                              "passages with exact citations.")
    app.add_middleware(_BodyLimit, limit=MAX_BODY)
    _add_host_check(app, bound_host)
    rebuilding = threading.Lock()

    @app.exception_handler(QAError)
    async def _qa_error(request: Request, exc: QAError) -> JSONResponse:
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 500)
        if exc.remedy is None:
            return _error(status, type(exc).__name__, exc.problem)
        return _error(status, type(exc).__name__, exc.problem,
                      remedy={"code": exc.remedy.value, "how": REMEDY_HOW[exc.remedy]})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A bug, not a bad request: JSON like every other error, no internals; uvicorn logs the traceback.
        return _error(500, "internal_error", f"an unexpected error ({type(exc).__name__}) while answering "
                      f"{request.method} {request.url.path}: the server's log has the details")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
        if bad_json is not None:
            why = (bad_json.get("ctx") or {}).get("error", "not JSON")
            return _error(400, "bad_json", f"the body is not valid JSON ({why} at character "
                          f"{bad_json['loc'][-1]}): send one JSON object")
        model = IndexRequest if request.url.path == "/index" else AskRequest
        message, details = _explain(errors, model)
        return _error(422, "invalid_request", message, details=details)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 413:
            message = f"the request body is too large (at most {MAX_BODY} bytes)"
        if exc.status_code == 400 and "parsing the body" in message:  # e.g. bytes that are not UTF-8
            return _error(400, "bad_json", "the body is not valid JSON in UTF-8: send one JSON object")
        return _error(exc.status_code, HTTP_TYPES.get(exc.status_code, "http_error"), message,
                      headers=getattr(exc, "headers", None))

    def _authorized(request: Request, authorization: str | None = Header(None)) -> None:
        """403 when rebuilding is off, 429 after too many wrong tokens from the client's address, 401
        without the right token; before anything else is looked at."""
        if not allow_index:
            raise HTTPException(403, "rebuilding over HTTP is off: start the server with "
                                     "`qa serve --allow-index` and QA_TOKEN set")
        client = request.client.host if request.client else ""
        wait = guesses.retry_after(client)
        if wait:
            raise HTTPException(429, f"too many wrong tokens (from {client}, or from everyone): try again "
                                     f"in {wait} s",
                                headers={"Retry-After": str(wait)})
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            guesses.failed(client)
            raise HTTPException(401, "send the token from QA_TOKEN as `Authorization: Bearer <token>`",
                                headers={"WWW-Authenticate": "Bearer"})
        guesses.succeeded(client)

    async def _json_body(request: Request) -> None:
        """415 for a body that is not JSON; runs before the body is validated (async: a plain
        function would be run in a thread, a hand-over costing CPU on every request)."""
        required = request.url.path == "/ask"
        ctype = request.headers.get("content-type", "")
        has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
        mime = ctype.split(";", 1)[0].strip().lower()
        if (required or has_body) and not (mime == "application/json" or mime.endswith("+json")):
            raise HTTPException(415, f"send the body as JSON with the header Content-Type: application/json "
                                     f"(got {ctype or 'no content type'!r})")

    @app.post("/ask", summary="Answer a question with cited passages", dependencies=[Depends(_json_body)],
              response_description="the same JSON as `qa ask --json`: question, mode, model, answered, "
                                   "min_confidence, hits")
    async def ask(body: AskRequest) -> JSONResponse:
        # At most `workers` questions compute at once, the rest wait in arrival order (asyncio's
        # semaphore is FIFO): as fast overall as more threads, without starving unlucky requests.
        arrived = time.perf_counter()
        async with _gate(workers):
            started = time.perf_counter()
            answer = await run_in_threadpool(qa.ask, body.question, k=body.k, mode=body.mode, path=body.path,
                                             lang=body.lang, since=body.since, until=body.until,
                                             min_confidence=body.min_confidence)
        done = time.perf_counter()
        # Server-Timing (a standard header): time spent waiting for a worker, and answering.
        timing = f"queue;dur={1000 * (started - arrived):.1f}, ask;dur={1000 * (done - started):.1f}"
        return JSONResponse(answer.to_dict(), headers={"Server-Timing": timing})

    @app.get("/documents", summary="What is indexed")
    def documents() -> JSONResponse:
        docs = qa.documents()
        return JSONResponse({"count": len(docs), "documents": docs})

    def health_dict() -> dict:
        return {"status": "ok", "index_loaded": True, **qa.status(), "allow_index": allow_index,
                "qa_version": __version__, "worker": os.getpid()}

    @app.get("/health", summary="Is the index loaded; which model; how many passages")
    def health() -> JSONResponse:
        return JSONResponse(health_dict())

    @app.post("/index", summary="Rebuild the index incrementally from its own sources",
              description="Off unless the server was started with --allow-index; needs "
                          "`Authorization: Bearer <QA_TOKEN>`. Questions keep being answered during the "
                          "rebuild, then switch to the new build.",
              dependencies=[Depends(_authorized), Depends(_json_body)])
    def rebuild(body: IndexRequest | None = Body(None)) -> JSONResponse:
        if not rebuilding.acquire(blocking=False):
            return _error(409, "IndexLockedError", "a rebuild is already running: try again when it ends")
        try:
            report = qa.update(full=bool(body and body.full))
        finally:
            rebuilding.release()
        return JSONResponse({"build": report.to_dict(), "health": health_dict()})

    from .page import add_page

    add_page(app, qa)  # GET / (the page to ask from) and GET /text
    return app


def _add_host_check(app: FastAPI, bound_host: str | None) -> None:
    if bound_host is None:
        return
    from .http_guard import allowed_hosts

    allowed = allowed_hosts(bound_host)
    if allowed is not None:
        app.add_middleware(_HostCheck, allowed=allowed)


def serve(qa: QA, host: str = "127.0.0.1", port: int = 8765, *, allow_index: bool = False,
          token: str | None = None, log_level: str = "info", workers: int = 1) -> int:
    """Run the API with uvicorn until interrupted: in this process (``workers=1``; loads the model
    first, so the first answer is quick), or in ``workers`` processes over the same index
    (qa.workers). Either way the server follows the index: a new build, from ``POST /index`` or
    ``qa index``, is swapped in without dropping a question. Returns the exit code (1: a worker
    failed before it could serve)."""
    from .workers import following_app, run_workers

    from .http_guard import GuardedH11

    # Keep-alive longer than the worst queueing delay under load, so the server never closes a
    # connection whose next request is already on its way (seen as client ReadErrors at 50 clients).
    # GuardedH11 closes connections that never finish a request (idle, half a header, a slow body).
    # proxy_headers=False: X-Forwarded-For is not trusted (uvicorn trusts it from loopback by default),
    # so no client can pose as another address and get it locked out of POST /index.
    options = dict(log_level=log_level, access_log=False, timeout_keep_alive=75, http=GuardedH11,
                   proxy_headers=False)
    if workers > 1:
        return run_workers(qa.index_dir, qa.model, host, port, workers, allow_index=allow_index, **options)
    import uvicorn

    from .workers import one_compute_thread

    app = following_app(qa, allow_index=allow_index, token=token, bound_host=host)
    qa.load()
    one_compute_thread()
    uvicorn.run(app, host=host, port=port, **options)
    return 0
