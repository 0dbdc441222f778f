"""/api/v1/calibrators/{id}/checks and /status: QC over HTTP — kinds, roles, tenancy, 422s."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from tests.conftest import token_for
from tests.department_world import PASSWORD, make_department


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def test_checks_and_status_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    rso = token_for(client, dep.usernames["rso"], PASSWORD)
    tech = token_for(client, dep.usernames["technologist"], PASSWORD)
    url = f"/api/v1/calibrators/{dep.calibrator_id}"
    at = datetime.now(UTC) - timedelta(minutes=2)
    constancy = {"kind": "constancy", "performed_at": _iso(at), "nuclide": "Cs-137",
                 "reference_bq": 7e6, "reference_at": _iso(at - timedelta(days=365)),
                 "measured_bq": 7e6}
    r = client.get(f"{url}/status", headers=rso)
    assert r.status_code == 200 and r.json()["state"] == "blocked"  # NRC: overdue blocks
    r = client.post(f"{url}/checks", json=constancy, headers=rso)
    assert r.status_code == 201, r.text
    assert r.json()["deviation"] > 0.02  # a year of Cs-137 decay: expected 2.3 % lower
    assert client.post(f"{url}/checks", json=constancy, headers=tech).status_code == 403
    other_rso = token_for(client, other.usernames["rso"], PASSWORD)
    assert client.post(f"{url}/checks", json=constancy, headers=other_rso).status_code == 404
    bad = client.post(f"{url}/checks", json={**constancy, "kind": "bogus"}, headers=rso)
    assert bad.status_code == 422
    lam = math.log(2) / 21654.0
    start = datetime.now(UTC) - timedelta(hours=50)
    lin = {"kind": "linearity", "readings": [
        {"at": _iso(start + timedelta(hours=10 * i)),
         "measured_bq": 3e10 * math.exp(-lam * 36000 * i)} for i in range(5)]}
    assert client.post(f"{url}/checks", json=lin, headers=rso).status_code == 201
    short = {**lin, "readings": lin["readings"][:3]}
    assert client.post(f"{url}/checks", json=short, headers=rso).status_code == 422
    acc = {"kind": "accuracy", "performed_at": _iso(at), "sources": [
        {"nuclide": "Co-57", "reference_bq": 2e8, "reference_at": _iso(at),
         "measured_bq": 2.1e8}]}
    assert client.post(f"{url}/checks", json=acc, headers=rso).status_code == 201
    st = client.get(f"{url}/status", headers=tech).json()
    assert st["state"] in ("ok", "due") and st["blocking"] == []
    kinds = client.get(f"{url}/checks", params={"kind": "linearity"}, headers=tech).json()
    assert [c["kind"] for c in kinds] == ["linearity"]
    assert client.get(f"{url}/status", headers=other_rso).status_code == 404


def test_waste_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    rso = token_for(client, dep.usernames["rso"], PASSWORD)
    tech = token_for(client, dep.usernames["technologist"], PASSWORD)
    start = datetime.now(UTC) - timedelta(days=10)
    body = {"site_id": dep.site_id, "label": "Bin A", "opened_at": _iso(start)}
    assert client.post("/api/v1/waste", json=body, headers=tech).status_code == 403
    r = client.post("/api/v1/waste", json=body, headers=rso)
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    item = {"nuclide": "Tc-99m", "activity_bq": 1e9, "reference_at": _iso(start)}
    assert client.post(f"/api/v1/waste/{wid}/items", json=item, headers=rso).status_code == 201
    cs = client.post(f"/api/v1/waste/{wid}/items", json={**item, "nuclide": "Cs-137"},
                     headers=rso)
    assert cs.status_code == 422 and cs.json()["field"] == "nuclide"
    r = client.post(f"/api/v1/waste/{wid}/seal", json={"sealed_at": _iso(start)}, headers=rso)
    assert r.status_code == 200 and r.json()["release_at"] is not None
    again = client.post(f"/api/v1/waste/{wid}/items", json=item, headers=rso)
    assert again.status_code == 409
    survey = {"surveyed_at": _iso(datetime.now(UTC) - timedelta(minutes=1)),
              "background_usv_h": 0.1, "surface_usv_h": 0.3, "instrument": "Ludlum 3"}
    hot = client.post(f"/api/v1/waste/{wid}/release", json=survey, headers=rso)
    assert hot.status_code == 422 and hot.json()["field"] == "surface_usv_h"
    ok = client.post(f"/api/v1/waste/{wid}/release", json={**survey, "surface_usv_h": 0.1},
                     headers=rso)
    assert ok.status_code == 200 and ok.json()["status"] == "released"
    other_rso = token_for(client, other.usernames["rso"], PASSWORD)
    assert client.get(f"/api/v1/waste/{wid}", headers=other_rso).status_code == 404
    assert client.get("/api/v1/waste", headers=other_rso).json() == []
    assert [w["id"] for w in client.get("/api/v1/waste", headers=tech).json()] == [wid]
