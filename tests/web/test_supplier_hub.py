"""/supplier: the supplier's hub shows its sections to a supplier's users and is in the
header; a hospital's users do not see it in the header."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.department_world import make_department
from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def test_the_hub_links_every_section(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client = signed_in(app, sup.usernames["supplier_sales"])
    page = client.get("/supplier")
    assert page.status_code == 200
    for path in ("/supplier/orders", "/supplier/contracts", "/supplier/customers",
                 "/supplier/production", "/supplier/shipments", "/supplier/irradiation",
                 "/supplier/analytics", "/supplier/products"):
        assert f'href="{path}"' in page.text
    assert 'href="/supplier"' in client.get("/dashboard").text
    ru = client.get("/supplier", headers={"Accept-Language": "ru"})
    assert ru.status_code == 200


def test_a_hospital_user_has_no_supplier_link(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client = signed_in(app, dep.usernames["technologist"])
    assert 'href="/supplier"' not in client.get("/dashboard").text
