"""The day plan of a site (issue #10): reads the day's appointments, prescriptions, kits and
the site's generators with their elutions, and hands them to the pure planner
(isoflow.planning.day_plan). Reads only; READ permission; another organisation's site is
NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from isoflow.domain.ledger import decay_factor
from isoflow.domain.roles import Actor, Permission
from isoflow.errors import InvalidInput
from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.generators import Elution as PhysElution
from isoflow.physics.nuclides import get_nuclide
from isoflow.planning.day_plan import (
    DayPlan,
    DaySettings,
    DoseNeed,
    GeneratorOrder,
    KitSpec,
    SiteGenerator,
    day_demand,
)
from isoflow.planning.day_plan import generator_order as _generator_order
from isoflow.planning.day_plan import plan_day as _plan_day
from isoflow.planning.demand import DemandItem, WorkingHours
from isoflow.services.ledger_records import ContainerView, container_view, ledger_cache
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import (
    Administration,
    Appointment,
    Camera,
    Dose,
    Elution,
    GeneratorRecord,
    Kit,
    KitPreparation,
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
    return decay_factor(lam, (at - view.reference_at).total_seconds())


@dataclass(frozen=True)
class WorklistStep:
    at: datetime
    kind: str            # elute, prepare, rcp, release, draw, inject
    subject: str         # generator, kit vial or patient
    camera: str
    activity_bq: float | None
    volume_ml: float | None
    appointment_id: int | None
    provisional: bool
    done: bool


_ORDER = {"elute": 0, "prepare": 1, "rcp": 2, "release": 3, "draw": 4, "inject": 5}


def worklist(db: Database, actor: Actor, *, site_id: int, day: date) -> list[WorklistStep]:
    """One time-ordered list of the day's steps; those already recorded are marked done
    (elutions recorded, kits prepared / tested / released, doses drawn, administrations)."""
    plan = plan_day(db, actor, site_id=site_id, day=day)
    appts = [d.appointment_id for d in plan.doses if d.appointment_id is not None]
    with db.read() as s:
        drawn = set(s.scalars(select(Dose.appointment_id).where(
            Dose.appointment_id.in_(appts)))) if appts else set()
        given = set(s.scalars(select(Administration.appointment_id).where(
            Administration.appointment_id.in_(appts)))) if appts else set()
        lo = min((v.prepare_at for v in plan.vials), default=None)
        preps: list[tuple[str, bool, bool]] = []
        if lo is not None:
            hi = max(v.release_at for v in plan.vials)
            for kp, kit in s.execute(select(KitPreparation, Kit)
                                     .join(Kit, Kit.id == KitPreparation.kit_id)
                                     .where(Kit.org_id == actor.org_id if actor.org_id
                                            is not None else Kit.id.is_not(None),
                                            KitPreparation.prepared_at >= lo - timedelta(hours=2),
                                            KitPreparation.prepared_at <= hi)
                                     .order_by(KitPreparation.prepared_at)):
                preps.append((kit.code, kp.rcp_at is not None, kp.released_at is not None))
    dose_of = {d.id: d for d in plan.doses}
    steps: list[WorklistStep] = []
    for e in plan.elutions:
        steps.append(WorklistStep(e.at, "elute", e.generator_label, "", e.expected_bq,
                                  e.volume_ml, None, False, e.recorded))
    used: dict[str, int] = {}
    for v in plan.vials:
        n = used.get(v.kit_code, 0)
        mine = [p for p in preps if p[0] == v.kit_code]
        rec = mine[n] if n < len(mine) else None
        used[v.kit_code] = n + 1
        name = f"{v.kit_name} ({v.id})"
        steps.append(WorklistStep(v.prepare_at, "prepare", name, "", v.activity_bq,
                                  v.eluate_volume_ml, None, False, rec is not None))
        steps.append(WorklistStep(v.rcp_at, "rcp", name, "", None, None, None, False,
                                  rec is not None and rec[1]))
        steps.append(WorklistStep(v.release_at, "release", name, "", None, None, None, False,
                                  rec is not None and rec[2]))
    for d in plan.draws:
        need = dose_of[d.dose_id]
        steps.append(WorklistStep(d.draw_at, "draw", need.patient, need.camera, d.wanted_bq,
                                  d.volume_ml, d.appointment_id, d.provisional,
                                  d.appointment_id in drawn))
        steps.append(WorklistStep(d.injection_at, "inject", need.patient, need.camera,
                                  d.wanted_bq, d.volume_ml, d.appointment_id, d.provisional,
                                  d.appointment_id in given))
    steps.sort(key=lambda st: (st.at, _ORDER[st.kind], st.subject))
    return steps


@dataclass(frozen=True)
class GeneratorOrderView:
    site_id: int
    week_start: date
    order: GeneratorOrder


def generator_order(db: Database, actor: Actor, *, site_id: int,
                    week_start: date) -> GeneratorOrderView:
    """Next week's Mo-99 order from the week's booked demand (delivery on ``week_start`` at
    the working day's start, the site's latest generator type or GT-4K)."""
    actor.require(Permission.READ)
    with db.read() as s:
        site = visible_site(s, actor, site_id)
        zone_name = site.timezone
        last = s.scalars(select(GeneratorRecord.generator_type)
                         .join(Container, Container.id == GeneratorRecord.container_id)
                         .where(Container.site_id == site.id)
                         .order_by(GeneratorRecord.calibration_at.desc()).limit(1)).first()
    settings = DaySettings(timezone=zone_name)
    items = []
    for i in range(7):
        d = week_start + timedelta(days=i)
        items.extend(_demand_of_day(db, actor, site_id, d, settings))
    try:
        key = generator_type(last or DEFAULT_TYPE).key
    except InvalidInput:
        key = DEFAULT_TYPE
    zone = ZoneInfo(zone_name)
    delivery = datetime.combine(week_start, settings.start, zone).astimezone(UTC)
    order = _generator_order(items, type_key=key, delivery_at=delivery,
                             working_hours=WorkingHours(settings.start, settings.end, zone_name,
                                                        frozenset(range(7))))
    return GeneratorOrderView(site_id, week_start, order)


def _demand_of_day(db: Database, actor: Actor, site_id: int, day: date,
                   settings: DaySettings) -> list[DemandItem]:
    plan = plan_day(db, actor, site_id=site_id, day=day, settings=settings)
    if not plan.doses:
        return []
    with db.read() as s:
        site = visible_site(s, actor, site_id)
        specs = [KitSpec(k.code, k.name, k.max_activity_bq, k.max_volume_ml, k.shelf_life_s,
                         k.max_eluate_age_s, k.carrier_sensitive)
                 for k in s.scalars(select(Kit).where(Kit.org_id == site.org_id))]
    dem = day_demand(day, plan.doses, specs, settings)
    return [DemandItem(f"{day.isoformat()}-{it.id}", it.needed_at, it.activity_bq,
                       it.max_eluate_age_s, it.carrier_sensitive, it.label)
            for it in dem.items]
