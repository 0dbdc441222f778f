"""The shell in a real Chromium against the real `isoflow serve`: the first administrator's
one-time password leads to the forced change, Russian and back, sign-out, the lock-out after
repeated failures; and every page has a title and `lang`, every field a label."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from tests.api.server_process import Server
from tests.web.conftest import check_page_basics, screenshot, sign_in

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a long and new secret"

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("shell")
    # short slow-down windows (the rule is the same; the lock-out journey just takes less time)
    fast = {"ISOFLOW_SIGN_IN_DELAY_S": "0.1", "ISOFLOW_SIGN_IN_MAX_DELAY_S": "0.4"}
    saved = {k: os.environ.get(k) for k in fast}
    os.environ.update(fast)
    try:
        srv = Server(f"sqlite:///{tmp / 'shell.sqlite'}", tmp / "server.log")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def first_admin_password(server: Server) -> str:
    m = re.search(r"password\s+(\S+)\s+\(one-time", server.output())
    assert m, server.output()
    return m.group(1)


def test_first_sign_in_change_password_russian_and_sign_out(server: Server, chromium) -> None:  # type: ignore[no-untyped-def]
    ctx = chromium.new_context(locale="en-GB")
    page = ctx.new_page()
    base = server.base_url
    page.goto(base + "/")
    assert page.url.endswith("/login")
    check_page_basics(page)
    sign_in(page, base, "admin", first_admin_password(server))
    page.wait_for_url(re.compile(r"/password$"))
    check_page_basics(page)
    page.goto(base + "/dashboard")  # nothing else opens before the change
    assert page.url.endswith("/password")
    page.fill("#current_password", first_admin_password(server))
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#new_password_again", NEW_PASSWORD)
    page.click("#change-password")
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("h1").inner_text() == "Dashboard"
    check_page_basics(page)
    for path in ("/containers", "/audit", "/admin"):  # the pages an administrator reaches
        page.goto(base + path)
        assert page.locator("h1").count() >= 1, path
        check_page_basics(page)
    page.goto(base + "/dashboard")
    page.select_option("#lang-select", "ru")
    page.wait_for_function("() => document.documentElement.lang === 'ru'")
    assert page.locator("h1").inner_text() == "Сводка"
    assert "Выйти" in page.inner_text("header")
    screenshot(page, "dashboard-ru.png")
    page.select_option("#lang-select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(base + "/dashboard")
    assert "/login" in page.url
    ctx.close()


def test_lock_out_after_repeated_failures(server: Server, chromium) -> None:  # type: ignore[no-untyped-def]
    page = chromium.new_page()
    base = server.base_url
    for _ in range(10):
        sign_in(page, base, "nobody-here", "wrong password")
        page.wait_for_selector("#login-error")
    sign_in(page, base, "nobody-here", "wrong password")
    assert "Too many failed sign-ins" in page.inner_text("#login-error")
    page.close()
