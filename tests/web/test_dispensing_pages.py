"""The kits and doses pages through the application (TestClient): prepare, test and release
a kit through the forms (the release says what the signature means and refuses a wrong
password), draw a dose (the volume to draw shown), assay it, administer it with the ±20 %
rule, the printable label; refused forms name the rule; roles and tenancy."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.department_world import PASSWORD, make_department
from tests.dispensing_world import HOUR, appointment, eluate, kit, t0

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/department/kits")
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def test_kit_through_the_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    at = t0()
    e = eluate(db, dep, at)
    client, csrf = sign_in(app, dep.usernames["radiopharmacist"])
    form = {"csrf_token": csrf, "kit_id": str(dep.kit_ids["MDP"]), "kit_lot": "L-1",
            "eluate_container_id": str(e), "time": "", "activity": "5 GBq",
            "volume_ml": "11", "note": ""}
    r = client.post("/department/kits", data=form, follow_redirects=False)
    assert r.status_code == 422 and "10 mL" in r.text and 'value="L-1"' in r.text
    r = client.post("/department/kits", data={**form, "volume_ml": "5"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/department/kits?done=prepared"
    page = client.get("/department/kits?done=prepared")
    assert "The kit preparation was recorded." in page.text and "MDP (medronate)" in page.text
    pid = int(re.search(r'action="/department/kits/(\d+)/rcp"', page.text).group(1))
    r = client.post(f"/department/kits/{pid}/rcp", data={"csrf_token": csrf, "rcp": "97",
                                                          "time": ""}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/department/kits")
    assert "Your electronic signature means" in page.text
    r = client.post(f"/department/kits/{pid}/release",
                    data={"csrf_token": csrf, "password": "nope", "comment": ""},
                    follow_redirects=False)
    assert r.status_code == 401 and "rong password" in r.text
    r = client.post(f"/department/kits/{pid}/release",
                    data={"csrf_token": csrf, "password": PASSWORD, "comment": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Released" in client.get("/department/kits").text

    tech, tcsrf = sign_in(app, dep.usernames["technologist"])
    r = tech.post("/department/kits", data={**form, "csrf_token": tcsrf, "volume_ml": "5"},
                  follow_redirects=False)
    assert r.status_code == 403


def test_dose_through_the_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    at = t0()
    vial = kit(db, dep, eluate(db, dep, at), at)
    appt = appointment(db, dep, at + 2 * HOUR)
    client, csrf = sign_in(app, dep.usernames["technologist"])
    page = client.get("/department/doses")
    assert f'value="{appt}"' in page.text and f'value="{vial.vial_container_id}"' in page.text
    form = {"csrf_token": csrf, "appointment_id": str(appt),
            "source_container_id": str(vial.vial_container_id),
            "time": (at + HOUR).isoformat(), "activity": "9 GBq", "planned": "",
            "calibrator_id": "", "note": ""}
    r = client.post("/department/doses", data=form, follow_redirects=False)
    assert r.status_code == 409 and "available" in r.text
    r = client.post("/department/doses", data={**form, "activity": ""},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert 'id="volume-to-draw"' in page.text and "Draw 0." in page.text
    did = int(re.search(r"/department/doses/(\d+)/label", page.text).group(1))
    # the form posts back to the dose's own day (near midnight in the site's zone that is
    # not today), so a refusal is shown beside the dose
    action = re.search(rf'action="(/department/doses/{did}/administration[^"]*)"', page.text)
    assert action is not None
    administer_url = action.group(1).replace("&amp;", "&")
    label = client.get(f"/department/doses/{did}/label")
    assert label.status_code == 200 and "Ivanova Anna" in label.text
    assert "Tc-99m MDP/HDP" in label.text
    adm = {"csrf_token": csrf, "time": (at + 30 * timedelta(minutes=1)).isoformat(),
           "residual": "", "residual_time": "", "reason": "", "note": ""}
    r = client.post(administer_url, data=adm, follow_redirects=False)
    assert r.status_code == 422 and "before the dose was drawn" in r.text
    adm["time"] = (at + 2 * HOUR).isoformat()
    r = client.post(administer_url, data={**adm, "residual": "200 MBq"},
                    follow_redirects=False)
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(administer_url, data={**adm, "residual": "20 MBq"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Administered" in client.get(r.headers["location"]).text

    other = make_department(db, "Other Hospital", ae_titles=("OTH1",))
    o, _ = sign_in(app, other.usernames["technologist"])
    assert o.get(f"/department/doses/{did}/label").status_code == 404
