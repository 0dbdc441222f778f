"""The ledger in a real Chromium against the real `isoflow serve`: sign in, receive a vial,
withdraw from it, see the activity and the chart (Plotly's svg with the event markers); and
the whole receive/withdraw journey by keyboard alone (Tab, typing, Enter; no clicks).
ISOFLOW_SCREENSHOTS=1 saves docs/ledger-list.png and docs/container.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.server_process import Server
from tests.conftest import PASSWORD, make_tenant
from tests.web.conftest import check_page_basics, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    """A hospital with a radiopharmacist and some history, served by `isoflow serve`."""
    from isoflow.services import ledger
    from isoflow.store import migrate
    from isoflow.store.db import Database

    tmp = tmp_path_factory.mktemp("ledger")
    url = f"sqlite:///{tmp / 'ledger.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    t = make_tenant(db, "Bishkek Oncology")
    now = datetime.now(UTC)
    gen = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="generator",
                         nuclide="Mo-99", activity_bq=40e9, reference_at=now - timedelta(days=2),
                         received_at=now - timedelta(days=2), label="GT-4K 0412")
    for day in (2, 1):
        ledger.measure(db, t.radiopharmacist, gen.id, at=now - timedelta(days=day, hours=-1),
                       activity_bq=40e9 * 0.5 ** ((49 - 24 * day + 24 * 2 - 48) / 66),
                       note="elution")
    ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="capsule", nuclide="I-131",
                   activity_bq=3.7e9, reference_at=now + timedelta(days=1),
                   received_at=now - timedelta(hours=5), label="Therapy capsule")
    db.dispose()
    srv = Server(url, tmp / "server.log")
    try:
        srv.wait_ready()
        yield srv, t.rph_username
    finally:
        srv.stop()


def chart_has_markers(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#chart .main-svg", timeout=20_000)
    page.wait_for_function(
        "() => document.querySelectorAll('#chart .scatterlayer .trace').length >= 3"
        " && document.querySelectorAll('#chart .scatterlayer .points path').length >= 2",
        timeout=20_000)
    legend = page.eval_on_selector_all("#chart .legendtext", "els => els.map(e => e.textContent)")
    assert "Receipt" in legend and "Withdrawal" in legend, legend


def test_receive_withdraw_and_see_the_chart(world, chromium) -> None:  # type: ignore[no-untyped-def]
    server, username = world
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.base_url + "/login?next=/containers")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("#containers")
    assert "GT-4K 0412" in page.inner_text("#containers")
    check_page_basics(page)
    screenshot(page, "ledger-list.png")

    page.click("#receive-link")
    page.fill("#receive-nuclide", "Tc-99m")
    page.fill("#receive-activity", "12 GBq")
    page.fill("#receive-volume_ml", "8")
    page.fill("#receive-label", "Eluate 1")
    page.click("#receive-submit")
    page.wait_for_selector("#done")
    assert "received" in page.inner_text("#done")
    assert "GBq" in page.inner_text("#activity-now")

    page.click("#withdraw-panel summary")
    page.fill("#withdraw-activity", "740 MBq")
    page.fill("#withdraw-note", "bone scan, patient 17")
    page.click("#withdraw-submit")
    # the receipt's #done is still there until the post's page replaces it: wait for that
    page.wait_for_function("() => document.querySelector('#done')"
                           " && /withdrawal/i.test(document.querySelector('#done').textContent)")
    assert "withdrawal" in page.inner_text("#done").lower()
    assert "bone scan, patient 17" in page.inner_text("#events")
    chart_has_markers(page)

    # a refused withdrawal comes back in place, with what was typed
    page.click("#withdraw-panel summary")
    page.fill("#withdraw-activity", "500 GBq")
    page.click("#withdraw-submit")
    page.wait_for_selector("#withdraw-refused")
    assert "overdraw" in page.inner_text("#withdraw-refused")
    assert page.input_value("#withdraw-activity") == "500 GBq"
    check_page_basics(page)
    screenshot(page, "container.png")
    page.close()


def tab_to(page, selector: str, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the element ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, selector)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def test_receive_and_withdraw_by_keyboard_alone(world, chromium) -> None:  # type: ignore[no-untyped-def]
    server, username = world
    context = chromium.new_context()
    page = context.new_page()
    page.goto(server.base_url + "/login")
    type_into(page, "#username", username)
    type_into(page, "#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")

    tab_to(page, 'nav a[href="/containers"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("#containers")
    tab_to(page, "#receive-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receive-nuclide")
    type_into(page, "#receive-nuclide", "Tc-99m")
    type_into(page, "#receive-activity", "9 GBq")
    type_into(page, "#receive-volume_ml", "5")
    type_into(page, "#receive-label", "Keyboard eluate")
    tab_to(page, "#receive-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    assert "Keyboard eluate" in page.inner_text("h1")

    tab_to(page, "#withdraw-panel summary")
    page.keyboard.press("Enter")  # opens the details
    type_into(page, "#withdraw-volume_ml", "1")
    type_into(page, "#withdraw-note", "by keyboard")
    tab_to(page, "#withdraw-submit")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#done')"
                           " && /withdrawal/i.test(document.querySelector('#done').textContent)",
                           timeout=20_000)
    events = page.inner_text("#events")
    assert "by keyboard" in events and "Withdrawal" in events
    assert "GBq" in page.inner_text("#activity-now")
    context.close()
