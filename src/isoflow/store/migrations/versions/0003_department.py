"""The hospital nuclear-medicine department (issue #10): catalogues of procedures, kits,
cameras and dose calibrators; patients, appointments and prescriptions; the hot-lab records
beside the ledger (generator receipt survey, elution QC, kit preparation and release, doses,
administrations); dose-calibrator QC and decay-in-storage waste.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 13:05:22.773792
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("radiopharmaceutical", sa.String(length=200), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("max_activity_bq", sa.Float(), nullable=False),
        sa.Column("max_volume_ml", sa.Float(), nullable=False),
        sa.Column("shelf_life_s", sa.Float(), nullable=False),
        sa.Column("max_eluate_age_s", sa.Float(), nullable=True),
        sa.Column("carrier_sensitive", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("rcp_min", sa.Float(), nullable=False),
        sa.Column("particles_per_vial", sa.Float(), nullable=True),
        sa.Column("min_particles_per_dose", sa.Float(), nullable=True),
        sa.Column("max_particles_per_dose", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_kits_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kits")),
        sa.UniqueConstraint("org_id", "code", name="uq_kits_org_id_code"),
    )
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kits_org_id"), ["org_id"], unique=False)

    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("record_number", sa.String(length=40), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sex IN ('F', 'M', 'O', 'U')", name=op.f("ck_patients_sex")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_patients_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("org_id", "record_number", name="uq_patients_org_id_record_number"),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_org_id"), ["org_id"], unique=False)

    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("radiopharmaceutical", sa.String(length=200), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("kit_code", sa.String(length=40), nullable=True),
        sa.Column("adult_min_bq", sa.Float(), nullable=True),
        sa.Column("adult_typical_bq", sa.Float(), nullable=True),
        sa.Column("adult_max_bq", sa.Float(), nullable=True),
        sa.Column("eanm_class", sa.String(length=1), nullable=True),
        sa.Column("eanm_baseline_bq", sa.Float(), nullable=True),
        sa.Column("eanm_min_bq", sa.Float(), nullable=True),
        sa.Column("duration_min", sa.Integer(), server_default="30", nullable=False),
        sa.Column("uptake_min", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_procedures_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedures")),
        sa.UniqueConstraint("org_id", "code", name="uq_procedures_org_id_code"),
    )
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedures_org_id"), ["org_id"], unique=False)

    op.create_table(
        "cameras",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("ae_title", sa.String(length=16), nullable=False),
        sa.Column("modality", sa.String(length=4), server_default="NM", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_cameras_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_cameras_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
        sa.UniqueConstraint("ae_title", name="uq_cameras_ae_title"),
    )
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cameras_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cameras_site_id"), ["site_id"], unique=False)

    op.create_table(
        "dose_calibrators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_dose_calibrators_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_dose_calibrators_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dose_calibrators")),
    )
    with op.batch_alter_table("dose_calibrators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dose_calibrators_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dose_calibrators_site_id"), ["site_id"], unique=False)

    op.create_table(
        "waste_containers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("background_usv_h", sa.Float(), nullable=True),
        sa.Column("surface_usv_h", sa.Float(), nullable=True),
        sa.Column("instrument", sa.String(length=200), nullable=True),
        sa.Column("surveyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("surveyed_by", sa.String(length=120), nullable=True),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposed_by", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'sealed', 'released')", name=op.f("ck_waste_containers_status")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_waste_containers_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_waste_containers_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_containers")),
    )
    with op.batch_alter_table("waste_containers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waste_containers_org_id"), ["org_id"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("accession_number", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'prescribed', 'drawn', 'administered', "
            "'completed', 'cancelled')",
            name=op.f("ck_appointments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["cameras.id"], name=op.f("fk_appointments_camera_id_cameras")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_appointments_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_appointments_procedure_id_procedures"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_appointments_site_id_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("accession_number", name="uq_appointments_accession_number"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointments_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointments_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_appointments_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            "ix_appointments_site_scheduled", ["site_id", "scheduled_at"], unique=False
        )

    op.create_table(
        "calibrator_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("calibrator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=True),
        sa.Column("expected_bq", sa.Float(), nullable=True),
        sa.Column("measured_bq", sa.Float(), nullable=True),
        sa.Column("deviation", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("performed_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('constancy', 'linearity', 'accuracy', 'geometry')",
            name=op.f("ck_calibrator_checks_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["calibrator_id"],
            ["dose_calibrators.id"],
            name=op.f("fk_calibrator_checks_calibrator_id_dose_calibrators"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_calibrator_checks_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrator_checks")),
    )
    with op.batch_alter_table("calibrator_checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calibrator_checks_calibrator_kind_at",
            ["calibrator_id", "kind", "performed_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_calibrator_checks_org_id"), ["org_id"], unique=False)

    op.create_table(
        "elutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("generator_container_id", sa.Integer(), nullable=False),
        sa.Column("eluate_container_id", sa.Integer(), nullable=False),
        sa.Column("eluted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("volume_ml", sa.Float(), nullable=False),
        sa.Column("measured_bq", sa.Float(), nullable=False),
        sa.Column("predicted_bq", sa.Float(), nullable=False),
        sa.Column("yield_flagged", sa.Boolean(), nullable=False),
        sa.Column("mo99_bq", sa.Float(), nullable=True),
        sa.Column("breakthrough_passed", sa.Boolean(), nullable=True),
        sa.Column("use_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("aluminium_ug_per_ml", sa.Float(), nullable=True),
        sa.Column("aluminium_passed", sa.Boolean(), nullable=True),
        sa.Column("calibrator_id", sa.Integer(), nullable=True),
        sa.Column("performed_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calibrator_id"],
            ["dose_calibrators.id"],
            name=op.f("fk_elutions_calibrator_id_dose_calibrators"),
        ),
        sa.ForeignKeyConstraint(
            ["eluate_container_id"],
            ["containers.id"],
            name=op.f("fk_elutions_eluate_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["generator_container_id"],
            ["containers.id"],
            name=op.f("fk_elutions_generator_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_elutions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elutions")),
        sa.UniqueConstraint("eluate_container_id", name="uq_elutions_eluate_container_id"),
    )
    with op.batch_alter_table("elutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_elutions_generator_container_id"),
            ["generator_container_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_elutions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "generator_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("generator_type", sa.String(length=40), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("calibration_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("surveyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("surface_usv_h", sa.Float(), nullable=False),
        sa.Column("at_1m_usv_h", sa.Float(), nullable=False),
        sa.Column("wipe_bq_per_100cm2", sa.Float(), nullable=False),
        sa.Column("survey_passed", sa.Boolean(), nullable=False),
        sa.Column("surveyed_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["containers.id"],
            name=op.f("fk_generator_records_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_generator_records_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generator_records")),
        sa.UniqueConstraint("container_id", name="uq_generator_records_container_id"),
    )
    with op.batch_alter_table("generator_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_generator_records_org_id"), ["org_id"], unique=False)

    op.create_table(
        "kit_preparations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("kit_lot", sa.String(length=60), nullable=False),
        sa.Column("vial_container_id", sa.Integer(), nullable=False),
        sa.Column("eluate_container_id", sa.Integer(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("volume_ml", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rcp_fraction", sa.Float(), nullable=True),
        sa.Column("rcp_passed", sa.Boolean(), nullable=True),
        sa.Column("rcp_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prepared_by", sa.String(length=120), nullable=False),
        sa.Column("released_by", sa.String(length=120), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signature_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('prepared', 'released', 'rejected')",
            name=op.f("ck_kit_preparations_status"),
        ),
        sa.ForeignKeyConstraint(
            ["eluate_container_id"],
            ["containers.id"],
            name=op.f("fk_kit_preparations_eluate_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["kit_id"], ["kits.id"], name=op.f("fk_kit_preparations_kit_id_kits")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_kit_preparations_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_kit_preparations_signature_id_signatures"),
        ),
        sa.ForeignKeyConstraint(
            ["vial_container_id"],
            ["containers.id"],
            name=op.f("fk_kit_preparations_vial_container_id_containers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_preparations")),
        sa.UniqueConstraint("vial_container_id", name="uq_kit_preparations_vial_container_id"),
    )
    with op.batch_alter_table("kit_preparations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kit_preparations_eluate_container_id"),
            ["eluate_container_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_kit_preparations_org_id"), ["org_id"], unique=False)

    op.create_table(
        "waste_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("waste_id", sa.Integer(), nullable=False),
        sa.Column("nuclide", sa.String(length=16), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("reference_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_container_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_waste_items_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["source_container_id"],
            ["containers.id"],
            name=op.f("fk_waste_items_source_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["waste_id"],
            ["waste_containers.id"],
            name=op.f("fk_waste_items_waste_id_waste_containers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_items")),
    )
    with op.batch_alter_table("waste_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waste_items_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waste_items_waste_id"), ["waste_id"], unique=False)

    op.create_table(
        "doses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("source_container_id", sa.Integer(), nullable=False),
        sa.Column("syringe_container_id", sa.Integer(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wanted_bq", sa.Float(), nullable=False),
        sa.Column("volume_ml", sa.Float(), nullable=False),
        sa.Column("assayed_bq", sa.Float(), nullable=True),
        sa.Column("assayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("calibrator_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drawn_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('drawn', 'administered', 'discarded')", name=op.f("ck_doses_status")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_doses_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["calibrator_id"],
            ["dose_calibrators.id"],
            name=op.f("fk_doses_calibrator_id_dose_calibrators"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_doses_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["source_container_id"],
            ["containers.id"],
            name=op.f("fk_doses_source_container_id_containers"),
        ),
        sa.ForeignKeyConstraint(
            ["syringe_container_id"],
            ["containers.id"],
            name=op.f("fk_doses_syringe_container_id_containers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doses")),
        sa.UniqueConstraint("syringe_container_id", name="uq_doses_syringe_container_id"),
    )
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_doses_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_doses_org_id"), ["org_id"], unique=False)

    op.create_table(
        "prescriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("activity_bq", sa.Float(), nullable=False),
        sa.Column("min_bq", sa.Float(), nullable=True),
        sa.Column("max_bq", sa.Float(), nullable=True),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("prescribed_by", sa.String(length=120), nullable=False),
        sa.Column("prescriber_name", sa.String(length=200), nullable=False),
        sa.Column("prescribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "basis IN ('value', 'range', 'adult', 'eanm')", name=op.f("ck_prescriptions_basis")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_prescriptions_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_prescriptions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriptions")),
        sa.UniqueConstraint("appointment_id", name="uq_prescriptions_appointment_id"),
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prescriptions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "administrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("dose_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("administered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("residual_bq", sa.Float(), nullable=False),
        sa.Column("residual_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("net_bq", sa.Float(), nullable=False),
        sa.Column("prescribed_bq", sa.Float(), nullable=False),
        sa.Column("deviation", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("route", sa.String(length=40), nullable=False),
        sa.Column("administered_by", sa.String(length=120), nullable=False),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_administrations_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["dose_id"], ["doses.id"], name=op.f("fk_administrations_dose_id_doses")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_administrations_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_administrations")),
        sa.UniqueConstraint("dose_id", name="uq_administrations_dose_id"),
    )
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_administrations_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_administrations_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_administrations_org_id"))
        batch_op.drop_index(batch_op.f("ix_administrations_appointment_id"))

    op.drop_table("administrations")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescriptions_org_id"))

    op.drop_table("prescriptions")
    with op.batch_alter_table("doses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_doses_org_id"))
        batch_op.drop_index(batch_op.f("ix_doses_appointment_id"))

    op.drop_table("doses")
    with op.batch_alter_table("waste_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waste_items_waste_id"))
        batch_op.drop_index(batch_op.f("ix_waste_items_org_id"))

    op.drop_table("waste_items")
    with op.batch_alter_table("kit_preparations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_preparations_org_id"))
        batch_op.drop_index(batch_op.f("ix_kit_preparations_eluate_container_id"))

    op.drop_table("kit_preparations")
    with op.batch_alter_table("generator_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generator_records_org_id"))

    op.drop_table("generator_records")
    with op.batch_alter_table("elutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elutions_org_id"))
        batch_op.drop_index(batch_op.f("ix_elutions_generator_container_id"))

    op.drop_table("elutions")
    with op.batch_alter_table("calibrator_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibrator_checks_org_id"))
        batch_op.drop_index("ix_calibrator_checks_calibrator_kind_at")

    op.drop_table("calibrator_checks")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_site_scheduled")
        batch_op.drop_index(batch_op.f("ix_appointments_patient_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_org_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_camera_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("waste_containers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waste_containers_org_id"))

    op.drop_table("waste_containers")
    with op.batch_alter_table("dose_calibrators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dose_calibrators_site_id"))
        batch_op.drop_index(batch_op.f("ix_dose_calibrators_org_id"))

    op.drop_table("dose_calibrators")
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cameras_site_id"))
        batch_op.drop_index(batch_op.f("ix_cameras_org_id"))

    op.drop_table("cameras")
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedures_org_id"))

    op.drop_table("procedures")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_org_id"))

    op.drop_table("patients")
    with op.batch_alter_table("kits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kits_org_id"))

    op.drop_table("kits")
