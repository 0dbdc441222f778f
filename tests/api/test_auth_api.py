"""Sign-in, bearer tokens, one-time passwords, sign-out; passwords stored as Argon2id."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from isoflow.errors import TooManyAttempts, Unauthenticated
from isoflow.services import auth
from isoflow.store.models import ApiToken, User
from tests.conftest import PASSWORD, T0, make_tenant, token_for


def test_passwords_are_argon2id_and_tokens_are_stored_hashed(db, client) -> None:
    t = make_tenant(db, "H")
    headers = token_for(client, t.rph_username)
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == t.rph_username))
        assert user.password_hash.startswith("$argon2id$")
        stored = s.scalar(select(ApiToken.token_sha256))
    assert headers["Authorization"].split()[1] != stored and len(stored) == 64
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["username"] == t.rph_username and me["role"] == "radiopharmacist"


def test_wrong_credentials_and_missing_tokens_are_401(db, client) -> None:
    t = make_tenant(db, "H")
    for body in ({"username": t.rph_username, "password": "wrong password!"},
                 {"username": "nobody", "password": PASSWORD}):
        r = client.post("/api/v1/auth/token", json=body)
        assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    r = client.get("/api/v1/containers")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/v1/containers", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401


def test_one_time_password_must_be_changed_first(db, client) -> None:
    created = auth.create_first_admin(db)
    assert created is not None and auth.create_first_admin(db) is None
    username, one_time = created
    r = client.post("/api/v1/auth/token", json={"username": username, "password": one_time})
    assert r.status_code == 200 and r.json()["password_change_required"] is True
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = client.get("/api/v1/organisations", headers=h)
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    r = client.post("/api/v1/auth/password", headers=h,
                    json={"current_password": one_time, "new_password": "short"})
    assert r.status_code == 422 and r.json()["field"] == "new_password"
    r = client.post("/api/v1/auth/password", headers=h,
                    json={"current_password": one_time, "new_password": PASSWORD})
    assert r.status_code == 204
    assert client.get("/api/v1/organisations", headers=h).status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": username,
                                                   "password": one_time}).status_code == 401
    # the platform administrator can now set up a hospital
    r = client.post("/api/v1/organisations", headers=h, json={
        "name": "Bishkek Oncology", "kind": "hospital", "timezone": "Asia/Bishkek",
        "jurisdiction": "RU"})
    assert r.status_code == 201 and r.json()["site"]["timezone"] == "Asia/Bishkek"


def test_logout_revokes_and_tokens_expire(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401
    h = token_for(client, t.rph_username)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2), tick=False):
        assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_deactivated_user_is_locked_out(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    admin = token_for(client, t.admin_username)
    r = client.patch(f"/api/v1/users/{t.radiopharmacist.user_id}", headers=admin,
                     json={"active": False, "reason": "left the department"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


# ------------------------------------------------------------------ throttling (#13 item 3)
WRONG = "not the password"


def _sign_in(client, username: str, password: str = WRONG):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


@pytest.fixture
def quick_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slow-down windows of 50 ms doubling to 400 ms (the route waits them out)."""
    from isoflow.config import get_settings

    monkeypatch.setattr(get_settings(), "sign_in_delay_s", 0.05)
    monkeypatch.setattr(get_settings(), "sign_in_max_delay_s", 0.4)


def test_answers_slow_down_then_the_username_is_locked_429_with_retry_after(
        db, client, quick_windows) -> None:
    t = make_tenant(db, "H")
    answered = []
    for _ in range(10):
        r = _sign_in(client, t.rph_username)
        answered.append(time.perf_counter())
        assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    # from the sixth on, each failure waits out a window after the one before: 50, 100, 200,
    # 400, 400 ms. A window runs from the failure's record, which is before its answer, so
    # only the sum is certain: the tenth answer comes at least 1.15 s after the fifth.
    assert answered[9] - answered[4] >= 0.05 + 0.1 + 0.2 + 0.4 + 0.4
    r = _sign_in(client, t.rph_username, PASSWORD)  # the right password, at once refused
    assert r.status_code == 429 and r.headers["retry-after"] == "900"
    body = r.json()
    assert body["error"] == "too_many_attempts" and body["field"] == "username"
    assert body["details"] == {"retry_after_s": 900, "locked": True, "scope": "username"}
    assert "locked for 15 more minutes" in body["message"]


def test_an_unknown_username_is_answered_exactly_alike(db, client, quick_windows) -> None:
    t = make_tenant(db, "H")
    answers = {}
    for day, name in enumerate((t.rph_username, "nobody-at-all")):
        # (days apart: the client address's count of the first run is forgotten)
        with time_machine.travel(T0 + timedelta(days=2 * day), tick=False) as tm:
            seen = []
            for _ in range(20):  # wrong passwords, each when the throttle allows, to the lock
                r = _sign_in(client, name)
                seen.append((r.status_code, r.json(), r.headers.get("retry-after")))
                if r.status_code == 429:
                    if r.json()["details"]["locked"]:
                        break
                    tm.shift(int(r.headers["retry-after"]))
            r = _sign_in(client, name, PASSWORD)
            seen.append((r.status_code, r.json(), r.headers.get("retry-after")))
        answers[name] = seen
    known, unknown = answers.values()
    assert known == unknown and [a[0] for a in known].count(401) == 10
    assert known[-1][0] == 429 and known[-1][2] == "900"


def test_a_client_address_is_limited_over_all_usernames(db, app, monkeypatch,
                                                        quick_windows) -> None:
    from fastapi.testclient import TestClient

    from isoflow.config import get_settings

    monkeypatch.setattr(get_settings(), "sign_in_address_slowdown_after", 3)
    monkeypatch.setattr(get_settings(), "sign_in_address_lock_after", 5)
    t = make_tenant(db, "H")
    with TestClient(app, client=("203.0.113.9", 4000)) as attacker, \
            TestClient(app, client=("198.51.100.1", 4000)) as colleague:
        assert [_sign_in(attacker, f"guess-{i}").status_code for i in range(6)] == [401] * 5 + [429]
        r = _sign_in(attacker, t.rph_username, PASSWORD)
        assert r.status_code == 429 and r.json()["details"]["scope"] == "address"
        assert r.json()["field"] is None and "from this client address" in r.json()["message"]
        assert _sign_in(colleague, t.rph_username, PASSWORD).status_code == 200


def test_a_success_resets_the_count(db, client) -> None:
    t = make_tenant(db, "H")
    with time_machine.travel(T0, tick=False):
        assert [_sign_in(client, t.rph_username).status_code for _ in range(4)] == [401] * 4
        assert _sign_in(client, t.rph_username, PASSWORD).status_code == 200
        # counted from zero again: five more before the first wait (nine in a row otherwise)
        assert [_sign_in(client, t.rph_username).status_code for _ in range(5)] == [401] * 5


def test_an_administrator_unlocks_through_the_api(db, client, quick_windows) -> None:
    t, other = make_tenant(db, "H"), make_tenant(db, "Other")
    admin = token_for(client, t.admin_username)
    for _ in range(10):
        _sign_in(client, t.rph_username)
    assert _sign_in(client, t.rph_username, PASSWORD).status_code == 429
    url = f"/api/v1/users/{t.radiopharmacist.user_id}/unlock"
    assert client.post(url, headers=token_for(client, other.admin_username)).status_code == 404
    r = client.post(url, headers=admin, json={})
    assert r.status_code == 200
    body = r.json()
    assert body["was_locked"] is True and body["failures"] == 10
    assert body["username"] == t.rph_username and body["locked_until"] is not None
    assert _sign_in(client, t.rph_username, PASSWORD).status_code == 200
    r = client.post(url, headers=admin, json={"reason": "again"})
    assert r.status_code == 200 and r.json()["was_locked"] is False
    rph = token_for(client, t.rph_username)
    assert client.post(url, headers=rph).status_code == 403
    entries = client.get("/api/v1/audit", headers=admin,
                         params={"entity": f"user:{t.radiopharmacist.user_id}"}).json()
    actions = [e["action"] for e in entries]
    assert actions.count("sign_in_failed") == 10 and "sign_in_locked" in actions
    assert "sign_in_unlocked" in actions


def test_an_administrator_unlocks_from_the_command_line(db, monkeypatch) -> None:
    from isoflow.config import get_settings

    monkeypatch.setattr(get_settings(), "sign_in_delay_s", 0.0)  # no windows: lock at once
    t = make_tenant(db, "H")
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            auth.sign_in(db, t.rph_username, WRONG, client="10.0.0.7")
    with pytest.raises(TooManyAttempts):
        auth.sign_in(db, t.rph_username, PASSWORD, client=None)
    env = {**os.environ,
           "ISOFLOW_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    isoflow = str(Path(sys.executable).parent / "isoflow")
    r = subprocess.run([isoflow, "admin", "unlock", t.rph_username, "--reason", "help desk"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert f"unlocked {t.rph_username!r}" in r.stdout and "after 10 failed" in r.stdout
    assert auth.sign_in(db, t.rph_username, PASSWORD, client=None).id == t.radiopharmacist.user_id
    r = subprocess.run([isoflow, "admin", "unlock", "--address", "10.0.0.7"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "cleared 10 failed sign-ins" in r.stdout, r.stderr
    r = subprocess.run([isoflow, "admin", "unlock", "nobody-here"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no user named 'nobody-here'" in r.stderr
    assert "Traceback" not in r.stderr


def test_openapi_documents_the_429_and_its_retry_after(client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/auth/password"):
        answer = spec["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in answer["headers"]
    assert "200" in spec["paths"]["/api/v1/users/{user_id}/unlock"]["post"]["responses"]


# ------------------------------------------------------------------ revocation (#13 item 4)
def test_a_password_change_revokes_the_other_tokens_but_not_the_callers(db, client) -> None:
    t = make_tenant(db, "H")
    caller, other = token_for(client, t.rph_username), token_for(client, t.rph_username)
    session = auth.open_session(db, t.rph_username, PASSWORD).token
    r = client.post("/api/v1/auth/password", headers=caller,
                    json={"current_password": PASSWORD, "new_password": "a new passphrase"})
    assert r.status_code == 204
    assert client.get("/api/v1/auth/me", headers=caller).status_code == 200
    r = client.get("/api/v1/auth/me", headers=other)
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    with pytest.raises(Unauthenticated):
        auth.session_of(db, session)


@pytest.mark.parametrize("patch", [{"role": "viewer"}, {"active": False},
                                   {"password": "a one-time password"}])
def test_an_administrators_change_revokes_all_the_users_tokens(db, client, patch) -> None:
    t = make_tenant(db, "H")
    tokens = [token_for(client, t.rph_username), token_for(client, t.rph_username)]
    admin = token_for(client, t.admin_username)
    r = client.patch(f"/api/v1/users/{t.radiopharmacist.user_id}", headers=admin,
                     json={**patch, "reason": "moved to another unit"})
    assert r.status_code == 200
    assert [client.get("/api/v1/auth/me", headers=h).status_code for h in tokens] == [401, 401]
    assert client.get("/api/v1/auth/me", headers=admin).status_code == 200


def test_a_page_session_is_not_a_bearer_token(db, client) -> None:
    t = make_tenant(db, "H")
    session = auth.open_session(db, t.rph_username, PASSWORD).token
    r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {session}"})
    assert r.status_code == 401
