"""The audit trail and user administration in a real Chromium against the real `isoflow serve`:
an organisation's administrator verifies the chain (HTMX) and creates a user whose one-time
password is shown once. ISOFLOW_SCREENSHOTS=1 saves docs/audit.png and docs/admin-users.png."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server_process import Server
from tests.conftest import PASSWORD, make_tenant
from tests.web.test_decay_page import ARGS, CHROMIUM

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"

UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map(e => e.outerHTML.slice(0, 120))"""


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


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("ISOFLOW_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / name), full_page=True)


def test_verify_the_chain_and_create_a_user(server) -> None:  # type: ignore[no-untyped-def]
    srv, admin = server
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        base = srv.base_url
        page.goto(base + "/login")
        page.fill("#username", admin)
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(re.compile(r"/dashboard$"))
        page.click("header nav a[href='/audit']")
        page.wait_for_url(re.compile(r"/audit$"))
        assert page.title() == "Audit trail · isoflow"
        assert page.get_attribute("html", "lang") == "en"
        assert not page.evaluate(UNLABELLED_JS)
        assert page.locator("tr[id^=entry-]").count() >= 5
        page.click("#verify-chain")
        page.wait_for_selector("#verify-result.success", timeout=15_000)
        assert re.search(r"The chain is intact: \d+ entries checked",
                         page.inner_text("#verify-result"))
        assert page.url.endswith("/audit")  # answered in place (HTMX)
        shot(page, "audit.png")

        page.goto(base + "/admin/users")
        assert not page.evaluate(UNLABELLED_JS)
        page.fill("#new-user-username", "bd-technologist")
        page.fill("#new-user-full_name", "Aida Technologist")
        page.select_option("#new-user-role", "technologist")
        page.click("#create-user")
        page.wait_for_selector("#one-time-password", timeout=15_000)
        assert len(page.inner_text("#one-time-password")) >= 10
        assert "bd-technologist" in page.inner_text("table.users")
        shot(page, "admin-users.png")
        browser.close()
