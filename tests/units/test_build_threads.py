"""A build's interpreter settings (qa.build_threads): set while any build runs, restored after the last."""

import gc
import sys
import threading

from qa.build_threads import SWITCH_INTERVAL, build_interpreter


def test_set_inside_and_restored_after_the_last_build():
    before = sys.getswitchinterval()
    frozen = gc.get_freeze_count()
    with build_interpreter():
        assert sys.getswitchinterval() == min(SWITCH_INTERVAL, before)
        assert gc.get_freeze_count() > frozen  # what was alive is left out of the collector's passes
        with build_interpreter():  # a second build at once
            pass
        assert sys.getswitchinterval() == min(SWITCH_INTERVAL, before)  # the first is still running
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == frozen


def test_builds_in_threads_leave_the_interpreter_as_it_was():
    before = sys.getswitchinterval()
    inside, go = threading.Barrier(3), threading.Event()

    def build():
        with build_interpreter():
            inside.wait()
            go.wait()

    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert sys.getswitchinterval() == before


def test_restored_when_the_build_fails():
    before = sys.getswitchinterval()
    try:
        with build_interpreter():
            raise ValueError("a build that fails")
    except ValueError:
        pass
    assert sys.getswitchinterval() == before
