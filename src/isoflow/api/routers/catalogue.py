"""/procedures, /kits, /cameras, /calibrators and /catalogue/defaults: the department's
catalogues (issue #10). Activities in Bq, volumes in mL, times in s (shelf life, eluate age) or
min (camera time, uptake). Writing needs the catalogue permission (administrator, RSO,
radiopharmacist); another organisation's ids answer 404. Changing a procedure or kit needs a
reason (it is audited); its code never changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BeforeValidator, Field, StrictInt

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    ActivityBq,
    Flag,
    Id,
    Name,
    NuclideName,
    OptionalIdQuery,
    Out,
    Reason,
    Schema,
    VolumeMl,
    error_responses,
    path_id,
)
from isoflow.domain import department_catalogue as rules
from isoflow.domain.text import text_pattern
from isoflow.services import catalogue
from isoflow.services.catalogue import CalibratorView, CameraView, KitView, ProcedureView

router = APIRouter(tags=["catalogue"], responses=error_responses(401, 403, 404, 409, 422))
ProcedureId = Annotated[int, path_id("procedure id")]
KitId = Annotated[int, path_id("kit id")]
CameraId = Annotated[int, path_id("camera id")]
CalibratorId = Annotated[int, path_id("dose calibrator id")]

Code = Annotated[str, Field(strict=True, min_length=1, max_length=rules.CODE_MAX,
                            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", examples=["RENAL_DMSA"],
                            description="letters, digits, '_', '-', '.'; unique in the "
                                        "organisation")]
_LINE = text_pattern()
Source = Annotated[str, Field(strict=True, max_length=rules.SOURCE_MAX,
                              pattern=text_pattern(multiline=True, required=False),
                              description="where the values come from")]
EanmClass = Literal["A", "B", "C"]


def _whole(value: object) -> object:
    # a JSON integer is a number without a fraction: 5.0 is one, "5" and true are not
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


DurationMin = Annotated[StrictInt, Field(ge=1, le=rules.MINUTES_MAX), BeforeValidator(_whole)]
UptakeMin = Annotated[StrictInt, Field(ge=0, le=rules.MINUTES_MAX), BeforeValidator(_whole)]
Seconds = Annotated[float, Field(strict=True, gt=0, le=365 * 86400, allow_inf_nan=False,
                                 description="a duration [s], a JSON number")]
Fraction = Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False,
                                  description="a fraction in (0, 1]: 0.95 = 95 %")]
Particles = Annotated[float, Field(strict=True, gt=0, le=rules.PARTICLES_MAX,
                                   allow_inf_nan=False)]
#: printable ASCII without the backslash, first and last not a space, 16 at most between
#: optional leading and trailing spaces
_AE = r"^ *[!-\[\]-~](?:[ -\[\]-~]{0,14}[!-\[\]-~])? *$"
AeTitle = Annotated[str, Field(strict=True, min_length=1, max_length=64, examples=["SPECT1"],
                               pattern=_AE,
                               description="DICOM AE title: 1-16 printable ASCII characters "
                                           "once leading and trailing spaces are removed, no "
                                           "backslash; unique across the platform")]
Modality = Literal["NM", "PT"]
ShortText = Annotated[str, Field(strict=True, min_length=1,
                                 max_length=catalogue.CALIBRATOR_TEXT_MAX, pattern=_LINE)]
CameraName = Annotated[str, Field(strict=True, min_length=1,
                                  max_length=catalogue.CAMERA_NAME_MAX, pattern=_LINE)]


# ---- procedures -----------------------------------------------------------------------------


class ProcedureIn(Schema):
    code: Code
    name: Name
    radiopharmaceutical: Name
    nuclide: NuclideName
    kit_code: Code | None = Field(None, description="the catalogue kit the dose is drawn "
                                                    "from; null: the eluate or a unit dose")
    adult_min_bq: ActivityBq | None = None
    adult_typical_bq: ActivityBq | None = None
    adult_max_bq: ActivityBq | None = None
    eanm_class: EanmClass | None = Field(None, description="EANM paediatric class; with its "
                                                           "baseline and minimum")
    eanm_baseline_bq: ActivityBq | None = None
    eanm_min_bq: ActivityBq | None = None
    duration_min: DurationMin = Field(30, description="camera time [min]")
    uptake_min: UptakeMin = Field(0, description="injection to imaging [min]")
    active: Flag = True
    source: Source | None = None
    org_id: Id | None = Field(None, description="platform administrators only")


class ProcedurePatch(Schema):
    """Only the fields sent change; null clears an optional one."""

    name: Name | None = None
    radiopharmaceutical: Name | None = None
    nuclide: NuclideName | None = None
    kit_code: Code | None = None
    adult_min_bq: ActivityBq | None = None
    adult_typical_bq: ActivityBq | None = None
    adult_max_bq: ActivityBq | None = None
    eanm_class: EanmClass | None = None
    eanm_baseline_bq: ActivityBq | None = None
    eanm_min_bq: ActivityBq | None = None
    duration_min: DurationMin | None = None
    uptake_min: UptakeMin | None = None
    active: Flag | None = None
    source: Source | None = None
    reason: Reason


class ProcedureOut(Out):
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


#: columns that are never null: a null in a patch leaves them as they are
_REQUIRED = frozenset({"name", "radiopharmaceutical", "nuclide", "duration_min", "uptake_min",
                       "active", "max_activity_bq", "max_volume_ml", "shelf_life_s",
                       "carrier_sensitive", "rcp_min"})


def _changes(body: Schema) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    sent.pop("reason", None)
    return {k: v for k, v in sent.items() if v is not None or k not in _REQUIRED}


@router.get("/procedures", response_model=list[ProcedureOut])
def list_procedures(actor: CurrentActor, db: DB,
                    active_only: bool = False) -> list[ProcedureView]:
    return catalogue.list_procedures(db, actor, active_only=active_only)


@router.post("/procedures", response_model=ProcedureOut, status_code=201)
def create_procedure(body: ProcedureIn, actor: CurrentActor, db: DB) -> ProcedureView:
    """A procedure of the organisation's catalogue. 422 besides the schema: activities out of
    order (min <= typical <= max), an EANM class without its baseline and minimum (or the
    reverse), an unknown nuclide or kit; 409 if the code is taken."""
    fields = body.model_dump()
    if fields["org_id"] is None:
        del fields["org_id"]
    return catalogue.create_procedure(db, actor, **fields)


@router.get("/procedures/{procedure_id}", response_model=ProcedureOut)
def get_procedure(procedure_id: ProcedureId, actor: CurrentActor, db: DB) -> ProcedureView:
    return catalogue.get_procedure(db, actor, procedure_id)


@router.patch("/procedures/{procedure_id}", response_model=ProcedureOut)
def update_procedure(procedure_id: ProcedureId, body: ProcedurePatch, actor: CurrentActor,
                     db: DB) -> ProcedureView:
    """Change the fields sent (the code never changes), with a reason; the same rules as a
    new procedure on the result."""
    return catalogue.update_procedure(db, actor, procedure_id, reason=body.reason,
                                      **_changes(body))


# ---- kits -----------------------------------------------------------------------------------


class KitIn(Schema):
    code: Code
    name: Name
    radiopharmaceutical: Name
    nuclide: NuclideName
    max_activity_bq: ActivityBq = Field(description="most activity added to one vial [Bq]")
    max_volume_ml: VolumeMl = Field(description="most volume in one vial [mL]")
    shelf_life_s: Seconds = Field(description="shelf life after labelling [s]")
    max_eluate_age_s: Seconds | None = Field(None, description="oldest eluate allowed [s]")
    carrier_sensitive: Flag = False
    rcp_min: Fraction = Field(description="minimum radiochemical purity")
    particles_per_vial: Particles | None = None
    min_particles_per_dose: Particles | None = None
    max_particles_per_dose: Particles | None = None
    active: Flag = True
    source: Source | None = None
    org_id: Id | None = Field(None, description="platform administrators only")


class KitPatch(Schema):
    """Only the fields sent change; null clears an optional one."""

    name: Name | None = None
    radiopharmaceutical: Name | None = None
    nuclide: NuclideName | None = None
    max_activity_bq: ActivityBq | None = None
    max_volume_ml: VolumeMl | None = None
    shelf_life_s: Seconds | None = None
    max_eluate_age_s: Seconds | None = None
    carrier_sensitive: Flag | None = None
    rcp_min: Fraction | None = None
    particles_per_vial: Particles | None = None
    min_particles_per_dose: Particles | None = None
    max_particles_per_dose: Particles | None = None
    active: Flag | None = None
    source: Source | None = None
    reason: Reason


class KitOut(Out):
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


@router.get("/kits", response_model=list[KitOut])
def list_kits(actor: CurrentActor, db: DB, active_only: bool = False) -> list[KitView]:
    return catalogue.list_kits(db, actor, active_only=active_only)


@router.post("/kits", response_model=KitOut, status_code=201)
def create_kit(body: KitIn, actor: CurrentActor, db: DB) -> KitView:
    """A cold kit with its labelling limits. 422 besides the schema: an unknown nuclide, a
    particle range without the particles per vial or out of order; 409 if the code is
    taken."""
    fields = body.model_dump()
    if fields["org_id"] is None:
        del fields["org_id"]
    return catalogue.create_kit(db, actor, **fields)


@router.get("/kits/{kit_id}", response_model=KitOut)
def get_kit(kit_id: KitId, actor: CurrentActor, db: DB) -> KitView:
    return catalogue.get_kit(db, actor, kit_id)


@router.patch("/kits/{kit_id}", response_model=KitOut)
def update_kit(kit_id: KitId, body: KitPatch, actor: CurrentActor, db: DB) -> KitView:
    """Change the fields sent (the code never changes), with a reason. 409 if the nuclide
    would change under a procedure that draws from the kit."""
    return catalogue.update_kit(db, actor, kit_id, reason=body.reason, **_changes(body))


# ---- cameras --------------------------------------------------------------------------------


class CameraIn(Schema):
    site_id: Id
    name: CameraName
    ae_title: AeTitle
    modality: Modality = "NM"


class CameraPatch(Schema):
    name: CameraName | None = None
    ae_title: AeTitle | None = None
    modality: Modality | None = None
    active: Flag | None = None
    reason: Reason | None = None


class CameraOut(Out):
    id: int
    org_id: int
    site_id: int
    name: str
    ae_title: str
    modality: str
    active: bool
    created_at: datetime


@router.get("/cameras", response_model=list[CameraOut])
def list_cameras(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                 active_only: bool = False) -> list[CameraView]:
    return catalogue.list_cameras(db, actor, site_id=site_id, active_only=active_only)


@router.post("/cameras", response_model=CameraOut, status_code=201)
def add_camera(body: CameraIn, actor: CurrentActor, db: DB) -> CameraView:
    """A gamma camera of a site. 422: an AE title that is not 1-16 printable ASCII
    characters without a backslash once trimmed; 409: an AE title in use anywhere."""
    return catalogue.add_camera(db, actor, site_id=body.site_id, name=body.name,
                                ae_title=body.ae_title, modality=body.modality)


@router.get("/cameras/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: CameraId, actor: CurrentActor, db: DB) -> CameraView:
    return catalogue.get_camera(db, actor, camera_id)


@router.patch("/cameras/{camera_id}", response_model=CameraOut)
def update_camera(camera_id: CameraId, body: CameraPatch, actor: CurrentActor,
                  db: DB) -> CameraView:
    return catalogue.update_camera(db, actor, camera_id, name=body.name,
                                   ae_title=body.ae_title, modality=body.modality,
                                   active=body.active, reason=body.reason)


# ---- dose calibrators -----------------------------------------------------------------------


class CalibratorIn(Schema):
    site_id: Id
    name: ShortText
    model: ShortText
    serial: ShortText


class CalibratorPatch(Schema):
    name: ShortText | None = None
    model: ShortText | None = None
    serial: ShortText | None = None
    active: Flag | None = None
    reason: Reason | None = None


class CalibratorOut(Out):
    id: int
    org_id: int
    site_id: int
    name: str
    model: str
    serial: str
    active: bool
    created_at: datetime


@router.get("/calibrators", response_model=list[CalibratorOut])
def list_calibrators(actor: CurrentActor, db: DB, site_id: OptionalIdQuery = None,
                     active_only: bool = False) -> list[CalibratorView]:
    return catalogue.list_calibrators(db, actor, site_id=site_id, active_only=active_only)


@router.post("/calibrators", response_model=CalibratorOut, status_code=201)
def add_calibrator(body: CalibratorIn, actor: CurrentActor, db: DB) -> CalibratorView:
    return catalogue.add_calibrator(db, actor, site_id=body.site_id, name=body.name,
                                    model=body.model, serial=body.serial)


@router.get("/calibrators/{calibrator_id}", response_model=CalibratorOut)
def get_calibrator(calibrator_id: CalibratorId, actor: CurrentActor,
                   db: DB) -> CalibratorView:
    return catalogue.get_calibrator(db, actor, calibrator_id)


@router.patch("/calibrators/{calibrator_id}", response_model=CalibratorOut)
def update_calibrator(calibrator_id: CalibratorId, body: CalibratorPatch,
                      actor: CurrentActor, db: DB) -> CalibratorView:
    return catalogue.update_calibrator(db, actor, calibrator_id, name=body.name,
                                       model=body.model, serial=body.serial,
                                       active=body.active, reason=body.reason)


# ---- defaults -------------------------------------------------------------------------------


class DefaultsIn(Schema):
    org_id: Id | None = Field(None, description="platform administrators only")


class DefaultsOut(Out):
    procedures: int = Field(description="procedures added")
    kits: int = Field(description="kits added")


@router.post("/catalogue/defaults", response_model=DefaultsOut)
def install_defaults(actor: CurrentActor, db: DB,
                     body: DefaultsIn | None = None) -> dict[str, int]:
    """Copy the package's default procedures and kits into the organisation. Idempotent: a
    code it already has is left as it is; answers the counts added."""
    return catalogue.install_defaults(db, actor, org_id=None if body is None else body.org_id)
