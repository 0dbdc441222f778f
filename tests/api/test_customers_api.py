"""/products, /customers, /customer-licences, /customer-routes as a client sees them:
create → read → change with a reason; paging and search; bad input 4xx naming the field with
nothing written; 403 for other roles; 404 across organisations."""

from __future__ import annotations

from sqlalchemy import func, select

from isoflow.store.models import AuditEntry
from tests.conftest import token_for as _token_for
from tests.supplier_world import GBQ, PASSWORD, make_supplier


def _token(client, username):
    return _token_for(client, username, PASSWORD)


def _audits(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_products_api(db, client) -> None:
    sup = make_supplier(db)
    h = _token(client, sup.usernames["supplier_sales"])
    r = client.post("/api/v1/products", headers=h, json={
        "code": "MO99-B2", "name": "Mo-99 bulk", "nuclide": "99Mo", "form": "liquid",
        "calibration": "six_day_ci", "sizes_bq": [2e13, 1e13], "price_per_gbq": 40.0})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["nuclide"] == "Mo-99" and p["sizes_bq"] == [1e13, 2e13]
    assert 0 < p["sizes_six_day_ci"][0] < 1e13 / 3.7e10
    r = client.patch(f"/api/v1/products/{p['id']}", headers=h,
                     json={"active": False, "unit_price": 5.0, "reason": "withdrawn"})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["unit_price"] == 5.0
    r = client.post("/api/v1/products", headers=h, json={
        "code": "MO99-B3", "name": "Mo-99 bulk", "nuclide": "Mo-99", "form": "liquid",
        "calibration": "six_day_ci", "sizes_six_day_ci": [1000.0, 100.0]})
    assert r.status_code == 201, r.text
    assert [round(x, 6) for x in r.json()["sizes_six_day_ci"]] == [100.0, 1000.0]
    assert r.json()["sizes_bq"][0] > 100 * 3.7e10
    r = client.patch(f"/api/v1/products/{sup.product_ids['I131-SOL']}", headers=h,
                     json={"sizes_six_day_ci": [10.0], "reason": "r"})
    assert r.status_code == 422 and r.json()["field"] == "sizes_bq"
    listed = client.get("/api/v1/products", headers=h, params={"active_only": True}).json()
    assert "MO99-B2" not in [x["code"] for x in listed] and len(listed) == 7
    assert client.get(f"/api/v1/products/{p['id']}", headers=h).json()["code"] == "MO99-B2"
    n = _audits(db)
    for body, status, field in (
            ({"nuclide": "I-131", "calibration": "six_day_ci"}, 422, "calibration"),
            ({"nuclide": "Xx-1"}, 422, "nuclide"),
            ({"sizes_bq": [0]}, 422, None), ({"currency": "XXXX"}, 422, None),
            ({"code": "MO99-BULK"}, 409, "code")):
        payload = {"code": "NEW", "name": "n", "nuclide": "Mo-99", "form": "liquid", **body}
        r = client.post("/api/v1/products", headers=h, json=payload)
        assert r.status_code == status, (body, r.text)
        if field:
            assert r.json()["field"] == field
    assert _audits(db) == n
    v = _token(client, sup.usernames["supplier_production"])
    r = client.post("/api/v1/products", headers=v, json={
        "code": "NEW", "name": "n", "nuclide": "Mo-99", "form": "liquid"})
    assert r.status_code == 403
    other = make_supplier(db, name="Other Isotopes")
    o = _token(client, other.usernames["admin"])
    assert client.get(f"/api/v1/products/{p['id']}", headers=o).status_code == 404
    assert client.patch(f"/api/v1/products/{p['id']}", headers=o,
                        json={"unit_price": 1.0, "reason": "r"}).status_code == 404


def test_customers_api(db, client) -> None:
    sup = make_supplier(db)
    h = _token(client, sup.usernames["supplier_sales"])
    r = client.post("/api/v1/customers", headers=h, json={
        "code": "IN-MUMBAI", "name": "Tata Memorial", "country": "IN",
        "timezone": "Asia/Kolkata", "kind": "hospital", "priority": 2})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = client.post(f"/api/v1/customers/{cid}/licences", headers=h, json={
        "number": "AERB-1", "nuclide": "I-131", "limit_bq": 500 * GBQ,
        "valid_from": "2026-01-01", "valid_to": "2027-12-31"})
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    r = client.post(f"/api/v1/customers/{cid}/routes", headers=h, json={
        "name": "Air via Delhi", "mode": "air", "transit_s": 30 * 3600.0})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    d = client.get(f"/api/v1/customers/{cid}", headers=h).json()
    assert d["customer"]["country"] == "IN" and d["installed_sources"] == 0
    assert [x["number"] for x in d["licences"]] == ["AERB-1"]
    assert [x["name"] for x in d["routes"]] == ["Air via Delhi"]
    r = client.patch(f"/api/v1/customer-licences/{lid}", headers=h,
                     json={"valid_to": "2026-06-30", "reason": "suspended"})
    assert r.status_code == 200 and r.json()["valid_to"] == "2026-06-30"
    r = client.patch(f"/api/v1/customer-licences/{lid}", headers=h,
                     json={"valid_to": "2028-01-01", "reason": "extend"})
    assert r.status_code == 409
    r = client.patch(f"/api/v1/customer-routes/{rid}", headers=h,
                     json={"active": False, "reason": "no flights"})
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.patch(f"/api/v1/customers/{cid}", headers=h,
                     json={"priority": 1, "contact": "Dr Rao", "reason": "new contract"})
    assert r.status_code == 200 and r.json()["priority"] == 1
    page = client.get("/api/v1/customers", headers=h,
                      params={"search": "tata", "limit": 5}).json()
    assert page["total"] == 1 and page["items"][0]["code"] == "IN-MUMBAI"
    page = client.get("/api/v1/customers", headers=h, params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert {"value": "IN", "count": 1} in page["by_country"]
    page = client.get("/api/v1/customers", headers=h, params={"country": "CU"}).json()
    assert [c["code"] for c in page["items"]] == ["CU-HAVANA"]
    assert client.get("/api/v1/customers", headers=h,
                      params={"country": "ZZ"}).status_code == 422
    n = _audits(db)
    for path, body, field in (
            ("/api/v1/customers", {"code": "X", "name": "x", "country": "CU",
                                   "timezone": "America/Havana", "kind": "hospital",
                                   "min_installed_bq": 1e15}, "min_installed_bq"),
            (f"/api/v1/customers/{cid}/licences", {
                "number": "N", "nuclide": "I-131", "limit_bq": 1.0,
                "valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "valid_to"),
            (f"/api/v1/customers/{cid}/routes", {"name": "R", "mode": "air",
                                                 "transit_s": 31 * 86400.0}, None)):
        r = client.post(path, headers=h, json=body)
        assert r.status_code == 422, r.text
        if field:
            assert r.json()["field"] == field
    assert _audits(db) == n
    v = _token(client, sup.usernames["viewer"])
    assert client.get(f"/api/v1/customers/{cid}", headers=v).status_code == 200
    assert client.patch(f"/api/v1/customers/{cid}", headers=v,
                        json={"priority": 2, "reason": "r"}).status_code == 403
    other = make_supplier(db, name="Other Isotopes")
    o = _token(client, other.usernames["admin"])
    assert client.get(f"/api/v1/customers/{cid}", headers=o).status_code == 404
    assert client.post(f"/api/v1/customers/{cid}/routes", headers=o, json={
        "name": "R", "mode": "air", "transit_s": 60.0}).status_code == 404
    assert client.patch(f"/api/v1/customer-licences/{lid}", headers=o, json={
        "valid_to": "2026-03-01", "reason": "r"}).status_code == 404
    assert client.patch(f"/api/v1/customer-routes/{rid}", headers=o, json={
        "active": True, "reason": "r"}).status_code == 404
    assert client.get("/api/v1/customers", headers=o).json()["total"] == 5
