"""The schedule pages through the application (TestClient) on SQLite and PostgreSQL: the day
per camera in the site's zone, booking that finds or registers the patient, the appointment
page with the dosage advice and the physician's prescription, cancel with a reason, patients;
refused forms keep what was typed and name the rule; roles and tenancy."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from isoflow.services import schedule
from tests.department_world import MBQ, PASSWORD, make_department

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DAY = "2027-03-10"


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/department/appointments")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def _book(client, csrf, dep, **over):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "record_number": "MRN-5", "family_name": "Asanova",
            "given_name": "Aigul", "birth_date": "2019-01-01", "sex": "F",
            "procedure_id": str(dep.procedure_ids["RENAL_DMSA"]),
            "camera_id": str(dep.camera_ids[0]), "time": "09:30", "weight_kg": "20",
            "note": ""}
    data.update(over)
    return client.post(f"/department/appointments?date={DAY}", data=data,
                       follow_redirects=False)


def _booked_id(r) -> int:  # type: ignore[no-untyped-def]
    assert r.status_code == 303, r.text
    m = re.match(r"/department/appointments/(\d+)\?done=booked", r.headers["location"])
    assert m, r.headers["location"]
    return int(m.group(1))


def test_book_prescribe_cancel_through_the_pages(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    tech, tcsrf = sign_in(app, dep.usernames["technologist"])
    aid = _booked_id(_book(tech, tcsrf, dep))
    page = tech.get(f"/department/appointments/{aid}?done=booked")
    assert "The appointment was booked." in page.text
    assert "(Asia/Bishkek)" in page.text and "09:30" in page.text
    assert "EANM class B" in page.text and "33" in page.text  # where the number comes from
    assert 'id="prescribe"' not in page.text  # technologists do not prescribe
    day = tech.get(f"/department/appointments?date={DAY}")
    assert day.status_code == 200 and "Asia/Bishkek" in day.text
    assert re.search(rf'id="appointment-{aid}".*?09:30.*?Asanova', day.text, re.S)
    assert "date=2027-03-09" in day.text and "date=2027-03-11" in day.text
    # the same record number books the same patient, without names
    second = _booked_id(_book(tech, tcsrf, dep, family_name="", given_name="", birth_date="",
                              sex="", time="11:00", camera_id=str(dep.camera_ids[1])))
    views = schedule.appointments_on(db, dep.actors["viewer"], site_id=dep.site_id,
                                     day=date(2027, 3, 10))
    assert [v.id for v in views] == [aid, second]
    assert views[0].patient_id == views[1].patient_id
    assert views[0].scheduled_at == datetime(2027, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Bishkek"))

    doc, dcsrf = sign_in(app, dep.usernames["physician"])
    assert 'id="prescribe"' in doc.get(f"/department/appointments/{aid}").text
    r = doc.post(f"/department/appointments/{aid}/prescription",
                 data={"csrf_token": dcsrf, "activity": "", "min": "", "max": "", "note": ""},
                 follow_redirects=False)
    assert r.status_code == 303, r.text
    v = schedule.appointment_view(db, dep.actors["viewer"], aid)
    assert v.prescription.basis == "eanm" and round(v.prescription.activity_bq / MBQ, 1) == 33.0
    r = doc.post(f"/department/appointments/{aid}/prescription",
                 data={"csrf_token": dcsrf, "activity": "900 MBq", "note": ""})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "900 MBq" in r.text
    assert "note" in r.text.lower()
    r = tech.post(f"/department/appointments/{aid}/prescription",
                  data={"csrf_token": tcsrf, "activity": "30 MBq"})
    assert r.status_code == 403

    r = tech.post(f"/department/appointments/{aid}/cancel",
                  data={"csrf_token": tcsrf, "reason": ""})
    assert r.status_code == 422
    assert re.search(r'id="cancel-reason"[^>]*aria-invalid="true"', r.text)
    r = tech.post(f"/department/appointments/{aid}/cancel",
                  data={"csrf_token": tcsrf, "reason": "fever"}, follow_redirects=False)
    assert r.status_code == 303
    page = tech.get(r.headers["location"])
    assert "The appointment was cancelled." in page.text and "fever" in page.text
    assert 'id="cancel"' not in page.text


def test_refused_booking_keeps_what_was_typed(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    tech, csrf = sign_in(app, dep.usernames["technologist"])
    r = _book(tech, csrf, dep, weight_kg="500")
    assert r.status_code == 422 and "Asanova" in r.text
    assert re.search(r'id="book-weight_kg"[^>]*aria-invalid="true"', r.text)
    r = _book(tech, csrf, dep, family_name="", record_number="NEW-1")
    assert r.status_code == 422 and "register" in r.text
    r = _book(tech, csrf, dep, time="25:99")
    assert r.status_code == 422 and re.search(r'id="book-time"[^>]*aria-invalid', r.text)
    assert schedule.find_patients(db, dep.actors["viewer"]) == []
    r = _book(tech, "wrong", dep)
    assert r.status_code == 403
    viewer, vcsrf = sign_in(app, dep.usernames["viewer"])
    assert 'id="book"' not in viewer.get("/department/appointments").text
    assert _book(viewer, vcsrf, dep).status_code == 403


def test_patients_and_tenancy(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    tech, csrf = sign_in(app, dep.usernames["technologist"])
    aid = _booked_id(_book(tech, csrf, dep))
    pid = schedule.appointment_view(db, dep.actors["viewer"], aid).patient_id
    page = tech.get("/department/patients", params={"q": "asan"})
    assert page.status_code == 200 and f'/department/patients/{pid}"' in page.text
    assert "No patient found." in tech.get("/department/patients", params={"q": "zzz"}).text
    page = tech.get(f"/department/patients/{pid}")
    assert page.status_code == 200 and f"/department/appointments/{aid}" in page.text
    other = make_department(db, "Other Clinic", ae_titles=("OTHER1",))
    oc, _ = sign_in(app, other.usernames["technologist"])
    assert oc.get(f"/department/appointments/{aid}").status_code == 404
    assert oc.get(f"/department/patients/{pid}").status_code == 404
    assert "Asanova" not in oc.get(f"/department/appointments?date={DAY}").text
    assert "Asanova" not in oc.get("/department/patients").text
