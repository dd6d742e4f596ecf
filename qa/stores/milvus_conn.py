"""Reaching Milvus for the Milvus store: the store target (``URI`` or ``URI#NAME``), one shared client
per server, calls whose failures become one-line QAErrors, and the collection layout helpers.

pymilvus is imported only here and only when a Milvus index is opened or written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import IndexCorruptError, InputError, StoreUnavailableError

TOKEN_ENV = "QA_MILVUS_TOKEN"  # "user:password" or an API key, for a secured server
TIMEOUT_ENV = "QA_MILVUS_TIMEOUT"  # seconds a connection or a call may take (default 30)
INSTALL = "the Milvus store needs pymilvus and milvus-lite: pip install 'qa[milvus]'"
URI_HELP = ("give the store as milvus:PATH.db (a local milvus-lite file) or milvus:http://HOST:19530 (a "
            "Milvus server), optionally followed by #NAME to name the collections")
LITE_GRPC = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": False}
IN_LIST = 2048  # values per ``in [...]`` filter


@dataclass(frozen=True)
class Target:
    uri: str  # as MilvusClient takes it; an absolute path for milvus-lite
    name: str  # the prefix of this index's collections


def parse_target(target: str, index_dir: Path) -> Target:
    """The Milvus URI and collection prefix a ``--store milvus:TARGET`` names. Raise InputError."""
    uri, _, name = (target or "").strip().partition("#")
    if not uri:
        raise InputError(f"the Milvus store needs a URI: {URI_HELP}")
    if re.match(r"(?i)(https?|tcp)://", uri):
        if "@" in uri.split("//", 1)[1].split("/", 1)[0]:
            raise InputError("the Milvus URI holds credentials, and the URI is written to the index's manifest: "
                             f"put them in the environment variable {TOKEN_ENV} (user:password, or an API "
                             "key) and give the URI without them")
    elif uri.endswith(".db"):
        path = Path(uri).expanduser().absolute()
        if not path.parent.is_dir():
            raise InputError(f"cannot create the milvus-lite file {path}: the folder {path.parent} does not "
                             "exist (create it, or give another path)")
        uri = str(path)
    else:
        raise InputError(f"{uri!r} is not a Milvus URI: {URI_HELP}")
    if name and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,100}", name):
        raise InputError(f"{name!r} cannot name Milvus collections: use letters, digits and _ "
                         "(not starting with a digit), at most 100 characters")
    return Target(uri, name or default_name(index_dir))


def default_name(index_dir: Path) -> str:
    """A collection prefix for an index folder: its name, and a hash of where it is (two folders
    called ``index`` on one server do not share collections)."""
    where = str(Path(index_dir).absolute())
    stem = re.sub(r"\W+", "_", Path(where).name, flags=re.ASCII).strip("_")[:40] or "index"
    return f"qa_{stem}_{hashlib.blake2b(where.encode(), digest_size=4).hexdigest()}"


def build_prefix(name: str, build: str) -> str:
    """The prefix of one build's collections: ``NAME_b_20261201T040000_123_456``."""
    return f"{name}_{re.sub(r'[^A-Za-z0-9]', '_', build)}"


def in_filter(field: str, values: list) -> str:
    """A filter expression ``field in [...]`` (strings quoted; qa's terms hold no quotes, but escape)."""
    if values and isinstance(values[0], str):
        items = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    else:
        items = ",".join(str(int(v)) for v in values)
    return f"{field} in [{items}]"


def chunks(values: list, size: int = IN_LIST) -> Iterator[list]:
    for lo in range(0, len(values), size):
        yield values[lo:lo + size]


# -- connections ------------------------------------------------------------------------------------

_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def timeout() -> float:
    try:
        return max(1.0, float(os.environ.get(TIMEOUT_ENV, "30")))
    except ValueError:
        raise InputError(f"{TIMEOUT_ENV} must be a number of seconds") from None


def client(uri: str):
    """The process's client for ``uri`` (one per server and token; pymilvus' client is thread-safe)."""
    token = os.environ.get(TOKEN_ENV, "")
    with _clients_lock:
        found = _clients.get((uri, token))
        if found is None:
            found = _clients[(uri, token)] = _connect(uri, token)
        return found


def release(uri: str) -> None:
    """Close this process's clients for ``uri`` and, for a milvus-lite file, stop serving it, so
    another process can open the file (milvus-lite serves one process per file)."""
    with _clients_lock:
        for key in [k for k in _clients if k[0] == uri]:
            try:
                _clients.pop(key).close()
            except Exception:  # closing a dead connection: nothing left to release
                pass
    if uri.endswith(".db"):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def _connect(uri: str, token: str):
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise InputError(INSTALL) from None
    _quiet_logs()
    try:
        # milvus-lite's in-process server refuses pymilvus' keep-alive pings (every 10 s) as too many,
        # and gRPC then logs an error on stderr and drops the connection: no pings for a local file.
        options = {"grpc_options": LITE_GRPC} if uri.endswith(".db") else {}
        return MilvusClient(uri=uri, token=token, timeout=timeout(), **options)
    except Exception as e:  # pymilvus raises MilvusException subclasses, grpc errors and ImportError
        raise StoreUnavailableError(_unreachable(uri, e)) from None


def _quiet_logs() -> None:
    """pymilvus installs its own stderr handlers and logs a traceback for every failed call, and
    milvus-lite logs one when it cannot open a file; qa raises each failure as a one-line QAError
    instead (library code never prints)."""
    for name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    lite = logging.getLogger("milvus_lite")
    if not any(isinstance(h, logging.NullHandler) for h in lite.handlers):
        lite.addHandler(logging.NullHandler())


def _unreachable(uri: str, e: Exception) -> str:
    if uri.endswith(".db"):
        if _locked(Path(uri)):
            return (f"the milvus-lite file {uri} is open in another process (milvus-lite serves one process "
                    "per file): stop that process (e.g. a running server), or put the index on a Milvus server")
        if isinstance(e, ImportError) or "milvus-lite is required" in str(e):
            return INSTALL
        return f"cannot open the milvus-lite file {uri} ({_reason(e)})"
    hint = f"; if the server is secured, set {TOKEN_ENV}" if not os.environ.get(TOKEN_ENV) else \
        f"; check {TOKEN_ENV}"
    return f"cannot reach Milvus at {uri} ({_reason(e)}): start the server, or check the URI{hint}"


def _locked(path: Path) -> bool:
    import fcntl

    try:
        fd = os.open(path / "LOCK", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _reason(e: Exception) -> str:
    """pymilvus' message without its wrapping: ``<MilvusException: (code=2, message=...)>``."""
    text = getattr(e, "message", None) or str(e) or type(e).__name__
    return " ".join(str(text).split())[:300]


def call(uri: str, what: str, fn: Callable, *args, **kwargs):
    """Run one client call; a failure becomes StoreUnavailableError (cannot reach the server) or
    IndexCorruptError (the build's data is not there), in one line."""
    try:
        return fn(*args, timeout=timeout(), **kwargs)
    except Exception as e:
        reason = _reason(e)
        low = reason.lower()
        if "not exist" in low or "not found" in low or "can't find" in low:
            raise IndexCorruptError(f"the index's data is missing from Milvus at {uri} ({reason})") \
                from None
        if type(e).__module__.startswith(("pymilvus", "grpc")):
            raise StoreUnavailableError(f"Milvus at {uri} failed to {what} ({reason}): check that the server "
                                        "is up, then ask again") from None
        raise
