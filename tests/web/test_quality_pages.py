"""/department/qc and /department/waste through the TestClient."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from isoflow.services import quality, waste
from tests.department_world import PASSWORD, make_department

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _sign_in(app, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/department/qc")
    assert page.status_code == 200
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def test_qc_page_records_constancy(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    client, csrf = _sign_in(app, dep.usernames["rso"])
    page = client.get("/department/qc")
    assert "Hot lab calibrator" in page.text and 'data-state="blocked"' in page.text
    at = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": csrf, "performed_at": at, "nuclide": "Cs-137",
            "reference_bq": "200 µCi", "reference_at": at, "measured_bq": "250 µCi",
            "note": ""}
    r = client.post(f"/department/qc/{dep.calibrator_id}/constancy", data=form,
                    follow_redirects=False)
    assert r.status_code == 303
    checks = quality.list_checks(db, dep.actors["rso"], dep.calibrator_id)
    assert len(checks) == 1 and not checks[0].passed  # +25 %
    bad = client.post(f"/department/qc/{dep.calibrator_id}/constancy",
                      data={**form, "measured_bq": "lots"}, follow_redirects=False)
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert len(quality.list_checks(db, dep.actors["rso"], dep.calibrator_id)) == 1


def test_technologist_sees_no_form_and_waste_page(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    w = waste.open_waste(db, dep.actors["rso"], site_id=dep.site_id, label="Bin Z")
    client, csrf = _sign_in(app, dep.usernames["technologist"])
    assert "/constancy" not in client.get("/department/qc").text
    r = client.post(f"/department/qc/{dep.calibrator_id}/constancy",
                    data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 403
    page = client.get("/department/waste")
    assert page.status_code == 200 and "Bin Z" in page.text
    assert w.id and "Bin Z" in page.text


def test_calibrator_history_page(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    at = datetime.now(UTC) - timedelta(minutes=5)
    quality.record_constancy(db, dep.actors["rso"], dep.calibrator_id, performed_at=at,
                             nuclide="Co-57", reference_bq=2e8, reference_at=at,
                             measured_bq=2.1e8)
    client, _ = _sign_in(app, dep.usernames["viewer"])
    page = client.get(f"/department/qc/{dep.calibrator_id}")
    assert page.status_code == 200 and "Co-57" in page.text
    assert '"y":[5.0]' in page.text and '"tolerance":10.0' in page.text
    assert client.get(f"/department/qc/{other.calibrator_id}").status_code == 404


def test_waste_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client, csrf = _sign_in(app, dep.usernames["rso"])
    r = client.post("/department/waste/open", data={"csrf_token": csrf,
                                                    "site_id": str(dep.site_id),
                                                    "label": "Bin Q"}, follow_redirects=False)
    assert r.status_code == 303
    (w,) = waste.list_waste(db, dep.actors["rso"])
    cs = client.post("/department/waste/add", data={
        "csrf_token": csrf, "waste_id": str(w.id), "nuclide": "Cs-137", "activity": "1 MBq"})
    assert cs.status_code == 422 and "Cs-137" in cs.text
    ok = client.post("/department/waste/add", data={
        "csrf_token": csrf, "waste_id": str(w.id), "nuclide": "Tc-99m", "activity": "1 MBq"},
        follow_redirects=False)
    assert ok.status_code == 303
    assert client.post("/department/waste/seal", data={"csrf_token": csrf,
                                                       "waste_id": str(w.id)},
                       follow_redirects=False).status_code == 303
    early = client.post("/department/waste/release", data={
        "csrf_token": csrf, "waste_id": str(w.id), "background_usv_h": "0.1",
        "surface_usv_h": "0.1", "instrument": "Ludlum"})
    assert early.status_code == 409
    assert waste.get_waste(db, dep.actors["rso"], w.id).status == "sealed"


def test_linearity_and_accuracy_forms(db, app) -> None:  # type: ignore[no-untyped-def]
    import math

    dep = make_department(db)
    client, csrf = _sign_in(app, dep.usernames["rso"])
    lam = math.log(2) / 21654.0
    start = datetime.now(UTC) - timedelta(hours=50)
    lines = "\n".join(f"{(start + timedelta(hours=10 * i)).isoformat()}; "
                      f"{3e10 * math.exp(-lam * 36000 * i):.6g}" for i in range(5))
    url = f"/department/qc/{dep.calibrator_id}"
    r = client.post(f"{url}/linearity", data={"csrf_token": csrf, "lines": lines},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    short = client.post(f"{url}/linearity", data={"csrf_token": csrf,
                                                  "lines": lines.splitlines()[0]})
    assert short.status_code == 422
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    r = client.post(f"{url}/accuracy", data={"csrf_token": csrf, "performed_at": at,
                                             "lines": f"Co-57; 200 MBq; {at}; 260 MBq"},
                    follow_redirects=False)
    assert r.status_code == 303
    kinds = {c.kind: c for c in quality.list_checks(db, dep.actors["rso"], dep.calibrator_id)}
    assert kinds["linearity"].passed and not kinds["accuracy"].passed
