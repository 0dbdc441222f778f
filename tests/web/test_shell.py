"""The application shell over HTTP (real SQLite and PostgreSQL): sign-in with its CSRF
cookie, the forced password change, sessions that sign-out, password change and idle time
end, the language, the role navigation, and a form without its CSRF token refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, make_tenant

SESSION = "isoflow_session"


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def sign_in(client, username: str, password: str = PASSWORD, *, follow: bool = False):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    assert page.status_code == 200
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text), "next": "/dashboard"},
                       follow_redirects=follow)


@pytest.fixture
def tenant(db):  # type: ignore[no-untyped-def]
    return make_tenant(db, "Bishkek Oncology")


def test_pages_need_a_session(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/dashboard", "/password"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/decay").status_code == 200  # the calculators stay public
    assert client.get("/generators/curve").status_code == 200


def test_sign_in_sets_a_safe_session_cookie_and_shows_the_dashboard(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(client, tenant.rph_username)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http here; Secure over https
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Bishkek Oncology" in page.text and 'lang="en"' in page.text
    assert "Material on hand now" in page.text and "Licence usage" in page.text
    assert 'href="/audit"' not in page.text  # a radiopharmacist has no audit page
    assert 'href="/containers"' in page.text


def test_session_cookie_is_secure_over_https(app, tenant) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as c:
        r = sign_in(c, tenant.rph_username)
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION))
        assert "Secure" in cookie


def test_wrong_password_is_refused_and_the_username_kept(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = sign_in(client, tenant.rph_username, "not the password")
    assert r.status_code == 401
    assert "Wrong username or password." in r.text
    assert f'value="{tenant.rph_username}"' in r.text
    assert SESSION not in r.headers.get("set-cookie", "")


def test_a_form_without_its_csrf_token_is_refused(client, tenant) -> None:  # type: ignore[no-untyped-def]
    client.get("/login")
    r = client.post("/login", data={"username": tenant.rph_username, "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/login", data={"username": tenant.rph_username, "password": PASSWORD,
                                    "csrf_token": "forged"})
    assert r.status_code == 403
    sign_in(client, tenant.rph_username)
    r = client.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert client.get("/dashboard", follow_redirects=False).status_code == 200  # still in


def test_sign_out_ends_the_session_on_the_server(client, tenant) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, tenant.rph_username)
    token = client.cookies.get(SESSION)
    dash = client.get("/dashboard")
    r = client.post("/logout", data={"csrf_token": csrf_of(dash.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set(SESSION, token)  # replaying the old cookie does not work
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_one_time_password_forces_a_change_before_anything_else(client, db, tenant) -> None:  # type: ignore[no-untyped-def]
    from isoflow.domain.roles import Actor
    from isoflow.services import organisations

    organisations.create_user(db, Actor.command_line("tests"), username="new.tech",
                              password="one-time-pass-123", role="technologist",
                              org_id=tenant.org_id, full_name="New Technologist")
    r = sign_in(client, "new.tech", "one-time-pass-123")
    assert r.headers["location"] == "/password"
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/password"
    form = client.get("/password")
    assert "no other page opens until you do" in form.text
    token = csrf_of(form.text)
    r = client.post("/password", data={"csrf_token": token, "current_password": "wrong",
                                       "new_password": "brand new secret 1",
                                       "new_password_again": "brand new secret 1"})
    assert r.status_code == 422 and "This is not your current password." in r.text
    r = client.post("/password", data={"csrf_token": token,
                                       "current_password": "one-time-pass-123",
                                       "new_password": "short", "new_password_again": "short"})
    assert r.status_code == 422 and "at least 10 characters" in r.text
    r = client.post("/password", data={"csrf_token": token,
                                       "current_password": "one-time-pass-123",
                                       "new_password": "brand new secret 1",
                                       "new_password_again": "brand new secret 2"})
    assert r.status_code == 422 and "differ" in r.text
    r = client.post("/password", data={"csrf_token": token,
                                       "current_password": "one-time-pass-123",
                                       "new_password": "brand new secret 1",
                                       "new_password_again": "brand new secret 1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200  # the session in use survives


def test_a_password_change_ends_the_users_other_sessions(app, tenant) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as a, TestClient(app) as b:
        sign_in(a, tenant.rph_username)
        sign_in(b, tenant.rph_username)
        form = a.get("/password")
        r = a.post("/password", data={"csrf_token": csrf_of(form.text),
                                      "current_password": PASSWORD,
                                      "new_password": "another long secret",
                                      "new_password_again": "another long secret"},
                   follow_redirects=False)
        assert r.status_code == 303
        assert a.get("/dashboard", follow_redirects=False).status_code == 200
        assert b.get("/dashboard", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(client, tenant) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    from isoflow.config import get_settings
    from isoflow.services.clock import now

    sign_in(client, tenant.rph_username)
    idle = get_settings().session_idle_timeout_s
    with time_machine.travel(now() + timedelta(seconds=idle - 60), tick=False):
        assert client.get("/dashboard", follow_redirects=False).status_code == 200
    with time_machine.travel(now() + timedelta(seconds=2 * idle), tick=False):
        r = client.get("/dashboard", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_language_from_the_browser_then_the_users_choice(client, tenant) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert 'lang="ru"' in r.text and "Вход" in r.text
    sign_in(client, tenant.rph_username)
    dash = client.get("/dashboard", headers={"Accept-Language": "en"})
    assert 'lang="en"' in dash.text
    r = client.post("/language", data={"csrf_token": csrf_of(dash.text), "lang": "ru",
                                       "next": "/dashboard"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    dash = client.get("/dashboard", headers={"Accept-Language": "en"})  # preference wins
    assert 'lang="ru"' in dash.text and "Выйти" in dash.text  # "Sign out"


def test_next_never_leaves_the_site(client, tenant) -> None:  # type: ignore[no-untyped-def]
    for target in ("//evil.example/", "https://evil.example/", "/\\evil", "javascript:x"):
        client.cookies.clear()
        page = client.get("/login")
        r = client.post("/login", data={"username": tenant.rph_username, "password": PASSWORD,
                                         "csrf_token": csrf_of(page.text), "next": target},
                        follow_redirects=False)
        assert r.headers["location"] == "/dashboard", target


def test_repeated_failures_lock_the_sign_in_page_too(client, tenant) -> None:  # type: ignore[no-untyped-def]
    from isoflow.config import get_settings

    codes = [sign_in(client, tenant.rph_username, "wrong password!").status_code
             for _ in range(get_settings().sign_in_lock_after + 1)]
    assert codes[-1] == 429, codes
    r = sign_in(client, tenant.rph_username)  # the right password is refused while locked
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    assert int(r.headers["Retry-After"]) > 0


def test_guessing_the_current_password_on_the_password_page_is_throttled(client, tenant) -> None:  # type: ignore[no-untyped-def]
    from isoflow.config import get_settings

    sign_in(client, tenant.rph_username)
    token = csrf_of(client.get("/password").text)
    codes = []
    for i in range(get_settings().sign_in_lock_after + 1):
        r = client.post("/password", data={"csrf_token": token,
                                           "current_password": f"guess number {i}",
                                           "new_password": "brand new secret 1",
                                           "new_password_again": "brand new secret 1"})
        codes.append(r.status_code)
        assert r.status_code == 422, r.text  # a message on the page, never a 500
    assert "Too many failed attempts" in r.text


def test_a_browser_gets_the_404_page_and_the_api_keeps_json(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/no/such/page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "<title>" in r.text
    r = client.get("/api/v1/no/such/route", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_what_a_handler_translates_is_in_the_pages_language(client, db, tenant) -> None:  # type: ignore[no-untyped-def]
    """Strings a page handler builds itself (the chart's titles, not the template's text)
    follow the page's language too."""
    from datetime import UTC, datetime

    from isoflow.services import ledger

    vial = ledger.receive(db, tenant.radiopharmacist, site_id=tenant.site_id, kind="vial",
                          nuclide="Tc-99m", activity_bq=1e9,
                          reference_at=datetime.now(UTC))
    sign_in(client, tenant.rph_username)
    page = client.get(f"/containers/{vial.id}", headers={"Accept-Language": "ru"})
    assert 'lang="ru"' in page.text
    assert "Активность Tc-99m" in page.text and "время (Asia/Bishkek)" in page.text
