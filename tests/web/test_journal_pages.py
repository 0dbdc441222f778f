"""The journals' pages through the application (TestClient): the list, a printable statutory
journal in Russian whatever the interface language, the print stylesheet, the downloads,
the period's refusals and tenancy."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.department_world import PASSWORD
from tests.journal_world import make_records

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PERIOD = "since=2026-02-28&until=2026-03-02"


def sign_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def test_the_list_of_journals(db, app) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    client = sign_in(app, rec.dep.usernames["viewer"])
    r = client.get("/department/journals")
    assert r.status_code == 200
    for name in ("receipts-and-use", "administrations", "dosages", "breakthrough",
                 "decay-in-storage", "calibrators"):
        assert f'href="/department/journals/{name}?' in r.text
    assert "Журнал введения РФП пациентам" in r.text
    assert 'id="period"' in r.text and "/static/department/journals.css" in r.text


def test_administrations_journal_is_russian_numbered_and_printable(db, app) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    client = sign_in(app, rec.dep.usernames["viewer"])
    r = client.get(f"/department/journals/administrations?{PERIOD}",
                   headers={"Accept-Language": "en"})
    assert r.status_code == 200
    html = r.text
    for header in ("№ п/п", "Дата и время введения", "Ф.И.О. пациента", "Возраст",
                   "№ протокола", "РФП", "Объём, мл", "Активность, МБк",
                   "Область исследования", "Первичное / повторное",
                   "Эффективная доза, мЗв"):
        assert f"<th scope=\"col\">{header}</th>" in html, header
    assert 'id="journal-org">Test Hospital<' in html
    assert "с 28.02.2026 00:00 по 02.03.2026 23:59 (Asia/Bishkek)" in html
    rows = re.findall(r'<td class="no">(\d+)</td>', html)
    assert rows == ["1", "2"]
    assert "01.03.2026 13:00" in html and "02.03.2026 15:00" in html  # local times
    assert "первичное" in html and "повторное" in html and "не рассчитывается" in html
    assert 'id="download-csv"' in html and 'id="download-fhir"' in html
    css = client.get("/static/department/journals.css").text
    assert "thead { display: table-header-group; }" in css and "@media print" in css


def test_nrc_records_follow_the_interface_language(db, app) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    client = sign_in(app, rec.dep.usernames["rso"])
    r = client.get(f"/department/journals/breakthrough?{PERIOD}",
                   headers={"Accept-Language": "en"})
    assert r.status_code == 200
    assert '<th scope="col">Ratio, kBq/MBq</th>' in r.text and "0.001" in r.text
    assert 'id="download-fhir"' not in r.text
    r = client.get(f"/department/journals/breakthrough?{PERIOD}",
                   headers={"Accept-Language": "ru"})
    assert '<th scope="col">Отношение, кБк/МБк</th>' in r.text


def test_downloads(db, app) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    client = sign_in(app, rec.dep.usernames["viewer"])
    r = client.get(f"/department/journals/receipts-and-use.csv?{PERIOD}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8")[1:])))
    assert table[0][0] == "№ п/п" and len(table) > 5
    r = client.get(f"/department/journals/administrations.fhir.json?{PERIOD}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert len(r.json()["entry"]) == 2
    assert client.get(f"/department/journals/dosages.fhir.json?{PERIOD}").status_code == 404


def test_period_refusals_and_tenancy(db, app) -> None:  # type: ignore[no-untyped-def]
    rec = make_records(db)
    other = make_records(db, "Other Hospital", prefix="B")
    client = sign_in(app, rec.dep.usernames["viewer"])
    r = client.get("/department/journals/dosages?since=yesterday&until=2026-03-02")
    assert r.status_code == 200 and 'role="alert"' in r.text
    assert 'id="period-since" name="since" value="yesterday" aria-invalid="true"' in r.text
    r = client.get("/department/journals/dosages?since=2026-03-03&until=2026-03-01")
    assert 'id="period-until" name="until" value="2026-03-01" aria-invalid="true"' in r.text
    # another organisation's site is not offered: the page shows our own site
    r = client.get(f"/department/journals/administrations?{PERIOD}"
                   f"&site_id={other.dep.site_id}")
    assert 'id="journal-org">Test Hospital<' in r.text and "Other Hospital" not in r.text
    assert re.findall(r'<td class="no">(\d+)</td>', r.text) == ["1", "2"]
    assert client.get("/department/journals/nope").status_code == 404
