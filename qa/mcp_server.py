"""`qa mcp`: the Model Context Protocol server over stdio, for assistants and agents.

Tools: ``ask`` (the same JSON as ``qa ask --json``, as structured content and as text), ``documents``,
and ``index`` (an incremental rebuild from the index's own sources) only with ``--allow-index``.
Every QAError (an empty question, no index, a bad filter) comes back as a tool error carrying its
one-line message; the server keeps running. The index is opened on the first call that needs it, and
a newer build (from ``qa index`` or the ``index`` tool) is swapped in before the next call.

Needs the official SDK (``pip install 'qa[mcp]'``, mcp 2.x); only ``qa mcp`` imports this module.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from . import __version__
from .api import QA
from .errors import InputError, QAError, Remedy

MAX_K = 50  # as over HTTP

INSTRUCTIONS = ("Answers questions, in Chinese or English, from a folder of the user's documents: each answer "
                "is a list of passages with exact citations (file, lines, characters) and the sentence that "
                "best answers highlighted. Quote the passages and cite them; say so when none answers.")


class _Opened:
    """The QA of one index folder, opened when first needed and kept on its current build."""

    def __init__(self, index_dir: Path, model: str | None):
        self.index_dir, self.model = index_dir, model
        self._qa = None
        self._watcher = None
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            if self._qa is None:
                from .workers import BuildWatcher

                self._qa = QA.open(self.index_dir, model=self.model)  # IndexMissingError until built
                self._watcher = BuildWatcher(self._qa)
            else:
                self._watcher.check()
            return self._qa


# A remedy in this server's terms: the tools it offers, else the command to run where the index lives.
REMEDY_HOW = {Remedy.REBUILD: "call the tool index with full=true (offered when the server was started "
                              "with --allow-index), or rebuild the index with qa index --full",
              Remedy.UPGRADE: "upgrade qa, or call the tool index with full=true",
              Remedy.BUILD: "build an index with qa index PATH ..., then call again"}


def _tool_error(e: QAError) -> ToolError:
    how = REMEDY_HOW.get(e.remedy, e.remedy.advice) if e.remedy else ""
    text = f"{e.problem}; {how}" if how else (e.problem or type(e).__name__)
    return ToolError(text.splitlines()[0])


def create_server(index_dir: str | Path = "index", model: str | None = None, *,
                  allow_index: bool = False, opened: _Opened | None = None) -> MCPServer:
    opened = opened or _Opened(Path(index_dir), model)
    server = MCPServer("qa", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool()
    def ask(question: str, k: int = 5, mode: str = "hybrid", path: str | None = None, lang: str | None = None,
            since: str | None = None, until: str | None = None,
            min_confidence: float | None = None) -> dict[str, Any]:
        """Find the k passages of the indexed documents that best answer a question (Chinese or English),
        each with its citation (path, lines, character offsets) and its best sentence highlighted.

        "answered" says whether the documents answer the question well (false: nothing does, and
        the passages returned are only the nearest); each passage has a "confidence" (0-1, the
        estimated chance it answers). min_confidence (0-1) overrides the threshold "answered" uses.

        mode: hybrid (default: meaning and words), dense (meaning only) or lexical (words only).
        Filters, all given must hold: path (a glob on the document's path, e.g. 'reports/*' or '*.md'),
        lang ('zh' or 'en': passages mainly in that language), since/until (YYYY-MM-DD or
        'YYYY-MM-DD HH:MM', inclusive; undated documents are left out)."""
        try:  # checked before opening, by the check every face uses (and this face's limit on k)
            if isinstance(k, int) and not 1 <= k <= MAX_K:
                raise InputError(f"k must be between 1 and {MAX_K} (got {k})")
            asked = QA.check(question, k, mode, path=path, lang=lang, since=since, until=until)
            return opened.get().ask(asked.text, k=asked.k, mode=asked.mode, filters=asked.filters,
                                    min_confidence=min_confidence).to_dict()
        except QAError as e:
            raise _tool_error(e) from None

    @server.tool()
    def documents() -> dict[str, Any]:
        """The indexed documents: path, title, source, date and number of passages of each."""
        try:
            qa = opened.get()
        except QAError as e:
            raise _tool_error(e) from None
        docs = qa.documents()
        return {"count": len(docs), "documents": docs}

    if allow_index:
        @server.tool()
        def index(full: bool = False) -> dict[str, Any]:
            """Bring the index up to date with the folders it was built from: only changed files are
            re-read and re-embedded (full=true rebuilds everything). Questions keep being answered."""
            try:
                report = opened.get().update(full=full)
            except QAError as e:
                raise _tool_error(e) from None
            return {"build": report.to_dict()}

    return server


def run(index_dir: str | Path, model: str | None, *, allow_index: bool) -> None:
    """Serve over stdio until the client closes the connection. The index and model load in the
    background meanwhile, so the first question does not wait for them (when there is an index)."""
    opened = _Opened(Path(index_dir), model)
    server = create_server(allow_index=allow_index, opened=opened)

    def warm_up() -> None:
        try:
            opened.get().load()
        except QAError:  # no index yet, or a bad one: the tools say so when called
            pass

    threading.Thread(target=warm_up, name="qa-warm-up", daemon=True).start()
    server.run("stdio")
