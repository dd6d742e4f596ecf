"""The interactive session, driven through a real pseudo-terminal like a person at the keyboard."""

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

from ..conftest import subprocess_env


def _read_until(fd, needle: bytes, timeout: float = 120.0) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while needle not in out:
        left = end - time.monotonic()
        if left <= 0 and needle == b"never printed":
            return out  # read whatever is left
        if left <= 0:
            raise AssertionError(f"timed out waiting for {needle!r}; got {out[-2000:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out


@pytest.fixture
def session(built, tmp_path):
    """``qa`` with no arguments in a terminal, on the fixture index."""
    _, index_dir = built
    main, child = pty.openpty()
    env = subprocess_env(QA_INDEX=str(index_dir), COLUMNS="100", TERM="xterm",
                         XDG_STATE_HOME=str(tmp_path / "state"))
    def controlling_terminal():  # so Ctrl-C reaches the session as SIGINT, as in a real terminal
        # A runner started in the background (CI) ignores SIGINT, and children inherit that.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "-m", "qa.cli"], stdin=child, stdout=child, stderr=child,
                            env=env, cwd=tmp_path, close_fds=True, preexec_fn=controlling_terminal)
    os.close(child)
    yield proc, main
    if proc.poll() is None:
        proc.kill()
    os.close(main)


def test_asks_again_and_again_then_quits(session, tmp_path):
    proc, fd = session
    _read_until(fd, b"qa> ")
    os.write(fd, "冰岛火山爆发对欧洲航空旅行有什么影响？\r".encode())
    out = _read_until(fd, b"qa> ")
    assert b"volcano_en.md" in out
    os.write(fd, b"How is Longjing green tea processed?\r")
    out = _read_until(fd, b"qa> ")
    assert b"longjing_zh.txt" in out
    os.write(fd, b":q\r")
    assert proc.wait(timeout=30) == 0
    # the questions went into the history file, for the arrow keys next time
    history = (tmp_path / "state" / "qa" / "history").read_text(encoding="utf-8")
    assert "Longjing" in history and "冰岛" in history


@pytest.mark.parametrize("asked_first", [False, True])
@pytest.mark.parametrize("key", [b"\x04", b"\x03"])  # Ctrl-D, Ctrl-C
def test_control_keys_leave_cleanly(session, key, asked_first):
    proc, fd = session
    _read_until(fd, b"qa> ")
    if asked_first:  # the model and its threads loaded
        os.write(fd, "长城被列入世界文化遗产是哪一年？\r".encode())
        _read_until(fd, b"qa> ")
    # A person takes longer than this to react to the prompt. Without it the key can land in the
    # instant after readline printed the prompt and before it waits for input: CPython's readline
    # loop then misses the signal until the next key (a race in the interpreter, not in qa).
    time.sleep(0.5)
    os.write(fd, key)
    assert proc.wait(timeout=30) == 0
    assert b"Traceback" not in _read_until(fd, b"never printed", timeout=2)
