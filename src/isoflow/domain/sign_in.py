"""The sign-in throttle's rule: how long a key must wait before its next attempt is answered,
and when it is locked (issue #13, item 3).

A key is a username (casefolded) or a client address. Its counter holds the consecutive failed
sign-ins, the time of the last one and the end of a lock. The rule, with the thresholds of a
:class:`Policy` (from the settings):

- up to ``slowdown_after`` failures: no wait;
- from ``slowdown_after`` failures on, the next attempt is answered only ``delay_s``,
  ``2 delay_s``, ``4 delay_s``, ... (at most ``max_delay_s``) after the last failure;
- the ``lock_after``-th failure locks the key for ``lock_s``, the right password included;
- a lock that has run out, or failures older than ``forget_s`` (counted from the last one),
  start the count afresh; a success resets a username's count (the caller's part).

How "slower answers" are served: an attempt inside a waiting window is refused at once, before
any password is checked (429 with ``Retry-After`` from the API: :class:`isoflow.errors.
TooManyAttempts`). No worker thread ever sleeps, so many slow sign-ins cannot starve the
server. The API route (and an async page) then waits out a short slow-down window itself
(``await asyncio.sleep`` on the event loop, not a thread) and tries once more, so a client
signing in one attempt after another sees each answer come later; a lock, or a window taken
by a concurrent attempt, is answered 429 at once.

Concurrency: the service reserves an attempt before checking its password (the failure is
counted at once and taken back on success, :func:`reserve`), in a transaction that locks the
counter's row, so concurrent attempts on one key are spaced by the windows just as sequential
ones are, and never more than ``lock_after`` attempts run before the lock.

Pure: times are given, never read from a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

#: Longest key kept verbatim (the store's column is 300 characters); longer ones are hashed.
MAX_KEY_LENGTH = 300


@dataclass(frozen=True)
class Policy:
    """Thresholds of one kind of key (usernames, client addresses)."""

    slowdown_after: int = 5
    lock_after: int = 10
    lock_s: float = 900.0
    delay_s: float = 1.0
    max_delay_s: float = 8.0
    forget_s: float = 86400.0

    def __post_init__(self) -> None:
        if not 1 <= self.slowdown_after <= self.lock_after:
            raise ValueError("the slow-down must start at 1 failure or later, and no later "
                             "than the lock")
        if self.lock_s <= 0 or self.delay_s < 0 or self.max_delay_s < self.delay_s \
                or self.forget_s <= 0:
            raise ValueError("durations must be positive, the longest delay at least the first")


@dataclass(frozen=True)
class Counter:
    """A key's consecutive failures (and reserved attempts), the last one's time, its lock."""

    failures: int = 0
    first_failure_at: datetime | None = None
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


FRESH = Counter()


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be answered now: ``wait_s`` 0 if so, else how long to wait;
    ``locked`` if the wait is a lock rather than a slow-down window."""

    wait_s: float
    locked: bool

    @property
    def allowed(self) -> bool:
        return self.wait_s <= 0


def delay_after(failures: int, policy: Policy) -> float:
    """The wait after ``failures`` consecutive failures, before the next attempt [s]:
    0 below ``slowdown_after``, then ``delay_s`` doubling up to ``max_delay_s``."""
    if failures < policy.slowdown_after:
        return 0.0
    doublings = min(failures - policy.slowdown_after, 64)
    return float(min(policy.max_delay_s, policy.delay_s * 2.0 ** doublings))


def current(counter: Counter, at: datetime, policy: Policy) -> Counter:
    """The counter as it stands at ``at``: a lock that has run out, or failures not renewed
    for ``forget_s``, leave a fresh count."""
    if counter.locked_until is not None:
        return counter if at < counter.locked_until else FRESH
    if counter.last_failure_at is None or counter.failures <= 0:
        return FRESH
    if (at - counter.last_failure_at).total_seconds() >= policy.forget_s:
        return FRESH
    return counter


def verdict(counter: Counter, at: datetime, policy: Policy) -> Verdict:
    """May an attempt at ``at`` be answered, or how long must it wait?"""
    c = current(counter, at, policy)
    if c.locked_until is not None:
        return Verdict(wait_s=(c.locked_until - at).total_seconds(), locked=True)
    if c.last_failure_at is None:
        return Verdict(wait_s=0.0, locked=False)
    ready = c.last_failure_at + timedelta(seconds=delay_after(c.failures, policy))
    return Verdict(wait_s=max(0.0, (ready - at).total_seconds()), locked=False)


def reserve(counter: Counter, at: datetime, policy: Policy) -> Counter:
    """An attempt at ``at`` that the verdict allowed, counted as a failure until its password
    proves right (then :func:`release` or a reset takes it back)."""
    c = current(counter, at, policy)
    return Counter(failures=c.failures + 1, first_failure_at=c.first_failure_at or at,
                   last_failure_at=at, locked_until=None)


def fail(counter: Counter, at: datetime, policy: Policy) -> Counter:
    """A reserved attempt whose password was wrong: its failure stands, timed at ``at``, and
    the ``lock_after``-th failure locks the key for ``lock_s``."""
    c = replace(counter, last_failure_at=at)
    if c.failures >= policy.lock_after and c.locked_until is None:
        c = replace(c, locked_until=at + timedelta(seconds=policy.lock_s))
    return c


def release(counter: Counter) -> Counter:
    """A reserved attempt that succeeded, on a key a success does not reset (an address):
    the reservation is taken back, the other failures stand."""
    return replace(counter, failures=max(0, counter.failures - 1))


def record_failure(counter: Counter, at: datetime, policy: Policy) -> Counter:
    """One failed attempt at ``at`` (reserve and fail in one step)."""
    return fail(reserve(counter, at, policy), at, policy)


def username_key(username: str) -> str:
    """The throttle key of a username: casefolded, so 'Alice' and 'alice' share a count."""
    return _key("user:", username.casefold())


def address_key(address: str) -> str:
    """The throttle key of a client address."""
    return _key("addr:", address)


def _key(prefix: str, value: str) -> str:
    key = prefix + value
    if len(key) <= MAX_KEY_LENGTH:
        return key
    import hashlib

    return prefix + "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()
