"""Screenshots of the main pages for the README tour, taken from the demo world.

    .venv/bin/python scripts/screenshots.py        # writes docs/*.png
    .venv/bin/python scripts/screenshots.py supplier-analytics.png   # only that one

Loads the demo world into a throw-away SQLite file, serves it with `isoflow serve`, signs in
as the demo users in Debian's Chromium (Playwright) and saves each page full-length.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.server_process import ISOFLOW, Server  # noqa: E402
from tests.web.conftest import ARGS, CHROMIUM  # noqa: E402

DOCS = ROOT / "docs"

#: (user, language, path or 'first-container:<kind>', file)
def _department_days() -> tuple[str, str]:
    """The last working day run in full and the next one (prescribed), as ISO dates."""
    from isoflow.services.clock import now
    from isoflow.services.demo.department_days import working_days
    from isoflow.services.demo.history import anchor_day

    anchor = anchor_day(now())
    days = working_days(anchor)
    done = [d for d in days if d < anchor] or days[:1]
    ahead = [d for d in days if d > anchor] or days[-1:]
    return done[-1].isoformat(), ahead[0].isoformat()


DONE_DAY, NEXT_DAY = _department_days()
SHOTS = [
    ("bishkek.tech", "en", f"/department/plan?date={NEXT_DAY}", "day-plan.png"),
    ("bishkek.doctor", "en", f"/department/appointments?date={DONE_DAY}", "appointments.png"),
    ("bishkek.rph", "ru", f"/department/kits?date={DONE_DAY}", "kits-ru.png"),
    ("bishkek.rso", "ru", f"/department/journals/administrations?since={DONE_DAY}T00:00"
     f"&until={NEXT_DAY}T00:00", "journal-ru.png"),
    ("bishkek.rph", "en", "/dashboard", "dashboard.png"),
    ("bishkek.rph", "ru", "/dashboard", "dashboard-ru.png"),
    ("bishkek.rph", "en", "/containers", "ledger-list.png"),
    ("bishkek.rph", "en", "container:generator", "container.png"),
    ("bishkek.rso", "en", "/audit", "audit.png"),
    ("bishkek.admin", "en", "/admin/users", "admin-users.png"),
    ("bishkek.admin", "en", "/admin/licences", "admin-licences.png"),
    ("exporter.viewer", "en", "plot:/supplier/analytics", "supplier-analytics.png"),
    ("exporter.sales", "en", "/supplier/contracts", "supplier-contracts.png"),
    ("exporter.production", "en", "/supplier/production", "supplier-production.png"),
    ("exporter.logistics", "ru", "click:/supplier/shipments|table a[href^='/supplier/shipments/']"
     "|#declaration-link", "supplier-declaration-ru.png"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        env = {**os.environ, "ISOFLOW_DATABASE_URL": url}
        out = subprocess.run([ISOFLOW, "demo", "load", "--json"], env=env, check=True,
                             capture_output=True, text=True).stdout
        passwords = {u["username"]: u["password"] for u in json.loads(out)["users"]}
        server = Server(url, Path(tmp) / "server.log")
        try:
            server.wait_ready()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                wanted = set(sys.argv[1:])  # file names to retake; none: all of them
                for user, lang, path, name in SHOTS:
                    if wanted and name not in wanted:
                        continue
                    ctx = browser.new_context(locale="ru-RU" if lang == "ru" else "en-GB",
                                              viewport={"width": 1280, "height": 800})
                    page = ctx.new_page()
                    page.goto(server.base_url + "/login")
                    page.fill("#username", user)
                    page.fill("#password", passwords[user])
                    page.click("#sign-in")
                    page.wait_for_url("**/dashboard")
                    if path.startswith("container:"):
                        page.goto(server.base_url + "/containers?kind=" + path.split(":")[1])
                        page.locator("table.data tbody a").first.click()
                        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
                    elif path.startswith("plot:"):
                        page.goto(server.base_url + path[5:])
                        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
                    elif path.startswith("click:"):  # a list, then links followed in turn
                        first, *links = path[6:].split("|")
                        page.goto(server.base_url + first)
                        for link in links:
                            page.locator(link).first.click()
                            page.wait_for_load_state()
                    else:
                        page.goto(server.base_url + path)
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(DOCS / name), full_page=True)
                    print("wrote", DOCS / name)
                    ctx.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
