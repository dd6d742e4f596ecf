"""The interpreter set for a build: the model's threads and the reading thread share one interpreter lock.

A build reads and analyses files in Python on one thread while the model's threads multiply matrices
(numpy releases the lock in them). Between two products a model thread needs the lock back for a few
lines of Python; while the reading thread holds it, CPython hands it over only after the switch
interval (5 ms by default), so during reading the model's threads mostly waited: measured with
``/proc/<tid>/schedstat`` on a build of XQuAD + CMRC (benchmarks/build_speed.py's folder, busy 2-core
machine), each model thread slept 1.27 s beside 1.5 s of work while files were read, 0.37 s with a
0.5 ms interval. So a build runs with ``SWITCH_INTERVAL``.

The objects alive when a build starts (modules, an open index in a server) are frozen out of the
garbage collector's passes until it ends (``gc.freeze``): every full pass of a build walked them
again, with the lock held (about half of the collector's time in a build).

Both are process-wide; like qa.blas, the first build to enter sets them and the last to leave
restores them, so builds running at once (``qa serve``) do not undo each other's.
"""

from __future__ import annotations

import gc
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

SWITCH_INTERVAL = 0.0005  # seconds a thread may hold the interpreter lock while another waits for it

_lock = threading.Lock()
_inside = 0
_saved_interval: float | None = None


@contextmanager
def build_interpreter() -> Iterator[None]:
    """Run a build with the shorter switch interval and the objects alive now left out of the
    garbage collector's passes; restored once the last build running leaves."""
    global _inside, _saved_interval
    with _lock:
        if _inside == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _saved_interval))
            gc.freeze()
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.unfreeze()
                if _saved_interval is not None:
                    sys.setswitchinterval(_saved_interval)
                    _saved_interval = None
