"""Sign-in throttling in the services (issue #13 item 3), on SQLite and PostgreSQL: five
failures slow a username down, ten lock it for 15 minutes against the right password too, an
unknown name is answered alike, a client address has a limit of its own, a success resets the
count, concurrent attempts cannot outrun the windows, and failures, locks and unlocks are in
the audit trail."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine

from isoflow.config import get_settings
from isoflow.domain.roles import Actor
from isoflow.errors import Forbidden, NotFound, TooManyAttempts, Unauthenticated
from isoflow.services import audit, auth
from tests.conftest import PASSWORD, T0, make_tenant

WRONG = "not the password"
CLI = Actor.command_line("tests")


def _attempt(db, username: str, password: str = WRONG, client: str | None = "10.0.0.7"):  # type: ignore[no-untyped-def]
    """What a sign-in answers: 'ok', or the error's class, message and details."""
    try:
        auth.sign_in(db, username, password, client=client)
    except (Unauthenticated, TooManyAttempts) as exc:
        return type(exc).__name__, exc.message, exc.details
    return "ok"


def _fail_until_locked(db, tm, username: str) -> list[object]:  # type: ignore[no-untyped-def]
    """Ten wrong passwords, each sent as soon as the throttle answers; the answers."""
    answers: list[object] = []
    failures = 0
    while failures < 10:
        a = _attempt(db, username)
        answers.append(a)
        if a[0] == "TooManyAttempts":
            assert not a[2]["locked"]
            tm.shift(a[2]["retry_after_s"])
        else:
            failures += 1
    return answers


def test_slow_down_after_five_then_a_lock_that_holds_against_the_right_password(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False) as tm:
        for _ in range(5):
            assert _attempt(db, t.rph_username)[0] == "Unauthenticated"
        waits = []
        for _ in range(5):  # failures 6..10, each after a window that grows
            refused = _attempt(db, t.rph_username, PASSWORD)  # the right one too
            assert refused[0] == "TooManyAttempts" and refused[2]["scope"] == "username"
            waits.append(refused[2]["retry_after_s"])
            tm.shift(refused[2]["retry_after_s"])
            assert _attempt(db, t.rph_username)[0] == "Unauthenticated"
        assert waits == [1, 2, 4, 8, 8]
        with pytest.raises(TooManyAttempts) as e:
            auth.sign_in(db, t.rph_username, PASSWORD, client="10.0.0.7")
        assert e.value.locked and e.value.retry_after_s == 900 and e.value.http_status == 429
        assert e.value.field == "username" and "unlock" in e.value.message
        tm.shift(899)
        assert _attempt(db, t.rph_username, PASSWORD)[2]["retry_after_s"] == 1
        tm.shift(1)
        assert _attempt(db, t.rph_username, PASSWORD) == "ok"


def test_an_unknown_username_gets_exactly_the_same_answers(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False) as tm:
        known = _fail_until_locked(db, tm, t.rph_username)
        known.append(_attempt(db, t.rph_username, PASSWORD))
    with time_machine.travel(T0 + timedelta(days=3), tick=False) as tm:
        unknown = _fail_until_locked(db, tm, "no-such-user")
        unknown.append(_attempt(db, "no-such-user", PASSWORD))
    assert known == unknown and known[-1][2]["locked"] is True


def test_a_success_resets_the_count(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            assert _attempt(db, t.rph_username)[0] == "Unauthenticated"
        assert _attempt(db, t.rph_username, PASSWORD) == "ok"
        for _ in range(5):  # four more would have been nine in a row: no wait, no lock
            assert _attempt(db, t.rph_username)[0] == "Unauthenticated"
        assert _attempt(db, t.rph_username)[0] == "TooManyAttempts"


def test_a_client_address_has_a_limit_over_all_usernames(db, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "sign_in_address_slowdown_after", 4)
    monkeypatch.setattr(get_settings(), "sign_in_address_lock_after", 6)
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False) as tm:
        answers = []
        for i in range(12):  # a new name each time: no username is ever slowed down
            a = _attempt(db, f"guess-{i}", client="203.0.113.9")
            answers.append(a if isinstance(a, str) else a[0])
            if a[0] == "TooManyAttempts" and not a[2]["locked"]:
                assert a[2]["scope"] == "address"
                tm.shift(a[2]["retry_after_s"])
        # four answered at once, two after a wait each, then the address is locked
        assert answers.count("Unauthenticated") == 6
        refused = _attempt(db, t.rph_username, PASSWORD, client="203.0.113.9")
        assert refused[0] == "TooManyAttempts" and refused[2] == {
            "retry_after_s": 900, "locked": True, "scope": "address"}
        assert refused[1].startswith("too many failed sign-ins from this client address")
        assert _attempt(db, t.rph_username, PASSWORD, client="198.51.100.1") == "ok"
        tm.shift(900)
        # a success from the address does not wipe the address's other failures
        for i in range(3):
            assert _attempt(db, f"again-{i}", client="203.0.113.9")[0] == "Unauthenticated"
        assert _attempt(db, t.rph_username, PASSWORD, client="203.0.113.9") == "ok"
        assert _attempt(db, "again-3", client="203.0.113.9")[0] == "Unauthenticated"
        assert _attempt(db, "again-4", client="203.0.113.9")[0] == "TooManyAttempts"


def test_concurrent_attempts_cannot_outrun_the_slowdown(db) -> None:
    """Thirty wrong passwords at once: each attempt is reserved before its password is
    checked, so only the five before the slow-down are answered, however they interleave."""
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False), ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _attempt(db, t.rph_username), range(30)))
    kinds = [a[0] for a in answers]
    assert kinds.count("Unauthenticated") == 5 and kinds.count("TooManyAttempts") == 25


def test_failures_locks_and_unlocks_are_audited(db) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False) as tm:
        _fail_until_locked(db, tm, t.rph_username)
        _attempt(db, "nobody", client=None)
        entries = audit.list_entries(db, CLI, after_seq=audit.verify(db).entries - 12)
        failed = [e for e in entries if e.action == "sign_in_failed"]
        assert len(failed) == 11
        mine = [e for e in failed if e.entity_type == "user"]
        assert len(mine) == 10 and {e.org_id for e in mine} == {t.org_id}
        assert mine[-1].new == {"username": t.rph_username, "client": "10.0.0.7",
                                "failures": 10}
        (lock,) = [e for e in entries if e.action == "sign_in_locked"]
        assert lock.entity_id == str(t.radiopharmacist.user_id) and lock.org_id == t.org_id
        assert lock.new["locked_until"] == (T0 + timedelta(seconds=23 + 900)).isoformat()
        # an unknown name's entry belongs to no organisation: no tenant admin sees it
        assert failed[-1].entity_type == "sign_in" and failed[-1].entity_id == "nobody"
        assert failed[-1].org_id is None
        assert all(e.entity_id != "nobody" for e in audit.list_entries(db, t.admin))

        done = auth.unlock(db, t.admin, t.rph_username, reason="phoned the help desk")
        assert done.was_locked and done.failures == 10
        (unlocked,) = audit.list_entries(db, t.admin, after_seq=lock.seq)
        assert unlocked.action == "sign_in_unlocked" and unlocked.actor == t.admin_username
        assert unlocked.reason == "phoned the help desk"
        assert _attempt(db, t.rph_username, PASSWORD) == "ok"
        (signed_in,) = audit.list_entries(db, t.admin, after_seq=unlocked.seq)
        assert signed_in.action == "signed_in" and signed_in.actor == t.rph_username


def test_who_may_unlock_whom(db) -> None:
    a, b = make_tenant(db, "A"), make_tenant(db, "B")
    with time_machine.travel(T0, tick=False) as tm:
        _fail_until_locked(db, tm, a.rph_username)
        with pytest.raises(Forbidden):
            auth.unlock(db, a.radiopharmacist, a.rph_username)
        with pytest.raises(NotFound) as e:  # another organisation's user looks missing
            auth.unlock(db, b.admin, a.rph_username)
        assert e.value.field == "username"
        with pytest.raises(NotFound):
            auth.unlock(db, a.admin, "no-such-user")
        assert auth.unlock(db, CLI, a.rph_username).was_locked  # a platform administrator
        assert not auth.unlock(db, CLI, a.rph_username).was_locked
        with pytest.raises(Forbidden):
            auth.unlock_address(db, a.admin, "10.0.0.7")
        assert auth.unlock_address(db, CLI, "10.0.0.7").failures == 10


def test_a_nul_in_the_username_is_just_a_wrong_sign_in(db) -> None:
    """PostgreSQL's text refuses NUL: the throttle keys and audit entries must not carry one."""
    make_tenant(db, "H")
    assert _attempt(db, "h-admin\x00")[0] == "Unauthenticated"
    assert _attempt(db, "x" * 5000, client="\x00")[0] == "Unauthenticated"
