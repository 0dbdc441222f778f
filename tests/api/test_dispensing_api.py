"""/kit-preparations, /doses and /administrations as a client sees them: the chain from an
eluate to a patient, and the refusals (422 naming the field, 401 on a wrong signing
password, 403, 404 across organisations, 409)."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import token_for as _token_for
from tests.department_world import MBQ, PASSWORD, make_department
from tests.dispensing_world import HOUR, appointment, eluate, t0


def token_for(client, username):
    return _token_for(client, username, PASSWORD)


def _iso(t):
    return t.isoformat()


def test_eluate_to_patient(db, client) -> None:
    dep = make_department(db)
    at = t0()
    e = eluate(db, dep, at)
    appt = appointment(db, dep, at + 2 * HOUR)
    rph = token_for(client, dep.usernames["radiopharmacist"])
    tech = token_for(client, dep.usernames["technologist"])
    rso = token_for(client, dep.usernames["rso"])
    body = {"kit_id": dep.kit_ids["MDP"], "kit_lot": "L1", "eluate_container_id": e,
            "prepared_at": _iso(at), "activity_bq": 5000 * MBQ, "volume_ml": 5.0}
    r = client.post("/api/v1/kit-preparations", headers=tech, json=body)
    assert r.status_code == 403
    r = client.post("/api/v1/kit-preparations", headers=rph, json={**body, "volume_ml": 11.0})
    assert r.status_code == 422 and "volume_ml" in r.text
    r = client.post("/api/v1/kit-preparations", headers=rph, json=body)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "prepared" and p["expires_at"]
    r = client.post(f"/api/v1/kit-preparations/{p['id']}/rcp", headers=rph,
                    json={"rcp_fraction": 0.97, "tested_at": _iso(at + timedelta(minutes=10))})
    assert r.json()["rcp_passed"] is True
    r = client.post(f"/api/v1/kit-preparations/{p['id']}/release", headers=rph,
                    json={"password": "wrong password"})
    assert r.status_code == 401
    r = client.post(f"/api/v1/kit-preparations/{p['id']}/release", headers=rph,
                    json={"password": PASSWORD})
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert r.json()["signature_id"]
    listed = client.get("/api/v1/kit-preparations", headers=tech,
                        params={"site_id": dep.site_id}).json()
    assert [x["id"] for x in listed] == [p["id"]]

    dose_body = {"appointment_id": appt, "source_container_id": p["vial_container_id"],
                 "drawn_at": _iso(at + HOUR)}
    r = client.post("/api/v1/doses", headers=tech,
                    json={**dose_body, "activity_bq": 9000 * MBQ})
    assert r.status_code in (409, 422) and "activity_bq" in r.text
    r = client.post("/api/v1/doses", headers=tech,
                    json={**dose_body, "drawn_at": "2027-01-01T10:00:00"})
    assert r.status_code == 422
    r = client.post("/api/v1/doses", headers=tech, json=dose_body)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["wanted_bq"] == 500 * MBQ and d["volume_ml"] > 0.5
    r = client.post(f"/api/v1/doses/{d['id']}/assay", headers=tech,
                    json={"assayed_bq": d["drawn_bq"], "assayed_at": _iso(at + HOUR)})
    assert r.status_code == 200 and r.json()["assayed_bq"] == d["drawn_bq"]
    adm = f"/api/v1/doses/{d['id']}/administration"
    r = client.post(adm, headers=tech, json={"administered_at": _iso(at)})
    assert r.status_code == 422 and "administered_at" in r.text
    r = client.post(adm, headers=tech, json={"administered_at": _iso(at + 2 * HOUR),
                                             "residual_bq": 200 * MBQ})
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(adm, headers=tech, json={"administered_at": _iso(at + 2 * HOUR),
                                             "residual_bq": 200 * MBQ, "reason": "spilt"})
    assert r.status_code == 201 and r.json()["flagged"] is True
    x = r.json()
    r = client.post(adm, headers=tech, json={"administered_at": _iso(at + 2 * HOUR)})
    assert r.status_code == 409
    flagged = client.get("/api/v1/administrations", headers=rso, params={"flagged": "true"})
    assert [a["id"] for a in flagged.json()] == [x["id"]]
    r = client.post(f"/api/v1/administrations/{x['id']}/review", headers=tech,
                    json={"note": "seen"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/administrations/{x['id']}/review", headers=rso,
                    json={"note": "seen"})
    assert r.status_code == 200 and r.json()["reviewed_by"] == dep.usernames["rso"]

    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    o = token_for(client, other.usernames["radiopharmacist"])
    assert client.get(f"/api/v1/doses/{d['id']}", headers=o).status_code == 404
    assert client.get(f"/api/v1/kit-preparations/{p['id']}", headers=o).status_code == 404
    r = client.post("/api/v1/kit-preparations", headers=o,
                    json={**body, "kit_id": other.kit_ids["MDP"]})
    assert r.status_code == 404
