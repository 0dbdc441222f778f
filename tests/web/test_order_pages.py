"""The supplier's contracts and orders pages (TestClient): a contract with a weekly delivery
through the forms, orders generated and shown by dispatch day with both zones named, an
ad-hoc order, amend and cancel with a required reason; refused forms name the rule (licence,
calibrated before arrival); a viewer sees no form and its POST is 403; another supplier's
order is 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/orders")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def test_contract_to_orders_through_the_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    today = datetime.now(UTC).date()
    r = client.post("/supplier/contracts", data={
        "csrf_token": csrf, "customer_id": str(sup.customer_ids["CU-HAVANA"]),
        "number": "CU-2026-7", "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=60)).isoformat(), "priority": "1", "note": ""},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    delivery = {"csrf_token": csrf, "product_id": str(sup.product_ids["I131-SOL"]),
                "weekday": "0", "calibration_time": "06:00", "calibration_days": "1",
                "activity": "150 GBq", "quantity": "1"}
    r = client.post(url + "/deliveries", data=delivery)
    assert r.status_code == 422 and "cannot arrive" in r.text  # 40 h by air
    r = client.post(url + "/deliveries", data={**delivery, "calibration_time": "12:00",
                                               "calibration_days": "3"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(url).text
    assert "every Monday" in page and "America/Havana" in page and "Europe/Moscow" in page
    r = client.post("/supplier/orders/generation",
                    data={"csrf_token": csrf, "until": (today + timedelta(days=21)).isoformat()})
    assert r.status_code == 200 and "orders created" in r.text
    week = client.get("/supplier/orders").text
    assert "ORD-" in week and "America/Havana" in week and "Europe/Moscow" in week


def test_ad_hoc_order_amend_cancel(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    cal = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT12:00")
    form = {"csrf_token": csrf, "customer_id": str(sup.customer_ids["CU-HAVANA"]),
            "product_id": str(sup.product_ids["I131-SOL"]), "activity": "480 GBq",
            "quantity": "1", "calibration": cal, "note": ""}
    r = client.post("/supplier/orders", data=form)
    assert r.status_code == 409 and "licence" in r.text
    r = client.post("/supplier/orders", data={**form, "activity": "0 GBq"})
    assert r.status_code == 422
    r = client.post("/supplier/orders", data={**form, "activity": "150 GBq"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    page = client.get(url).text
    assert "12:00 (America/Havana)" in page and "(Europe/Moscow)" in page
    r = client.post(url + "/amendment", data={"csrf_token": csrf, "activity": "100 GBq",
                                             "quantity": "2", "calibration": cal,
                                             "reason": ""})
    assert r.status_code == 422
    r = client.post(url + "/amendment", data={"csrf_token": csrf, "activity": "100 GBq",
                                             "quantity": "2", "calibration": cal,
                                             "reason": "two hospitals"},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(url + "/cancellation", data={"csrf_token": csrf, "reason": "closed"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(url).text
    assert "two hospitals" in page and "closed" in page and 'id="cancel"' not in page

    viewer, vcsrf = sign_in(app, sup.usernames["viewer"])
    assert 'id="place"' not in viewer.get("/supplier/orders").text
    assert viewer.post("/supplier/orders", data={**form, "csrf_token": vcsrf}).status_code == 403
    other = make_supplier(db, name="Other Isotopes")
    stranger, _ = sign_in(app, other.usernames["supplier_sales"])
    assert stranger.get(url).status_code == 404
