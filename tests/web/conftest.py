"""What the browser tests share: Debian's Chromium driven by Playwright (launched once per
session, never downloaded), the checks every page must pass, and screenshots on request."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DOCS = Path(__file__).resolve().parents[2] / "docs"

#: Fields without a label (hidden fields and buttons need none).
UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One Chromium for the session; each test opens its own context or page."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def check_page_basics(page) -> None:  # type: ignore[no-untyped-def]
    """Every page has a title and a language, every field a label."""
    assert page.title().strip(), page.url
    assert page.get_attribute("html", "lang") in ("en", "ru"), page.url
    unlabelled = page.evaluate(UNLABELLED_JS)
    assert not unlabelled, (page.url, unlabelled)


def sign_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Saved under docs/ when ISOFLOW_SCREENSHOTS=1 (scripts/screenshots.py takes the README's
    from the demo world)."""
    if os.environ.get("ISOFLOW_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / name), full_page=True)
