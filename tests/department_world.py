"""A hospital department for tests of issue #10: one organisation and site, a user per role,
two cameras (SPECT1/SPECT2 unless told), a dose calibrator, a few procedures and kits, written
straight into the tables so each slice's tests stand alone. Demo and catalogue services have
their own tests; this is only the ground the others stand on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from isoflow.domain.roles import Actor
from isoflow.services import licences, organisations
from isoflow.services.auth import actor_of
from isoflow.store.department_models import Camera, DoseCalibrator, Kit, Procedure
from isoflow.store.models import User

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "physician", "technologist", "radiopharmacist", "rso", "viewer")
MBQ = 1e6
HOUR = 3600.0

#: code, name, radiopharmaceutical, kit, adult min/typical/max [MBq], EANM class/baseline/min
PROCEDURES = (
    ("BONE_BISPHOSPHONATE", "Bone scintigraphy", "Tc-99m MDP/HDP", "MDP",
     300, 500, 740, "B", 35, 40),
    ("LUNG_PERFUSION", "Lung perfusion", "Tc-99m MAA", "MAA", 40, 100, 150, "B", 5.6, 10),
    ("THYROID", "Thyroid scintigraphy", "Tc-99m pertechnetate", None, 40, 80, 150, "B", 5.6,
     10),
    ("RENAL_DMSA", "Renal cortical scintigraphy", "Tc-99m DMSA", "DMSA", 70, 100, 120, "B",
     6.8, 18.5),
    ("MPI_REST", "Myocardial perfusion, rest", "Tc-99m sestamibi", "MIBI", 250, 300, 400,
     None, None, None),
)
#: code, name, radiopharmaceutical, max activity [MBq], max volume [mL], shelf life [h],
#: max eluate age [h], carrier-sensitive, RCP min, particles per vial
KITS = (
    ("MDP", "MDP (medronate)", "Tc-99m MDP", 11100, 10, 8, None, False, 0.90, None),
    ("MAA", "Macrotech (MAA)", "Tc-99m MAA", 1480, 10, 6, 2, False, 0.90, 3.0e6),
    ("DMSA", "DMSA (succimer)", "Tc-99m DMSA", 1110, 6, 4, None, False, 0.90, None),
    ("MIBI", "Sestamibi", "Tc-99m sestamibi", 5550, 3, 6, None, False, 0.90, None),
    ("HMPAO", "Exametazime (HMPAO)", "Tc-99m exametazime", 1110, 5, 0.5, 2, True, 0.80,
     None),
)


@dataclass
class Department:
    org_id: int
    site_id: int
    actors: dict[str, Actor]
    usernames: dict[str, str]
    camera_ids: list[int] = field(default_factory=list)
    calibrator_id: int = 0
    procedure_ids: dict[str, int] = field(default_factory=dict)
    kit_ids: dict[str, int] = field(default_factory=dict)


def make_department(db: object, name: str = "Test Hospital", *, jurisdiction: str = "RU",
                    timezone: str = "Asia/Bishkek", ae_titles: tuple[str, ...] = ("SPECT1",
                                                                                  "SPECT2"),
                    licence_bq: float = 1e13) -> Department:
    """A hospital with a user of every role (passwords changed), a total possession limit
    valid from 2000, cameras, a calibrator, and the procedures and kits above."""
    cli = Actor.command_line("tests")
    org, site = organisations.create_organisation(db, cli, name=name, kind="hospital",  # type: ignore[arg-type]
                                                  timezone=timezone, jurisdiction=jurisdiction)
    slug = name.lower().replace(" ", "-")
    actors: dict[str, Actor] = {}
    usernames: dict[str, str] = {}
    for role in ROLES:
        username = f"{slug}-{role}"
        u = organisations.create_user(db, cli, username=username, password=PASSWORD,  # type: ignore[arg-type]
                                      role=role, org_id=org.id, full_name=f"{name} {role}",
                                      must_change_password=False)
        with db.read() as s:  # type: ignore[attr-defined]
            actors[role] = actor_of(s.get(User, u.id))
        usernames[role] = username
    licences.add_limit(db, cli, site_id=site.id, nuclide=None, limit_bq=licence_bq,  # type: ignore[arg-type]
                       valid_from=datetime(2000, 1, 1, tzinfo=UTC), reference=f"{slug}-L1")
    dep = Department(org_id=org.id, site_id=site.id, actors=actors, usernames=usernames)
    at = datetime.now(UTC)
    with db.write() as s:  # type: ignore[attr-defined]
        for i, ae in enumerate(ae_titles, 1):
            cam = Camera(org_id=org.id, site_id=site.id, name=f"SPECT {i}", ae_title=ae,
                         modality="NM", active=True, created_at=at)
            s.add(cam)
            s.flush()
            dep.camera_ids.append(cam.id)
        cal = DoseCalibrator(org_id=org.id, site_id=site.id, name="Hot lab calibrator",
                             model="CRC-25R", serial=f"{slug}-001", active=True, created_at=at)
        s.add(cal)
        s.flush()
        dep.calibrator_id = cal.id
        for code, pname, rp, kit, lo, typ, hi, cls, base, mini in PROCEDURES:
            p = Procedure(org_id=org.id, code=code, name=pname, radiopharmaceutical=rp,
                          nuclide="Tc-99m", kit_code=kit, adult_min_bq=lo * MBQ,
                          adult_typical_bq=typ * MBQ, adult_max_bq=hi * MBQ, eanm_class=cls,
                          eanm_baseline_bq=None if base is None else base * MBQ,
                          eanm_min_bq=None if mini is None else mini * MBQ, duration_min=30,
                          uptake_min=0, active=True, source="tests", created_at=at)
            s.add(p)
            s.flush()
            dep.procedure_ids[code] = p.id
        for code, kname, rp, amax, vmax, life_h, age_h, carrier, rcp, particles in KITS:
            k = Kit(org_id=org.id, code=code, name=kname, radiopharmaceutical=rp,
                    nuclide="Tc-99m", max_activity_bq=amax * MBQ, max_volume_ml=vmax,
                    shelf_life_s=life_h * HOUR,
                    max_eluate_age_s=None if age_h is None else age_h * HOUR,
                    carrier_sensitive=carrier, rcp_min=rcp, particles_per_vial=particles,
                    min_particles_per_dose=None if particles is None else 6.0e4,
                    max_particles_per_dose=None if particles is None else 7.0e5,
                    active=True, source="tests", created_at=at)
            s.add(k)
            s.flush()
            dep.kit_ids[code] = k.id
    return dep
