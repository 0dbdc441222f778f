"""The decay calculator page in a real Chromium (Playwright), served by `isoflow serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server_process import Server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("web")
    srv = Server(f"sqlite:///{tmp / 'web.sqlite'}", tmp / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser_page(server: Server, chromium) -> Iterator[object]:  # type: ignore[no-untyped-def]
    page = chromium.new_page()
    yield page
    page.close()


def test_calculator_draws_the_chain(server: Server, browser_page, tmp_path: Path) -> None:
    page = browser_page
    page.goto(server.base_url + "/decay")
    page.wait_for_selector("#chart .main-svg", timeout=20_000)
    legend = page.eval_on_selector_all("#chart .legendtext", "els => els.map(e => e.textContent)")
    assert "Mo-99" in legend and "Tc-99m" in legend
    rows = page.locator("#table tbody tr").all_inner_texts()
    assert any(r.startswith("Mo-99") for r in rows)
    page.fill("#inventory", "Ge-68 = 1.85 GBq")
    page.fill("#span", "12 h")
    page.click("#calculate")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#chart .legendtext')]"
        ".some(e => e.textContent === 'Ga-68')", timeout=20_000)
    page.screenshot(path=str(tmp_path / "decay.png"), full_page=True)


def test_bad_input_is_shown_not_thrown(server: Server, browser_page) -> None:
    page = browser_page
    page.goto(server.base_url + "/decay")
    page.wait_for_selector("#chart .main-svg", timeout=20_000)
    page.fill("#inventory", "Mo-99 = 10 mbq")
    page.click("#calculate")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert "case-sensitive" in page.inner_text("#error")
    page.fill("#inventory", "Mo-99 = 10 GBq")
    page.fill("#span", "6 m")
    page.click("#calculate")
    page.wait_for_function("() => document.querySelector('#error').textContent"
                           ".includes('ambiguous')", timeout=10_000)
