"""The irradiation centres and export analytics pages through the application (TestClient),
in English and Russian: the centres with the due badge, a centre's chart data and forms
(install, remove; refusals naming the rule; roles), the analytics page with its filters,
charts, tables and CSV link, country names in the page's language; tenancy."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from isoflow.store.supplier_models import Order
from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str, lang: str = "en") -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app, headers={"Accept-Language": lang})
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/irradiation")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def _orders(db, sup):
    rows = [("BR-SAOPAULO", "TC-GEN-20", 2024, 100.0), ("BR-SAOPAULO", "TC-GEN-20", 2025, 130.0),
            ("KZ-ALMATY", "GA-GEN-1.85", 2025, 60000.0)]
    with db.write() as s:
        for i, (cust, prod, year, price) in enumerate(rows):
            t = datetime(year, 4, 1, 8, tzinfo=UTC)
            s.add(Order(org_id=sup.org_id, number=f"W-{i}", customer_id=sup.customer_ids[cust],
                        product_id=sup.product_ids[prod], activity_bq=2e10, quantity=2,
                        calibration_at=t, dispatch_at=t, status="delivered", price=price,
                        created_at=t, updated_at=t))


def test_centre_pages_install_and_remove(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    cid = sup.customer_ids["UZ-IRRAD"]
    client, csrf = sign_in(app, sup.usernames["supplier_logistics"])
    page = client.get("/supplier/irradiation")
    assert "Tashkent Irradiation Centre" in page.text and "Order due" in page.text
    form = {"csrf_token": csrf, "serial": "PEN-1", "activity": "1.2 MCi",
            "reference_at": "2026-01-01", "installed_at": "2026-01-10T10:00"}
    r = client.post(f"/supplier/irradiation/{cid}/sources", data={**form, "activity": "lots"},
                    follow_redirects=False)
    assert r.status_code == 422 and 'value="PEN-1"' in r.text and "aria-invalid" in r.text
    r = client.post(f"/supplier/irradiation/{cid}/sources", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert "The source was recorded as installed." in page.text and "PEN-1" in page.text
    assert "Asia/Tashkent" in page.text and "Replenishment proposal" in page.text
    doc = json.loads(re.search(r'id="projection-data" type="application/json">(.*?)</script>',
                               page.text, re.S).group(1))
    assert len(doc["t"]) == 121 and doc["minimum_tbq"] == 3.7e16 / 1e12
    assert doc["needed_at"] is not None and doc["order_by"] < doc["needed_at"]
    r = client.post(f"/supplier/irradiation/{cid}/sources", data=form, follow_redirects=False)
    assert r.status_code == 409 and "already recorded" in r.text
    sid = int(re.search(r'action="/supplier/irradiation/sources/(\d+)/removal"',
                        page.text).group(1))
    r = client.post(f"/supplier/irradiation/sources/{sid}/removal",
                    data={"csrf_token": csrf, "customer_id": str(cid), "at": "2026-01-05",
                          "reason": "swap"}, follow_redirects=False)
    assert r.status_code == 422 and "after the installation" in r.text
    r = client.post(f"/supplier/irradiation/sources/{sid}/removal",
                    data={"csrf_token": csrf, "customer_id": str(cid), "at": "2026-02-01",
                          "reason": "returned"}, follow_redirects=False)
    assert r.status_code == 303
    viewer, vcsrf = sign_in(app, sup.usernames["viewer"])
    page = viewer.get(f"/supplier/irradiation/{cid}")
    assert 'id="install"' not in page.text
    r = viewer.post(f"/supplier/irradiation/{cid}/sources", data={**form, "csrf_token": vcsrf,
                                                                   "serial": "PEN-2"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert client.get(f"/supplier/irradiation/{sup.customer_ids['CU-HAVANA']}").status_code \
        == 404
    other = make_supplier(db, name="Other Isotopes")
    oc, _ = sign_in(app, other.usernames["admin"])
    assert oc.get(f"/supplier/irradiation/{cid}").status_code == 404
    ru, _ = sign_in(app, sup.usernames["viewer"], "ru")
    page = ru.get("/supplier/irradiation")
    assert page.status_code == 200 and "Узбекистан" in page.text


def test_analytics_page_en_and_ru(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    _orders(db, sup)
    client, _ = sign_in(app, sup.usernames["supplier_sales"])
    page = client.get("/supplier/analytics")
    assert page.status_code == 200
    assert "Brazil" in page.text and "Kazakhstan" in page.text
    assert "/static/plotly.min.js" in page.text and 'id="chart-years"' in page.text
    assert "MO99-BULK — Sodium molybdate Mo-99, bulk solution" in page.text  # the filter
    doc = json.loads(re.search(r'id="charts-data" type="application/json">(.*?)</script>',
                               page.text, re.S).group(1))
    assert doc["years"] == [2024, 2025]
    series = {s["name"]: s["y"] for s in doc["by_country"]}
    assert series == {"Kazakhstan": [0.0, 60000.0], "Brazil": [100.0, 130.0]}
    assert doc["growth"]["revenue"][0] is None
    assert round(doc["growth"]["revenue"][1], 6) == round((60130 / 100 - 1) * 100, 6)
    page = client.get("/supplier/analytics", params={"country": "BR", "year_from": "2025"})
    assert 'id="country-BR"' in page.text and 'id="country-KZ"' not in page.text
    link = re.search(r'href="([^"]+)" id="csv-link"', page.text)
    assert link is not None and "country=BR" in link.group(1)
    r = client.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert [(x[0], x[1], x[2]) for x in table[1:]] == [("2025", "BR", "Brazil")]
    page = client.get("/supplier/analytics", params={"year_from": "2025", "year_to": "2024"})
    assert page.status_code == 422 and "filters-refused" in page.text
    ru, _ = sign_in(app, sup.usernames["viewer"], "ru")
    page = ru.get("/supplier/analytics")
    assert page.status_code == 200 and "Бразилия" in page.text and "Казахстан" in page.text
    other = make_supplier(db, name="Other Isotopes")
    oc, _ = sign_in(app, other.usernames["viewer"])
    page = oc.get("/supplier/analytics")
    assert page.status_code == 200 and 'id="nothing"' in page.text and "Brazil" not in page.text
