"""Administration over HTTP (real SQLite and PostgreSQL): who may open it, tenancy (another
organisation's user is a 404), a new user's one-time password leading to the forced change,
role change / deactivation / reset / unlock, organisations and sites, possession limits, and
refused forms that keep what was typed and name the rule beside the field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, make_tenant
from tests.web.test_audit_pages import add_user, csrf_of, sign_in


@pytest.fixture
def two(db):  # type: ignore[no-untyped-def]
    return make_tenant(db, "Alpha Clinic"), make_tenant(db, "Beta Clinic",
                                                        timezone="Europe/Moscow")


@pytest.fixture
def platform(db):  # type: ignore[no-untyped-def]
    from isoflow.domain.roles import Actor
    from isoflow.services import organisations

    organisations.create_user(db, Actor.command_line("tests"), username="root",
                              password=PASSWORD, role="admin", org_id=None,
                              full_name="Platform Admin", must_change_password=False)
    return "root"


def user_id(db, username: str) -> int:  # type: ignore[no-untyped-def]
    from isoflow.domain.roles import Actor
    from isoflow.services import organisations

    return next(u.id for u in organisations.list_users(db, Actor.command_line("t"))
                if u.username == username)


def post(client, url: str, data: dict[str, str], page: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def field_error(html: str, form: str, name: str) -> str:
    m = re.search(rf'id="{form}-{name}-error">([^<]*)<', html)
    assert m, f"no error beside {form}-{name}"
    return m.group(1)


def test_org_admin_sees_only_their_users(client, db, two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    sign_in(client, a.admin_username)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "alpha-clinic-radiopharmacist" in page.text
    assert "beta-clinic" not in page.text
    other = user_id(db, b.rph_username)
    assert client.get(f"/admin/users/{other}").status_code == 404
    r = post(client, f"/admin/users/{other}/role", {"role": "viewer", "reason": "x"},
             "/admin/users")
    assert r.status_code == 404
    r = post(client, f"/admin/users/{other}/active", {"reason": "x"}, "/admin/users")
    assert r.status_code == 404
    assert client.get(f"/admin/organisations/{b.org_id}").status_code == 404
    orgs = client.get("/admin/organisations")
    assert "Alpha Clinic" in orgs.text and "Beta Clinic" not in orgs.text
    assert "New organisation" not in orgs.text  # only a platform administrator creates
    r = post(client, "/admin/organisations", {"name": "Gamma", "kind": "hospital",
                                              "timezone": "UTC", "jurisdiction": "EU"},
             "/admin/organisations")
    assert r.status_code == 403


def test_new_user_one_time_password_leads_to_the_forced_change(client, app, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    r = post(client, "/admin/users", {"username": "alpha-tech", "full_name": "A. Tech",
                                      "role": "technologist", "org_id": str(a.org_id)})
    assert r.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert len(password) >= 10
    listed = client.get("/admin/users")
    assert "alpha-tech" in listed.text and "must change at next sign-in" in listed.text
    assert password not in listed.text  # shown once only
    with TestClient(app) as newcomer:
        r = sign_in(newcomer, "alpha-tech", password)
        assert r.headers["location"] == "/password"
        r = newcomer.get("/dashboard", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/password"


def test_refused_new_user_keeps_what_was_typed(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    r = post(client, "/admin/users", {"username": "two words", "full_name": "Kept Name",
                                      "role": "technologist", "org_id": str(a.org_id)})
    assert r.status_code == 422
    assert "without spaces" in field_error(r.text, "new-user", "username")
    assert 'value="two words"' in r.text and 'value="Kept Name"' in r.text
    assert 'aria-invalid="true"' in r.text
    r = post(client, "/admin/users", {"username": a.rph_username, "full_name": "",
                                      "role": "technologist", "org_id": str(a.org_id)})
    assert r.status_code == 409 and "taken" in field_error(r.text, "new-user", "username")
    r = post(client, "/admin/users", {"username": "ok-name", "role": "wizard",
                                      "org_id": str(a.org_id)})
    assert r.status_code == 422 and "unknown role" in field_error(r.text, "new-user", "role")


def test_role_change_deactivation_reset_and_unlock(client, app, db, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    rph = user_id(db, a.rph_username)
    with TestClient(app) as victim:
        sign_in(victim, a.rph_username)
        assert victim.get("/dashboard").status_code == 200
        sign_in(client, a.admin_username)
        page = f"/admin/users/{rph}"
        r = post(client, f"{page}/role", {"role": "viewer", "reason": "moved"}, page)
        assert r.status_code == 200 and "The role is now Viewer" in r.text
        # the role change ended the user's session
        assert victim.get("/dashboard", follow_redirects=False).status_code == 303
    r = post(client, f"{page}/reset", {"reason": "forgotten"}, page)
    password = re.search(r'id="one-time-password">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    with TestClient(app) as again:
        login = again.get("/login")
        old = again.post("/login", data={"username": a.rph_username, "password": PASSWORD,
                                         "csrf_token": csrf_of(login.text)})
        assert old.status_code == 401
        r = post(client, f"{page}/unlock", {"reason": "called the desk"}, page)
        assert r.status_code == 200 and "failed sign-ins (1) were cleared" in r.text
        assert sign_in(again, a.rph_username, password).headers["location"] == "/password"
    r = post(client, f"{page}/unlock", {"reason": ""}, page)
    assert "was not locked and had no failed sign-ins" in r.text
    r = post(client, f"{page}/active", {"reason": "left"}, page)
    assert r.status_code == 200 and "deactivated" in r.text
    with TestClient(app) as gone:
        login = gone.get("/login")
        assert gone.post("/login", data={"username": a.rph_username, "password": password,
                                         "csrf_token": csrf_of(login.text)}).status_code == 401
    me = user_id(db, a.admin_username)
    r = post(client, f"/admin/users/{me}/active", {"reason": ""}, f"/admin/users/{me}")
    assert r.status_code == 409 and "may not deactivate yourself" in r.text


def test_platform_admin_creates_an_organisation_and_edits_its_site(client, two, platform) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, platform)
    orgs = client.get("/admin/organisations")
    assert "Alpha Clinic" in orgs.text and "Beta Clinic" in orgs.text
    data = {"name": "Gamma Hospital", "kind": "hospital", "timezone": "Mars/Olympus",
            "jurisdiction": "RU", "site_name": ""}
    r = post(client, "/admin/organisations", data)
    assert r.status_code == 422
    assert "unknown time zone" in field_error(r.text, "new-org", "timezone")
    assert 'value="Gamma Hospital"' in r.text and 'value="Mars/Olympus"' in r.text
    r = post(client, "/admin/organisations", {**data, "timezone": "Asia/Almaty"})
    assert r.status_code == 303
    org_page = r.headers["location"]
    page = client.get(org_page)
    assert "Gamma Hospital" in page.text and "Asia/Almaty" in page.text
    site = re.search(r'action="/admin/sites/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    edit = {"name": "Gamma Main", "timezone": "Asia/Almaty", "jurisdiction": "RU",
            "measurement_tolerance": "lots", "reason": "set up"}
    r = post(client, f"/admin/sites/{site}", edit, org_page)
    assert r.status_code == 422
    assert "percentage" in field_error(r.text, f"site-{site}", "measurement_tolerance")
    r = post(client, f"/admin/sites/{site}", {**edit, "measurement_tolerance": "250"}, org_page)
    assert r.status_code == 422 and "at most 1" in r.text
    r = post(client, f"/admin/sites/{site}", {**edit, "measurement_tolerance": "5"}, org_page)
    assert r.status_code == 303
    page = client.get(org_page)
    assert "Gamma Main" in page.text and "5 %" in page.text
    # the site's 24-hour emergency contact for its shippers' declarations; a bidi override
    # in it is refused naming the field
    contact = {**edit, "measurement_tolerance": "5", "emergency_contact": "+7 000 RSO\u202e"}
    r = post(client, f"/admin/sites/{site}", contact, org_page)
    assert r.status_code == 422 and field_error(r.text, f"site-{site}", "emergency_contact")
    r = post(client, f"/admin/sites/{site}", {**contact, "emergency_contact": "+7 000 RSO"},
             org_page)
    assert r.status_code == 303
    assert 'value="+7 000 RSO"' in client.get(org_page).text
    r = post(client, f"/admin/sites/{site}", {**contact, "emergency_contact": " "}, org_page)
    assert r.status_code == 303 and 'value="+7 000 RSO"' not in client.get(org_page).text
    r = post(client, f"/admin/organisations/{org_page.rsplit('/', 1)[1]}/sites",
             {"name": "Gamma East", "timezone": "Nowhere/City", "jurisdiction": "RU"},
             org_page)
    assert r.status_code == 422 and "unknown time zone" in field_error(r.text, "new-site",
                                                                       "timezone")
    users = client.get("/admin/users")
    assert "alpha-clinic-admin" in users.text and "beta-clinic-admin" in users.text


def test_licences_add_and_end_with_rules_named(client, db, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    add_user(db, a.org_id, "alpha-rso", "rso")
    sign_in(client, "alpha-rso")
    index = client.get("/admin")
    assert index.status_code == 200 and "/admin/licences" in index.text
    assert "/admin/users" not in index.text
    assert client.get("/admin/users").status_code == 403  # an RSO manages licences only
    page = client.get("/admin/licences")
    assert "alpha-clinic-L1" in page.text and "10\u00a0TBq" in page.text
    data = {"site_id": str(a.site_id), "reference": "L2", "nuclide": "Mo-99",
            "limit": "100 parsecs", "valid_from": "2026-01-01", "valid_to": ""}
    r = post(client, "/admin/licences", data)
    assert r.status_code == 422 and field_error(r.text, "new-limit", "limit")
    assert 'value="100 parsecs"' in r.text
    r = post(client, "/admin/licences", {**data, "limit": "100 GBq",
                                         "valid_to": "2025-01-01T00:00 Asia/Bishkek"})
    assert r.status_code == 422 and "after valid_from" in field_error(r.text, "new-limit",
                                                                     "valid_to")
    r = post(client, "/admin/licences", {**data, "limit": "100 GBq", "nuclide": "Xx-999"})
    assert r.status_code == 422 and field_error(r.text, "new-limit", "nuclide")
    r = post(client, "/admin/licences", {**data, "limit": "100 GBq"})
    assert r.status_code == 303
    page = client.get("/admin/licences")
    assert "Mo-99" in page.text and "100\u00a0GBq" in page.text
    assert "Jan 1, 2026, 00:00 (Asia/Bishkek)" in page.text  # from the site's midnight
    limit = re.findall(r'action="/admin/licences/(\d+)/end"', page.text)[-1]
    r = post(client, f"/admin/licences/{limit}/end", {"valid_to": "2026-06-01", "reason": ""},
             "/admin/licences")
    assert r.status_code == 422 and "why" in field_error(r.text, f"end-{limit}", "reason")
    r = post(client, f"/admin/licences/{limit}/end",
             {"valid_to": "2026-06-01T12:00+06:00", "reason": "amended licence"},
             "/admin/licences")
    assert r.status_code == 303
    page = client.get("/admin/licences")
    assert "Jun 1, 2026, 12:00 (Asia/Bishkek)" in page.text


def test_other_roles_get_no_administration(client, db, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    add_user(db, a.org_id, "alpha-tech", "technologist")
    sign_in(client, "alpha-tech")
    assert 'href="/admin"' not in client.get("/dashboard").text
    for path in ("/admin", "/admin/users", "/admin/organisations", "/admin/licences",
                 f"/admin/organisations/{a.org_id}"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "may not open this page" in r.text
    r = post(client, "/admin/users", {"username": "sneaky", "role": "admin"}, "/dashboard")
    assert r.status_code == 403
    r = post(client, "/admin/licences", {"site_id": str(a.site_id), "limit": "1 TBq"},
             "/dashboard")
    assert r.status_code == 403


def test_forms_need_their_csrf_token(client, two) -> None:  # type: ignore[no-untyped-def]
    a, _b = two
    sign_in(client, a.admin_username)
    r = client.post("/admin/users", data={"username": "x", "role": "viewer"})
    assert r.status_code == 403 and "security token" in r.text
