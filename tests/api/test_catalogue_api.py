"""/api/v1 procedures, kits, cameras, calibrators and catalogue defaults over HTTP: roles,
tenancy, 422s naming the field, 409s, patches with a reason."""

from __future__ import annotations

from tests.conftest import token_for
from tests.department_world import PASSWORD, make_department

MBQ = 1e6


def _proc(**over):  # type: ignore[no-untyped-def]
    body = {"code": "LIVER_SC", "name": "Liver-spleen", "radiopharmaceutical": "Tc-99m colloid",
            "nuclide": "Tc-99m", "kit_code": "MAA", "adult_min_bq": 80 * MBQ,
            "adult_typical_bq": 120 * MBQ, "adult_max_bq": 150 * MBQ}
    body.update(over)
    return body


def test_procedures_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    rph = token_for(client, dep.usernames["radiopharmacist"], PASSWORD)
    viewer = token_for(client, dep.usernames["viewer"], PASSWORD)
    r = client.get("/api/v1/procedures", headers=viewer)
    assert r.status_code == 200
    assert {p["code"] for p in r.json()} == set(dep.procedure_ids)
    r = client.post("/api/v1/procedures", json=_proc(), headers=rph)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["duration_min"] == 30 and r.json()["kit_code"] == "MAA"
    assert client.post("/api/v1/procedures", json=_proc(code="X1"),
                       headers=viewer).status_code == 403
    dup = client.post("/api/v1/procedures", json=_proc(), headers=rph)
    assert dup.status_code == 409 and dup.json()["field"] == "code"
    bad = client.post("/api/v1/procedures", json=_proc(code="X2", adult_min_bq=200 * MBQ),
                      headers=rph)
    assert bad.status_code == 422 and bad.json()["field"] == "adult_min_bq"
    bad = client.post("/api/v1/procedures", json=_proc(code="X3", eanm_class="B"), headers=rph)
    assert bad.status_code == 422 and bad.json()["field"] == "eanm_baseline_bq"
    bad = client.post("/api/v1/procedures", json=_proc(code="X4", adult_min_bq="80"),
                      headers=rph)
    assert bad.status_code == 422
    # patch: only the fields sent, with a reason; null clears an optional one
    r = client.patch(f"/api/v1/procedures/{pid}", headers=rph,
                     json={"kit_code": None, "uptake_min": 20, "reason": "protocol v2"})
    assert r.status_code == 200, r.text
    assert (r.json()["kit_code"], r.json()["uptake_min"]) == (None, 20)
    assert r.json()["adult_typical_bq"] == 120 * MBQ
    assert client.patch(f"/api/v1/procedures/{pid}", headers=rph,
                        json={"uptake_min": 10}).status_code == 422  # no reason
    assert client.patch(f"/api/v1/procedures/{pid}", headers=rph,
                        json={"code": "NEW", "reason": "x"}).status_code == 422
    theirs = other.procedure_ids["THYROID"]
    assert client.get(f"/api/v1/procedures/{theirs}", headers=rph).status_code == 404
    assert client.patch(f"/api/v1/procedures/{theirs}", headers=rph,
                        json={"uptake_min": 1, "reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/procedures/{pid}", headers=viewer).json()["uptake_min"] == 20


def test_kits_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = token_for(client, dep.usernames["rso"], PASSWORD)
    tech = token_for(client, dep.usernames["technologist"], PASSWORD)
    body = {"code": "SC", "name": "Sulphur colloid", "radiopharmaceutical": "Tc-99m SC",
            "nuclide": "Tc-99m", "max_activity_bq": 5e9, "max_volume_ml": 3.0,
            "shelf_life_s": 21600.0, "rcp_min": 0.92}
    r = client.post("/api/v1/kits", json=body, headers=rso)
    assert r.status_code == 201, r.text
    kid = r.json()["id"]
    assert client.post("/api/v1/kits", json={**body, "code": "SC9"},
                       headers=tech).status_code == 403
    for over, field in (({"rcp_min": 1.2}, "rcp_min"), ({"shelf_life_s": 0}, "shelf_life_s"),
                        ({"nuclide": "Qq-1"}, "nuclide"),
                        ({"min_particles_per_dose": 1e5}, "particles_per_vial")):
        bad = client.post("/api/v1/kits", json={**body, "code": "SC2", **over}, headers=rso)
        assert bad.status_code == 422, (over, bad.text)
        assert field in bad.text
    r = client.patch(f"/api/v1/kits/{kid}", json={"rcp_min": 0.95, "reason": "USP"},
                     headers=rso)
    assert r.status_code == 200 and r.json()["rcp_min"] == 0.95
    r = client.get("/api/v1/kits", headers=tech)
    assert {k["code"] for k in r.json()} == {*dep.kit_ids, "SC"}
    r = client.patch(f"/api/v1/kits/{dep.kit_ids['MAA']}", headers=rso,
                     json={"nuclide": "In-111", "reason": "x"})
    assert r.status_code == 409 and r.json()["field"] == "nuclide"


def test_cameras_and_calibrators_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    admin = token_for(client, dep.usernames["admin"], PASSWORD)
    phys = token_for(client, dep.usernames["physician"], PASSWORD)
    r = client.post("/api/v1/cameras", headers=admin,
                    json={"site_id": dep.site_id, "name": "SPECT 3", "ae_title": " SPECT3 "})
    assert r.status_code == 201, r.text
    cam = r.json()
    assert cam["ae_title"] == "SPECT3" and cam["modality"] == "NM"
    dup = client.post("/api/v1/cameras", headers=admin,
                      json={"site_id": dep.site_id, "name": "X", "ae_title": "OTHER1"})
    assert dup.status_code == 409 and dup.json()["field"] == "ae_title"
    bad = client.post("/api/v1/cameras", headers=admin,
                      json={"site_id": dep.site_id, "name": "X", "ae_title": "A\\B"})
    assert bad.status_code == 422 and bad.json()["field"] == "ae_title"
    assert client.post("/api/v1/cameras", headers=admin, json={
        "site_id": other.site_id, "name": "X", "ae_title": "X9"}).status_code == 404
    assert client.post("/api/v1/cameras", headers=phys, json={
        "site_id": dep.site_id, "name": "X", "ae_title": "X9"}).status_code == 403
    r = client.patch(f"/api/v1/cameras/{cam['id']}", headers=admin,
                     json={"active": False, "reason": "service"})
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.get("/api/v1/cameras", params={"active_only": "true"}, headers=phys)
    assert sorted(c["id"] for c in r.json()) == sorted(dep.camera_ids)
    assert client.get(f"/api/v1/cameras/{other.camera_ids[0]}", headers=phys).status_code == 404

    r = client.post("/api/v1/calibrators", headers=admin, json={
        "site_id": dep.site_id, "name": "Second", "model": "CRC-55tR", "serial": "55-1"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert client.get(f"/api/v1/calibrators/{cid}", headers=phys).json()["serial"] == "55-1"
    r = client.patch(f"/api/v1/calibrators/{cid}", headers=admin, json={"serial": "55-2"})
    assert r.status_code == 200 and r.json()["serial"] == "55-2"
    assert client.get(f"/api/v1/calibrators/{other.calibrator_id}",
                      headers=admin).status_code == 404
    r = client.get("/api/v1/calibrators", params={"site_id": dep.site_id}, headers=phys)
    assert [c["id"] for c in r.json()] == [dep.calibrator_id, cid]


def test_defaults_over_http(client, db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rph = token_for(client, dep.usernames["radiopharmacist"], PASSWORD)
    viewer = token_for(client, dep.usernames["viewer"], PASSWORD)
    assert client.post("/api/v1/catalogue/defaults", headers=viewer).status_code == 403
    r = client.post("/api/v1/catalogue/defaults", headers=rph)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["procedures"] > 0 and first["kits"] > 0
    again = client.post("/api/v1/catalogue/defaults", headers=rph, json={})
    assert again.json() == {"procedures": 0, "kits": 0}
    codes = {p["code"] for p in client.get("/api/v1/procedures", headers=viewer).json()}
    assert len(codes) == len(dep.procedure_ids) + first["procedures"]
