"""Issue #11's supplier journey in a real Chromium against the real `isoflow serve` (SQLite),
once with the users' language English and once Russian: sales creates a contract for the Havana
hospital, adds a weekly I-131 delivery (dispatched tomorrow's weekday, calibrated two days
later at 12:00 Havana time: after its 40 h air route) and generates three weeks of orders, seen
in their week; production plans an I-131 batch short of the two orders it serves, sees the
shortfall, allocates and reads each customer's message with its fraction; logistics packs the
allocated order (air, Type A, dose rates), reads the bilingual declaration, dispatches it,
records its delivery and sees the activity on arrival.

Dates are computed from now in the supplier's zone (Europe/Moscow): the first order always
dispatches tomorrow at 10:00, whatever the hour or weekday of the run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.server_process import Server
from tests.supplier_world import PASSWORD, Supplier, make_supplier
from tests.web.conftest import check_page_basics, screenshot, sign_in

pytestmark = pytest.mark.browser

LANGS = ("en", "ru")
MOSCOW = ZoneInfo("Europe/Moscow")

#: What each step expects to read, in the user's language (msgstr of messages.po).
TEXT = {
    "en": {"created": "The contract was created.", "delivery": "The delivery was added.",
           "every": ("every Monday", "every Tuesday", "every Wednesday", "every Thursday",
                     "every Friday", "every Saturday", "every Sunday"),
           "generated": "3 orders created, 0 already there, 0 refused.",
           "week": "week from", "open": "Open", "allocated": "Allocated",
           "short": "Short by", "batch_allocated": "The batch was allocated.",
           "receive": "you receive", "prepared": "The package was classified and recorded.",
           "dispatched": "The shipment was dispatched.",
           "tracked": "The tracking event was recorded.", "delivered": "Delivered",
           "status_dispatched": "Dispatched", "sign_out": "Sign out", "GBq": "GBq"},
    "ru": {"created": "Контракт создан.", "delivery": "Поставка добавлена.",
           "every": ("каждый понедельник", "каждый вторник", "каждую среду", "каждый четверг",
                     "каждую пятницу", "каждую субботу", "каждое воскресенье"),
           "generated": "Создано заказов: 3, уже были: 0, отклонено: 0.",
           "week": "неделя с", "open": "Открыт", "allocated": "Распределён",
           "short": "Нехватка", "batch_allocated": "Партия распределена.",
           "receive": "вы получите", "prepared": "Упаковка классифицирована и записана.",
           "dispatched": "Груз отправлен.", "tracked": "Событие отслеживания записано.",
           "delivered": "Доставлен", "status_dispatched": "Отправлено", "sign_out": "Выйти",
           "GBq": "ГБк"},  # a Russian user writes the unit in Russian
}
CERT_EN = "I hereby declare that the contents of this consignment are fully and accurately"
CERT_RU = "Настоящим заявляю, что содержимое данного груза полностью и точно описано"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Server, dict[str, Supplier]]]:
    """Two suppliers in one database (one per language), served by `isoflow serve`."""
    from isoflow.services import auth
    from isoflow.store import migrate
    from isoflow.store.db import Database

    tmp = tmp_path_factory.mktemp("supplier")
    url = f"sqlite:///{tmp / 'supplier.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    suppliers: dict[str, Supplier] = {}
    for lang in LANGS:
        sup = make_supplier(db, f"Test Isotopes {lang.upper()}")
        for actor in sup.actors.values():
            auth.set_locale(db, actor, lang)
        suppliers[lang] = sup
    srv = Server(url, tmp / "server.log")
    try:
        srv.wait_ready()
        yield srv, suppliers
    finally:
        srv.stop()
        db.dispose()


def _as(page, base: str, sup: Supplier, role: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, base, sup.usernames[role], PASSWORD)
    page.wait_for_url(lambda u: "/login" not in u)
    assert page.get_attribute("html", "lang") == lang


def _sign_out(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=TEXT[lang]["sign_out"]).click()
    page.wait_for_url(re.compile(r"/login$"))


def _number(text: str) -> float:
    m = re.search(r"\d[\d\s\xa0\u202f]*(?:[.,]\d+)?", text)
    assert m, text
    return float(re.sub(r"[\s\xa0\u202f]", "", m.group(0)).replace(",", "."))


@pytest.mark.parametrize("lang", LANGS)
def test_contract_to_arrival(world, chromium, lang: str) -> None:  # type: ignore[no-untyped-def]
    server, suppliers = world
    sup: Supplier = suppliers[lang]
    t = TEXT[lang]
    base = server.base_url
    today = datetime.now(UTC).astimezone(MOSCOW).date()
    first = today + timedelta(days=1)  # the first dispatch: tomorrow at 10:00 Moscow time
    number = f"K-{lang.upper()}-1"
    ctx = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()

    # 1. sales: the contract, its weekly delivery, three weeks of orders
    _as(page, base, sup, "supplier_sales", lang)
    page.goto(base + "/supplier/contracts")
    check_page_basics(page)
    page.select_option("#contract-customer_id", str(sup.customer_ids["CU-HAVANA"]))
    page.fill("#contract-number", number)
    page.fill("#contract-start_date", today.isoformat())
    page.fill("#contract-end_date", (today + timedelta(days=90)).isoformat())
    page.click("#contract button[type=submit]")
    page.wait_for_selector("#delivery")
    assert t["created"] in page.inner_text("main")
    assert page.inner_text("h1").startswith(number)
    contract_url = page.url.split("?")[0]
    check_page_basics(page)
    page.select_option("#delivery-product_id", str(sup.product_ids["I131-SOL"]))
    page.select_option("#delivery-weekday", str(first.weekday()))
    page.fill("#delivery-calibration_time", "12:00")
    page.fill("#delivery-calibration_days", "2")
    page.fill("#delivery-activity", f"100 {t['GBq']}")
    page.fill("#delivery-quantity", "1")
    page.click("#delivery button[type=submit]")
    page.wait_for_url(re.compile(r"done=delivery"))
    assert t["delivery"] in page.inner_text("main")
    delivery = page.inner_text("#deliveries li")
    assert delivery.startswith(t["every"][first.weekday()]) and "I131-SOL" in delivery, delivery
    assert "America/Havana" in delivery
    check_page_basics(page)

    page.goto(base + "/supplier/orders")
    check_page_basics(page)
    page.fill("#generate-until", (today + timedelta(days=21)).isoformat())
    page.click("#generate button[type=submit]")
    page.wait_for_selector("#generated")
    assert page.inner_text("#generated").strip() == t["generated"]
    check_page_basics(page)
    # their week: the one from the first dispatch day holds exactly one of them, open
    page.fill("#week-date", first.isoformat())
    page.click("nav.day-nav form button[type=submit]")
    page.wait_for_url(re.compile(rf"date={first.isoformat()}"))
    assert f"{t['week']} {first.isoformat()}" in page.inner_text("h1")
    rows = page.locator(f'section[aria-labelledby="day-{first.isoformat()}"] tbody tr')
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "CU-HAVANA" in row and "I131-SOL" in row and t["open"] in row, row
    assert f"{first.isoformat()} 10:00" in row and "America/Havana" in row, row
    assert page.locator("tr[id^=order-]").count() == 1
    order_number = rows.first.locator("td a").inner_text().strip()
    check_page_basics(page)
    page.goto(contract_url)
    assert page.locator("#next-orders li a").count() == 3
    _sign_out(page, lang)

    # 2. production: a batch short of the two orders it serves, allocated
    _as(page, base, sup, "supplier_production", lang)
    page.goto(base + "/supplier/production")
    check_page_basics(page)
    # the zone is named once (the pages' times already carry it)
    assert "Europe/Moscow (Europe/Moscow)" not in page.inner_text("#create")
    page.fill("#number", f"I-{lang.upper()}-1")
    page.select_option("#nuclide", "I-131")
    page.fill("#available_at", f"{first.isoformat()}T08:00")
    page.fill("#capacity", f"150 {t['GBq']}")
    page.click("#create button[type=submit]")
    page.wait_for_selector("#shortfall")
    shortfall = page.inner_text("#shortfall")
    assert shortfall.startswith(t["short"]), shortfall
    assert page.locator("#preview tbody tr").count() == 2  # the third is past its window
    assert order_number in page.inner_text("#preview")
    assert "(Europe/Moscow) (Europe/Moscow)" not in page.inner_text("main")
    assert "08:00 (Europe/Moscow)" in page.inner_text("dl.panel")
    check_page_basics(page)
    page.click("#allocate button[type=submit]")
    page.wait_for_selector("#allocations")
    assert t["batch_allocated"] in page.inner_text("main")
    assert page.locator("#allocate").count() == 0
    messages = page.locator("#allocations td.message").all_inner_texts()
    assert len(messages) == 2 and all(t["receive"] in m for m in messages), messages
    pcts = [int(re.search(r"\((\d+) %\)", m).group(1)) for m in messages]  # type: ignore[union-attr]
    assert min(pcts) < 100, messages  # short: someone gets a fraction
    check_page_basics(page)
    screenshot(page, f"supplier-batch-{lang}.png")
    _sign_out(page, lang)

    # 3. logistics: pack the allocated order, its declaration, dispatch, delivery
    _as(page, base, sup, "supplier_logistics", lang)
    page.goto(base + "/supplier/shipments")
    check_page_basics(page)
    option = page.locator("#prepare-order_id option", has_text=order_number)
    assert option.count() == 1
    page.select_option("#prepare-order_id", option.get_attribute("value"))
    page.select_option("#prepare-mode", "air-passenger")
    page.select_option("#prepare-package_type", "Type A")
    page.fill("#prepare-surface", "0.3 mSv/h")
    page.fill("#prepare-at_1m", "8 µSv/h")
    page.click("#prepare-submit")
    page.wait_for_url(re.compile(r"/supplier/shipments/\d+\?done=prepared"))
    shipment_url = page.url.split("?")[0]
    assert t["prepared"] in page.inner_text("main")
    package = page.inner_text("#package")
    assert "Type A" in package and "UN2915" in package and "II-YELLOW" in package, package
    assert _number(page.inner_text("#ti")) == pytest.approx(0.8)
    check_page_basics(page)

    page.click("#declaration-link")
    page.wait_for_url(re.compile(r"/declaration$"))
    assert page.inner_text("#certification-en").startswith(CERT_EN)
    assert page.inner_text("#certification-ru").startswith(CERT_RU)
    assert "UN2915" in page.inner_text("#declaration")
    assert page.locator("#not-required").count() == 0
    check_page_basics(page)
    screenshot(page, f"supplier-declaration-{lang}.png")

    page.goto(shipment_url)
    # dispatched two minutes ago (after it was packed), delivered now: both to the minute
    now = datetime.now(UTC)
    page.fill("#dispatch-at", (now - timedelta(minutes=2)).astimezone(MOSCOW)
              .strftime("%Y-%m-%dT%H:%M"))
    page.click("#dispatch-submit")
    page.wait_for_url(re.compile(r"done=dispatched"))
    assert t["dispatched"] in page.inner_text("main")
    assert page.inner_text("#status").strip() == t["status_dispatched"]
    dispatched = _number(page.inner_text("#activity-dispatch"))
    check_page_basics(page)
    page.select_option("#track-kind", "delivered")
    page.fill("#track-place", "Havana")
    page.click("#track-submit")
    page.wait_for_url(re.compile(r"done=tracked"))
    assert t["tracked"] in page.inner_text("main")
    assert page.inner_text("#status").strip() == t["delivered"]
    assert page.locator("#track").count() == 0
    assert page.locator("#events li.delivered").count() == 1
    on_arrival = page.inner_text("#activity-arrival")
    # a few minutes of I-131 decay (t½ 8 d): the same figure as at dispatch
    assert _number(on_arrival) == pytest.approx(dispatched, rel=0.01), on_arrival
    check_page_basics(page)
    screenshot(page, f"supplier-shipment-{lang}.png")
    _sign_out(page, lang)
    ctx.close()
