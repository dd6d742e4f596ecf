"""One BLAS thread while qa computes, safe when many threads ask at once.

A single question's matrix-vector products run fastest on one BLAS thread: on busy cores OpenBLAS's
spinning threads cost several milliseconds a product. threadpoolctl's limiter sets a process-wide value,
so nested or concurrent ``with limit(...)`` blocks in several threads would restore the old value under
each other's feet (and results computed with 1 and with 2 threads differ in the last float bits). This
counts who is inside: the first to enter sets one thread, the last to leave restores the original.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

_lock = threading.Lock()
_inside = 0
_limiter = None


@lru_cache(maxsize=1)
def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    global _inside, _limiter
    controller = _controller()
    if controller is None:
        yield
        return
    with _lock:
        if _inside == 0:
            _limiter = controller.limit(limits=1, user_api="blas")
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None
