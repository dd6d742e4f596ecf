"""The page to ask from: ``GET /`` (one HTML page, its script and style shipped under qa/web/, no
build step, no CDN) and ``GET /text`` (a window of a document's indexed text, for "open at the
citation"). Added to the HTTP app by qa.server; only documents in the index can be read."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException


ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
# The page runs only its own script and style and talks only to this server.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-cache"}


def _asset(name: str) -> bytes:
    return resources.files("qa").joinpath("web", name).read_bytes()


def add_page(app: FastAPI, qa) -> None:
    @app.get("/", include_in_schema=False)
    def page() -> Response:
        return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)

    @app.get("/web/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, f"no such file: {name}")
        return Response(_asset(name), media_type=ASSETS[name], headers=HEADERS)

    @app.get("/text", summary="A window of a document's indexed text around a span",
             response_description="path, title, source, date, the span, and the indexed text around it as "
                                  "segments {start, end, text} (text no passage covers is left out)")
    def text(path: str = Query(min_length=1, max_length=1000, description="the document's path, as cited"),
             start: int = Query(ge=0, description="first character of the span"),
             end: int = Query(ge=0, description="end of the span (exclusive)")) -> JSONResponse:
        window = qa.document_window(path, start, end)
        if window is None:
            raise HTTPException(404, f"{path!r} is not a document of this index: see GET /documents")
        return JSONResponse(window)
