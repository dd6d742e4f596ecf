"""Parsing that cannot take the build down: PDF and Word files are parsed in a child process with a
time limit and a memory limit.

pypdf and python-docx are pure-Python parsers of formats that can be made hostile: a PDF whose
arrays nest 100,000 deep, a .docx whose few hundred kilobytes unzip to gigabytes of XML, a file
that makes a parser loop. In the child, such a file costs at most ``PARSE_SECONDS`` seconds and
``PARSE_MEMORY`` bytes, then it is that file's reported skip. Children are forked from a small
server process that has already imported the parsers, so each file costs a fork, not an import.
"""

from __future__ import annotations

import multiprocessing
import threading

from ..errors import DocumentError

PARSE_SECONDS = 60.0
PARSE_MEMORY = 2 * 2**30  # address space of one parsing child, bytes
_context = None
_context_lock = threading.Lock()


def _ctx():
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            # The server imports these once; every child starts with them loaded.
            ctx.set_forkserver_preload(["qa.formats", "pypdf", "docx"])
            _context = ctx
    return _context


def _child(conn, module: str, func: str, shown: str, data: bytes, sha: str, options, max_chars: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (PARSE_MEMORY, PARSE_MEMORY))
    except (ImportError, ValueError, OSError):
        pass
    from . import call_loader

    try:
        conn.send(("ok", call_loader(module, func, shown, data, sha, options, max_chars)))
    except DocumentError as e:
        conn.send(("error", str(e)))
    except BaseException as e:  # noqa: BLE001 - the parent reports it; the child just ends
        conn.send(("error", f"could not be parsed ({type(e).__name__})"))
    finally:
        conn.close()


def run_isolated(module: str, func: str, shown: str, data: bytes, sha: str, options, *,
                 seconds: float | None = None, max_chars: int | None = None):
    """``formats.call_loader`` in a child process (text over ``max_chars`` characters is refused there).
    Raise DocumentError on any failure, a time-out or the child's death."""
    from . import MAX_TEXT_CHARS

    max_chars = MAX_TEXT_CHARS if max_chars is None else max_chars
    seconds = PARSE_SECONDS if seconds is None else seconds
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, module, func, shown, data, sha, options, max_chars),
                       daemon=True)
    try:
        proc.start()
    except OSError as e:  # no process could be started: parse here rather than not at all
        raise DocumentError(f"no parser process could be started ({e.strerror or e}): try again") from e
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise DocumentError(f"parsing took longer than {seconds:.0f} s (a damaged or hostile file?): skipped")
        try:
            status, value = receiver.recv()
        except (EOFError, OSError, MemoryError) as e:
            proc.join(5)
            raise DocumentError("the parser stopped on this file (out of memory? exit code "
                                f"{proc.exitcode}): skipped") from e
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status != "ok":
        raise DocumentError(value)
    return value
