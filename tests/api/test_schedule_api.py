"""/patients and /appointments as a client sees them: register, book, prescribe, the day,
the refusals (422 naming the field, 403, 404 across organisations, 409)."""

from __future__ import annotations

from tests.conftest import token_for as _token_for
from tests.department_world import MBQ, PASSWORD, make_department


def token_for(client, username):
    return _token_for(client, username, PASSWORD)


NINE = "2027-03-10T09:00:00+06:00"


def _setup(db, client):
    dep = make_department(db)
    tech = token_for(client, dep.usernames["technologist"])
    doc = token_for(client, dep.usernames["physician"])
    return dep, tech, doc


def _register(client, h, **over):
    body = {"record_number": "MRN-7", "family_name": "Asanov", "given_name": "Bakyt",
            "birth_date": "2019-01-01", "sex": "M", "weight_kg": 20.0, **over}
    return client.post("/api/v1/patients", headers=h, json=body)


def test_register_book_prescribe_and_read_the_day(db, client) -> None:
    dep, tech, doc = _setup(db, client)
    r = _register(client, tech)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert client.get("/api/v1/patients", headers=tech, params={"q": "asan"}).json()[0]["id"] \
        == pid
    r = client.post("/api/v1/appointments", headers=tech, json={
        "patient_id": pid, "procedure_id": dep.procedure_ids["RENAL_DMSA"],
        "camera_id": dep.camera_ids[0], "scheduled_at": NINE})
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["scheduled_at"] == "2027-03-10T03:00:00Z" and a["status"] == "scheduled"
    assert a["accession_number"].startswith("A270310") and a["warnings"] == []
    assert a["patient"]["record_number"] == "MRN-7" and a["camera"]["ae_title"] == "SPECT1"
    r = client.put(f"/api/v1/appointments/{a['id']}/prescription", headers=doc, json={})
    assert r.status_code == 200, r.text
    assert r.json()["basis"] == "eanm" and round(r.json()["activity_bq"] / MBQ, 1) == 33.0
    day = client.get("/api/v1/appointments", headers=tech,
                     params={"date": "2027-03-10", "site_id": dep.site_id}).json()
    assert [x["id"] for x in day] == [a["id"]]
    assert day[0]["prescription"]["activity_bq"] == r.json()["activity_bq"]
    assert client.get("/api/v1/appointments", headers=tech,
                      params={"date": "2027-03-11"}).json() == []
    r = client.post("/api/v1/appointments", headers=tech, json={
        "patient_id": pid, "procedure_id": dep.procedure_ids["THYROID"],
        "camera_id": dep.camera_ids[0], "scheduled_at": "2027-03-10T09:10:00+06:00"})
    assert r.status_code == 201 and len(r.json()["warnings"]) == 1
    r = client.post(f"/api/v1/appointments/{a['id']}/reschedule", headers=tech,
                    json={"scheduled_at": "2027-03-10T11:00:00+06:00", "reason": "late"})
    assert r.status_code == 200 and r.json()["scheduled_at"] == "2027-03-10T05:00:00Z"
    r = client.post(f"/api/v1/appointments/{a['id']}/cancel", headers=tech,
                    json={"reason": "parents called"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = client.get(f"/api/v1/appointments/{a['id']}", headers=tech)
    assert r.json()["cancel_reason"] == "parents called"


def test_patient_refusals(db, client) -> None:
    dep, tech, _ = _setup(db, client)
    for over, field in (({"weight_kg": 0}, "weight_kg"), ({"weight_kg": 500}, "weight_kg"),
                        ({"birth_date": "1850-01-01"}, "birth_date"),
                        ({"birth_date": "2999-01-01"}, "birth_date")):
        r = _register(client, tech, **over)
        assert r.status_code == 422 and field in r.text, (over, r.text)
    assert _register(client, tech, sex="X").status_code == 422
    assert _register(client, tech).status_code == 201
    r = _register(client, tech)
    assert r.status_code == 409 and r.json()["field"] == "record_number"
    viewer = token_for(client, dep.usernames["viewer"])
    assert _register(client, viewer, record_number="V1").status_code == 403
    pid = client.get("/api/v1/patients", headers=tech).json()[0]["id"]
    r = client.patch(f"/api/v1/patients/{pid}", headers=tech, json={"weight_kg": None})
    assert r.status_code == 200 and r.json()["weight_kg"] is None
    r = client.patch(f"/api/v1/patients/{pid}", headers=tech, json={"given_name": "Bek"})
    assert r.json()["given_name"] == "Bek" and r.json()["weight_kg"] is None
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    oh = token_for(client, other.usernames["technologist"])
    assert client.get(f"/api/v1/patients/{pid}", headers=oh).status_code == 404
    assert client.patch(f"/api/v1/patients/{pid}", headers=oh,
                        json={"given_name": "X"}).status_code == 404


def test_booking_and_prescription_refusals(db, client) -> None:
    dep, tech, doc = _setup(db, client)
    pid = _register(client, tech, birth_date="1970-01-01").json()["id"]
    base = {"patient_id": pid, "procedure_id": dep.procedure_ids["BONE_BISPHOSPHONATE"],
            "camera_id": dep.camera_ids[0]}
    r = client.post("/api/v1/appointments", headers=tech,
                    json={**base, "scheduled_at": "2027-03-10T09:00:00"})
    assert r.status_code == 422 and "scheduled_at" in r.text
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    r = client.post("/api/v1/appointments", headers=tech,
                    json={**base, "camera_id": other.camera_ids[0], "scheduled_at": NINE})
    assert r.status_code == 404 and r.json()["field"] == "camera_id"
    r = client.post("/api/v1/appointments", headers=tech,
                    json={**base, "procedure_id": 2_000_000, "scheduled_at": NINE})
    assert r.status_code == 404 and r.json()["field"] == "procedure_id"
    aid = client.post("/api/v1/appointments", headers=tech,
                      json={**base, "scheduled_at": NINE}).json()["id"]
    r = client.put(f"/api/v1/appointments/{aid}/prescription", headers=tech,
                   json={"activity_bq": 500 * MBQ})
    assert r.status_code == 403
    r = client.put(f"/api/v1/appointments/{aid}/prescription", headers=doc,
                   json={"activity_bq": 900 * MBQ})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = client.put(f"/api/v1/appointments/{aid}/prescription", headers=doc,
                   json={"min_bq": 400 * MBQ, "max_bq": 600 * MBQ})
    assert r.status_code == 200 and r.json()["activity_bq"] == 500 * MBQ
    assert r.json()["basis"] == "range"
    oh = token_for(client, other.usernames["physician"])
    assert client.get(f"/api/v1/appointments/{aid}", headers=oh).status_code == 404
    assert client.put(f"/api/v1/appointments/{aid}/prescription", headers=oh,
                      json={}).status_code == 404
    assert client.get("/api/v1/appointments", headers=oh,
                      params={"date": "2027-03-10", "site_id": dep.site_id}).status_code == 404
    assert client.get("/api/v1/appointments", headers=tech,
                      params={"date": "10.03.2027"}).status_code == 422
