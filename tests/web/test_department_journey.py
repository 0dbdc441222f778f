"""Issue #10's whole day in a real Chromium against the real `isoflow serve` (SQLite), once
with the users' language English and once Russian: the physician prescribes, the day plan and
its printable worklist show the dose and the kit, the technologist elutes the generator
(yield and Mo-99 breakthrough shown), the RSO records the calibrator's constancy test, the
radiopharmacist prepares an MDP kit, records its RCP and releases it with her password (the
page states what the signature means), the technologist draws the dose (the volume to draw
shown) and administers it, and the administrations journal shows the patient.

The site's time zone is chosen so that the local time is about 10:00 when the test runs:
the whole day then stays inside one calendar day whatever the hour of the run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.server_process import Server
from tests.department_world import PASSWORD, Department, make_department
from tests.web.conftest import check_page_basics, screenshot, sign_in

pytestmark = pytest.mark.browser

LANGS = ("en", "ru")
MBQ = 1e6

#: What each step expects to read, in the user's language (msgstr of messages.po).
TEXT = {
    "en": {"prescribed": "The prescription was recorded.", "status_prescribed": "Prescribed",
           "plan": "Day plan", "worklist": "Worklist",
           "elution_done": "The elution was recorded.", "passed": "Passed",
           "qc": "Dose-calibrator QC", "ok": "OK", "kits": "Kits of",
           "signature": "Your electronic signature means", "released": "Released",
           "doses": "Doses of", "draw": "Draw", "administered": "Administered",
           "journals": "Journals and records", "sign_out": "Sign out"},
    "ru": {"prescribed": "Назначение сохранено.", "status_prescribed": "Активность назначена",
           "plan": "План дня", "worklist": "Рабочий лист",
           "elution_done": "Элюирование записано.", "passed": "Пройден",
           "qc": "Контроль качества калибратора активности", "ok": "В норме",
           "kits": "Наборы за", "signature": "Ваша электронная подпись означает",
           "released": "Выпущен", "doses": "Дозы за", "draw": "Набрать",
           "administered": "Введена", "journals": "Журналы и записи", "sign_out": "Выйти"},
}


@dataclass
class Day:
    dep: Department
    zone: ZoneInfo
    generator_id: int
    appointment_id: int
    patient: str


def _zone_at_ten() -> str:
    """An Etc/GMT zone where it is now about 10:00 (Etc/GMT-N is UTC+N)."""
    offset = (10 - datetime.now(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture(scope="module")
def world(
        tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, object, dict[str, Day]]]:
    """Two hospitals in one database (one per language), each with a generator received three
    hours ago and an appointment in an hour and a half; served by `isoflow serve`."""
    from isoflow.services import auth, elutions, schedule
    from isoflow.store import migrate
    from isoflow.store.db import Database

    tmp = tmp_path_factory.mktemp("department")
    url = f"sqlite:///{tmp / 'department.sqlite'}"
    db = Database(url)
    migrate.upgrade(db)
    zone = _zone_at_ten()
    now = datetime.now(UTC)
    days: dict[str, Day] = {}
    for lang in LANGS:
        dep = make_department(db, f"Journey {lang}", timezone=zone,
                              ae_titles=(f"SPECT1{lang.upper()}", f"SPECT2{lang.upper()}"))
        for actor in dep.actors.values():
            auth.set_locale(db, actor, lang)
        tech = dep.actors["technologist"]
        g = elutions.receive_generator(
            db, tech, site_id=dep.site_id, generator_type="GT-4K", serial=f"GT-{lang}",
            activity_bq=40e9, calibration_at=now - timedelta(days=1),
            received_at=now - timedelta(hours=3), surface_usv_h=20, at_1m_usv_h=1,
            wipe_bq_per_100cm2=1)
        p = schedule.register_patient(db, tech, record_number=f"MRN-{lang}",
                                      family_name="Ivanova", given_name="Anna",
                                      birth_date=date(1970, 5, 1), sex="F")
        a = schedule.book(db, tech, patient_id=p.id,
                          procedure_id=dep.procedure_ids["BONE_BISPHOSPHONATE"],
                          camera_id=dep.camera_ids[0],
                          scheduled_at=(now + timedelta(minutes=90)).replace(microsecond=0))
        days[lang] = Day(dep, ZoneInfo(zone), g.container_id, a.id, "Ivanova Anna")
    srv = Server(url, tmp / "server.log")
    try:
        srv.wait_ready()
        yield srv, db, days
    finally:
        srv.stop()
        db.dispose()


def _as(page, base: str, day: Day, role: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, base, day.dep.usernames[role], PASSWORD)
    page.wait_for_url(re.compile(r"/dashboard$"))


def _sign_out(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=TEXT[lang]["sign_out"]).click()
    page.wait_for_url(re.compile(r"/login$"))


def _number(text: str) -> float:
    return float(text.replace("\xa0", "").replace(" ", "").replace(",", "."))


def _option(page, select: str, contains: str) -> str:  # type: ignore[no-untyped-def]
    values = page.eval_on_selector_all(
        f"{select} option",
        "(os, c) => os.filter(o => o.textContent.includes(c)).map(o => o.value)", contains)
    assert values, (select, contains, page.inner_text(select))
    return str(values[0])


@pytest.mark.parametrize("lang", LANGS)
def test_a_whole_day(world, chromium, lang: str) -> None:  # type: ignore[no-untyped-def]
    from isoflow.services import elutions

    server, db, days = world
    day: Day = days[lang]
    t = TEXT[lang]
    base = server.base_url
    ctx = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()

    # 1. the physician prescribes 500 MBq
    _as(page, base, day, "physician")
    assert page.get_attribute("html", "lang") == lang
    page.goto(base + "/department/appointments")
    check_page_basics(page)
    page.click(f'a[href="/department/appointments/{day.appointment_id}"]')
    page.wait_for_selector("#prescribe")
    check_page_basics(page)
    page.fill("#prescribe-activity", "500 MBq")
    page.click("#prescribe-submit")
    page.wait_for_selector("#prescription strong")
    assert "500" in page.inner_text("#prescription strong")
    assert page.inner_text("#status").strip() == t["status_prescribed"]
    assert t["prescribed"] in page.inner_text("main")
    check_page_basics(page)

    # 2. the day plan shows the dose and the kit vial; the printable worklist the patient
    page.goto(base + "/department/plan")
    assert page.inner_text("h1").startswith(t["plan"])
    main = page.inner_text("main")
    assert day.patient in main and "500 MBq" in main, main
    assert "MDP (medronate)" in main, main
    check_page_basics(page)
    page.click(f'a:has-text("{t["worklist"]}")')
    page.wait_for_url(re.compile(r"/department/plan/worklist"))
    assert day.patient in page.inner_text("body")
    check_page_basics(page)
    _sign_out(page, lang)

    # 3. the technologist elutes: the yield and the breakthrough are judged
    _as(page, base, day, "technologist")
    page.goto(base + f"/department/generators/{day.generator_id}")
    page.wait_for_selector("#elute")
    check_page_basics(page)
    at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)
    predicted = elutions.predict(db, day.dep.actors["viewer"], day.generator_id, at)
    page.fill("#eluted_at", at.isoformat())
    page.fill("#volume_ml", "10")
    page.fill("#measured", f"{predicted / MBQ:.0f} MBq")
    page.fill("#mo99", "3 kBq")
    page.click('#elute form[method="post"] button[type="submit"]')
    page.wait_for_selector("#elutions tbody tr td.num")
    assert t["elution_done"] in page.inner_text("main")
    row = page.inner_text("#elutions tbody tr")
    assert t["passed"] in row, row
    assert re.search(r"(99|100)[.,]\d+ %|100 %", row), row  # the yield, about 100 %
    assert page.locator("#elutions tbody tr .flags .badge.bad").count() == 0
    check_page_basics(page)
    screenshot(page, f"journey-generator-{lang}.png")
    _sign_out(page, lang)

    # 4. the RSO records the calibrator's constancy test; the calibrator no longer blocks
    _as(page, base, day, "rso")
    page.goto(base + "/department/qc")
    assert page.inner_text("h1") == t["qc"]
    check_page_basics(page)
    cal = day.dep.calibrator_id
    when = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(day.zone).strftime(
        "%Y-%m-%d %H:%M")
    page.fill(f"#pa-{cal}", when)
    page.fill(f"#nu-{cal}", "Cs-137")
    page.fill(f"#rb-{cal}", "200 µCi")
    page.fill(f"#ra-{cal}", when)
    page.fill(f"#mb-{cal}", "201 µCi")
    page.click(f'form[action="/department/qc/{cal}/constancy"] button[type="submit"]')
    page.wait_for_selector('p.success[role="status"]')
    section = page.locator(f"#calibrator-{cal}")
    assert section.locator("h2 .badge").get_attribute("data-state") != "blocked"
    constancy = section.locator("tbody tr").first.inner_text()
    assert t["ok"] in constancy and "0.5 %" in constancy.replace(",", "."), constancy
    check_page_basics(page)
    _sign_out(page, lang)

    # 5. the radiopharmacist prepares an MDP kit, records its RCP and releases it
    _as(page, base, day, "radiopharmacist")
    page.goto(base + "/department/kits")
    assert page.inner_text("h1").startswith(t["kits"])
    check_page_basics(page)
    page.select_option("#prepare-kit_id", str(day.dep.kit_ids["MDP"]))
    page.select_option("#prepare-eluate_container_id",
                       _option(page, "#prepare-eluate_container_id", f"GT-{lang}"))
    page.fill("#prepare-kit_lot", "MDP-2026-1")
    page.fill("#prepare-activity", "5 GBq")
    page.fill("#prepare-volume_ml", "5")
    page.click("#prepare-submit")
    page.wait_for_selector("#done")
    kit_row = page.locator("#kits tbody tr[id^=kit-]").first
    pid = (kit_row.get_attribute("id") or "").removeprefix("kit-")
    assert "MDP-2026-1" in kit_row.inner_text()
    check_page_basics(page)
    page.fill(f"#rcp-{pid}-rcp", "97")
    page.click(f"#rcp-{pid} button[type=submit]")
    page.wait_for_selector(f"#release-{pid}")
    assert "97 %" in page.inner_text(f"#kit-{pid}")
    hint = page.inner_text(f"#release-{pid} .hint")
    assert hint.startswith(t["signature"]), hint  # the meaning of the signature is stated
    check_page_basics(page)
    page.fill(f"#release-{pid}-password", PASSWORD)
    with page.expect_navigation():  # the page before already shows a #done
        page.click(f"#release-{pid} button[type=submit]")
    page.wait_for_selector("#done")
    assert page.inner_text(f"#kit-{pid} td:last-child .badge.ok").strip() == t["released"]
    assert day.dep.usernames["radiopharmacist"] in page.inner_text(f"#kit-{pid}")
    check_page_basics(page)
    screenshot(page, f"journey-kits-{lang}.png")
    _sign_out(page, lang)

    # 6. the technologist draws the dose from the released vial and administers it
    _as(page, base, day, "technologist")
    page.goto(base + "/department/doses")
    assert page.inner_text("h1").startswith(t["doses"])
    check_page_basics(page)
    page.select_option("#draw-appointment_id", str(day.appointment_id))
    page.select_option("#draw-source_container_id",
                       _option(page, "#draw-source_container_id", "MDP-2026-1"))
    page.fill("#draw-calibrator_id", str(day.dep.calibrator_id))
    page.click("#draw-submit")
    page.wait_for_selector("#volume-to-draw")
    draw = page.inner_text("#volume-to-draw strong")
    assert draw.startswith(t["draw"]), draw
    volume = _number(re.search(r"(\d+(?:[.,]\d+)?)", draw).group(1))  # type: ignore[union-attr]
    # 500 MBq in 90 min from about 5 GBq in 5 mL: about 0.56 mL
    assert 0.45 < volume < 0.7, draw
    dose_row = page.locator("#doses tbody tr[id^=dose-]").first
    did = (dose_row.get_attribute("id") or "").removeprefix("dose-")
    assert day.patient in dose_row.inner_text()
    check_page_basics(page)
    page.fill(f"#administer-{did}-residual", "10 MBq")
    with page.expect_navigation():  # the page before already shows a #done
        page.click(f"#administer-{did} button[type=submit]")
    page.wait_for_selector("#done")
    assert page.inner_text(f"#dose-{did} td:nth-child(7) .badge").strip() == t["administered"]
    check_page_basics(page)
    screenshot(page, f"journey-doses-{lang}.png")
    _sign_out(page, lang)

    # 7. the RSO reads today's journals: the administration is there
    _as(page, base, day, "rso")
    page.goto(base + "/department/journals")
    assert page.inner_text("h1") == t["journals"]
    check_page_basics(page)
    assert page.locator('#journals a[href^="/department/journals/receipts-and-use?"]').count()
    page.click('#journals a[href^="/department/journals/administrations?"]')
    page.wait_for_url(re.compile(r"/department/journals/administrations\?"))
    body = page.inner_text("main")
    today = datetime.now(day.zone).strftime("%d.%m.%Y")
    rows = [r for r in body.splitlines() if day.patient in r]
    assert len(rows) == 1 and "Tc-99m MDP/HDP" in rows[0] and today in rows[0], body
    check_page_basics(page)
    page.goto(base + "/department/journals")
    page.click('#journals a[href^="/department/journals/receipts-and-use?"]')
    page.wait_for_url(re.compile(r"/department/journals/receipts-and-use\?"))
    assert f"GT-{lang}" in page.inner_text("main")
    check_page_basics(page)
    ctx.close()
