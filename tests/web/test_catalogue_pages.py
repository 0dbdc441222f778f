"""/department/catalogue through the TestClient: the tables, the default-catalogue button,
adding and editing with field errors, read-only for other roles, tenancy."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from isoflow.domain.roles import Actor
from isoflow.services import catalogue, organisations
from isoflow.store.department_models import Camera, Kit, Procedure
from isoflow.store.models import AuditEntry
from tests.department_world import PASSWORD, make_department

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
URL = "/department/catalogue"


def _sign_in(app, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(URL)
    assert page.status_code == 200
    token = CSRF.search(page.text)
    assert token is not None
    return client, token.group(1)


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_catalogue_page_shows_every_section(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client, _csrf = _sign_in(app, dep.usernames["radiopharmacist"])
    page = client.get(URL)
    text = page.text
    assert page.status_code == 200
    for code in dep.procedure_ids:
        assert f">{code}</a>" in text
    for code in dep.kit_ids:
        assert f'/department/catalogue/kits/{dep.kit_ids[code]}"' in text
    assert ">SPECT1</code>" in text and ">SPECT2</code>" in text and "CRC-25R" in text
    # adult range of bone scintigraphy in MBq, EANM class B 35 / 40
    bone = dep.procedure_ids["BONE_BISPHOSPHONATE"]
    row = re.search(rf'<tr id="procedure-{bone}".*?</tr>', text, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert cells[4:9] == ["300", "500", "740", "B", "35 / 40"]
    # forms for a catalogue manager, no install button (the org has a catalogue)
    assert 'id="new-procedures-form"' in text and 'id="new-cameras-form"' in text
    assert "install-defaults" not in text
    assert 'href="/static/department/catalogue.css"' in text


def test_read_only_for_other_roles(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client, csrf = _sign_in(app, dep.usernames["technologist"])
    text = client.get(URL).text
    assert "new-procedures-form" not in text and "your role may not change it" in text
    r = client.post(f"{URL}/cameras", data={"csrf_token": csrf, "site_id": str(dep.site_id),
                                            "name": "X", "ae_title": "X1", "modality": "NM"},
                    follow_redirects=False)
    assert r.status_code == 403 and _count(db, Camera) == 2
    pid = dep.procedure_ids["THYROID"]
    edit = client.get(f"{URL}/procedures/{pid}")
    assert edit.status_code == 200 and 'id="edit-form"' not in edit.text
    r = client.post(f"{URL}/procedures/{pid}", data={"csrf_token": csrf, "name": "X"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert client.post(f"{URL}/defaults", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 403


def test_install_defaults_button(db, app) -> None:  # type: ignore[no-untyped-def]
    cli = Actor.command_line("tests")
    org, _site = organisations.create_organisation(db, cli, name="Empty Hospital",
                                                   kind="hospital", timezone="Asia/Bishkek",
                                                   jurisdiction="RU")
    organisations.create_user(db, cli, username="empty-rph", password=PASSWORD,
                              role="radiopharmacist", org_id=org.id, full_name="R P",
                              must_change_password=False)
    client, csrf = _sign_in(app, "empty-rph")
    page = client.get(URL)
    assert 'id="install-defaults"' in page.text and "No procedures." in page.text
    r = client.post(f"{URL}/defaults", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{URL}?done=defaults"
    page = client.get(r.headers["location"])
    assert "install-defaults" not in page.text
    assert ">LUNG_PERF_MAA</a>" in page.text and "unverified values" in page.text
    with db.read() as s:
        n = s.scalar(select(func.count()).select_from(Procedure).where(
            Procedure.org_id == org.id))
    assert n and n > 20


def test_add_and_edit_procedure_with_field_errors(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client, csrf = _sign_in(app, dep.usernames["rso"])
    form = {"csrf_token": csrf, "code": "LIVER_SC", "name": "Liver-spleen",
            "radiopharmaceutical": "Tc-99m colloid", "nuclide": "Tc-99m", "kit_code": "MAA",
            "adult_min_bq": "150", "adult_typical_bq": "120", "adult_max_bq": "200",
            "eanm_class": "", "eanm_baseline_bq": "", "eanm_min_bq": "",
            "duration_min": "30", "uptake_min": "15", "source": "local protocol"}
    bad = client.post(f"{URL}/procedures", data=form, follow_redirects=False)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert 'id="new-procedures-adult_typical_bq-error"' in bad.text
    assert 'value="LIVER_SC"' in bad.text  # what was typed is kept
    assert _count(db, Procedure) == len(dep.procedure_ids)
    r = client.post(f"{URL}/procedures", data={**form, "adult_min_bq": "80,5"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    p = catalogue.procedure_by_code(db, dep.actors["rso"], "LIVER_SC")
    assert p.adult_min_bq == 80.5e6 and p.kit_code == "MAA" and p.uptake_min == 15
    dup = client.post(f"{URL}/procedures", data=form | {"adult_min_bq": "80"},
                      follow_redirects=False)
    assert dup.status_code == 409
    # edit: a reason is required; the change is audited
    edit_url = f"{URL}/procedures/{p.id}"
    values = {k: v for k, v in form.items() if k != "code"} | {
        "adult_min_bq": "80.5", "active": "on", "kit_code": ""}
    r = client.post(edit_url, data=values | {"reason": ""}, follow_redirects=False)
    assert r.status_code == 422 and 'id="edit-procedures-reason-error"' in r.text
    r = client.post(edit_url, data=values | {"reason": "eluate, no kit"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert catalogue.get_procedure(db, dep.actors["rso"], p.id).kit_code is None
    with db.read() as s:
        reasons = list(s.scalars(select(AuditEntry.reason).where(
            AuditEntry.entity_type == "procedure", AuditEntry.action == "updated")))
    assert reasons == ["eluate, no kit"]
    page = client.get(edit_url)
    assert 'value="80.5"' in page.text and "local protocol" in page.text


def test_add_kit_camera_and_calibrator(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    client, csrf = _sign_in(app, dep.usernames["admin"])
    kit = {"csrf_token": csrf, "code": "SC", "name": "Sulphur colloid",
           "radiopharmaceutical": "Tc-99m SC", "nuclide": "Tc-99m", "max_activity_bq": "5000",
           "max_volume_ml": "3", "shelf_life_s": "6", "max_eluate_age_s": "",
           "rcp_min": "92", "particles_per_vial": "", "min_particles_per_dose": "",
           "max_particles_per_dose": "", "source": ""}
    bad = client.post(f"{URL}/kits", data=kit | {"rcp_min": "120"}, follow_redirects=False)
    assert bad.status_code == 422 and 'id="new-kits-rcp_min-error"' in bad.text
    r = client.post(f"{URL}/kits", data=kit, follow_redirects=False)
    assert r.status_code == 303, r.text
    k = catalogue.kit_by_code(db, dep.actors["admin"], "SC")
    assert (k.max_activity_bq, k.shelf_life_s, k.rcp_min) == (5e9, 21600.0, 0.92)
    assert k.carrier_sensitive is False and _count(db, Kit) == 11
    cam = {"csrf_token": csrf, "site_id": str(dep.site_id), "name": "SPECT 3",
           "ae_title": "OTHER1", "modality": "NM"}
    r = client.post(f"{URL}/cameras", data=cam, follow_redirects=False)
    assert r.status_code == 409 and 'id="new-cameras-ae_title-error"' in r.text
    r = client.post(f"{URL}/cameras", data=cam | {"ae_title": "SPECT3"},
                    follow_redirects=False)
    assert r.status_code == 303
    cams = catalogue.list_cameras(db, dep.actors["admin"])
    new = next(c for c in cams if c.ae_title == "SPECT3")
    r = client.post(f"{URL}/cameras/{new.id}", data={"csrf_token": csrf, "name": "SPECT 3",
                                                     "ae_title": "SPECT3", "modality": "NM",
                                                     "reason": ""}, follow_redirects=False)
    assert r.status_code == 303  # the box unticked: out of use
    assert catalogue.get_camera(db, dep.actors["admin"], new.id).active is False
    r = client.post(f"{URL}/calibrators", data={"csrf_token": csrf,
                                                "site_id": str(dep.site_id), "name": "Second",
                                                "model": "", "serial": "S-1"},
                    follow_redirects=False)
    assert r.status_code == 422 and 'id="new-calibrators-model-error"' in r.text
    r = client.post(f"{URL}/calibrators", data={"csrf_token": csrf,
                                                "site_id": str(dep.site_id), "name": "Second",
                                                "model": "CRC-55tR", "serial": "S-1"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "CRC-55tR" in client.get(URL).text


def test_other_organisations_entries_are_not_found(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    client, csrf = _sign_in(app, dep.usernames["admin"])
    assert "OTHER1" not in client.get(URL).text
    for key, row_id in (("procedures", other.procedure_ids["THYROID"]),
                        ("kits", other.kit_ids["MAA"]), ("cameras", other.camera_ids[0]),
                        ("calibrators", other.calibrator_id)):
        assert client.get(f"{URL}/{key}/{row_id}").status_code == 404
        r = client.post(f"{URL}/{key}/{row_id}", data={"csrf_token": csrf, "name": "X",
                                                        "reason": "x"},
                        follow_redirects=False)
        assert r.status_code == 404
    assert client.get(f"{URL}/nothing/1").status_code == 404
    r = client.post(f"{URL}/cameras", data={"csrf_token": csrf,
                                            "site_id": str(other.site_id), "name": "X",
                                            "ae_title": "X1", "modality": "NM"},
                    follow_redirects=False)
    assert r.status_code == 422 and 'id="new-cameras-site_id-error"' in r.text
    assert _count(db, Camera) == 3


def test_page_in_russian_has_its_language(db, app) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    client, _csrf = _sign_in(app, dep.usernames["viewer"])
    page = client.get(URL, headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and 'lang="ru"' in page.text


def _form_values(html: str, form_id: str) -> dict[str, str]:
    """What the browser would send from the form ``form_id`` as rendered."""
    form = re.search(rf'<form [^>]*id="{form_id}">(.*?)</form>', html, re.S)
    assert form is not None
    body = form.group(1)
    out: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        assert name is not None
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                out[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        out[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', body,
                                    re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        out[name] = unescape(chosen.group(1)) if chosen else ""
    for name, text in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body,
                                 re.S):
        out[name] = unescape(text)
    return out


def test_edit_forms_round_trip_every_default_entry(db, app) -> None:  # type: ignore[no-untyped-def]
    """The edit form shows each value in its unit (MBq, h, %) so that saving it unchanged
    changes nothing: no row differs and nothing is audited."""
    dep = make_department(db)
    admin = dep.actors["admin"]
    catalogue.install_defaults(db, admin)
    client, _csrf = _sign_in(app, dep.usernames["admin"])
    rows = ([("procedures", p) for p in catalogue.list_procedures(db, admin)]
            + [("kits", k) for k in catalogue.list_kits(db, admin)]
            + [("cameras", c) for c in catalogue.list_cameras(db, admin)]
            + [("calibrators", c) for c in catalogue.list_calibrators(db, admin)])
    with db.read() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEntry))
    for key, row in rows:
        page = client.get(f"{URL}/{key}/{row.id}")
        assert page.status_code == 200, (key, row.id)
        values = _form_values(page.text, "edit-form")
        assert values["csrf_token"]
        r = client.post(f"{URL}/{key}/{row.id}", data=values | {"reason": "unchanged"},
                        follow_redirects=False)
        assert r.status_code == 303, (key, row.id, r.text[-2000:])
    assert catalogue.list_procedures(db, admin) == [r for k, r in rows if k == "procedures"]
    assert catalogue.list_kits(db, admin) == [r for k, r in rows if k == "kits"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audited
