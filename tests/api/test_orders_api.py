"""/contracts and /orders as a client sees them: contract → delivery → generation (twice:
idempotent) → amend → cancel; bad input 4xx naming the field with nothing written; 403; 404
across organisations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import token_for as _token_for
from tests.supplier_world import GBQ, PASSWORD, make_supplier


def _token(client, username):
    return _token_for(client, username, PASSWORD)


def _cal(days=10):
    """A calibration moment comfortably ahead of the real clock."""
    t = datetime.now(UTC) + timedelta(days=days)
    return t.replace(hour=17, minute=0, second=0, microsecond=0).isoformat()


def test_contract_delivery_generation_amend_cancel(db, client) -> None:
    sup = make_supplier(db)
    h = _token(client, sup.usernames["supplier_sales"])
    today = datetime.now(UTC).date()
    r = client.post("/api/v1/contracts", headers=h, json={
        "customer_id": sup.customer_ids["CU-HAVANA"], "number": "CU-1",
        "start_date": today.isoformat(), "end_date": (today + timedelta(days=30)).isoformat()})
    assert r.status_code == 201, r.text
    kid = r.json()["id"]
    r = client.post(f"/api/v1/contracts/{kid}/deliveries", headers=h, json={
        "product_id": sup.product_ids["I131-SOL"], "weekday": 0, "calibration_time": "12:00",
        "calibration_days": 3, "activity_bq": 150 * GBQ})
    assert r.status_code == 201, r.text
    assert r.json()["deliveries"][0]["weekday_name"] == "Monday"
    until = (today + timedelta(days=21)).isoformat()
    r = client.post("/api/v1/orders/generation", headers=h, json={"until": until})
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["created"] >= 2 and first["refused"] == []
    again = client.post("/api/v1/orders/generation", headers=h, json={"until": until}).json()
    assert (again["created"], again["existing"]) == (0, first["created"])
    listed = client.get("/api/v1/orders", headers=h, params={"contract_id": kid}).json()
    assert len(listed) == first["created"]
    oid = listed[0]["id"]
    r = client.post(f"/api/v1/orders/{oid}/amendment", headers=h,
                    json={"reason": "two units", "quantity": 2})
    assert r.status_code == 200 and r.json()["quantity"] == 2
    r = client.post(f"/api/v1/orders/{oid}/cancellation", headers=h, json={"reason": "closed"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    detail = client.get(f"/api/v1/orders/{oid}", headers=h).json()
    assert [(e["action"], e["reason"]) for e in detail["history"]] == [
        ("generated", None), ("amended", "two units"), ("cancelled", "closed")]
    r = client.post(f"/api/v1/contracts/{kid}/cancellation", headers=h, json={"reason": "end"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_bad_orders_name_the_field_and_write_nothing(db, client) -> None:
    sup = make_supplier(db)
    h = _token(client, sup.usernames["supplier_sales"])
    base = {"customer_id": sup.customer_ids["CU-HAVANA"],
            "product_id": sup.product_ids["I131-SOL"], "activity_bq": 150 * GBQ,
            "calibration_at": _cal()}
    cal = datetime.fromisoformat(base["calibration_at"])
    for over, status, field in (
            ({"activity_bq": 480 * GBQ}, 409, "activity_bq"),
            ({"dispatch_at": (cal - timedelta(hours=20)).isoformat()}, 422, "calibration_at"),
            ({"product_id": 999_999}, 404, "product_id"),
            ({"activity_bq": 0}, 422, "activity_bq"),
            ({"activity_bq": -1.0}, 422, "activity_bq")):
        r = client.post("/api/v1/orders", headers=h, json={**base, **over})
        assert r.status_code == status, (over, r.text)
        assert field in (r.json().get("field") or r.text), r.text
    assert client.get("/api/v1/orders", headers=h).json() == []
    r = client.post("/api/v1/orders", headers=h, json=base)
    assert r.status_code == 201, r.text
    assert r.json()["number"].startswith("ORD-")


def test_roles_and_tenancy(db, client) -> None:
    sup = make_supplier(db)
    other = make_supplier(db, name="Other Isotopes")
    h = _token(client, sup.usernames["supplier_sales"])
    r = client.post("/api/v1/orders", headers=h, json={
        "customer_id": sup.customer_ids["CU-HAVANA"], "product_id": sup.product_ids["I131-SOL"],
        "activity_bq": 150 * GBQ, "calibration_at": _cal()})
    oid = r.json()["id"]
    viewer = _token(client, sup.usernames["viewer"])
    r = client.post(f"/api/v1/orders/{oid}/cancellation", headers=viewer, json={"reason": "x"})
    assert r.status_code == 403
    stranger = _token(client, other.usernames["supplier_sales"])
    assert client.get(f"/api/v1/orders/{oid}", headers=stranger).status_code == 404
    r = client.post(f"/api/v1/orders/{oid}/cancellation", headers=stranger, json={"reason": "x"})
    assert r.status_code == 404
    assert client.get("/api/v1/contracts/1", headers=stranger).status_code == 404
