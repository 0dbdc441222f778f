"""The day plan of a site (issue #10): reads the day's appointments, prescriptions, kits and
the site's generators with their elutions, and hands them to the pure planner
(isoflow.planning.day_plan). Reads only; READ permission; another organisation's site is
NotFound."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from isoflow.domain.roles import Actor, Permission
from isoflow.errors import InvalidInput
from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.generators import Elution as PhysElution
from isoflow.physics.nuclides import get_nuclide
from isoflow.planning.day_plan import DayPlan, DaySettings, DoseNeed, KitSpec, SiteGenerator
from isoflow.planning.day_plan import plan_day as _plan_day
from isoflow.services.ledger_records import ContainerView, container_view, ledger_cache
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Appointment,
    Camera,
    Elution,
    GeneratorRecord,
    Kit,
    Patient,
    Prescription,
    Procedure,
)
from isoflow.store.models import Container

DEFAULT_TYPE = "GT-4K"


def plan_day(db: Database, actor: Actor, *, site_id: int, day: date,
             settings: DaySettings | None = None) -> DayPlan:
    """The site's plan for ``day`` (local date in the site's zone)."""
    actor.require(Permission.READ)
    with db.read() as s:
        site = visible_site(s, actor, site_id)
        settings = settings or DaySettings(timezone=site.timezone)
        if settings.timezone != site.timezone:
            settings = DaySettings(**{**settings.__dict__, "timezone": site.timezone})
        zone = ZoneInfo(site.timezone)
        lo = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
        hi = lo + timedelta(days=1)
        rows = s.execute(
            select(Appointment, Procedure, Patient, Camera)
            .join(Procedure, Procedure.id == Appointment.procedure_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Camera, Camera.id == Appointment.camera_id)
            .where(Appointment.site_id == site.id, Appointment.scheduled_at >= lo,
                   Appointment.scheduled_at < hi, Appointment.status != "cancelled")
            .order_by(Appointment.scheduled_at, Appointment.id)).all()
        ids = [a.id for a, *_ in rows]
        rx: dict[int, float] = {}
        if ids:
            for p in s.scalars(select(Prescription).where(Prescription.appointment_id.in_(ids))
                               .order_by(Prescription.prescribed_at, Prescription.id)):
                rx[p.appointment_id] = p.activity_bq
        doses = []
        for a, proc, pat, cam in rows:
            wanted = rx.get(a.id, proc.adult_typical_bq or proc.adult_min_bq or 0.0)
            if wanted <= 0:
                continue
            doses.append(DoseNeed(f"A{a.id}", a.scheduled_at, wanted, proc.name, proc.kit_code,
                                  a.id, f"{pat.family_name} {pat.given_name}", cam.ae_title,
                                  a.id not in rx))
        kits = [KitSpec(k.code, k.name, k.max_activity_bq, k.max_volume_ml, k.shelf_life_s,
                        k.max_eluate_age_s, k.carrier_sensitive)
                for k in s.scalars(select(Kit).where(Kit.org_id == site.org_id,
                                                     Kit.active.is_(True)))]
        gens = []
        recs = s.execute(select(GeneratorRecord, Container)
                         .join(Container, Container.id == GeneratorRecord.container_id)
                         .where(Container.site_id == site.id,
                                GeneratorRecord.calibration_at < hi)
                         .order_by(GeneratorRecord.id)).all()
        for rec, cont in recs:
            if rec.expires_at is not None and rec.expires_at < lo:
                continue
            c, events = ledger_cache(db).container(db, cont.id)
            if c is None:
                continue
            view = container_view(c, events, rec.calibration_at)
            if view.disposed and view.disposed_at is not None and view.disposed_at < lo:
                continue
            els = [PhysElution(e.eluted_at, 0.9, e.volume_ml) for e in s.scalars(
                select(Elution).where(Elution.generator_container_id == cont.id,
                                      Elution.eluted_at < hi).order_by(Elution.eluted_at))]
            try:
                gt = generator_type(rec.generator_type)
            except InvalidInput:  # an unknown type: the catalogue's default Mo-99 generator
                gt = generator_type(DEFAULT_TYPE)
            g = gt.generator(view.reference_activity_bq * _back(view, rec.calibration_at),
                             rec.calibration_at, expires_at=rec.expires_at,
                             elutions=tuple(els), lot=rec.serial)
            gens.append(SiteGenerator(f"G{cont.id}", f"{gt.key} {rec.serial}", g))
    return _plan_day(day, doses, kits, gens, settings)


def _back(view: ContainerView, at: datetime) -> float:
    """Factor from the receipt's reference activity to the activity at ``at``."""
    lam = get_nuclide(view.nuclide).decay_constant_per_s
    return math.exp(-lam * (at - view.reference_at).total_seconds())
