"""The sign-in throttle's rule (issue #13 item 3): slow-down windows that grow, a lock after
``lock_after`` failures that holds against the right password, fresh counts after a lock runs
out or failures grow old; keys that fit the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.domain.sign_in import (
    FRESH,
    MAX_KEY_LENGTH,
    Counter,
    Policy,
    address_key,
    current,
    delay_after,
    fail,
    record_failure,
    release,
    reserve,
    username_key,
    verdict,
)

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
P = Policy(slowdown_after=5, lock_after=10, lock_s=900, delay_s=1, max_delay_s=8,
           forget_s=86400)


def _after(counter: Counter, seconds: float) -> datetime:
    assert counter.last_failure_at is not None
    return counter.last_failure_at + timedelta(seconds=seconds)


def test_no_wait_before_the_slowdown_then_growing_windows() -> None:
    c, at = FRESH, T0
    for _ in range(4):
        c = record_failure(c, at, P)
        assert verdict(c, at, P).allowed  # answered at once: no slow-down yet
    waits = []
    for _ in range(5):  # failures 5..9: each next attempt must wait longer, up to 8 s
        c = record_failure(c, at, P)
        v = verdict(c, at, P)
        assert not v.allowed and not v.locked
        waits.append(v.wait_s)
        assert not verdict(c, at + timedelta(seconds=v.wait_s - 0.01), P).allowed
        at += timedelta(seconds=v.wait_s)
        assert verdict(c, at, P).allowed
    assert waits == [1, 2, 4, 8, 8]


def test_the_tenth_failure_locks_for_lock_s_then_the_count_starts_afresh() -> None:
    c = FRESH
    for i in range(10):
        c = record_failure(c, T0 + timedelta(seconds=10 * i), P)
    assert c.failures == 10 and c.locked_until == _after(c, 900)
    v = verdict(c, _after(c, 899), P)
    assert v.locked and v.wait_s == pytest.approx(1)
    # the lock ran out: a fresh count, not a lock again at the next failure
    end = _after(c, 900)
    assert verdict(c, end, P).allowed and current(c, end, P) == FRESH
    assert record_failure(c, end, P).failures == 1


def test_a_reserved_attempt_holds_the_window_against_concurrent_ones() -> None:
    c = FRESH
    for _ in range(5):
        c = record_failure(c, T0, P)
    at = T0 + timedelta(seconds=1)
    assert verdict(c, at, P).allowed
    r = reserve(c, at, P)  # the attempt being checked counts until it proves right
    assert r.failures == 6 and not verdict(r, at, P).allowed
    assert fail(r, at, P).locked_until is None  # 6 < 10
    assert release(r).failures == 5  # an address takes its reservation back on success


def test_failures_not_renewed_for_forget_s_are_forgotten() -> None:
    c = FRESH
    for _ in range(7):
        c = record_failure(c, T0, P)
    assert current(c, T0 + timedelta(seconds=86399), P).failures == 7
    assert current(c, T0 + timedelta(seconds=86400), P) == FRESH


def test_the_delay_is_capped_and_never_negative() -> None:
    assert [delay_after(n, P) for n in range(4, 12)] == [0, 1, 2, 4, 8, 8, 8, 8]
    assert delay_after(10**9, P) == 8


@pytest.mark.parametrize("kwargs", [dict(slowdown_after=0), dict(slowdown_after=11),
                                    dict(lock_s=0), dict(delay_s=9), dict(forget_s=0)])
def test_a_policy_that_makes_no_sense_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Policy(**{**dict(slowdown_after=5, lock_after=10, delay_s=1, max_delay_s=8),
                  **kwargs})  # type: ignore[arg-type]


def test_keys_casefold_usernames_and_fit_the_store() -> None:
    assert username_key("Alice") == username_key("alice") == "user:alice"
    assert address_key("10.0.0.1") == "addr:10.0.0.1"
    long = username_key("ß" * 200)  # casefolds to 400 characters
    assert len(long) <= MAX_KEY_LENGTH and long.startswith("user:sha256:")
    assert username_key("ß" * 200) != username_key("ss" * 199)


policies = st.builds(
    lambda slow, extra, lock_s, delay, factor: Policy(
        slowdown_after=slow, lock_after=slow + extra, lock_s=lock_s, delay_s=delay,
        max_delay_s=delay * factor, forget_s=86400),
    st.integers(1, 8), st.integers(0, 8), st.integers(1, 3600),
    st.floats(0.0, 30.0), st.floats(1.0, 16.0))
attempts = st.lists(st.tuples(st.floats(0.0, 2000.0), st.booleans()), max_size=60)


@settings(max_examples=300, deadline=None)
@given(policy=policies, script=attempts)
def test_no_more_than_lock_after_failures_are_ever_answered_between_locks(
        policy: Policy, script: list[tuple[float, bool]]) -> None:
    """Attempts at any times, right or wrong, served as the service serves them: a refused
    attempt is not answered; an answered one is reserved, then fails or resets the count.
    However they come, an answered attempt never waits less than the window, no attempt is
    answered while locked, and a lock follows the lock_after-th answered failure."""
    c, at, run = FRESH, T0, 0
    for gap, right in script:
        at += timedelta(seconds=gap)
        v = verdict(c, at, policy)
        assert v.wait_s >= 0
        if not v.locked:
            # times are whole microseconds: the delay is rounded to one when it is added
            assert v.wait_s <= policy.max_delay_s + 1e-6
        live = current(c, at, policy)
        if live == FRESH:
            run = 0
        if not v.allowed:
            assert live.locked_until is not None or live.failures >= policy.slowdown_after
            continue
        if live.last_failure_at is not None:
            assert at - live.last_failure_at >= timedelta(
                seconds=delay_after(live.failures, policy)) - timedelta(microseconds=1)
        c = reserve(c, at, policy)
        if right:
            c, run = FRESH, 0
            continue
        c = fail(c, at, policy)
        run += 1
        assert run <= policy.lock_after
        assert (c.locked_until is not None) == (run >= policy.lock_after)
        if c.locked_until is not None:
            assert c.locked_until == at + timedelta(seconds=policy.lock_s)
            assert verdict(c, at, policy).locked


@given(n=st.integers(0, 200), policy=policies)
def test_the_delay_grows_with_the_failures(n: int, policy: Policy) -> None:
    assert 0 <= delay_after(n, policy) <= delay_after(n + 1, policy) <= policy.max_delay_s
