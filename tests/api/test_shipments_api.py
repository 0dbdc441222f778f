"""/shipments and /transport/classification through the API: a shipment from an order to
delivery with its declaration, refusals naming the field with nothing written, roles and
tenancy, and the stateless calculator agreeing with the CLI's worked example."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import token_for
from tests.shipment_world import make_order, t_now
from tests.supplier_world import GBQ, PASSWORD, make_supplier

HOUR = timedelta(hours=1)


def _auth(client, sup, role):  # type: ignore[no-untyped-def]
    return token_for(client, sup.usernames[role], PASSWORD)


def test_a_shipment_from_order_to_delivery(db, client) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    h = _auth(client, sup, "supplier_logistics")
    t0 = t_now() - 10 * HOUR
    oid = make_order(db, sup, "MO99-BULK", "CU-HAVANA", gbq=400, dispatch_at=t0,
                     calibration_at=t0)
    body = {"order_id": oid, "mode": "air-passenger", "package_type": "excepted",
            "surface_usv_h": 300, "at_1m_usv_h": 8}
    r = client.post("/api/v1/shipments", json=body, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "package_type", r.text
    assert client.get("/api/v1/shipments", headers=h).json() == []
    r = client.post("/api/v1/shipments", json={**body, "package_type": "Type A"}, headers=h)
    assert r.status_code == 201, r.text
    s = r.json()
    assert (s["un_number"], s["label"], s["transport_index"], s["status"]) == (
        "UN2915", "II-YELLOW", 0.8, "prepared")
    assert s["activity_bq"] == pytest.approx(400 * GBQ)
    sid = s["id"]
    r = client.post(f"/api/v1/shipments/{sid}/dispatch", json={"at": t0.isoformat()},
                    headers=h)
    assert r.status_code == 422 and r.json()["field"] == "at"  # before it was packed
    r = client.post(f"/api/v1/shipments/{sid}/dispatch", headers=h)  # now: 10 h later
    assert r.status_code == 200 and r.json()["status"] == "dispatched", r.text
    sent = r.json()["activity_bq"]
    assert sent < s["activity_bq"]  # re-decayed to the actual dispatch
    t1 = t_now()
    r = client.post(f"/api/v1/shipments/{sid}/events",
                    json={"kind": "arrived_hub", "at": (t1 + timedelta(minutes=1)).isoformat(),
                          "place": "Madrid"}, headers=h)
    assert r.status_code == 201 and r.json()["place"] == "Madrid", r.text
    r = client.post(f"/api/v1/shipments/{sid}/events",
                    json={"kind": "delivered", "at": (t1 + timedelta(minutes=2)).isoformat()},
                    headers=h)
    assert r.status_code == 201
    r = client.post(f"/api/v1/shipments/{sid}/events",
                    json={"kind": "delayed", "at": (t1 + HOUR).isoformat()}, headers=h)
    assert r.status_code in (409, 422)
    d = client.get(f"/api/v1/shipments/{sid}", headers=h).json()
    assert [e["kind"] for e in d["events"]] == ["prepared", "dispatched", "arrived_hub",
                                                "delivered"]
    assert d["shipment"]["status"] == "delivered" and not d["arrival_expected"]
    assert d["activity_on_arrival_bq"] < s["activity_bq"]
    dec = client.get(f"/api/v1/shipments/{sid}/declaration", headers=h).json()
    assert dec["un_number"] == "UN2915" and dec["activity_bq"] == pytest.approx(sent)
    assert dec["activity_en"] == f"{sent / GBQ:.4g} GBq ({sent / 3.7e10:.4g} Ci)"
    assert dec["certification_ru"].startswith("Настоящим заявляю")
    assert {x["key"] for x in dec["lines"]} >= {"consignor", "consignee", "un_number",
                                                 "transport_index", "emergency"}
    listed = client.get("/api/v1/shipments", params={"status": "delivered"}, headers=h).json()
    assert [x["id"] for x in listed] == [sid]
    r = client.post(f"/api/v1/shipments/{sid}/cancellation", json={"reason": "late"},
                    headers=h)
    assert r.status_code == 409


def test_roles_and_tenancy(db, client) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    other = make_supplier(db, "Other Isotopes")
    oid = make_order(db, sup, "I131-SOL", "BY-MINSK", gbq=20, dispatch_at=t_now())
    body = {"order_id": oid, "mode": "road", "package_type": "Type A", "surface_usv_h": 20,
            "at_1m_usv_h": 1}
    r = client.post("/api/v1/shipments", json=body, headers=_auth(client, sup, "supplier_sales"))
    assert r.status_code == 403
    stranger = _auth(client, other, "supplier_logistics")
    r = client.post("/api/v1/shipments", json=body, headers=stranger)
    assert r.status_code == 404 and r.json()["field"] == "order_id"
    r = client.post("/api/v1/shipments", json=body, headers=_auth(client, sup, "admin"))
    assert r.status_code == 201
    sid = r.json()["id"]
    for path in (f"/api/v1/shipments/{sid}", f"/api/v1/shipments/{sid}/declaration"):
        assert client.get(path, headers=stranger).status_code == 404
    assert client.post(f"/api/v1/shipments/{sid}/cancellation", json={"reason": "x"},
                       headers=stranger).status_code == 404
    viewer = _auth(client, sup, "viewer")
    assert client.get(f"/api/v1/shipments/{sid}", headers=viewer).status_code == 200
    assert client.post(f"/api/v1/shipments/{sid}/dispatch", headers=viewer).status_code == 403
    r = client.post(f"/api/v1/shipments/{sid}/cancellation", json={"reason": "dented"},
                    headers=_auth(client, sup, "supplier_logistics"))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


def test_classification_calculator_matches_the_cli_example(db, client) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    h = _auth(client, sup, "viewer")
    body = {"contents": [{"nuclide": "Mo-99", "activity_bq": 400 * GBQ}], "form": "liquid",
            "calibrated_at": "2026-12-10T12:00+03:00", "dispatch_at": "2026-12-08T12:00+03:00",
            "surface_usv_h": 300, "at_1m_usv_h": 8}
    r = client.post("/api/v1/transport/classification", json=body, headers=h)
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["package"], c["un_number"], c["transport_index"], c["label"]) == (
        "Type B(U)", "UN2916", 0.8, "II-YELLOW")
    assert round(c["sum_of_fractions"], 2) == 1.10 and c["activity_at"] == "dispatch"
    r = client.post("/api/v1/transport/classification",
                    json={"contents": [{"nuclide": "Co-60", "activity_bq": 300 * GBQ}],
                          "special_form": True}, headers=h)
    assert r.json()["un_number"] == "UN3332"
    for change, field in (({"form": None}, "form"), ({"dispatch_at": None}, "dispatch_at"),
                          ({"package": "Type A"}, "package"),
                          ({"contents": [{"nuclide": "Xx-1", "activity_bq": 1.0}]},
                           "contents"),
                          ({"surface_usv_h": 20_000}, "surface_dose_rate")):
        r = client.post("/api/v1/transport/classification", json={**body, **change},
                        headers=h)
        assert r.status_code == 422 and r.json()["field"] == field, (change, r.text)
    r = client.post("/api/v1/transport/classification",
                    json={**body, "contents": []}, headers=h)
    assert r.status_code == 422
    huge = {"contents": [{"nuclide": "Mo-99", "activity_bq": 1e30}], "form": "gas",
            "calibrated_at": "2999-12-10T12:00Z", "dispatch_at": "1900-01-01T00:00Z"}
    assert client.post("/api/v1/transport/classification", json=huge,
                       headers=h).status_code == 422
    assert client.post("/api/v1/transport/classification", json=body).status_code == 401
