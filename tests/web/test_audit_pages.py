"""/audit over HTTP (real SQLite and PostgreSQL): newest first, the filters (who, what, when in
the site's zone in both time syntaxes, entity id), paging, tenancy, failed sign-ins shown, the
chain verified intact and then broken by a row altered in the database, roles refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.conftest import PASSWORD, make_tenant

ROW = re.compile(r'<tr id="entry-(\d+)"[^>]*>(.*?)</tr>', re.S)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def sign_in(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": csrf_of(page.text), "next": "/dashboard"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def rows(html: str) -> list[tuple[int, str]]:
    return [(int(seq), body) for seq, body in ROW.findall(html)]


def add_user(db, org_id: int, username: str, role: str) -> None:  # type: ignore[no-untyped-def]
    from isoflow.domain.roles import Actor
    from isoflow.services import organisations

    organisations.create_user(db, Actor.command_line("tests"), username=username,
                              password=PASSWORD, role=role, org_id=org_id,
                              full_name=username, must_change_password=False)


@pytest.fixture
def two(db):  # type: ignore[no-untyped-def]
    return make_tenant(db, "Alpha Clinic"), make_tenant(db, "Beta Clinic",
                                                        timezone="Europe/Moscow")


def test_trail_newest_first_own_organisation_only(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "<title>Audit trail · isoflow</title>" in page.text
    found = rows(page.text)
    seqs = [s for s, _ in found]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 5
    body = " ".join(r for _, r in found)
    assert "alpha-clinic-admin" in body and "Asia/Bishkek" in body
    assert "beta-clinic" not in body  # another organisation's entries are not shown
    # old -> new, readable: the possession limit's activity with its unit
    assert "10\u00a0TBq" in body


def test_filters_who_what_entity_and_when(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    by_cli = rows(client.get("/audit", params={"who": "cli:tests"}).text)
    assert by_cli and all("cli:tests" in r for _, r in by_cli)
    nobody = client.get("/audit", params={"who": "nobody"})
    assert rows(nobody.text) == [] and "No entries match." in nobody.text

    limits = rows(client.get("/audit", params={"entity_type": "licence_limit"}).text)
    assert len(limits) == 1 and "Possession limit" in limits[0][1]
    users = rows(client.get("/audit", params={"entity_type": "user",
                                              "action": "created"}).text)
    assert len(users) == 2 and all(">created<" in r for _, r in users)
    user_id = re.search(r"/admin/users/(\d+)", users[0][1]).group(1)  # type: ignore[union-attr]
    one = rows(client.get("/audit", params={"entity_type": "user",
                                            "entity_id": user_id}).text)
    assert one and all(f"/admin/users/{user_id}\"" in r for _, r in one)

    everything = rows(client.get("/audit").text)
    for since in ("2000-01-01T00:00 Asia/Bishkek", "2000-01-01T00:00+06:00", "2000-01-01",
                  "2000-01-01T00:00"):
        r = client.get("/audit", params={"since": since})
        assert r.status_code == 200 and rows(r.text) == everything, since
    assert rows(client.get("/audit", params={"until": "2000-01-01"}).text) == []
    assert rows(client.get("/audit", params={"since": "2999-01-01T00:00Z"}).text) == []


def test_a_bad_time_is_named_beside_its_field(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    r = client.get("/audit", params={"since": "yesterday-ish"})
    assert r.status_code == 422
    assert 'id="f-since-error"' in r.text and 'aria-invalid="true"' in r.text
    assert 'value="yesterday-ish"' in r.text  # kept as typed
    r = client.get("/audit", params={"until": "2026-03-02T12:00 Mars/Olympus"})
    assert r.status_code == 422 and "Mars/Olympus" in r.text and 'id="f-until-error"' in r.text


def test_paging_newest_first(client, two, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from isoflow.web import audit_pages

    monkeypatch.setattr(audit_pages, "PAGE_SIZE", 3)
    a, _b = two
    sign_in(client, a.admin_username)
    first = client.get("/audit")
    older = re.search(r'href="/audit\?([^"]+)" rel="next"', first.text)
    assert older is not None
    second = client.get("/audit?" + older.group(1).replace("&amp;", "&"))
    s1, s2 = [s for s, _ in rows(first.text)], [s for s, _ in rows(second.text)]
    assert len(s1) == 3 and s2 and max(s2) < min(s1)
    assert "Newest entries" in second.text


def test_failed_sign_ins_are_visible_to_the_organisation(client, app, two) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    a, _b = two
    with TestClient(app) as stranger:
        login = stranger.get("/login")
        r = stranger.post("/login", data={"username": a.rph_username, "password": "wrong!!",
                                          "csrf_token": csrf_of(login.text)})
        assert r.status_code == 401
    sign_in(client, a.admin_username)
    failed = rows(client.get("/audit", params={"action": "sign_in_failed"}).text)
    assert len(failed) == 1 and 'class="badge bad"' in failed[0][1]


def test_verify_reports_intact_then_the_altered_entry(client, db, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    token = csrf_of(client.get("/audit").text)
    r = client.post("/audit/verify", data={"csrf_token": token},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="verify-result"' in r.text
    m = re.search(r"The chain is intact: (\d+) entries checked", r.text)
    assert m and int(m.group(1)) >= 10
    assert "<html" not in r.text  # HTMX gets the result alone
    with db.engine.begin() as c:  # an edit behind the application's back
        if db.is_sqlite:
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_entries_no_update")
        else:
            c.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER "
                              "audit_entries_append_only")
        c.execute(text("UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 3"))
        if not db.is_sqlite:
            c.exec_driver_sql("ALTER TABLE audit_entries ENABLE TRIGGER "
                              "audit_entries_append_only")
    r = client.post("/audit/verify", data={"csrf_token": token})  # without JS: the page
    assert r.status_code == 200 and "<html" in r.text
    assert "The chain is broken at entry #3" in r.text and "altered" in r.text


def test_verify_without_csrf_is_refused(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    assert client.post("/audit/verify", data={}).status_code == 403


@pytest.mark.parametrize("role", ["technologist", "radiopharmacist"])
def test_roles_without_audit_rights_get_403(client, db, two, role) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    add_user(db, a.org_id, f"alpha-{role}-2", role)
    sign_in(client, f"alpha-{role}-2")
    dash = client.get("/dashboard")
    assert 'href="/audit"' not in dash.text and 'href="/admin"' not in dash.text
    r = client.get("/audit")
    assert r.status_code == 403 and "may not open this page" in r.text
    token = csrf_of(dash.text)
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 403


def test_rso_reads_the_trail(client, db, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    add_user(db, a.org_id, "alpha-rso", "rso")
    sign_in(client, "alpha-rso")
    assert 'href="/audit"' in client.get("/dashboard").text
    assert rows(client.get("/audit").text)


def test_signed_out_goes_to_login(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
