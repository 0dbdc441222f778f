"""/analytics/exports (JSON and CSV) and /irradiation-centres as a client sees them: the
figures from orders written here, filters, refusals naming the field, roles, tenancy."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from isoflow.store.supplier_models import Order
from tests.conftest import token_for as _token_for
from tests.supplier_world import PASSWORD, make_supplier


def token_for(client, username):
    return _token_for(client, username, PASSWORD)


def _orders(db, sup):
    rows = [("BR-SAOPAULO", "MO99-BULK", 2024, 2, 100.0, "delivered"),
            ("BR-SAOPAULO", "MO99-BULK", 2025, 3, 160.0, "shipped"),
            ("CU-HAVANA", "I131-SOL", 2025, 1, 50.0, "shipped"),
            ("CU-HAVANA", "I131-SOL", 2025, 1, 999.0, "cancelled")]
    with db.write() as s:
        for i, (cust, prod, year, qty, price, status) in enumerate(rows):
            t = datetime(year, 5, 1, 9, tzinfo=UTC)
            s.add(Order(org_id=sup.org_id, number=f"A-{i}", customer_id=sup.customer_ids[cust],
                        product_id=sup.product_ids[prod], activity_bq=1e11, quantity=qty,
                        calibration_at=t, dispatch_at=t, status=status, price=price,
                        created_at=t, updated_at=t))


def test_exports_json_and_csv(db, client) -> None:
    sup = make_supplier(db)
    _orders(db, sup)
    h = token_for(client, sup.usernames["viewer"])
    r = client.get("/api/v1/analytics/exports", headers=h)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["years"] == [2024, 2025] and doc["domestic_country"] == "RU"
    br25 = next(x for x in doc["rows"] if x["year"] == 2025 and x["country"] == "BR")
    assert br25["calibrated_tbq"] == pytest.approx(0.3)
    assert br25["revenue_growth"] == pytest.approx(0.6)
    assert br25["growth"] == pytest.approx(0.5) and br25["six_day_ci"] > 0
    assert [t["revenue"]["USD"] for t in doc["totals"]] == [100.0, 210.0]
    assert doc["top_countries"] == ["BR", "CU"]
    r = client.get("/api/v1/analytics/exports", headers=h,
                   params={"country": "cu", "year_from": 2025})
    assert [(x["country"], x["orders"]) for x in r.json()["rows"]] == [("CU", 1)]
    r = client.get("/api/v1/analytics/exports.csv", headers=h, params={"year_to": 2025})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0][0] == "year" and len(table) == 4
    assert {row[2] for row in table[1:]} == {"Brazil", "Cuba"}


def test_exports_refusals(db, client) -> None:
    sup = make_supplier(db)
    h = token_for(client, sup.usernames["viewer"])
    r = client.get("/api/v1/analytics/exports", headers=h,
                   params={"year_from": 2025, "year_to": 2024})
    assert r.status_code == 422 and r.json()["field"] == "year_to"
    assert client.get("/api/v1/analytics/exports", headers=h,
                      params={"country": "BRA"}).status_code == 422
    assert client.get("/api/v1/analytics/exports").status_code == 401
    empty = client.get("/api/v1/analytics/exports", headers=h).json()
    assert empty["rows"] == [] and empty["years"] == []


def test_irradiation_centres(db, client) -> None:
    sup = make_supplier(db)
    centre = sup.customer_ids["UZ-IRRAD"]
    sales = token_for(client, sup.usernames["supplier_sales"])
    viewer = token_for(client, sup.usernames["viewer"])
    body = {"serial": "PEN-1", "activity_bq": 4.0e16, "reference_at": "2026-01-01T00:00:00Z",
            "installed_at": "2026-01-02T00:00:00+05:00"}
    r = client.post(f"/api/v1/irradiation-centres/{centre}/sources", headers=sales, json=body)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["nuclide"] == "Co-60"
    r = client.post(f"/api/v1/irradiation-centres/{centre}/sources", headers=sales, json=body)
    assert r.status_code == 409 and r.json()["field"] == "serial"
    r = client.post(f"/api/v1/irradiation-centres/{centre}/sources", headers=viewer,
                    json={**body, "serial": "PEN-2"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/irradiation-centres/{sup.customer_ids['CU-HAVANA']}/sources",
                    headers=sales, json={**body, "serial": "PEN-2"})
    assert r.status_code == 422 and r.json()["field"] == "customer_id"
    r = client.post(f"/api/v1/irradiation-centres/{centre}/sources", headers=sales,
                    json={**body, "serial": "PEN-2", "activity_bq": 0})
    assert r.status_code == 422
    listed = client.get("/api/v1/irradiation-centres", headers=viewer).json()
    assert [c["code"] for c in listed] == ["UZ-IRRAD"]
    assert listed[0]["proposal"]["lead_months"] == 18
    d = client.get(f"/api/v1/irradiation-centres/{centre}", headers=viewer,
                   params={"years": 2, "lead_months": 24}).json()
    assert len(d["projection"]) == 25 and d["centre"]["proposal"]["lead_months"] == 24
    assert client.get(f"/api/v1/irradiation-centres/{sup.customer_ids['CU-HAVANA']}",
                      headers=viewer).status_code == 404
    r = client.post(f"/api/v1/installed-sources/{sid}/removal", headers=sales,
                    json={"at": "2025-01-01T00:00:00Z", "reason": "early"})
    assert r.status_code == 422 and r.json()["field"] == "at"
    other = make_supplier(db, name="Other Isotopes")
    oh = token_for(client, other.usernames["admin"])
    assert client.post(f"/api/v1/installed-sources/{sid}/removal", headers=oh,
                       json={"at": "2027-01-01T00:00:00Z", "reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/irradiation-centres/{centre}", headers=oh).status_code == 404
    r = client.post(f"/api/v1/installed-sources/{sid}/removal", headers=sales,
                    json={"at": "2027-01-01T00:00:00Z", "reason": "returned"})
    assert r.status_code == 200 and r.json()["removed_at"] == "2027-01-01T00:00:00Z"
