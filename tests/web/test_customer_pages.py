"""The catalogue and customers pages through the application (TestClient): the products with
sizes and prices in their units (bulk Mo-99 in 6-day Ci), add and change a product; customers
searched, filtered, paged and counted by country (names in English and Russian); a customer's
licences with expiry badges, forms to add a licence and a route, end a licence, take a route
out of use; refused forms name the rule and write nothing; roles 403 and tenancy 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from isoflow.services import customers
from isoflow.store.models import AuditEntry
from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str, lang: str = "en") -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app, headers={"Accept-Language": lang})
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/customers")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def _audits(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_products_page_and_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    page = client.get("/supplier/products")
    assert page.status_code == 200
    row = re.search(rf'<tr id="product-{sup.product_ids["TC-GEN-20"]}".*?</tr>', page.text,
                    re.S).group(0)
    assert "5\u00a0GBq" in row and "20\u00a0GBq" in row and "900 USD" in row
    mo = re.search(rf'<tr id="product-{sup.product_ids["MO99-BULK"]}".*?</tr>', page.text,
                   re.S).group(0)
    assert "6-day Ci" in mo and "40 USD" in mo and "per GBq" in mo
    r = client.post("/supplier/products", data={
        "csrf_token": csrf, "code": "MO99-B2", "name": "Mo-99 bulk 2", "nuclide": "Mo-99",
        "form": "liquid", "calibration": "six_day_ci", "sizes": "100 6-day Ci, 1000 6-day Ci",
        "shelf_life_days": "6", "unit_price": "0", "price_per_gbq": "12", "currency": "USD",
        "procedures_per_unit": "", "note": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/products")
    assert "100 6-day Ci" in page.text and "1,000 6-day Ci" in page.text
    n = _audits(db)
    r = client.post("/supplier/products", data={
        "csrf_token": csrf, "code": "I-BAD", "name": "x", "nuclide": "I-131", "form": "liquid",
        "calibration": "six_day_ci", "sizes": "", "shelf_life_days": "", "unit_price": "",
        "price_per_gbq": "", "currency": "USD", "procedures_per_unit": "", "note": ""})
    assert r.status_code == 422 and "only Mo-99 is sold in 6-day Ci" in r.text
    assert 'id="new-product-calibration"' in r.text and 'aria-invalid="true"' in r.text
    r = client.post("/supplier/products", data={
        "csrf_token": csrf, "code": "X-1", "name": "x", "nuclide": "Co-60",
        "form": "special_form", "calibration": "reference_time", "sizes": "0 GBq",
        "shelf_life_days": "", "unit_price": "", "price_per_gbq": "", "currency": "USD",
        "procedures_per_unit": "", "note": ""})
    assert r.status_code == 422 and "sizes" in r.text
    assert _audits(db) == n
    pid = sup.product_ids["I131-SOL"]
    edit = client.get(f"/supplier/products/{pid}")
    assert edit.status_code == 200 and 'id="edit-product-form"' in edit.text
    values = dict(re.findall(r'<input id="edit-product-(\w+)" name="\w+" type="text" '
                             r'value="([^"]*)"', edit.text))
    r = client.post(f"/supplier/products/{pid}", data={
        **values, "csrf_token": csrf, "form": "liquid", "calibration": "reference_time",
        "currency": "USD", "note": "", "price_per_gbq": "30", "reason": "",
        "active": "on"})
    assert r.status_code == 422 and "say why" in r.text
    r = client.post(f"/supplier/products/{pid}", data={
        **values, "csrf_token": csrf, "form": "liquid", "calibration": "reference_time",
        "currency": "USD", "note": "", "price_per_gbq": "30", "reason": "price list 2027",
        "active": "on"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert _audits(db) == n + 1  # only the price changed: one audited update
    assert "30 USD" in client.get(f"/supplier/products/{pid}").text


def test_product_page_roles_and_tenancy(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    viewer, csrf = sign_in(app, sup.usernames["supplier_production"])
    page = viewer.get("/supplier/products")
    assert page.status_code == 200 and "new-product-form" not in page.text
    r = viewer.post("/supplier/products", data={"csrf_token": csrf, "code": "X"})
    assert r.status_code == 403
    other = make_supplier(db, name="Other Isotopes")
    client, _ = sign_in(app, other.usernames["admin"])
    assert client.get(f"/supplier/products/{sup.product_ids['I131-SOL']}").status_code == 404
    assert client.get(f"/supplier/customers/{sup.customer_ids['CU-HAVANA']}").status_code == 404


def test_customers_list_search_paging_counts(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    sales = sup.actors["supplier_sales"]
    for i in range(55):
        customers.create_customer(db, sales, code=f"CN-{i:03d}", name=f"Hospital {i}",
                                  country="CN", timezone="Asia/Shanghai", kind="hospital")
    client, _ = sign_in(app, sup.usernames["viewer"])
    page = client.get("/supplier/customers")
    assert "Customers found: 60" in page.text and "Page 1 of 2" in page.text
    assert page.text.count('<tr id="customer-') == 50
    by_country = re.search(r'<ul class="counts" id="by-country">.*?</ul>', page.text, re.S)
    assert "China</a> 55" in by_country.group(0) and "Cuba</a> 1" in by_country.group(0)
    assert "new-customer-form" not in page.text  # a viewer has no form
    second = client.get("/supplier/customers", params={"page": 2})
    assert second.text.count('<tr id="customer-') == 10 and 'rel="prev"' in second.text
    found = client.get("/supplier/customers", params={"search": "minsk"})
    assert "Customers found: 1" in found.text and "BY-MINSK" in found.text
    cu = client.get("/supplier/customers", params={"country": "CU"})
    assert "CU-HAVANA" in cu.text and "CN-000" not in cu.text
    centres = client.get("/supplier/customers", params={"kind": "irradiation_centre"})
    assert "UZ-IRRAD" in centres.text and "CU-HAVANA" not in centres.text
    bad = client.get("/supplier/customers", params={"country": "ZZ"})
    assert bad.status_code == 200 and "ISO 3166-1" in bad.text
    ru, _ = sign_in(app, sup.usernames["viewer"], "ru")
    page = ru.get("/supplier/customers")
    assert 'lang="ru"' in page.text and "Куба</a> 1" in page.text and "Китай" in page.text
    detail = ru.get(f"/supplier/customers/{sup.customer_ids['BY-MINSK']}")
    assert "Беларусь (BY)" in detail.text


def test_customer_page_licences_routes_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    cid = sup.customer_ids["KZ-ALMATY"]
    sales = sup.actors["supplier_sales"]
    today = datetime.now(UTC).date()
    customers.add_licence(db, sales, cid, number="OLD-1", nuclide="I-131", limit_bq=1e9,
                          valid_from=today - timedelta(days=400),
                          valid_to=today - timedelta(days=5))
    customers.add_licence(db, sales, cid, number="SOON-1", nuclide="Mo-99", limit_bq=1e12,
                          valid_from=today - timedelta(days=100),
                          valid_to=today + timedelta(days=10))
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    page = client.get(f"/supplier/customers/{cid}")
    assert page.status_code == 200 and "Kazakhstan (KZ)" in page.text
    states = dict(re.findall(r'<tr id="licence-\d+">\s*<td>([^<]+)</td>.*?data-state="(\w+)"',
                             page.text, re.S))
    assert states == {"OLD-1": "expired", "SOON-1": "expiring", "KZ-ALMATY-Ge-68": "valid"}
    assert "expires within 30 days" in page.text and "1\u00a0TBq" in page.text
    n = _audits(db)
    r = client.post(f"/supplier/customers/{cid}/licences", data={
        "csrf_token": csrf, "number": "KZ-2", "nuclide": "Tc-99m", "limit": "2 TBq",
        "valid_from": "2026-02-01", "valid_to": "2026-01-01"})
    assert r.status_code == 422 and "is before valid_from" in r.text
    r = client.post(f"/supplier/customers/{cid}/licences", data={
        "csrf_token": csrf, "number": "KZ-2", "nuclide": "Tc-99m", "limit": "lots",
        "valid_from": "2026-01-01", "valid_to": "2027-01-01"})
    assert r.status_code == 422 and 'id="new-licence-limit"' in r.text
    assert _audits(db) == n
    r = client.post(f"/supplier/customers/{cid}/licences", data={
        "csrf_token": csrf, "number": "KZ-2", "nuclide": "99mTc", "limit": "54 Ci",
        "valid_from": "2026-01-01", "valid_to": "2030-12-31"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = customers.get_customer(db, sales, cid)
    new = next(x for x in detail.licences if x.number == "KZ-2")
    assert new.nuclide == "Tc-99m" and new.limit_bq == 54 * 3.7e10
    r = client.post(f"/supplier/customers/{cid}/licences/{new.id}/end", data={
        "csrf_token": csrf, "valid_to": "2029-06-30", "reason": "suspended"},
        follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/supplier/customers/{cid}/routes", data={
        "csrf_token": csrf, "name": "Air via Astana", "mode": "air", "transit_hours": "800"})
    assert r.status_code == 422 and "30 days" in r.text
    r = client.post(f"/supplier/customers/{cid}/routes", data={
        "csrf_token": csrf, "name": "Air via Astana", "mode": "air", "transit_hours": "12"},
        follow_redirects=False)
    assert r.status_code == 303
    route = customers.get_customer(db, sales, cid).routes[-1]
    assert route.transit_s == 12 * 3600.0
    r = client.post(f"/supplier/customers/{cid}/routes/{route.id}/active", data={
        "csrf_token": csrf, "reason": "no flights"}, follow_redirects=False)
    assert r.status_code == 303
    assert not customers.get_customer(db, sales, cid).routes[-1].active
    # another customer's route through this customer's page: not found
    other_route = sup.route_ids["CU-HAVANA"]
    r = client.post(f"/supplier/customers/{cid}/routes/{other_route}/active", data={
        "csrf_token": csrf, "reason": "x"})
    assert r.status_code == 404
    # a viewer: no forms, and a POST is 403 with nothing written
    viewer, vcsrf = sign_in(app, sup.usernames["viewer"])
    page = viewer.get(f"/supplier/customers/{cid}")
    assert "new-licence-form" not in page.text and "edit-customer-form" not in page.text
    n = _audits(db)
    r = viewer.post(f"/supplier/customers/{cid}/routes", data={
        "csrf_token": vcsrf, "name": "R", "mode": "road", "transit_hours": "1"})
    assert r.status_code == 403 and _audits(db) == n


def test_new_and_changed_customer(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, csrf = sign_in(app, sup.usernames["supplier_sales"])
    form = {"csrf_token": csrf, "code": "UZ-IRR2", "name": "Centre 2", "country": "UZ",
            "timezone": "Asia/Tashkent", "kind": "hospital", "priority": "2",
            "min_installed": "37 PBq", "contact": ""}
    r = client.post("/supplier/customers", data=form)
    assert r.status_code == 422 and "only an irradiation centre" in r.text
    r = client.post("/supplier/customers", data={**form, "kind": "irradiation_centre"},
                    follow_redirects=False)
    assert r.status_code == 303
    cid = int(r.headers["location"].split("/")[-1].split("?")[0])
    page = client.get(f"/supplier/customers/{cid}")
    assert "37\u00a0PBq" in page.text and "Uzbekistan (UZ)" in page.text
    n = _audits(db)
    r = client.post(f"/supplier/customers/{cid}", data={
        "csrf_token": csrf, "name": "Centre Two", "country": "UZ", "timezone": "Asia/Tashkent",
        "kind": "irradiation_centre", "priority": "2", "min_installed": "37 PBq",
        "contact": "", "active": "on", "reason": "renamed"}, follow_redirects=False)
    assert r.status_code == 303 and _audits(db) == n + 1
    c = customers.get_customer(db, sup.actors["viewer"], cid).customer
    assert c.name == "Centre Two" and c.min_installed_bq == 3.7e16


def test_products_page_in_russian(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, _ = sign_in(app, sup.usernames["viewer"], "ru")
    page = client.get("/supplier/products")
    assert page.status_code == 200 and 'lang="ru"' in page.text
    row = re.search(rf'<tr id="product-{sup.product_ids["TC-GEN-20"]}".*?</tr>', page.text,
                    re.S).group(0)
    assert "20\u00a0ГБк" in row  # the activity in the page's language
    assert "new-product-form" not in page.text
