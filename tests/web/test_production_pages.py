"""/supplier/production pages through the forms (TestClient)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from isoflow.services import production
from isoflow.store.supplier_models import Allocation, Batch
from tests.production_world import T0, add_order
from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/production")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def _count(db: object, model: type) -> int:
    with db.read() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model)))


def test_batch_create_preview_and_allocate(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    add_order(db, sup, "O-HAV", "CU-HAVANA", gbq=100, dispatch_h=2)
    add_order(db, sup, "O-MSK", "BY-MINSK", gbq=100, dispatch_h=2)
    client, csrf = sign_in(app, sup.usernames["supplier_production"])
    form = {"csrf_token": csrf, "number": "MO-261207", "nuclide": "Mo-99",
            "available_at": "2026-12-07 09:00", "capacity": "250 GBq", "yield_fraction": "1",
            "note": ""}
    bad = client.post("/supplier/production", data={**form, "capacity": "-5 GBq"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert _count(db, Batch) == 0
    r = client.post("/supplier/production", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    with db.read() as s:  # type: ignore[attr-defined]
        b = s.scalars(select(Batch)).one()
        assert b.available_at == T0  # 09:00 Moscow = 06:00 UTC
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="shortfall"' in page.text and "O-MSK" in page.text
    assert "you receive" in page.text and 'id="allocate"' in page.text
    listing = client.get("/supplier/production").text
    assert "MO-261207" in listing and "bar demand short" in listing
    r = client.post(f"/supplier/production/{b.id}/allocation", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'id="allocations"' in page and 'id="allocate"' not in page
    assert _count(db, Allocation) == 2
    again = client.post(f"/supplier/production/{b.id}/allocation", data={"csrf_token": csrf})
    assert again.status_code == 409


def test_roles_and_tenancy(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    add_order(db, sup, "O-HAV", "CU-HAVANA", gbq=100, dispatch_h=2)
    b = production.create_batch(db, sup.actors["supplier_production"], number="MO-1",
                                nuclide="Mo-99", available_at=T0, capacity_bq=1e11)
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    page = client.get(f"/supplier/production/{b.id}")
    assert page.status_code == 200 and 'id="allocate"' not in page.text
    assert 'id="create"' not in client.get("/supplier/production").text
    r = client.post(f"/supplier/production/{b.id}/allocation", data={"csrf_token": csrf})
    assert r.status_code == 403
    r = client.post("/supplier/production", data={"csrf_token": csrf, "number": "X",
                                                  "nuclide": "Mo-99",
                                                  "available_at": "2026-12-07 09:00",
                                                  "capacity": "1 GBq"})
    assert r.status_code == 403 and _count(db, Allocation) == 0
    other = make_supplier(db, name="Other Isotopes")
    oclient, _ = sign_in(app, other.usernames["admin"])
    assert oclient.get(f"/supplier/production/{b.id}").status_code == 404
    assert "MO-1" not in oclient.get("/supplier/production").text
