"""The ledger and licence endpoints as a client sees them, with the issue's JSON shapes."""

from __future__ import annotations

import math

import pytest

from isoflow.physics.nuclides import get_nuclide
from tests.conftest import T0, make_tenant, token_for

ISO0 = T0.isoformat()


def test_receive_read_withdraw_events(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    r = client.post("/api/v1/containers", headers=h, json={
        "kind": "vial", "nuclide": "Tc-99m", "activity_bq": 10e9,
        "reference_at": "2026-03-02T12:00:00+06:00", "volume_ml": 10.0,
        "received_at": "2026-03-02T12:00:00+06:00"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["reference_at"] == "2026-03-02T06:00:00Z"  # stored and shown in UTC
    r = client.get(f"/api/v1/containers/{cid}", headers=h,
                   params={"at": "2026-03-02T18:00:00+06:00"})
    lam = get_nuclide("Tc-99m").decay_constant_per_s
    body = r.json()
    assert body["activity_bq"] == pytest.approx(10e9 * math.exp(-lam * 6 * 3600), rel=1e-12)
    assert body["volume_ml"] == 10.0
    assert body["concentration_bq_per_ml"] == pytest.approx(body["activity_bq"] / 10)
    r = client.post(f"/api/v1/containers/{cid}/withdrawals", headers=h,
                    json={"volume_ml": 2.5, "at": "2026-03-02T07:00:00Z"})
    assert r.status_code == 201 and r.json()["kind"] == "withdrawal"
    r = client.post(f"/api/v1/containers/{cid}/withdrawals", headers=h,
                    json={"activity_bq": 50e9, "at": "2026-03-02T08:00:00Z"})
    assert r.status_code == 409
    err = r.json()
    assert err["error"] == "limit_exceeded" and err["field"] == "activity_bq"
    assert err["details"]["available_activity_bq"] > 0 and "available" in err["message"]
    events = client.get(f"/api/v1/containers/{cid}/events", headers=h).json()
    assert [e["kind"] for e in events] == ["receipt", "withdrawal"]
    r = client.post(f"/api/v1/containers/{cid}/corrections", headers=h,
                    json={"event_id": events[1]["id"], "volume_ml": 2.0,
                          "reason": "syringe read wrong"})
    assert r.status_code == 201 and r.json()["corrects_event_id"] == events[1]["id"]
    audit = client.get("/api/v1/audit", headers=token_for(client, t.admin_username),
                       params={"entity": f"ledger_event:{r.json()['id']}"}).json()
    assert audit[0]["action"] == "corrected" and audit[0]["reason"] == "syringe read wrong"


def test_bad_input_is_a_clear_422(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    base = {"kind": "vial", "nuclide": "Tc-99m", "activity_bq": 1e9, "reference_at": ISO0}
    cases = [({**base, "reference_at": "2026-03-02T06:00:00"}, "reference_at"),
             ({**base, "nuclide": "Tc-99x"}, "nuclide"),
             ({**base, "activity_bq": -1}, "activity_bq"),
             ({**base, "kind": "bucket"}, "kind"),
             ({**base, "colour": "red"}, "colour")]
    for body, field in cases:
        r = client.post("/api/v1/containers", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"] == "invalid_input" and r.json()["field"] == field, r.json()
    assert client.get("/api/v1/containers", headers=h).json() == []


def test_licence_refuses_mo99_beyond_limit_then_accepts_after_decay(db, client) -> None:
    t = make_tenant(db, "H", licence_bq=None)
    admin = token_for(client, t.admin_username)
    r = client.post("/api/v1/licences", headers=admin, json={
        "site_id": t.site_id, "nuclide": "Mo-99", "limit_bq": 100e9,
        "valid_from": "2026-01-01T00:00:00Z", "reference": "KG-17"})
    assert r.status_code == 201, r.text
    h = token_for(client, t.rph_username)
    gen = {"kind": "generator", "nuclide": "Mo-99", "activity_bq": 80e9}
    assert client.post("/api/v1/containers", headers=h, json={
        **gen, "reference_at": ISO0, "received_at": ISO0}).status_code == 201
    r = client.post("/api/v1/containers", headers=h, json={
        **gen, "activity_bq": 40e9, "reference_at": ISO0, "received_at": ISO0})
    assert r.status_code == 409
    assert "80 GBq" in r.json()["message"] and "100 GBq" in r.json()["message"]
    later = "2026-03-05T06:00:00Z"  # 72 h: 80 GBq has decayed to ~37 GBq
    r = client.post("/api/v1/containers", headers=h, json={
        **gen, "activity_bq": 40e9, "reference_at": later, "received_at": later})
    assert r.status_code == 201, r.text
    held = client.get(f"/api/v1/sites/{t.site_id}/holdings", headers=h,
                      params={"at": later}).json()
    assert 76e9 < held["activity_bq"]["Mo-99"] < 78e9


def test_roles_are_enforced(db, client) -> None:
    t = make_tenant(db, "H")
    rph = token_for(client, t.rph_username)
    assert client.get("/api/v1/users", headers=rph).status_code == 403
    assert client.get("/api/v1/audit", headers=rph).status_code == 403
    r = client.post("/api/v1/licences", headers=rph, json={"site_id": t.site_id,
                                                          "limit_bq": 1e9})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    admin = token_for(client, t.admin_username)
    r = client.post("/api/v1/users", headers=admin, json={
        "username": "viewer1", "password": "a one-time pass", "role": "viewer"})
    assert r.status_code == 201 and r.json()["must_change_password"] is True
    r = client.post("/api/v1/organisations", headers=admin, json={
        "name": "X", "kind": "hospital", "timezone": "UTC", "jurisdiction": "EU"})
    assert r.status_code == 403  # only platform administrators create organisations


def test_signature_needs_the_password_and_records_meaning(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    cid = client.post("/api/v1/containers", headers=h, json={
        "kind": "vial", "nuclide": "Tc-99m", "activity_bq": 1e9, "reference_at": ISO0,
        "received_at": ISO0}).json()["id"]
    body = {"entity_type": "container", "entity_id": cid, "meaning": "released",
            "password": "wrong password"}
    assert client.post("/api/v1/signatures", headers=h, json=body).status_code == 401
    r = client.post("/api/v1/signatures", headers=h,
                    json={**body, "password": "correct horse battery"})
    assert r.status_code == 201
    assert r.json()["meaning"] == "released" and r.json()["signer_name"] == "H radiopharmacist"
    sigs = client.get("/api/v1/signatures", headers=h,
                      params={"entity_type": "container", "entity_id": cid}).json()
    assert [s["meaning"] for s in sigs] == ["released"]


# ---------------------------------------------------------------- issue #13 items 1, 8, 9
def _vial(client, h, activity: float = 10e9) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/containers", headers=h, json={
        "kind": "vial", "nuclide": "Tc-99m", "activity_bq": activity, "reference_at": ISO0,
        "received_at": ISO0, "volume_ml": 10.0})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_voiding_a_transfer_empties_the_syringe(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    vial = _vial(client, h)
    r = client.post(f"/api/v1/containers/{vial}/withdrawals", headers=h, json={
        "volume_ml": 3.0, "at": "2026-03-02T07:00:00Z", "into": {"kind": "syringe"}})
    assert r.status_code == 201, r.text
    w, syringe = r.json()["id"], r.json()["counterpart_container_id"]
    at = {"at": "2026-03-02T08:00:00Z"}
    before = client.get(f"/api/v1/sites/{t.site_id}/holdings", headers=h, params=at).json()
    r = client.post(f"/api/v1/containers/{vial}/corrections", headers=h,
                    json={"event_id": w, "void": True, "reason": "wrong syringe"})
    assert r.status_code == 201, r.text
    s = client.get(f"/api/v1/containers/{syringe}", headers=h, params=at).json()
    assert s["activity_bq"] == 0.0 and s["voided"] is True
    after = client.get(f"/api/v1/sites/{t.site_id}/holdings", headers=h, params=at).json()
    assert after["total_bq"] == pytest.approx(before["total_bq"], rel=1e-12)
    # a second transfer, once its syringe has a record of its own, stays
    r = client.post(f"/api/v1/containers/{vial}/withdrawals", headers=h, json={
        "volume_ml": 3.0, "at": "2026-03-02T07:00:00Z", "into": {"kind": "syringe"}})
    w2, syringe2 = r.json()["id"], r.json()["counterpart_container_id"]
    assert client.post(f"/api/v1/containers/{syringe2}/measurements", headers=h, json={
        "activity_bq": r.json()["activity_bq"], "at": "2026-03-02T07:01:00Z"}).status_code == 201
    r = client.post(f"/api/v1/containers/{vial}/corrections", headers=h,
                    json={"event_id": w2, "void": True, "reason": "wrong syringe"})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert f"container {syringe2}" in r.json()["message"]
    assert r.json()["details"]["child_container_id"] == syringe2


def test_a_record_before_receipt_is_a_422_naming_at(db, client) -> None:
    t = make_tenant(db, "H")
    h = token_for(client, t.rph_username)
    vial = _vial(client, h)
    receipt = client.get(f"/api/v1/containers/{vial}/events", headers=h).json()[0]["id"]
    old = "1950-01-01T00:00:00Z"
    for path, body in (("withdrawals", {"activity_bq": 1e9, "at": old}),
                       ("withdrawals", {"activity_bq": 1e9, "at": old,
                                        "into": {"kind": "syringe"}}),
                       ("measurements", {"activity_bq": 1e9, "at": old}),
                       ("disposal", {"at": old}),
                       ("corrections", {"event_id": receipt, "at": old, "reason": "x"})):
        r = client.post(f"/api/v1/containers/{vial}/{path}", headers=h, json=body)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == "at", r.json()
        assert "overflow" not in r.json()["message"]
    r = client.post(f"/api/v1/containers/{vial}/withdrawals", headers=h,
                    json={"activity_bq": 1e9, "at": old})
    assert r.json()["message"] == ("the withdrawal at 1950-01-01T00:00:00+00:00 is before the "
                                   "container's receipt at 2026-03-02T06:00:00+00:00")
    r = client.get(f"/api/v1/containers/{vial}", headers=h, params={"at": old})
    assert r.status_code == 200 and r.json()["activity_bq"] == 0.0


def test_measurements_are_checked_against_licence_and_book(db, client) -> None:
    t = make_tenant(db, "H", licence_bq=100e9)
    h = token_for(client, t.rph_username)
    vial = _vial(client, h, activity=1e9)
    url = f"/api/v1/containers/{vial}/measurements"
    r = client.post(url, headers=h, json={"activity_bq": 1e30, "at": ISO0})
    assert r.status_code == 409 and r.json()["error"] == "limit_exceeded"
    assert "licence" in r.json()["message"] and r.json()["details"]["limit_bq"] == 100e9
    r = client.post(url, headers=h, json={"activity_bq": 1.5e9, "at": ISO0})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = client.post(url, headers=h, json={"activity_bq": 1.5e9, "at": ISO0,
                                          "note": "re-measured twice"})
    assert r.status_code == 201 and r.json()["discrepancy"] is True
    assert client.get(f"/api/v1/containers/{vial}", headers=h).json()["discrepancies"] == 1
    events = client.get(f"/api/v1/containers/{vial}/events", headers=h).json()
    assert [e["discrepancy"] for e in events] == [False, True]
    audit = client.get("/api/v1/audit", headers=token_for(client, t.admin_username),
                       params={"entity": f"ledger_event:{events[1]['id']}"}).json()
    assert audit[0]["action"] == "measured_discrepancy"
    # the site's tolerance, set by its administrator
    admin = token_for(client, t.admin_username)
    for bad in (0, 1.5, "0.5", True):
        r = client.patch(f"/api/v1/sites/{t.site_id}", headers=admin,
                         json={"measurement_tolerance": bad})
        assert r.status_code == 422 and r.json()["field"] == "measurement_tolerance", r.text
    r = client.patch(f"/api/v1/sites/{t.site_id}", headers=admin,
                     json={"measurement_tolerance": 0.6})
    assert r.status_code == 200 and r.json()["measurement_tolerance"] == 0.6
    r = client.post(url, headers=h, json={"activity_bq": 1.5e9, "at": ISO0})
    assert r.status_code == 201 and r.json()["discrepancy"] is False
    r = client.post("/api/v1/sites", headers=admin, json={
        "name": "Annex", "timezone": "UTC", "jurisdiction": "EU", "measurement_tolerance": 0.05})
    assert r.status_code == 201 and r.json()["measurement_tolerance"] == 0.05
