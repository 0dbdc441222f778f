"""/api/v1/batches: batches and their allocation through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import token_for
from tests.production_world import T0, add_order
from tests.supplier_world import PASSWORD, make_supplier


def test_batch_allocation_through_the_api(client: Any, db: object) -> None:
    sup = make_supplier(db)
    add_order(db, sup, "O-HAV", "CU-HAVANA", gbq=100, dispatch_h=2)
    add_order(db, sup, "O-MSK", "BY-MINSK", gbq=100, dispatch_h=2)
    prod = token_for(client, sup.usernames["supplier_production"], PASSWORD)
    viewer = token_for(client, sup.usernames["viewer"], PASSWORD)
    body = {"number": "MO-261207", "nuclide": "Mo-99", "available_at": T0.isoformat(),
            "capacity_bq": 2.0e11, "yield_fraction": 0.9}
    r = client.post("/api/v1/batches", json=body, headers=prod)
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    assert r.json()["available_bq"] == 1.8e11
    assert client.post("/api/v1/batches", json=body, headers=prod).status_code == 409
    assert client.post("/api/v1/batches", json=body, headers=viewer).status_code == 403
    bad = client.post("/api/v1/batches", json={**body, "number": "X", "yield_fraction": 1.5},
                      headers=prod)
    assert bad.status_code == 422
    bad = client.post("/api/v1/batches", json={**body, "number": "X", "nuclide": "Zz-1"},
                      headers=prod)
    assert bad.status_code == 422 and bad.json()["field"] == "nuclide"
    r = client.get(f"/api/v1/batches/{bid}", headers=viewer)
    assert r.status_code == 200 and len(r.json()["orders"]) == 2
    preview = client.get(f"/api/v1/batches/{bid}/allocation", headers=viewer).json()
    assert preview["shortfall_bq"] > 0
    fractions = {x["order"]["number"]: x["fraction"] for x in preview["lines"]}
    assert fractions["O-HAV"] == 1.0 and 0 < fractions["O-MSK"] < 1
    assert client.post(f"/api/v1/batches/{bid}/allocation", headers=viewer).status_code == 403
    r = client.post(f"/api/v1/batches/{bid}/allocation", headers=prod)
    assert r.status_code == 200, r.text
    assert r.json()["batch"]["status"] == "allocated"
    assert client.post(f"/api/v1/batches/{bid}/allocation", headers=prod).status_code == 409
    assert [a["order_number"] for a in client.get(f"/api/v1/batches/{bid}",
                                                   headers=prod).json()["allocations"]] \
        == ["O-HAV", "O-MSK"]
    other = make_supplier(db, name="Other Isotopes")
    oth = token_for(client, other.usernames["admin"], PASSWORD)
    assert client.get(f"/api/v1/batches/{bid}", headers=oth).status_code == 404
    assert client.get("/api/v1/batches", headers=oth).json() == []
    assert len(client.get("/api/v1/batches", headers=prod).json()) == 1


def test_production_figures_and_cancellation(client: Any, db: object) -> None:
    sup = make_supplier(db)
    prod = token_for(client, sup.usernames["supplier_production"], PASSWORD)
    r = client.post("/api/v1/batches", json={"number": "I-1", "nuclide": "I-131",
                                             "available_at": T0.isoformat(),
                                             "capacity_bq": 1e12}, headers=prod)
    bid = r.json()["id"]
    r = client.post(f"/api/v1/batches/{bid}/production",
                    json={"capacity_bq": 8e11, "yield_fraction": 0.5, "reason": "measured"},
                    headers=prod)
    assert r.status_code == 200 and r.json()["status"] == "produced"
    r = client.post(f"/api/v1/batches/{bid}/cancellation", json={"reason": "outage"},
                    headers=prod)
    assert r.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/batches/{bid}/allocation", headers=prod).status_code == 409
    assert client.get("/api/v1/batches/2147483648", headers=prod).status_code == 422
