"""The ledger's pages through the application (TestClient) on SQLite and PostgreSQL: the list
and its filters, receiving, withdraw / transfer / measure / dispose / correct through their
forms, refused forms that keep what was typed and name the rule, CSRF, tenancy, the curve."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, make_tenant

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/containers")
    assert page.status_code == 200
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def receive(client: TestClient, csrf: str, site_id: int, **values: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "site_id": str(site_id), "kind": "vial", "nuclide": "Tc-99m",
            "activity": "10 GBq", "reference_at": datetime.now(UTC).isoformat(),
            "volume_ml": "10", "label": "eluate 1", "note": ""}
    data.update(values)
    return client.post("/containers/new", data=data, follow_redirects=False)


def received_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    m = re.match(r"/containers/(\d+)\?done=received", response.headers["location"])
    assert m, response.headers["location"]
    return int(m.group(1))


def test_receive_withdraw_measure_dispose_through_the_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha")
    client, csrf = sign_in(app, t.rph_username)
    assert client.get("/containers/new").status_code == 200
    cid = received_id(receive(client, csrf, t.site_id))
    page = client.get(f"/containers/{cid}?done=received")
    assert "The container was received." in page.text
    assert re.search(r'id="activity-now"><strong>(9\.99\d|10)\xa0GBq', page.text)
    assert "(Asia/Bishkek)" in page.text and 'id="chart-data"' in page.text

    r = client.post(f"/containers/{cid}/withdraw", data={
        "csrf_token": csrf, "activity": "1 GBq", "note": "patient 1"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/containers/{cid}?done=withdrawn"
    r = client.post(f"/containers/{cid}/withdraw", data={
        "csrf_token": csrf, "volume_ml": "2", "into_kind": "syringe", "into_label": "S-1"},
        follow_redirects=False)
    assert r.status_code == 303
    new = int(re.search(r"new=(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    syringe = client.get(f"/containers/{new}")
    assert "S-1" in syringe.text and f'href="/containers/{cid}"' in syringe.text

    r = client.post(f"/containers/{cid}/measure", data={
        "csrf_token": csrf, "activity": "7 GBq", "note": "calibrator"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=measured")
    page = client.get(f"/containers/{cid}")
    assert page.text.count('<tr id="event-') == 4
    assert "patient 1" in page.text and "calibrator" in page.text

    r = client.post(f"/containers/{cid}/dispose", data={"csrf_token": csrf, "note": "decayed"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=disposed")
    page = client.get(f"/containers/{cid}")
    assert "disposed of" in page.text and 'id="withdraw"' not in page.text


def test_correct_voids_and_replaces(db, app) -> None:  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha")
    client, csrf = sign_in(app, t.rph_username)
    cid = received_id(receive(client, csrf, t.site_id))
    client.post(f"/containers/{cid}/withdraw", data={"csrf_token": csrf, "activity": "1 GBq"})
    page = client.get(f"/containers/{cid}")
    withdrawal_id = re.search(r'<option value="(\d+)">#2 Withdrawal', page.text)
    assert withdrawal_id is not None
    # a correction without a reason is refused, the choice kept
    r = client.post(f"/containers/{cid}/correct", data={
        "csrf_token": csrf, "event_id": withdrawal_id.group(1), "void": "on", "reason": " "})
    assert r.status_code == 422 and "A correction must say why." in r.text
    assert f'<option value="{withdrawal_id.group(1)}" selected>' in r.text
    r = client.post(f"/containers/{cid}/correct", data={
        "csrf_token": csrf, "event_id": withdrawal_id.group(1), "void": "on",
        "reason": "entered twice"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=corrected")
    page = client.get(f"/containers/{cid}")
    assert '<tr id="event-2" class="void">' in page.text
    assert 'corrects <a href="#event-2">#2</a>' in page.text and "entered twice" in page.text
    # back to the full activity once the withdrawal is void
    assert re.search(r'id="activity-now"><strong>(9\.99\d|10)\xa0GBq', page.text)


def test_refused_forms_keep_what_was_typed_and_name_the_rule(db, app) -> None:  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha", licence_bq=5e9)
    client, csrf = sign_in(app, t.rph_username)
    r = receive(client, csrf, t.site_id, label="too much", note="from the supplier")
    assert r.status_code == 409
    assert "licence" in r.text.lower() and 'value="too much"' in r.text
    assert "from the supplier</textarea>" in r.text and 'value="10 GBq"' in r.text
    r = receive(client, csrf, t.site_id, activity="10 gigabecquerel")
    assert r.status_code == 422 and 'id="receive-activity" name="activity" type="text" ' \
        'value="10 gigabecquerel"' in r.text and 'aria-invalid="true"' in r.text
    # HTMX gets the form alone
    r = client.post("/containers/new", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf, "site_id": str(t.site_id), "kind": "vial", "nuclide": "Xx-1",
        "activity": "1 GBq", "reference_at": datetime.now(UTC).isoformat()})
    assert r.status_code == 422 and r.text.lstrip().startswith("<form id=\"receive\"")
    assert 'value="Xx-1"' in r.text

    cid = received_id(receive(client, csrf, t.site_id, activity="1 GBq"))
    r = client.post(f"/containers/{cid}/withdraw", data={"csrf_token": csrf, "activity": "5 GBq",
                                                         "note": "kept"})
    assert r.status_code == 409 and "would overdraw" in r.text
    assert 'value="5 GBq"' in r.text and "kept</textarea>" in r.text
    assert '<details id="withdraw-panel" open>' in r.text
    r = client.post(f"/containers/{cid}/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 422 and "Give the activity or the volume" in r.text


def test_a_form_without_its_csrf_token_is_refused(db, app) -> None:  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha")
    client, csrf = sign_in(app, t.rph_username)
    cid = received_id(receive(client, csrf, t.site_id))
    r = client.post(f"/containers/{cid}/withdraw", data={"activity": "1 GBq"})
    assert r.status_code == 403
    r = receive(client, "forged", t.site_id)
    assert r.status_code == 403
    assert "1 container" in client.get("/containers").text


def test_another_organisations_container_is_the_404_page(db, app) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(db, "Alpha"), make_tenant(db, "Beta")
    client_a, csrf_a = sign_in(app, a.rph_username)
    cid = received_id(receive(client_a, csrf_a, a.site_id))
    client_b, csrf_b = sign_in(app, b.rph_username)
    for r in (client_b.get(f"/containers/{cid}"),
              client_b.post(f"/containers/{cid}/withdraw",
                            data={"csrf_token": csrf_b, "activity": "1 GBq"}),
              client_b.get("/containers/999999")):
        assert r.status_code == 404 and "Not found" in r.text
    assert "0 containers" in client_b.get("/containers").text
    # and B cannot receive into A's site
    assert receive(client_b, csrf_b, a.site_id).status_code == 422


def test_filters_and_paging(db, app) -> None:  # type: ignore[no-untyped-def]
    t = make_tenant(db, "Alpha")
    client, csrf = sign_in(app, t.rph_username)
    tc = received_id(receive(client, csrf, t.site_id))
    gen = received_id(receive(client, csrf, t.site_id, kind="generator", nuclide="Mo-99",
                              activity="40 GBq", label="GT-4K"))
    client.post(f"/containers/{tc}/dispose", data={"csrf_token": csrf})

    def ids(query: str) -> list[int]:
        r = client.get("/containers" + query)
        assert r.status_code == 200
        return [int(x) for x in re.findall(r'<td><a href="/containers/(\d+)">', r.text)]

    assert ids("") == [gen, tc]
    assert ids("?nuclide=mo99") == [gen]
    assert ids("?kind=vial") == [tc]
    assert ids("?disposed=yes") == [tc] and ids("?disposed=no") == [gen]
    assert ids(f"?site_id={t.site_id}&nuclide=Tc-99m&disposed=no") == []
    r = client.get("/containers?nuclide=Unobtainium-7")
    assert r.status_code == 422 and 'role="alert"' in r.text
    page = client.get("/containers")
    assert "GT-4K" in page.text and "Generator" in page.text and "(Asia/Bishkek)" in page.text


def test_the_curve_is_the_ledgers_balance(db) -> None:  # type: ignore[no-untyped-def]
    from isoflow.domain import ledger as rules
    from isoflow.services import ledger, ledger_views
    from isoflow.services.ledger_records import decay_constant, ledger_cache

    t = make_tenant(db, "Alpha")
    now = datetime.now(UTC)
    c = ledger.receive(db, t.radiopharmacist, site_id=t.site_id, kind="vial", nuclide="Tc-99m",
                       activity_bq=10e9, reference_at=now - timedelta(hours=4), volume_ml=10,
                       received_at=now - timedelta(hours=3))
    for k in range(5):
        ledger.withdraw(db, t.radiopharmacist, c.id, at=now - timedelta(minutes=150 - 30 * k),
                        activity_bq=0.5e9)
    curve = ledger_views.activity_curve(db, t.radiopharmacist, c.id, points=50, at=now)
    _, events = ledger_cache(db).container(db, c.id)
    lam = decay_constant("Tc-99m")
    for when, bq in zip(curve.times, curve.activities_bq, strict=True):
        assert bq == pytest.approx(rules.holding_at(lam, events, when).activity_bq,
                                   rel=1e-9, abs=1.0)
    assert curve.activity_at_bq == rules.holding_at(lam, events, now).activity_bq
    assert [m.kind for m in curve.markers] == ["receipt"] + ["withdrawal"] * 5
    assert curve.times[0] == c.received_at and curve.times[-1] > now
