"""Sign-in, bearer tokens, one-time passwords, sign-out; passwords stored as Argon2id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from isoflow.services import auth
from isoflow.store.models import ApiToken, User
from tests.conftest import PASSWORD, make_tenant, token_for


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
