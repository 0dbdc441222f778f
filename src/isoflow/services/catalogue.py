"""The department's catalogues (issue #10): procedures, cold kits, gamma cameras (with their
DICOM AE titles) and dose calibrators of each organisation.

Writing needs MANAGE_CATALOGUE, reading READ; each row belongs to one organisation (another
organisation's ids are "not found"); every write is one transaction with its audit entry
(entity types "procedure", "kit", "camera", "dose_calibrator"). The package's defaults
(isoflow.domain.department_catalogue) are copied into an organisation by
:func:`install_defaults` and edited there: they are the organisation's data from then on.
A catalogue row is never deleted (appointments and preparations refer to it): it is made
inactive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isoflow.domain import department_catalogue as rules
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import REASON_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, NotFound
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import Camera, DoseCalibrator, Kit, Procedure
from isoflow.store.models import Organisation

CAMERA_NAME_MAX = 100
CALIBRATOR_TEXT_MAX = 100
AE_TITLE_MAX = 16
MODALITIES = ("NM", "PT")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
#: the DICOM default character repertoire (printable ASCII) without the backslash
_AE_CHARS = re.compile(r"[\x20-\x5b\x5d-\x7e]*")


# ---- views ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureView:
    id: int
    org_id: int
    code: str
    name: str
    radiopharmaceutical: str
    nuclide: str
    kit_code: str | None
    adult_min_bq: float | None
    adult_typical_bq: float | None
    adult_max_bq: float | None
    eanm_class: str | None
    eanm_baseline_bq: float | None
    eanm_min_bq: float | None
    duration_min: int
    uptake_min: int
    active: bool
    source: str | None
    created_at: datetime


@dataclass(frozen=True)
class KitView:
    id: int
    org_id: int
    code: str
    name: str
    radiopharmaceutical: str
    nuclide: str
    max_activity_bq: float
    max_volume_ml: float
    shelf_life_s: float
    max_eluate_age_s: float | None
    carrier_sensitive: bool
    rcp_min: float
    particles_per_vial: float | None
    min_particles_per_dose: float | None
    max_particles_per_dose: float | None
    active: bool
    source: str | None
    created_at: datetime


@dataclass(frozen=True)
class CameraView:
    id: int
    org_id: int
    site_id: int
    name: str
    ae_title: str
    modality: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class CalibratorView:
    id: int
    org_id: int
    site_id: int
    name: str
    model: str
    serial: str
    active: bool
    created_at: datetime


PROCEDURE_FIELDS: tuple[str, ...] = (
    "code", "name", "radiopharmaceutical", "nuclide", "kit_code", "adult_min_bq",
    "adult_typical_bq", "adult_max_bq", "eanm_class", "eanm_baseline_bq", "eanm_min_bq",
    "duration_min", "uptake_min", "active", "source")
KIT_FIELDS: tuple[str, ...] = (
    "code", "name", "radiopharmaceutical", "nuclide", "max_activity_bq", "max_volume_ml",
    "shelf_life_s", "max_eluate_age_s", "carrier_sensitive", "rcp_min", "particles_per_vial",
    "min_particles_per_dose", "max_particles_per_dose", "active", "source")
PROCEDURE_DEFAULTS: dict[str, Any] = {
    "kit_code": None, "adult_min_bq": None, "adult_typical_bq": None, "adult_max_bq": None,
    "eanm_class": None, "eanm_baseline_bq": None, "eanm_min_bq": None, "duration_min": 30,
    "uptake_min": 0, "active": True, "source": None}
KIT_DEFAULTS: dict[str, Any] = {
    "max_eluate_age_s": None, "carrier_sensitive": False, "particles_per_vial": None,
    "min_particles_per_dose": None, "max_particles_per_dose": None, "active": True,
    "source": None}


def _values(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names}


def procedure_view(p: Procedure) -> ProcedureView:
    return ProcedureView(id=p.id, org_id=p.org_id, created_at=p.created_at,
                         **_values(p, PROCEDURE_FIELDS))


def kit_view(k: Kit) -> KitView:
    return KitView(id=k.id, org_id=k.org_id, created_at=k.created_at, **_values(k, KIT_FIELDS))


def camera_view(c: Camera) -> CameraView:
    return CameraView(id=c.id, org_id=c.org_id, site_id=c.site_id, name=c.name,
                      ae_title=c.ae_title, modality=c.modality, active=c.active,
                      created_at=c.created_at)


def calibrator_view(c: DoseCalibrator) -> CalibratorView:
    return CalibratorView(id=c.id, org_id=c.org_id, site_id=c.site_id, name=c.name,
                          model=c.model, serial=c.serial, active=c.active,
                          created_at=c.created_at)


# ---- shared checks --------------------------------------------------------------------------


def _org(s: Session, actor: Actor, org_id: int | None) -> int:
    """The organisation a new row belongs to: the actor's own, or (platform administrator)
    the one named."""
    if actor.org_id is not None:
        if org_id is not None and org_id != actor.org_id:
            raise NotFound(f"no organisation {org_id}", field="org_id")
        return actor.org_id
    if org_id is None:
        raise InvalidInput("name the organisation the catalogue belongs to", field="org_id")
    if isinstance(org_id, bool) or not isinstance(org_id, int) or s.get(Organisation,
                                                                        org_id) is None:
        raise NotFound(f"no organisation {org_id}", field="org_id")
    return org_id


def _code(value: object) -> str:
    code = clean_text(value, field="code", max_length=rules.CODE_MAX, spaces=False)
    if not _CODE.fullmatch(code):
        raise InvalidInput("code may hold only letters, digits, '_', '-' and '.', starting "
                           "with a letter or digit", field="code")
    return code


def _nuclide(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("nuclide must be text such as 'Tc-99m'", field="nuclide")
    return get_nuclide(value).name


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", field=field)
    return value


def _reason(reason: object) -> str:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise InvalidInput("say why the catalogue entry changes", field="reason")
    return clean_text(reason, field="reason", max_length=REASON_MAX, multiline=True)


def _unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise InvalidInput(f"unknown field {extra[0]!r}", field=extra[0])


def _procedure_values(s: Session, org_id: int, v: dict[str, Any]) -> dict[str, Any]:
    """``v`` (every procedure column) checked and normalised; InvalidInput naming the field."""
    out = dict(v)
    out["code"] = _code(v["code"])
    out["name"] = clean_text(v["name"], field="name", max_length=rules.NAME_MAX)
    out["radiopharmaceutical"] = clean_text(v["radiopharmaceutical"],
                                            field="radiopharmaceutical",
                                            max_length=rules.NAME_MAX)
    out["nuclide"] = _nuclide(v["nuclide"])
    out["source"] = clean_optional_text(v["source"], field="source",
                                        max_length=rules.SOURCE_MAX, multiline=True)
    out["active"] = _flag(v["active"], "active")
    cls = v["eanm_class"]
    if isinstance(cls, str):
        cls = cls.strip().upper() or None
    out["eanm_class"] = cls
    for name in ("adult_min_bq", "adult_typical_bq", "adult_max_bq", "eanm_baseline_bq",
                 "eanm_min_bq"):
        if out[name] is not None and not isinstance(out[name], bool) \
                and isinstance(out[name], int):
            out[name] = float(out[name])
    rules.check_procedure_values(out)
    kit_code = v["kit_code"]
    if isinstance(kit_code, str) and not kit_code.strip():
        kit_code = None
    if kit_code is not None:
        kit_code = clean_text(kit_code, field="kit_code", max_length=rules.CODE_MAX,
                              spaces=False)
        kit = s.scalars(select(Kit).where(Kit.org_id == org_id, Kit.code == kit_code)).first()
        if kit is None:
            raise InvalidInput(f"no kit {kit_code!r} in the catalogue", field="kit_code")
        if kit.nuclide != out["nuclide"]:
            raise InvalidInput(f"kit {kit_code!r} is labelled with {kit.nuclide}, not "
                               f"{out['nuclide']}", field="kit_code")
    out["kit_code"] = kit_code
    return out


def _kit_values(v: dict[str, Any]) -> dict[str, Any]:
    out = dict(v)
    out["code"] = _code(v["code"])
    out["name"] = clean_text(v["name"], field="name", max_length=rules.NAME_MAX)
    out["radiopharmaceutical"] = clean_text(v["radiopharmaceutical"],
                                            field="radiopharmaceutical",
                                            max_length=rules.NAME_MAX)
    out["nuclide"] = _nuclide(v["nuclide"])
    out["source"] = clean_optional_text(v["source"], field="source",
                                        max_length=rules.SOURCE_MAX, multiline=True)
    out["active"] = _flag(v["active"], "active")
    rules.check_kit_values(out)
    for name in ("max_activity_bq", "max_volume_ml", "shelf_life_s", "max_eluate_age_s",
                 "rcp_min", "particles_per_vial", "min_particles_per_dose",
                 "max_particles_per_dose"):
        if out[name] is not None:
            out[name] = float(out[name])
    return out


def _changed(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any],
                                                                 dict[str, Any]]:
    keys = [k for k in new if old.get(k) != new[k]]
    return {k: old.get(k) for k in keys}, {k: new[k] for k in keys}


def _visible_procedure(s: Session, actor: Actor, procedure_id: int, *,
                       lock: bool = False) -> Procedure:
    p = s.get(Procedure, procedure_id, with_for_update=lock)
    if p is None or not actor.sees(p.org_id):
        raise NotFound(f"no procedure {procedure_id} in the catalogue", field="procedure_id")
    return p


def _visible_kit(s: Session, actor: Actor, kit_id: int, *, lock: bool = False) -> Kit:
    k = s.get(Kit, kit_id, with_for_update=lock)
    if k is None or not actor.sees(k.org_id):
        raise NotFound(f"no kit {kit_id} in the catalogue", field="kit_id")
    return k


def _visible_camera(s: Session, actor: Actor, camera_id: int, *, lock: bool = False) -> Camera:
    c = s.get(Camera, camera_id, with_for_update=lock)
    if c is None or not actor.sees(c.org_id):
        raise NotFound(f"no camera {camera_id}", field="camera_id")
    return c


def _visible_calibrator(s: Session, actor: Actor, calibrator_id: int, *,
                        lock: bool = False) -> DoseCalibrator:
    c = s.get(DoseCalibrator, calibrator_id, with_for_update=lock)
    if c is None or not actor.sees(c.org_id):
        raise NotFound(f"no dose calibrator {calibrator_id}", field="calibrator_id")
    return c


def _flush(s: Session, what: str, field: str) -> None:
    try:
        s.flush()
    except IntegrityError:
        raise Conflict(f"{what} already exists", field=field) from None


# ---- defaults -------------------------------------------------------------------------------


def install_defaults(db: Database, actor: Actor, org_id: int | None = None) -> dict[str, int]:
    """Copy the package's default kits and procedures into the organisation (the actor's, or
    ``org_id`` for a platform administrator). Idempotent: a code the organisation already has
    is left as it is. Returns the counts of rows added."""
    actor.require(Permission.MANAGE_CATALOGUE)
    with db.write() as s:
        org = _org(s, actor, org_id)
        s.get(Organisation, org, with_for_update=True)  # two installs one after the other
        at = now()
        have_kits = set(s.scalars(select(Kit.code).where(Kit.org_id == org)))
        have_procs = set(s.scalars(select(Procedure.code).where(Procedure.org_id == org)))
        added_kits: list[Kit] = []
        for dk in rules.default_kits():
            if dk.code not in have_kits:
                row = Kit(org_id=org, created_at=at, **_kit_values({**KIT_DEFAULTS, **dk.fields()}))
                s.add(row)
                added_kits.append(row)
        s.flush()
        added_procs: list[Procedure] = []
        for dp in rules.default_procedures():
            if dp.code in have_procs:
                continue
            proc = Procedure(org_id=org, created_at=at,
                             **_procedure_values(s, org, {**PROCEDURE_DEFAULTS,
                                                                **dp.fields()}))
            s.add(proc)
            added_procs.append(proc)
        s.flush()
        for k in added_kits:
            audit.record(s, actor, org_id=org, entity_type="kit", entity_id=k.id,
                         action="created", new=_values(k, KIT_FIELDS),
                         reason="default catalogue")
        for p in added_procs:
            audit.record(s, actor, org_id=org, entity_type="procedure", entity_id=p.id,
                         action="created", new=_values(p, PROCEDURE_FIELDS),
                         reason="default catalogue")
        return {"procedures": len(added_procs), "kits": len(added_kits)}


def has_catalogue(db: Database, actor: Actor, org_id: int | None = None) -> bool:
    """Whether the organisation has any procedure or kit."""
    actor.require(Permission.READ)
    org = actor.org_id if actor.org_id is not None else org_id
    with db.read() as s:
        q_p = select(func.count()).select_from(Procedure)
        q_k = select(func.count()).select_from(Kit)
        if org is not None:
            q_p = q_p.where(Procedure.org_id == org)
            q_k = q_k.where(Kit.org_id == org)
        return bool(s.scalar(q_p)) or bool(s.scalar(q_k))


# ---- procedures -----------------------------------------------------------------------------


def list_procedures(db: Database, actor: Actor, *, active_only: bool = False
                    ) -> list[ProcedureView]:
    actor.require(Permission.READ)
    q = select(Procedure).order_by(Procedure.org_id, Procedure.code)
    if actor.org_id is not None:
        q = q.where(Procedure.org_id == actor.org_id)
    if active_only:
        q = q.where(Procedure.active.is_(True))
    with db.read() as s:
        return [procedure_view(p) for p in s.scalars(q)]


def get_procedure(db: Database, actor: Actor, procedure_id: int) -> ProcedureView:
    actor.require(Permission.READ)
    with db.read() as s:
        return procedure_view(_visible_procedure(s, actor, procedure_id))


def procedure_by_code(db: Database, actor: Actor, code: str, *,
                      org_id: int | None = None) -> ProcedureView:
    """The organisation's procedure with ``code`` (a platform administrator names the
    organisation)."""
    actor.require(Permission.READ)
    with db.read() as s:
        org = _org(s, actor, org_id)
        p = s.scalars(select(Procedure).where(Procedure.org_id == org,
                                              Procedure.code == code)).first()
        if p is None:
            raise NotFound(f"no procedure {code!r} in the catalogue", field="code")
        return procedure_view(p)


def create_procedure(db: Database, actor: Actor, **fields: Any) -> ProcedureView:
    """A new procedure: ``code``, ``name``, ``radiopharmaceutical``, ``nuclide`` and the
    optional columns (:data:`PROCEDURE_DEFAULTS`); ``org_id`` only for a platform
    administrator. Activities in Bq."""
    actor.require(Permission.MANAGE_CATALOGUE)
    org_id = fields.pop("org_id", None)
    _unknown(fields, PROCEDURE_FIELDS)
    for name in ("code", "name", "radiopharmaceutical", "nuclide"):
        if name not in fields:
            raise InvalidInput(f"{name} is required", field=name)
    with db.write() as s:
        org = _org(s, actor, org_id)
        values = _procedure_values(s, org, {**PROCEDURE_DEFAULTS, **fields})
        if s.scalars(select(Procedure.id).where(Procedure.org_id == org,
                                                Procedure.code == values["code"])).first():
            raise Conflict(f"the catalogue already has a procedure {values['code']!r}",
                           field="code")
        row = Procedure(org_id=org, created_at=now(), **values)
        s.add(row)
        _flush(s, f"a procedure {values['code']!r}", "code")
        audit.record(s, actor, org_id=org, entity_type="procedure", entity_id=row.id,
                     action="created", new=values)
        return procedure_view(row)


def update_procedure(db: Database, actor: Actor, procedure_id: int, *, reason: str,
                     **changes: Any) -> ProcedureView:
    """Change a procedure's columns (not its code: other records name it), with a reason."""
    actor.require(Permission.MANAGE_CATALOGUE)
    _unknown(changes, PROCEDURE_FIELDS)
    why = _reason(reason)
    with db.write() as s:
        row = _visible_procedure(s, actor, procedure_id, lock=True)
        old = _values(row, PROCEDURE_FIELDS)
        if "code" in changes and changes["code"] != row.code:
            raise InvalidInput("a procedure's code is not changed: add a new procedure and "
                               "make this one inactive", field="code")
        values = _procedure_values(s, row.org_id, {**old, **changes})
        before, after = _changed(old, values)
        if not after:
            return procedure_view(row)
        for k, v in after.items():
            setattr(row, k, v)
        s.flush()
        audit.record(s, actor, org_id=row.org_id, entity_type="procedure", entity_id=row.id,
                     action="updated", old=before, new=after, reason=why)
        return procedure_view(row)


# ---- kits -----------------------------------------------------------------------------------


def list_kits(db: Database, actor: Actor, *, active_only: bool = False) -> list[KitView]:
    actor.require(Permission.READ)
    q = select(Kit).order_by(Kit.org_id, Kit.code)
    if actor.org_id is not None:
        q = q.where(Kit.org_id == actor.org_id)
    if active_only:
        q = q.where(Kit.active.is_(True))
    with db.read() as s:
        return [kit_view(k) for k in s.scalars(q)]


def get_kit(db: Database, actor: Actor, kit_id: int) -> KitView:
    actor.require(Permission.READ)
    with db.read() as s:
        return kit_view(_visible_kit(s, actor, kit_id))


def kit_by_code(db: Database, actor: Actor, code: str, *, org_id: int | None = None
                ) -> KitView:
    actor.require(Permission.READ)
    with db.read() as s:
        org = _org(s, actor, org_id)
        k = s.scalars(select(Kit).where(Kit.org_id == org, Kit.code == code)).first()
        if k is None:
            raise NotFound(f"no kit {code!r} in the catalogue", field="code")
        return kit_view(k)


def create_kit(db: Database, actor: Actor, **fields: Any) -> KitView:
    """A new kit: ``code``, ``name``, ``radiopharmaceutical``, ``nuclide``,
    ``max_activity_bq``, ``max_volume_ml``, ``shelf_life_s``, ``rcp_min`` and the optional
    columns (:data:`KIT_DEFAULTS`); ``org_id`` only for a platform administrator."""
    actor.require(Permission.MANAGE_CATALOGUE)
    org_id = fields.pop("org_id", None)
    _unknown(fields, KIT_FIELDS)
    for name in ("code", "name", "radiopharmaceutical", "nuclide", "max_activity_bq",
                 "max_volume_ml", "shelf_life_s", "rcp_min"):
        if name not in fields:
            raise InvalidInput(f"{name} is required", field=name)
    values = _kit_values({**KIT_DEFAULTS, **fields})
    with db.write() as s:
        org = _org(s, actor, org_id)
        if s.scalars(select(Kit.id).where(Kit.org_id == org,
                                          Kit.code == values["code"])).first():
            raise Conflict(f"the catalogue already has a kit {values['code']!r}", field="code")
        row = Kit(org_id=org, created_at=now(), **values)
        s.add(row)
        _flush(s, f"a kit {values['code']!r}", "code")
        audit.record(s, actor, org_id=org, entity_type="kit", entity_id=row.id,
                     action="created", new=values)
        return kit_view(row)


def update_kit(db: Database, actor: Actor, kit_id: int, *, reason: str,
               **changes: Any) -> KitView:
    """Change a kit's limits or names (not its code: procedures name it), with a reason."""
    actor.require(Permission.MANAGE_CATALOGUE)
    _unknown(changes, KIT_FIELDS)
    why = _reason(reason)
    with db.write() as s:
        row = _visible_kit(s, actor, kit_id, lock=True)
        old = _values(row, KIT_FIELDS)
        if "code" in changes and changes["code"] != row.code:
            raise InvalidInput("a kit's code is not changed: procedures name it; add a new "
                               "kit and make this one inactive", field="code")
        values = _kit_values({**old, **changes})
        if values["nuclide"] != row.nuclide:
            used = s.scalars(select(Procedure.code).where(
                Procedure.org_id == row.org_id, Procedure.kit_code == row.code)).first()
            if used is not None:
                raise Conflict(f"procedure {used!r} draws its doses from this kit: its "
                               "nuclide is not changed", field="nuclide")
        before, after = _changed(old, values)
        if not after:
            return kit_view(row)
        for k, v in after.items():
            setattr(row, k, v)
        s.flush()
        audit.record(s, actor, org_id=row.org_id, entity_type="kit", entity_id=row.id,
                     action="updated", old=before, new=after, reason=why)
        return kit_view(row)


# ---- cameras --------------------------------------------------------------------------------


def check_ae_title(value: object) -> str:
    """A DICOM AE title (VR AE): 1-16 characters of the default repertoire once leading and
    trailing spaces are removed, no backslash, no control characters, not all spaces."""
    if not isinstance(value, str):
        raise InvalidInput("ae_title must be text", field="ae_title")
    title = value.strip(" ")
    if not title:
        raise InvalidInput("an AE title may not be empty or all spaces", field="ae_title")
    if "\\" in title:
        raise InvalidInput("an AE title may not contain a backslash", field="ae_title")
    if not _AE_CHARS.fullmatch(title):
        bad = next(c for c in title if not _AE_CHARS.fullmatch(c))
        raise InvalidInput(f"an AE title may hold only printable ASCII characters, not "
                           f"U+{ord(bad):04X}", field="ae_title")
    if len(title) > AE_TITLE_MAX:
        raise InvalidInput(f"an AE title is at most {AE_TITLE_MAX} characters, not "
                           f"{len(title)}", field="ae_title")
    return title


def _ae_free(s: Session, title: str, camera_id: int | None = None) -> None:
    q = select(Camera.id).where(Camera.ae_title == title)
    if camera_id is not None:
        q = q.where(Camera.id != camera_id)
    if s.scalars(q).first() is not None:
        raise Conflict(f"AE title {title!r} is already in use; each camera needs its own",
                       field="ae_title")


def _modality(value: object) -> str:
    if value not in MODALITIES:
        raise InvalidInput(f"unknown modality {value!r}; one of: {', '.join(MODALITIES)}",
                           field="modality")
    return str(value)


def add_camera(db: Database, actor: Actor, *, site_id: int, name: str, ae_title: str,
               modality: str = "NM") -> CameraView:
    """A gamma camera of a site with its AE title, unique across the platform (the worklist
    server tells cameras apart by it)."""
    actor.require(Permission.MANAGE_CATALOGUE)
    name = clean_text(name, field="name", max_length=CAMERA_NAME_MAX)
    title = check_ae_title(ae_title)
    modality = _modality(modality)
    with db.write() as s:
        site = visible_site(s, actor, site_id)
        _ae_free(s, title)
        row = Camera(org_id=site.org_id, site_id=site.id, name=name, ae_title=title,
                     modality=modality, active=True, created_at=now())
        s.add(row)
        _flush(s, f"AE title {title!r}", "ae_title")
        audit.record(s, actor, org_id=site.org_id, entity_type="camera", entity_id=row.id,
                     action="created", new={"site_id": site.id, "name": name,
                                            "ae_title": title, "modality": modality})
        return camera_view(row)


def list_cameras(db: Database, actor: Actor, *, site_id: int | None = None,
                 active_only: bool = False) -> list[CameraView]:
    actor.require(Permission.READ)
    q = select(Camera).order_by(Camera.site_id, Camera.name, Camera.id)
    if actor.org_id is not None:
        q = q.where(Camera.org_id == actor.org_id)
    if active_only:
        q = q.where(Camera.active.is_(True))
    with db.read() as s:
        if site_id is not None:
            q = q.where(Camera.site_id == visible_site(s, actor, site_id).id)
        return [camera_view(c) for c in s.scalars(q)]


def get_camera(db: Database, actor: Actor, camera_id: int) -> CameraView:
    actor.require(Permission.READ)
    with db.read() as s:
        return camera_view(_visible_camera(s, actor, camera_id))


def update_camera(db: Database, actor: Actor, camera_id: int, *, active: bool | None = None,
                  name: str | None = None, ae_title: str | None = None,
                  modality: str | None = None, reason: str | None = None) -> CameraView:
    """Rename a camera, change its AE title (still unique) or take it out of (or back into)
    use; None leaves a column as it is."""
    actor.require(Permission.MANAGE_CATALOGUE)
    new: dict[str, Any] = {}
    if name is not None:
        new["name"] = clean_text(name, field="name", max_length=CAMERA_NAME_MAX)
    if ae_title is not None:
        new["ae_title"] = check_ae_title(ae_title)
    if active is not None:
        new["active"] = _flag(active, "active")
    if modality is not None:
        new["modality"] = _modality(modality)
    why = clean_optional_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        row = _visible_camera(s, actor, camera_id, lock=True)
        before, after = _changed(_values(row, ("name", "ae_title", "active", "modality")), new)
        if not after:
            return camera_view(row)
        if "ae_title" in after:
            _ae_free(s, after["ae_title"], row.id)
        for k, v in after.items():
            setattr(row, k, v)
        _flush(s, f"AE title {row.ae_title!r}", "ae_title")
        audit.record(s, actor, org_id=row.org_id, entity_type="camera", entity_id=row.id,
                     action="updated", old=before, new=after, reason=why)
        return camera_view(row)


# ---- dose calibrators -----------------------------------------------------------------------


def _calibrator_text(value: object, field: str) -> str:
    return clean_text(value, field=field, max_length=CALIBRATOR_TEXT_MAX)


def add_calibrator(db: Database, actor: Actor, *, site_id: int, name: str, model: str,
                   serial: str) -> CalibratorView:
    actor.require(Permission.MANAGE_CATALOGUE)
    values = {"name": _calibrator_text(name, "name"), "model": _calibrator_text(model, "model"),
              "serial": _calibrator_text(serial, "serial")}
    with db.write() as s:
        site = visible_site(s, actor, site_id)
        row = DoseCalibrator(org_id=site.org_id, site_id=site.id, active=True,
                             created_at=now(), **values)
        s.add(row)
        s.flush()
        audit.record(s, actor, org_id=site.org_id, entity_type="dose_calibrator",
                     entity_id=row.id, action="created", new={"site_id": site.id, **values})
        return calibrator_view(row)


def list_calibrators(db: Database, actor: Actor, *, site_id: int | None = None,
                     active_only: bool = False) -> list[CalibratorView]:
    actor.require(Permission.READ)
    q = select(DoseCalibrator).order_by(DoseCalibrator.site_id, DoseCalibrator.name,
                                        DoseCalibrator.id)
    if actor.org_id is not None:
        q = q.where(DoseCalibrator.org_id == actor.org_id)
    if active_only:
        q = q.where(DoseCalibrator.active.is_(True))
    with db.read() as s:
        if site_id is not None:
            q = q.where(DoseCalibrator.site_id == visible_site(s, actor, site_id).id)
        return [calibrator_view(c) for c in s.scalars(q)]


def get_calibrator(db: Database, actor: Actor, calibrator_id: int) -> CalibratorView:
    actor.require(Permission.READ)
    with db.read() as s:
        return calibrator_view(_visible_calibrator(s, actor, calibrator_id))


def update_calibrator(db: Database, actor: Actor, calibrator_id: int, *,
                      name: str | None = None, model: str | None = None,
                      serial: str | None = None, active: bool | None = None,
                      reason: str | None = None) -> CalibratorView:
    actor.require(Permission.MANAGE_CATALOGUE)
    new: dict[str, Any] = {}
    for field, value in (("name", name), ("model", model), ("serial", serial)):
        if value is not None:
            new[field] = _calibrator_text(value, field)
    if active is not None:
        new["active"] = _flag(active, "active")
    why = clean_optional_text(reason, field="reason", max_length=REASON_MAX, multiline=True)
    with db.write() as s:
        row = _visible_calibrator(s, actor, calibrator_id, lock=True)
        before, after = _changed(_values(row, ("name", "model", "serial", "active")), new)
        if not after:
            return calibrator_view(row)
        for k, v in after.items():
            setattr(row, k, v)
        s.flush()
        audit.record(s, actor, org_id=row.org_id, entity_type="dose_calibrator",
                     entity_id=row.id, action="updated", old=before, new=after, reason=why)
        return calibrator_view(row)
