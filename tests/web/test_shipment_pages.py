"""The shipments pages through the application (TestClient), in English and Russian: pack an
order through the form (a package below the contents refused, naming the rule, with what was
typed), dispatch, track to delivery, the bilingual printable declaration, the calculator;
roles (no forms, a POST is 403) and tenancy (404)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.shipment_world import make_order, t_now
from tests.supplier_world import PASSWORD, make_supplier

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str, lang: str = "en") -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app, headers={"Accept-Language": lang})
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/supplier/shipments")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def test_pack_dispatch_track_and_declare(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    t0 = t_now() + timedelta(hours=2)
    gen = make_order(db, sup, "TC-GEN-20", "BY-MINSK", gbq=500, dispatch_at=t0,
                     calibration_at=t0 + timedelta(days=1))
    client, csrf = sign_in(app, sup.usernames["supplier_logistics"])
    page = client.get("/supplier/shipments")
    assert f'value="{gen}"' in page.text and "contents need: Type B(U)" in page.text
    assert 'id="ti-road"' in page.text
    form = {"csrf_token": csrf, "order_id": str(gen), "mode": "road",
            "package_type": "Type A", "surface": "0.3 mSv/h", "at_1m": "8 µSv/h",
            "dispatch_at": "", "note": ""}
    r = client.post("/supplier/shipments", data=form, follow_redirects=False)
    assert r.status_code == 422 and "Type B(U)" in r.text and 'value="0.3 mSv/h"' in r.text
    assert 'id="prepare-package_type-error"' in r.text
    r = client.post("/supplier/shipments", data={**form, "surface": "0.3"},
                    follow_redirects=False)
    assert r.status_code == 422 and 'id="prepare-surface-error"' in r.text
    r = client.post("/supplier/shipments", data={**form, "package_type": "Type B(U)"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    page = client.get(url + "?done=prepared")
    assert "The package was classified and recorded." in page.text
    assert "UN2916" in page.text and "II-YELLOW" in page.text and 'id="dispatch"' in page.text
    r = client.post(url + "/dispatch", data={"csrf_token": csrf, "at": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(url)
    assert 'id="track"' in page.text and 'id="dispatch"' not in page.text
    r = client.post(url + "/events", data={"csrf_token": csrf, "kind": "delivered",
                                           "at": "", "place": "", "note": ""},
                    follow_redirects=False)
    assert r.status_code == 422 and 'id="track-at-error"' in r.text
    later = (t_now() + timedelta(seconds=2)).isoformat()
    r = client.post(url + "/events", data={"csrf_token": csrf, "kind": "delivered",
                                           "at": later, "place": "Minsk", "note": ""},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(url)
    assert "Delivered" in page.text and "Minsk" in page.text and 'id="track"' not in page.text
    assert "Europe/Minsk" in page.text  # the arrival in the customer's zone
    dec = client.get(url + "/declaration")
    assert dec.status_code == 200
    assert "I hereby declare that the contents of this consignment" in dec.text
    assert "Настоящим заявляю" in dec.text and "UN2916" in dec.text
    assert "Грузоотправитель" in dec.text and "Test Isotopes" in dec.text
    assert "@media print" not in dec.text and "shipments.css" in dec.text


def test_russian_pages_and_declaration(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    oid = make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20, dispatch_at=t_now())
    client, csrf = sign_in(app, sup.usernames["supplier_logistics"], "ru")
    r = client.post("/supplier/shipments", data={
        "csrf_token": csrf, "order_id": str(oid), "mode": "air-cargo",
        "package_type": "Type A", "surface": "20 µSv/h", "at_1m": "1 µSv/h",
        "dispatch_at": "", "note": ""}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    page = client.get(url)
    assert 'lang="ru"' in page.text
    dec = client.get(url + "/declaration").text
    assert "I hereby declare" in dec and "Настоящим заявляю" in dec
    assert "UN2915" in dec and "ГБк" in dec and "GBq" in dec


def test_calculator(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    client, _ = sign_in(app, sup.usernames["viewer"])
    page = client.get("/supplier/transport")
    assert page.status_code == 200 and 'id="result"' not in page.text
    page = client.get("/supplier/transport", params={
        "contents": "Mo-99=400 GBq", "form": "liquid",
        "calibrated_at": "2026-12-10T12:00+03:00", "dispatch_at": "2026-12-08T12:00+03:00",
        "surface": "0.3 mSv/h", "at_1m": "0.008 mSv/h"})
    assert page.status_code == 200, page.text
    assert "Type B(U) · UN2916" in page.text and "II-YELLOW" in page.text
    assert re.search(r'id="fraction">1\.1', page.text)
    page = client.get("/supplier/transport", params={"contents": "Xx-1=1 GBq",
                                                     "form": "liquid"})
    assert page.status_code == 422 and 'id="calculator-contents-error"' in page.text
    page = client.get("/supplier/transport", params={"contents": "Mo-99=1 GBq"})
    assert page.status_code == 422 and 'id="calculator-form-error"' in page.text


def test_roles_and_tenancy(db, app) -> None:  # type: ignore[no-untyped-def]
    sup = make_supplier(db)
    other = make_supplier(db, "Other Isotopes")
    oid = make_order(db, sup, "I131-SOL", "CU-HAVANA", gbq=20, dispatch_at=t_now())
    log, csrf = sign_in(app, sup.usernames["supplier_logistics"])
    r = log.post("/supplier/shipments", data={
        "csrf_token": csrf, "order_id": str(oid), "mode": "road", "package_type": "Type A",
        "surface": "20 µSv/h", "at_1m": "1 µSv/h", "dispatch_at": "", "note": ""},
        follow_redirects=False)
    url = r.headers["location"].split("?")[0]
    sales, scsrf = sign_in(app, sup.usernames["supplier_sales"])
    page = sales.get("/supplier/shipments")
    assert 'id="prepare"' not in page.text and url.rsplit("/", 1)[1] in page.text
    assert 'id="dispatch"' not in sales.get(url).text
    r = sales.post(url + "/dispatch", data={"csrf_token": scsrf, "at": ""},
                   follow_redirects=False)
    assert r.status_code == 403
    stranger, _ = sign_in(app, other.usernames["supplier_logistics"])
    assert stranger.get(url).status_code == 404
    assert stranger.get(url + "/declaration").status_code == 404


def test_a_second_site_is_chosen_on_the_form_and_named_on_the_shipment(db, app) -> None:  # type: ignore[no-untyped-def]
    from isoflow.services import organisations

    sup = make_supplier(db)
    client, csrf = sign_in(app, sup.usernames["supplier_logistics"])
    page = client.get("/supplier/shipments")
    assert 'id="prepare-site_id"' not in page.text and 'id="site-choice"' not in page.text
    depot = organisations.create_site(db, sup.actors["admin"], org_id=None, name="Samara depot",
                                      timezone="Europe/Samara", jurisdiction="RU")
    order = make_order(db, sup, "I131-SOL", "BY-MINSK", gbq=10,
                       dispatch_at=t_now() + timedelta(hours=3))
    page = client.get("/supplier/shipments", params={"site_id": depot.id})
    assert 'id="prepare-site_id"' in page.text and "Europe/Samara" in page.text
    assert f'<option value="{depot.id}" selected>Samara depot' in page.text
    form = {"csrf_token": csrf, "order_id": str(order), "mode": "road",
            "package_type": "Type A", "surface": "50 µSv/h", "at_1m": "2 µSv/h",
            "dispatch_at": "", "note": "", "site_id": str(depot.id)}
    r = client.post("/supplier/shipments", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"])
    assert re.search(r'id="site">Samara depot<', detail.text), detail.text
