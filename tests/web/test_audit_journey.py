"""The audit trail and user administration in a real Chromium against the real `isoflow serve`:
an organisation's administrator verifies the chain (HTMX) and creates a user whose one-time
password is shown once. ISOFLOW_SCREENSHOTS=1 saves docs/audit.png and docs/admin-users.png."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.api.server_process import Server
from tests.conftest import PASSWORD, make_tenant
from tests.web.conftest import check_page_basics, screenshot, sign_in

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    from isoflow.store import migrate
    from isoflow.store.db import Database

    tmp = tmp_path_factory.mktemp("audit")
    url = f"sqlite:///{tmp / 'audit.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    tenant = make_tenant(db, "Bishkek Diagnostics")
    db.dispose()
    srv = Server(url, tmp / "server.log")
    try:
        srv.wait_ready()
        yield srv, tenant.admin_username
    finally:
        srv.stop()


def test_verify_the_chain_and_create_a_user(server, chromium) -> None:  # type: ignore[no-untyped-def]
    srv, admin = server
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, srv.base_url, admin, PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.click("header nav a[href='/audit']")
    page.wait_for_url(re.compile(r"/audit$"))
    assert page.title() == "Audit trail · isoflow"
    check_page_basics(page)
    assert page.locator("tr[id^=entry-]").count() >= 5
    page.click("#verify-chain")
    page.wait_for_selector("#verify-result.success", timeout=15_000)
    assert re.search(r"The chain is intact: \d+ entries checked",
                     page.inner_text("#verify-result"))
    assert page.url.endswith("/audit")  # answered in place (HTMX)
    screenshot(page, "audit.png")

    page.goto(srv.base_url + "/admin/users")
    check_page_basics(page)
    page.fill("#new-user-username", "bd-technologist")
    page.fill("#new-user-full_name", "Aida Technologist")
    page.select_option("#new-user-role", "technologist")
    page.click("#create-user")
    page.wait_for_selector("#one-time-password", timeout=15_000)
    assert len(page.inner_text("#one-time-password")) >= 10
    assert "bd-technologist" in page.inner_text("table.users")
    screenshot(page, "admin-users.png")
    for path in ("/admin", "/admin/licences", "/admin/organisations"):
        page.goto(srv.base_url + path)
        check_page_basics(page)
    page.close()
