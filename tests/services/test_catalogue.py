"""Catalogue service: defaults (idempotent, audited), procedures and kits (validation,
updates with a reason), cameras (AE title rules and platform-wide uniqueness), calibrators;
roles, tenancy and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from isoflow.domain import department_catalogue as defaults
from isoflow.domain.roles import Actor
from isoflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from isoflow.services import catalogue, organisations
from isoflow.store.department_models import Camera, DoseCalibrator, Kit, Procedure
from isoflow.store.models import AuditEntry
from tests.department_world import make_department

MBQ = 1e6
CLI = Actor.command_line("tests")


def _count(db, model, **where) -> int:  # type: ignore[no-untyped-def]
    q = select(func.count()).select_from(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    with db.read() as s:
        return int(s.scalar(q))


def _audits(db, entity_type: str) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return [(a.action, a.entity_id, a.reason) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity_type)
            .order_by(AuditEntry.seq))]


def _bare_org(db, name: str = "Bare Hospital") -> int:  # type: ignore[no-untyped-def]
    org, _site = organisations.create_organisation(db, CLI, name=name, kind="hospital",
                                                   timezone="Asia/Bishkek", jurisdiction="RU")
    return int(org.id)


def _new_procedure(**over):  # type: ignore[no-untyped-def]
    v = dict(code="LIVER_SC", name="Liver-spleen", radiopharmaceutical="Tc-99m colloid",
             nuclide="tc99m", kit_code="MAA", adult_min_bq=80 * MBQ,
             adult_typical_bq=120 * MBQ, adult_max_bq=150 * MBQ)
    v.update(over)
    return v


def _new_kit(**over):  # type: ignore[no-untyped-def]
    v = dict(code="SC2", name="Sulphur colloid", radiopharmaceutical="Tc-99m SC",
             nuclide="Tc-99m", max_activity_bq=5e9, max_volume_ml=3.0, shelf_life_s=6 * 3600.0,
             rcp_min=0.92)
    v.update(over)
    return v


# ---- defaults -------------------------------------------------------------------------------


def test_install_defaults_copies_everything_once_and_audits(db) -> None:  # type: ignore[no-untyped-def]
    org = _bare_org(db)
    n_procs, n_kits = len(defaults.default_procedures()), len(defaults.default_kits())
    assert catalogue.install_defaults(db, CLI, org_id=org) == {"procedures": n_procs,
                                                                "kits": n_kits}
    assert _count(db, Procedure, org_id=org) == n_procs
    assert _count(db, Kit, org_id=org) == n_kits
    assert len(_audits(db, "procedure")) == n_procs and len(_audits(db, "kit")) == n_kits
    # idempotent: nothing added, nothing audited
    assert catalogue.install_defaults(db, CLI, org_id=org) == {"procedures": 0, "kits": 0}
    assert _count(db, Procedure, org_id=org) == n_procs
    assert len(_audits(db, "procedure")) == n_procs
    maa = catalogue.kit_by_code(db, CLI, "MAA", org_id=org)
    assert maa.particles_per_vial == 3.0e6 and maa.max_volume_ml == 8
    assert "verified: False" in (maa.source or "")
    lung = catalogue.procedure_by_code(db, CLI, "LUNG_PERF_MAA", org_id=org)
    assert lung.kit_code == "MAA" and lung.adult_max_bq == pytest.approx(200 * MBQ)


def test_install_defaults_leaves_existing_codes_alone(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    admin = dep.actors["admin"]
    bone_before = catalogue.procedure_by_code(db, admin, "BONE_BISPHOSPHONATE")
    counts = catalogue.install_defaults(db, admin)
    world_codes = {"BONE_BISPHOSPHONATE", "RENAL_DMSA"}  # the world's codes among the defaults
    assert counts["procedures"] == len(defaults.default_procedures()) - len(world_codes)
    assert counts["kits"] == len(defaults.default_kits()) - 5
    assert catalogue.procedure_by_code(db, admin, "BONE_BISPHOSPHONATE") == bone_before
    assert catalogue.kit_by_code(db, admin, "HMPAO").id == dep.kit_ids["HMPAO"]


def test_install_defaults_roles_and_tenancy(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = _bare_org(db, "Other Hospital")
    for role in ("physician", "technologist", "viewer"):
        with pytest.raises(Forbidden):
            catalogue.install_defaults(db, dep.actors[role])
    with pytest.raises(NotFound):
        catalogue.install_defaults(db, dep.actors["admin"], org_id=other)
    with pytest.raises(InvalidInput) as e:
        catalogue.install_defaults(db, CLI)
    assert e.value.field == "org_id"
    assert _count(db, Procedure, org_id=other) == 0
    # the radiopharmacist and the RSO manage the catalogue
    assert catalogue.install_defaults(db, dep.actors["rso"])["kits"] > 0


# ---- procedures -----------------------------------------------------------------------------


def test_create_and_update_procedure(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rph = dep.actors["radiopharmacist"]
    p = catalogue.create_procedure(db, rph, **_new_procedure())
    assert p.nuclide == "Tc-99m" and p.org_id == dep.org_id and p.duration_min == 30
    assert catalogue.get_procedure(db, dep.actors["viewer"], p.id) == p
    q = catalogue.update_procedure(db, rph, p.id, reason="new protocol",
                                   adult_typical_bq=140 * MBQ, eanm_class="b",
                                   eanm_baseline_bq=5.6 * MBQ, eanm_min_bq=10 * MBQ)
    assert q.adult_typical_bq == 140 * MBQ and q.eanm_class == "B"
    assert _audits(db, "procedure") == [("created", str(p.id), None),
                                        ("updated", str(p.id), "new protocol")]
    # nothing changed: nothing audited
    catalogue.update_procedure(db, rph, p.id, reason="again", adult_typical_bq=140 * MBQ)
    assert len(_audits(db, "procedure")) == 2
    assert [x.code for x in catalogue.list_procedures(db, rph, active_only=True)].count(
        "LIVER_SC") == 1
    catalogue.update_procedure(db, rph, p.id, reason="retired", active=False)
    assert "LIVER_SC" not in {x.code for x in catalogue.list_procedures(db, rph,
                                                                         active_only=True)}
    assert "LIVER_SC" in {x.code for x in catalogue.list_procedures(db, rph)}


@pytest.mark.parametrize(("over", "field"), [
    ({"adult_min_bq": 200 * MBQ}, "adult_min_bq"),
    ({"adult_typical_bq": 0.0}, "adult_typical_bq"),
    ({"eanm_class": "B"}, "eanm_baseline_bq"),
    ({"eanm_class": "Z", "eanm_baseline_bq": 1e6, "eanm_min_bq": 1e6}, "eanm_class"),
    ({"nuclide": "Xx-999"}, "nuclide"),
    ({"kit_code": "NOPE"}, "kit_code"),
    ({"code": "bad code"}, "code"),
    ({"code": ""}, "code"),
    ({"name": "a\x00b"}, "name"),
    ({"nuclide": "F-18"}, "kit_code"),  # the MAA kit is labelled with Tc-99m
    ({"colour": "red"}, "colour"),
])
def test_create_procedure_refuses_bad_input(db, over, field) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    before = _count(db, Procedure)
    with pytest.raises(InvalidInput) as e:
        catalogue.create_procedure(db, dep.actors["admin"], **_new_procedure(**over))
    assert e.value.field == field
    assert _count(db, Procedure) == before and _audits(db, "procedure") == []


def test_procedure_code_unique_per_org_and_not_changed(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    admin = dep.actors["admin"]
    with pytest.raises(Conflict) as e:
        catalogue.create_procedure(db, admin, **_new_procedure(code="THYROID"))
    assert e.value.field == "code"
    # the same code in another organisation is its own
    catalogue.create_procedure(db, other.actors["admin"], **_new_procedure())
    catalogue.create_procedure(db, admin, **_new_procedure())
    with pytest.raises(InvalidInput) as e:
        catalogue.update_procedure(db, admin, dep.procedure_ids["THYROID"], reason="x",
                                   code="THYROID2")
    assert e.value.field == "code"
    with pytest.raises(InvalidInput) as e:
        catalogue.update_procedure(db, admin, dep.procedure_ids["THYROID"], reason=" ",
                                   duration_min=25)
    assert e.value.field == "reason"
    with pytest.raises(InvalidInput) as e:
        catalogue.update_procedure(db, admin, dep.procedure_ids["THYROID"], reason="x",
                                   adult_max_bq=10 * MBQ)
    assert e.value.field in ("adult_min_bq", "adult_typical_bq")


def test_procedures_tenancy_and_roles(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    mine = dep.procedure_ids["THYROID"]
    theirs = other.procedure_ids["THYROID"]
    assert {p.org_id for p in catalogue.list_procedures(db, dep.actors["viewer"])} == {
        dep.org_id}
    with pytest.raises(NotFound):
        catalogue.get_procedure(db, dep.actors["admin"], theirs)
    with pytest.raises(NotFound):
        catalogue.update_procedure(db, dep.actors["admin"], theirs, reason="x",
                                   duration_min=10)
    with pytest.raises(NotFound):
        catalogue.create_procedure(db, dep.actors["admin"], org_id=other.org_id,
                                   **_new_procedure())
    for role in ("physician", "technologist", "viewer"):
        with pytest.raises(Forbidden):
            catalogue.update_procedure(db, dep.actors[role], mine, reason="x",
                                       duration_min=10)
        with pytest.raises(Forbidden):
            catalogue.create_procedure(db, dep.actors[role], **_new_procedure())
    # a platform administrator sees both
    assert {p.org_id for p in catalogue.list_procedures(db, CLI)} == {dep.org_id,
                                                                       other.org_id}


# ---- kits -----------------------------------------------------------------------------------


def test_create_update_kit_and_refusals(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    rso = dep.actors["rso"]
    k = catalogue.create_kit(db, rso, **_new_kit())
    assert k.carrier_sensitive is False and k.max_eluate_age_s is None
    assert catalogue.kit_by_code(db, dep.actors["viewer"], "SC2") == k
    k2 = catalogue.update_kit(db, rso, k.id, reason="label v2", rcp_min=0.95,
                              max_eluate_age_s=7200.0)
    assert (k2.rcp_min, k2.max_eluate_age_s) == (0.95, 7200.0)
    assert [a[0] for a in _audits(db, "kit")] == ["created", "updated"]
    for over, field in (({"rcp_min": 1.5}, "rcp_min"), ({"shelf_life_s": 0.0}, "shelf_life_s"),
                        ({"max_volume_ml": -1.0}, "max_volume_ml"),
                        ({"nuclide": "nope"}, "nuclide"),
                        ({"code": "MAA"}, "code")):
        err = Conflict if field == "code" else InvalidInput
        with pytest.raises(err) as e:
            catalogue.create_kit(db, rso, **_new_kit(**over))
        assert e.value.field == field
    with pytest.raises(InvalidInput) as e:
        catalogue.create_kit(db, rso, **{k: v for k, v in _new_kit().items() if k != "rcp_min"})
    assert e.value.field == "rcp_min"
    with pytest.raises(InvalidInput) as e:
        catalogue.update_kit(db, rso, dep.kit_ids["MAA"], reason="x",
                             min_particles_per_dose=9e6)
    assert e.value.field == "min_particles_per_dose"
    with pytest.raises(Conflict) as e:  # LUNG_PERFUSION draws its doses from MAA
        catalogue.update_kit(db, rso, dep.kit_ids["MAA"], reason="x", nuclide="In-111")
    assert e.value.field == "nuclide"
    assert len(_audits(db, "kit")) == 2
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    with pytest.raises(NotFound):
        catalogue.get_kit(db, rso, other.kit_ids["MAA"])
    with pytest.raises(NotFound):
        catalogue.update_kit(db, rso, other.kit_ids["MAA"], reason="x", rcp_min=0.9)
    with pytest.raises(Forbidden):
        catalogue.create_kit(db, dep.actors["technologist"], **_new_kit(code="SC3"))


# ---- cameras --------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "    ", "A\\B", "SPECT\x01", "X" * 17, "КАМЕРА",
                                   "A\tB"])
def test_ae_title_rules(db, title) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    with pytest.raises(InvalidInput) as e:
        catalogue.add_camera(db, dep.actors["admin"], site_id=dep.site_id, name="Cam",
                             ae_title=title)
    assert e.value.field == "ae_title"
    assert _count(db, Camera) == 2


def test_cameras_added_stripped_unique_and_updated(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    admin = dep.actors["admin"]
    cam = catalogue.add_camera(db, admin, site_id=dep.site_id, name="SPECT 3",
                               ae_title="  spect_3 ")
    assert cam.ae_title == "spect_3" and cam.modality == "NM" and cam.active
    longest = catalogue.add_camera(db, admin, site_id=dep.site_id, name="16",
                                   ae_title="X" * 16)
    assert longest.ae_title == "X" * 16
    # unique across the platform: another organisation's title is taken too
    with pytest.raises(Conflict) as e:
        catalogue.add_camera(db, admin, site_id=dep.site_id, name="Dup", ae_title="OTHER1")
    assert e.value.field == "ae_title" and "OTHER1" in e.value.message
    with pytest.raises(Conflict):
        catalogue.update_camera(db, admin, cam.id, ae_title="SPECT1")
    upd = catalogue.update_camera(db, admin, cam.id, active=False, name="SPECT 3 (old)",
                                  reason="decommissioned")
    assert (upd.active, upd.name, upd.ae_title) == (False, "SPECT 3 (old)", "spect_3")
    assert {c.id for c in catalogue.list_cameras(db, admin, active_only=True)} == {
        *dep.camera_ids, longest.id}
    assert {c.id for c in catalogue.list_cameras(db, admin)} == {*dep.camera_ids, longest.id,
                                                                 cam.id}
    assert [a[0] for a in _audits(db, "camera")] == ["created", "created", "updated"]
    # tenancy and roles
    with pytest.raises(NotFound):
        catalogue.add_camera(db, admin, site_id=other.site_id, name="X", ae_title="X1")
    with pytest.raises(NotFound):
        catalogue.update_camera(db, admin, other.camera_ids[0], name="mine")
    with pytest.raises(NotFound):
        catalogue.list_cameras(db, admin, site_id=other.site_id)
    with pytest.raises(Forbidden):
        catalogue.add_camera(db, dep.actors["physician"], site_id=dep.site_id, name="X",
                             ae_title="X2")
    assert {c.org_id for c in catalogue.list_cameras(db, dep.actors["viewer"])} == {
        dep.org_id}
    assert catalogue.get_camera(db, other.actors["viewer"], other.camera_ids[0]).ae_title == \
        "OTHER1"


# ---- calibrators ----------------------------------------------------------------------------


def test_calibrators(db) -> None:  # type: ignore[no-untyped-def]
    dep = make_department(db)
    other = make_department(db, "Other Hospital", ae_titles=("OTHER1",))
    rso = dep.actors["rso"]
    cal = catalogue.add_calibrator(db, rso, site_id=dep.site_id, name=" Second ",
                                   model="CRC-55tR", serial="55-1")
    assert (cal.name, cal.active, cal.org_id) == ("Second", True, dep.org_id)
    assert [c.id for c in catalogue.list_calibrators(db, rso, site_id=dep.site_id)] == [
        dep.calibrator_id, cal.id]
    assert catalogue.update_calibrator(db, rso, cal.id, active=False, reason="repair").active \
        is False
    assert [a[0] for a in _audits(db, "dose_calibrator")] == ["created", "updated"]
    with pytest.raises(InvalidInput) as e:
        catalogue.add_calibrator(db, rso, site_id=dep.site_id, name="X", model="", serial="1")
    assert e.value.field == "model"
    with pytest.raises(NotFound):
        catalogue.add_calibrator(db, rso, site_id=other.site_id, name="X", model="M",
                                 serial="1")
    with pytest.raises(NotFound):
        catalogue.get_calibrator(db, rso, other.calibrator_id)
    with pytest.raises(Forbidden):
        catalogue.add_calibrator(db, dep.actors["technologist"], site_id=dep.site_id,
                                 name="X", model="M", serial="1")
    assert _count(db, DoseCalibrator) == 3
