"""The wrong-token throttle of ``POST /index`` over time (a settable clock; the HTTP side is tested in
tests/faces/test_hostile_server.py)."""

from __future__ import annotations

from qa.http_guard import GuessThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_lockout_ends_and_old_failures_expire():
    clock = Clock()
    throttle = GuessThrottle(allowed=3, window=60, lockout=30, clock=clock)
    throttle.failed("a")
    throttle.failed("a")
    clock.now += 61  # those two fall out of the window
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == 30 and throttle.retry_after("b") == 0
    clock.now += 29.5
    assert throttle.retry_after("a") == 1
    clock.now += 1
    assert throttle.retry_after("a") == 0
    throttle.failed("a")  # a fresh count after the lockout
    assert throttle.retry_after("a") == 0


def test_the_right_token_forgives_earlier_failures():
    throttle = GuessThrottle(allowed=2, clock=Clock())
    throttle.failed("a")
    throttle.succeeded("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 0


def test_memory_is_bounded_by_max_clients():
    throttle = GuessThrottle(allowed=1, max_clients=3, clock=Clock())
    for n in range(10):
        throttle.failed(f"10.0.0.{n}")
    assert throttle.retry_after("10.0.0.0") == 0 and throttle.retry_after("10.0.0.9") > 0
    assert len(throttle._locked) == 3


def test_wrong_tokens_from_many_addresses_lock_out_everyone():
    clock = Clock()
    throttle = GuessThrottle(allowed=3, allowed_total=5, lockout=30, clock=clock)
    for n in range(4):  # one guess each from four addresses: none is locked out
        throttle.failed(f"2001:db8::{n}")
    assert throttle.retry_after("2001:db8::0") == 0 and throttle.retry_after("2001:db8::99") == 0
    throttle.failed("2001:db8::4")  # the fifth within the window, from yet another address
    assert throttle.retry_after("2001:db8::99") == 30  # any address, even one never seen
    throttle.succeeded("2001:db8::99")  # a right token does not lift it
    assert throttle.retry_after("2001:db8::99") == 30
    clock.now += 30
    assert throttle.retry_after("2001:db8::99") == 0
