"""Models of the hospital nuclear-medicine department (issue #10): its catalogues
(procedures, kits, cameras, dose calibrators), patients, appointments and prescriptions, the
hot-lab records that sit beside the ledger (generator receipt survey, elution QC, kit
preparation and release, dose drawing, administration), dose-calibrator QC and
decay-in-storage waste.

Radioactive material itself is always a ledger container (a generator, an eluate vial, a kit
vial, a syringe); the rows here hold what the ledger does not: the QC results, the patient and
the links. Each hot-lab row is written in the same transaction as its ledger event and audit
entry. Columns carry their unit (``_bq``, ``_ml``, ``_s``, ``_kg``, ``_usv_h``); times are aware
UTC; every row carries ``org_id`` (tenancy).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from isoflow.store.models import Base
from isoflow.store.types import UTCDateTime

# ---- catalogues ---------------------------------------------------------------------------


class Procedure(Base):
    """A diagnostic procedure of the organisation's catalogue: its radiopharmaceutical, the
    adult activity range and the EANM paediatric class (baseline and minimum)."""

    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("org_id", "code", name="uq_procedures_org_id_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    radiopharmaceutical: Mapped[str] = mapped_column(String(200))
    nuclide: Mapped[str] = mapped_column(String(16))
    #: the catalogue kit the dose is drawn from (None: the eluate itself, or a unit dose)
    kit_code: Mapped[str | None] = mapped_column(String(40))
    adult_min_bq: Mapped[float | None] = mapped_column(Float)
    adult_typical_bq: Mapped[float | None] = mapped_column(Float)
    adult_max_bq: Mapped[float | None] = mapped_column(Float)
    eanm_class: Mapped[str | None] = mapped_column(String(1))
    eanm_baseline_bq: Mapped[float | None] = mapped_column(Float)
    eanm_min_bq: Mapped[float | None] = mapped_column(Float)
    #: camera time booked for the procedure [min]
    duration_min: Mapped[int] = mapped_column(Integer, server_default="30")
    #: time from injection to imaging [min] (the dose is wanted at injection)
    uptake_min: Mapped[int] = mapped_column(Integer, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Kit(Base):
    """A cold kit of the organisation's catalogue with its labelling limits."""

    __tablename__ = "kits"
    __table_args__ = (UniqueConstraint("org_id", "code", name="uq_kits_org_id_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    radiopharmaceutical: Mapped[str] = mapped_column(String(200))
    nuclide: Mapped[str] = mapped_column(String(16))
    #: most activity and volume that may be added to one vial
    max_activity_bq: Mapped[float] = mapped_column(Float)
    max_volume_ml: Mapped[float] = mapped_column(Float)
    #: shelf life after labelling [s]
    shelf_life_s: Mapped[float] = mapped_column(Float)
    #: oldest eluate the kit may be made from [s] (None: the profile's eluate expiry only)
    max_eluate_age_s: Mapped[float | None] = mapped_column(Float)
    #: needs an eluate from a generator eluted within the profile's window (carrier Tc-99)
    carrier_sensitive: Mapped[bool] = mapped_column(Boolean, server_default="0")
    #: minimum radiochemical purity, a fraction (0.95 = 95 %)
    rcp_min: Mapped[float] = mapped_column(Float)
    #: particles per vial (MAA) and the per-dose particle range
    particles_per_vial: Mapped[float | None] = mapped_column(Float)
    min_particles_per_dose: Mapped[float | None] = mapped_column(Float)
    max_particles_per_dose: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Camera(Base):
    """A gamma camera (SPECT) of a site; its AE title identifies it to the worklist server."""

    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("ae_title", name="uq_cameras_ae_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    ae_title: Mapped[str] = mapped_column(String(16))
    modality: Mapped[str] = mapped_column(String(4), server_default="NM")
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DoseCalibrator(Base):
    __tablename__ = "dose_calibrators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---- patients, appointments, prescriptions ------------------------------------------------


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("org_id", "record_number", name="uq_patients_org_id_record_number"),
        CheckConstraint("sex IN ('F', 'M', 'O', 'U')", name="sex"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    record_number: Mapped[str] = mapped_column(String(40))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


APPOINTMENT_STATUSES = ("scheduled", "prescribed", "drawn", "administered", "completed",
                        "cancelled")


class Appointment(Base):
    """A scheduled procedure step on a camera; ``accession_number`` is its DICOM identity."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("accession_number", name="uq_appointments_accession_number"),
        Index("ix_appointments_site_scheduled", "site_id", "scheduled_at"),
        CheckConstraint("status IN ('scheduled', 'prescribed', 'drawn', 'administered', "
                        "'completed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id"), index=True)
    #: the injection time (the dose is wanted then); imaging follows after uptake_min
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the patient's weight for this study [kg] (paediatric dosage)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    accession_number: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Prescription(Base):
    """A physician's prescription for an appointment: a value, or a range with the value the
    dose is drawn for. ``basis``: 'value', 'range', 'adult' (the catalogue's typical adult
    activity) or 'eanm' (paediatric card, from weight)."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        UniqueConstraint("appointment_id", name="uq_prescriptions_appointment_id"),
        CheckConstraint("basis IN ('value', 'range', 'adult', 'eanm')", name="basis"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"))
    activity_bq: Mapped[float] = mapped_column(Float)
    min_bq: Mapped[float | None] = mapped_column(Float)
    max_bq: Mapped[float | None] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(8))
    prescribed_by: Mapped[str] = mapped_column(String(120))
    prescriber_name: Mapped[str] = mapped_column(String(200))
    prescribed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


# ---- hot-lab records beside the ledger ----------------------------------------------------


class GeneratorRecord(Base):
    """A generator received into the ledger (its container, nuclide = the parent) with its
    type, serial, calibration and the package survey at receipt."""

    __tablename__ = "generator_records"
    __table_args__ = (UniqueConstraint("container_id", name="uq_generator_records_container_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    generator_type: Mapped[str] = mapped_column(String(40))
    serial: Mapped[str] = mapped_column(String(100))
    supplier: Mapped[str | None] = mapped_column(String(200))
    calibration_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: package survey at receipt
    surveyed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    surface_usv_h: Mapped[float] = mapped_column(Float)
    at_1m_usv_h: Mapped[float] = mapped_column(Float)
    #: removable contamination on the wipe [Bq per 100 cm²]
    wipe_bq_per_100cm2: Mapped[float] = mapped_column(Float)
    survey_passed: Mapped[bool] = mapped_column(Boolean)
    surveyed_by: Mapped[str] = mapped_column(String(120))


class Elution(Base):
    """An elution: the eluate became ``eluate_container_id``; measured against predicted
    activity, Mo-99 breakthrough and the aluminium spot test."""

    __tablename__ = "elutions"
    __table_args__ = (UniqueConstraint("eluate_container_id",
                                       name="uq_elutions_eluate_container_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    generator_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"), index=True)
    eluate_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    eluted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    volume_ml: Mapped[float] = mapped_column(Float)
    measured_bq: Mapped[float] = mapped_column(Float)
    predicted_bq: Mapped[float] = mapped_column(Float)
    #: measured / predicted outside the accepted band (90-110 %)
    yield_flagged: Mapped[bool] = mapped_column(Boolean)
    #: Mo-99 measured in the eluate at elution [Bq]
    mo99_bq: Mapped[float | None] = mapped_column(Float)
    breakthrough_passed: Mapped[bool | None] = mapped_column(Boolean)
    #: latest administration time at which the eluate still meets the profile's limit
    use_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    aluminium_ug_per_ml: Mapped[float | None] = mapped_column(Float)
    aluminium_passed: Mapped[bool | None] = mapped_column(Boolean)
    calibrator_id: Mapped[int | None] = mapped_column(ForeignKey("dose_calibrators.id"))
    performed_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


KIT_STATUSES = ("prepared", "released", "rejected")


class KitPreparation(Base):
    """A kit vial labelled from an eluate (the vial is a ledger container filled by transfer
    from the eluate), its RCP test and its release by a radiopharmacist's signature."""

    __tablename__ = "kit_preparations"
    __table_args__ = (
        UniqueConstraint("vial_container_id", name="uq_kit_preparations_vial_container_id"),
        CheckConstraint("status IN ('prepared', 'released', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id"))
    kit_lot: Mapped[str] = mapped_column(String(60))
    vial_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    eluate_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"), index=True)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activity_bq: Mapped[float] = mapped_column(Float)
    volume_ml: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rcp_fraction: Mapped[float | None] = mapped_column(Float)
    rcp_passed: Mapped[bool | None] = mapped_column(Boolean)
    rcp_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    prepared_by: Mapped[str] = mapped_column(String(120))
    released_by: Mapped[str | None] = mapped_column(String(120))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    note: Mapped[str | None] = mapped_column(Text)


DOSE_STATUSES = ("drawn", "administered", "discarded")


class Dose(Base):
    """A patient dose drawn into a syringe (a ledger container filled by transfer from a kit
    vial or an eluate) for an appointment, with its assay."""

    __tablename__ = "doses"
    __table_args__ = (
        UniqueConstraint("syringe_container_id", name="uq_doses_syringe_container_id"),
        CheckConstraint("status IN ('drawn', 'administered', 'discarded')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    source_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    syringe_container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the administration time the activity is wanted for
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    wanted_bq: Mapped[float] = mapped_column(Float)
    volume_ml: Mapped[float] = mapped_column(Float)
    assayed_bq: Mapped[float | None] = mapped_column(Float)
    assayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    calibrator_id: Mapped[int | None] = mapped_column(ForeignKey("dose_calibrators.id"))
    status: Mapped[str] = mapped_column(String(16))
    drawn_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class Administration(Base):
    """What a patient received: the syringe's assay minus its residual, both decay-corrected
    to the administration time. One per dose: a dose is never administered twice."""

    __tablename__ = "administrations"
    __table_args__ = (UniqueConstraint("dose_id", name="uq_administrations_dose_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    dose_id: Mapped[int] = mapped_column(ForeignKey("doses.id"))
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    administered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    residual_bq: Mapped[float] = mapped_column(Float)
    residual_at: Mapped[datetime] = mapped_column(UTCDateTime())
    net_bq: Mapped[float] = mapped_column(Float)
    prescribed_bq: Mapped[float] = mapped_column(Float)
    #: net / prescribed - 1
    deviation: Mapped[float] = mapped_column(Float)
    #: outside the prescription's tolerance: recorded only with a reason, flagged for the RSO
    flagged: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(40))
    administered_by: Mapped[str] = mapped_column(String(120))
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


# ---- quality control and waste ------------------------------------------------------------


class CalibratorCheck(Base):
    """A dose-calibrator QC test: constancy, linearity, accuracy or geometry. ``data`` holds
    the readings as JSON (a linearity series); ``deviation`` the worst relative error."""

    __tablename__ = "calibrator_checks"
    __table_args__ = (
        Index("ix_calibrator_checks_calibrator_kind_at", "calibrator_id", "kind",
              "performed_at"),
        CheckConstraint("kind IN ('constancy', 'linearity', 'accuracy', 'geometry')",
                        name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    calibrator_id: Mapped[int] = mapped_column(ForeignKey("dose_calibrators.id"))
    kind: Mapped[str] = mapped_column(String(16))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nuclide: Mapped[str | None] = mapped_column(String(16))
    expected_bq: Mapped[float | None] = mapped_column(Float)
    measured_bq: Mapped[float | None] = mapped_column(Float)
    deviation: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[str | None] = mapped_column(Text)
    performed_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


WASTE_STATUSES = ("open", "sealed", "released")


class WasteContainer(Base):
    """A decay-in-storage waste container: filled, sealed (its release date computed from the
    contents), surveyed against background and disposed of."""

    __tablename__ = "waste_containers"
    __table_args__ = (CheckConstraint("status IN ('open', 'sealed', 'released')",
                                      name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    label: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    background_usv_h: Mapped[float | None] = mapped_column(Float)
    surface_usv_h: Mapped[float | None] = mapped_column(Float)
    instrument: Mapped[str | None] = mapped_column(String(200))
    surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    surveyed_by: Mapped[str | None] = mapped_column(String(120))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disposed_by: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class WasteItem(Base):
    """Activity put into a waste container (a syringe residual, an expired vial...)."""

    __tablename__ = "waste_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    waste_id: Mapped[int] = mapped_column(ForeignKey("waste_containers.id"), index=True)
    nuclide: Mapped[str] = mapped_column(String(16))
    activity_bq: Mapped[float] = mapped_column(Float)
    reference_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_container_id: Mapped[int | None] = mapped_column(ForeignKey("containers.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(200))
