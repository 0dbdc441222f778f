"""/generators/received, /generator-records and /elutions as a client sees them: receipt with
the survey, elution with QC, the refusals (422 naming the field, 403, 404 across
organisations) and no clash with the physics /generators routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import token_for as _token_for
from tests.department_world import PASSWORD, make_department

CAL = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def token_for(client, username):  # type: ignore[no-untyped-def]
    return _token_for(client, username, PASSWORD)


def _iso(t: datetime) -> str:
    return t.isoformat()


def _body(dep, **over):  # type: ignore[no-untyped-def]
    return {"site_id": dep.site_id, "generator_type": "GT-4K", "serial": "GT-77",
            "activity_bq": 19e9, "calibration_at": _iso(CAL),
            "received_at": _iso(CAL - timedelta(hours=20)), "surface_usv_h": 150.0,
            "at_1m_usv_h": 4.0, "wipe_bq_per_100cm2": 5.0, **over}


def test_receive_elute_and_read(db, client) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="NRC")
    h = token_for(client, dep.usernames["technologist"])
    r = client.post("/api/v1/generators/received", headers=h, json=_body(dep))
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["survey_passed"] and g["label_category"] == "II-YELLOW" and g["parent"] == "Mo-99"
    gid = g["container_id"]
    t = CAL + timedelta(hours=20)
    url = f"/api/v1/generator-records/{gid}/elutions"
    r = client.post(url, headers=h, json={"eluted_at": _iso(t), "volume_ml": 5.0,
                                          "measured_bq": 8e9})
    assert r.status_code == 422 and r.json()["field"] == "mo99_bq"
    r = client.post(url, headers=h, json={"eluted_at": _iso(t), "volume_ml": 5.0,
                                          "measured_bq": 8e9, "mo99_bq": 800e3,
                                          "aluminium_ug_per_ml": 2.0,
                                          "calibrator_id": dep.calibrator_id})
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["breakthrough_passed"] is True and e["aluminium_passed"] is True
    assert abs(e["breakthrough_kbq_per_mbq"] - 0.1) < 1e-9
    assert e["yield_ratio"] == 8e9 / e["predicted_bq"]
    d = client.get(f"/api/v1/generator-records/{gid}", headers=h,
                   params={"at": _iso(t + timedelta(hours=1))})
    assert d.status_code == 200, d.text
    assert [x["id"] for x in d.json()["elutions"]] == [e["id"]]
    assert d.json()["daughter_available_now_bq"] > 0
    assert [x["container_id"] for x in client.get("/api/v1/generator-records",
                                                  headers=h).json()] == [gid]
    assert client.get(f"/api/v1/elutions/{e['id']}", headers=h).json() == e
    listed = client.get("/api/v1/elutions", headers=h, params={"since": _iso(t)}).json()
    assert [x["id"] for x in listed] == [e["id"]]
    # the physics routes still answer
    assert client.get("/api/v1/generators/types", headers=h).status_code == 200


def test_refusals(db, client) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db, jurisdiction="EU")
    h = token_for(client, dep.usernames["technologist"])
    for field, bad in (("surface_usv_h", -1.0), ("wipe_bq_per_100cm2", "NaN"),
                       ("calibration_at", "2026-03-01T12:00:00"), ("serial", "x" * 101)):
        r = client.post("/api/v1/generators/received", headers=h,
                        json=_body(dep, **{field: bad}))
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    r = client.post("/api/v1/generators/received", headers=h,
                    json=_body(dep, generator_type="NOPE"))
    assert r.status_code == 422 and r.json()["field"] == "generator_type"
    viewer = token_for(client, dep.usernames["viewer"])
    assert client.post("/api/v1/generators/received", headers=viewer,
                       json=_body(dep)).status_code == 403
    gid = client.post("/api/v1/generators/received", headers=h,
                      json=_body(dep)).json()["container_id"]
    url = f"/api/v1/generator-records/{gid}/elutions"
    r = client.post(url, headers=h, json={"eluted_at": _iso(CAL - timedelta(days=1)),
                                          "volume_ml": 5.0, "measured_bq": 8e9})
    assert r.status_code == 422 and r.json()["field"] == "eluted_at"
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    oh = token_for(client, other.usernames["technologist"])
    assert client.get(f"/api/v1/generator-records/{gid}", headers=oh).status_code == 404
    r = client.post(url, headers=oh, json={"eluted_at": _iso(CAL + timedelta(hours=20)),
                                           "volume_ml": 5.0, "measured_bq": 8e9})
    assert r.status_code == 404
    assert client.get("/api/v1/elutions", headers=h, params={"since": "2026-01-01T00:00:00"}
                      ).status_code == 422
