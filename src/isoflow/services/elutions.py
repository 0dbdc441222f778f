"""Generator receipt and elutions with their QC (issue #10, the hot lab's morning).

A generator is received into the ledger as a container of kind "generator" holding its parent
(Mo-99) at the calibration time, with a :class:`GeneratorRecord` carrying the package survey
(judged by isoflow.domain.package_survey; a failed survey is recorded, not refused, and flagged
"survey_failed" in the audit trail for the RSO).

An elution makes a new ledger container (kind "vial", the daughter at the measured activity,
``source_container_id`` = the generator) and an :class:`Elution` row, in one transaction:
the activity predicted by isoflow.physics.generators from the record and every earlier elution
(each with the efficiency it actually had: the catalogue efficiency × measured/predicted),
the yield against the profile's ``elution_yield_band``, Mo-99 breakthrough by
isoflow.domain.breakthrough (pass/fail at elution and the latest administration time), the
aluminium spot test against ``aluminium_limit_ug_per_ml``, and the time since the previous
elution (carrier Tc-99 warning over 24 h: radiopharmacy.md §4 item 7). Anything out of limits
is recorded, the eluate marked as the rules say, and the audit entry says "elution_flagged".

NRC 35.204(b): the first eluate of a generator must have its Mo-99 measured (refused without
under the NRC profile; a warning under EU/RU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain import ledger as rules
from isoflow.domain.breakthrough import check_breakthrough, eluate_expiry
from isoflow.domain.jurisdictions import JurisdictionProfile, get_profile
from isoflow.domain.package_survey import SurveyResult, judge_survey
from isoflow.domain.roles import Actor, Permission
from isoflow.domain.text import LABEL_MAX, NAME_MAX, NOTE_MAX, clean_optional_text, clean_text
from isoflow.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from isoflow.physics import generator_catalogue as catalogue
from isoflow.physics import generators as phys
from isoflow.physics.generator_catalogue import GeneratorType
from isoflow.services import audit
from isoflow.services.clock import aware_utc, now
from isoflow.services.ledger import _check_licence, _new_container
from isoflow.services.ledger_records import ledger_of
from isoflow.services.organisations import visible_site
from isoflow.store.db import Database
from isoflow.store.department_models import DoseCalibrator, Elution, GeneratorRecord
from isoflow.store.models import Container, Site

#: a previous elution longer ago than this leaves carrier Tc-99 in the eluate
#: (radiopharmacy.md §4 item 7: elute within 24 h before a carrier-sensitive kit)
CARRIER_WARNING_S = 24 * 3600.0
CARRIER_SOURCE = "carrier Tc-99 builds up when the generator was not eluted in the last 24 h"
#: the generator record's serial column
SERIAL_MAX = 100
NRC_FIRST_ELUATE = "10 CFR 35.204(b): the first eluate of each generator is tested for Mo-99"


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class GeneratorView:
    container_id: int
    org_id: int
    site_id: int
    timezone: str
    jurisdiction: str
    generator_type: str
    pair: str
    parent: str
    daughter: str
    serial: str
    supplier: str | None
    activity_bq: float            # parent at calibration [Bq]
    calibration_at: datetime
    received_at: datetime
    expires_at: datetime | None
    surveyed_at: datetime
    surface_usv_h: float
    at_1m_usv_h: float
    wipe_bq_per_100cm2: float
    survey_passed: bool
    survey_reasons: tuple[str, ...]
    transport_index: float
    label_category: str | None
    surveyed_by: str
    label: str
    disposed: bool
    expired: bool
    elution_count: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ElutionView:
    id: int
    org_id: int
    site_id: int
    timezone: str
    jurisdiction: str
    generator_container_id: int
    serial: str
    eluate_container_id: int
    eluate_label: str
    nuclide: str
    eluted_at: datetime
    volume_ml: float
    measured_bq: float
    predicted_bq: float
    yield_ratio: float | None  # None: nothing was predicted (no Tc-99m grown in)
    yield_band: tuple[float, float]
    yield_flagged: bool
    mo99_bq: float | None
    #: Mo-99 per Tc-99m at elution [kBq/MBq]
    breakthrough_kbq_per_mbq: float | None
    breakthrough_passed: bool | None
    breakthrough_reasons: tuple[str, ...]
    use_until: datetime | None
    aluminium_ug_per_ml: float | None
    aluminium_limit_ug_per_ml: float | None
    aluminium_passed: bool | None
    calibrator_id: int | None
    performed_by: str
    note: str | None
    #: seconds since the previous elution (or since the column was last clean)
    since_previous_s: float | None
    carrier_warning: bool
    first_elution: bool
    flags: tuple[str, ...]
    warnings: tuple[str, ...]

    def usable_at(self, at: datetime) -> bool:
        return (self.breakthrough_passed is not False and self.aluminium_passed is not False
                and (self.use_until is None or at < self.use_until))


@dataclass(frozen=True)
class GeneratorDetailView:
    generator: GeneratorView
    at: datetime
    parent_now_bq: float
    daughter_available_now_bq: float | None
    next_maximum_at: datetime | None
    daughter_at_maximum_bq: float | None
    elutions: tuple[ElutionView, ...]


# ------------------------------------------------------------------ helpers
def _rate(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{field} must be a finite number >= 0, not {value!r}", field=field)
    return float(value)


def _positive(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0:
        raise InvalidInput(f"{field} must be a finite number > 0, not {value!r}", field=field)
    return float(value)


def _note(value: str | None) -> str | None:
    return clean_optional_text(value, field="note", max_length=NOTE_MAX, multiline=True)


def _site(s: Session, site_id: int) -> Site:
    site = s.get(Site, site_id)
    assert site is not None
    return site


def _gtype(rec: GeneratorRecord) -> GeneratorType:
    return catalogue.generator_type(rec.generator_type)


def _survey(rec: GeneratorRecord) -> SurveyResult:
    return judge_survey(rec.surface_usv_h, rec.at_1m_usv_h, rec.wipe_bq_per_100cm2)


def _receipt_activity(db: Database, s: Session, c: Container) -> tuple[float, bool]:
    events = ledger_of(db, s, c)
    receipt = rules.recorded_receipt(events)
    assert receipt.activity_bq is not None
    return receipt.activity_bq, rules.disposed_at(events) is not None


def _visible_generator(s: Session, actor: Actor, container_id: int
                       ) -> tuple[Container, GeneratorRecord]:
    rec = s.scalars(select(GeneratorRecord).where(
        GeneratorRecord.container_id == container_id)).first()
    c = None if rec is None else s.get(Container, container_id)
    if rec is None or c is None or not actor.sees(rec.org_id):
        raise NotFound(f"no generator {container_id}", field="container_id")
    return c, rec


def _generator_view(db: Database, s: Session, c: Container, rec: GeneratorRecord,
                    at: datetime) -> GeneratorView:
    site = _site(s, c.site_id)
    gt = _gtype(rec)
    activity, disposed = _receipt_activity(db, s, c)
    survey = _survey(rec)
    count = len(list(s.scalars(select(Elution.id).where(
        Elution.generator_container_id == c.id))))
    return GeneratorView(
        container_id=c.id, org_id=c.org_id, site_id=c.site_id, timezone=site.timezone,
        jurisdiction=site.jurisdiction, generator_type=gt.key, pair=gt.pair.label,
        parent=gt.pair.parent, daughter=gt.pair.daughter, serial=rec.serial,
        supplier=rec.supplier, activity_bq=activity, calibration_at=rec.calibration_at,
        received_at=c.received_at, expires_at=rec.expires_at, surveyed_at=rec.surveyed_at,
        surface_usv_h=rec.surface_usv_h, at_1m_usv_h=rec.at_1m_usv_h,
        wipe_bq_per_100cm2=rec.wipe_bq_per_100cm2, survey_passed=rec.survey_passed,
        survey_reasons=survey.reasons, transport_index=survey.transport_index,
        label_category=survey.label_category, surveyed_by=rec.surveyed_by, label=c.label,
        disposed=disposed, expired=rec.expires_at is not None and at > rec.expires_at,
        elution_count=count, flags=() if rec.survey_passed else ("survey_failed",))


def _elutions_of(s: Session, generator_container_id: int) -> list[Elution]:
    return list(s.scalars(select(Elution).where(
        Elution.generator_container_id == generator_container_id)
        .order_by(Elution.eluted_at, Elution.id)))


def _model(gt: GeneratorType, rec: GeneratorRecord, activity_bq: float,
           previous: list[Elution]) -> phys.Generator:
    """The physics generator from the record and every recorded elution, each with the
    efficiency it had (the catalogue's × measured/predicted, within (0, 1])."""
    base = float(gt.efficiency.value)
    els = tuple(phys.Elution(e.eluted_at, min(1.0, max(1e-6, base * e.measured_bq
                                                        / e.predicted_bq)), e.volume_ml)
                for e in previous if e.predicted_bq > 0)
    # the record's expiry governs; elutions are not capped here (the ledger records them)
    return gt.generator(activity_bq, rec.calibration_at, expires_at=rec.expires_at,
                        elutions=els, lot=rec.serial, max_elutions=10**6)


def _kbq_per_mbq(mo99_bq: float | None, measured_bq: float) -> float | None:
    return None if mo99_bq is None else mo99_bq / measured_bq * 1e3


def _elution_view(s: Session, e: Elution, rec: GeneratorRecord, site: Site,
                  profile: JurisdictionProfile, previous: Elution | None,
                  first: bool, clean_at: datetime | None = None) -> ElutionView:
    eluate = s.get(Container, e.eluate_container_id)
    ratio = e.measured_bq / e.predicted_bq if e.predicted_bq > 0 else None
    ref = previous.eluted_at if previous is not None else clean_at
    since = None if ref is None else (e.eluted_at - ref).total_seconds()
    carrier = since is not None and since > CARRIER_WARNING_S
    al_limit = profile.aluminium_limit_ug_per_ml
    reasons: tuple[str, ...] = ()
    if e.mo99_bq is not None:
        bt = check_breakthrough("Tc-99m", {"Mo-99": e.mo99_bq / e.measured_bq}, e.eluted_at,
                                e.eluted_at, profile)
        reasons = bt.reasons
    flags = []
    if e.yield_flagged:
        flags.append("yield")
    if e.breakthrough_passed is False:
        flags.append("breakthrough")
    if e.aluminium_passed is False:
        flags.append("aluminium")
    warnings = []
    if carrier:
        warnings.append("carrier")
    if first and e.mo99_bq is None:
        warnings.append("first_eluate_untested")
    return ElutionView(
        id=e.id, org_id=e.org_id, site_id=site.id, timezone=site.timezone,
        jurisdiction=site.jurisdiction, generator_container_id=e.generator_container_id,
        serial=rec.serial, eluate_container_id=e.eluate_container_id,
        eluate_label=eluate.label if eluate is not None else "",
        nuclide=eluate.nuclide if eluate is not None else "Tc-99m", eluted_at=e.eluted_at,
        volume_ml=e.volume_ml, measured_bq=e.measured_bq, predicted_bq=e.predicted_bq,
        yield_ratio=ratio, yield_band=profile.elution_yield_band,
        yield_flagged=e.yield_flagged, mo99_bq=e.mo99_bq,
        breakthrough_kbq_per_mbq=_kbq_per_mbq(e.mo99_bq, e.measured_bq),
        breakthrough_passed=e.breakthrough_passed, breakthrough_reasons=reasons,
        use_until=e.use_until, aluminium_ug_per_ml=e.aluminium_ug_per_ml,
        aluminium_limit_ug_per_ml=None if al_limit is None else al_limit.value,
        aluminium_passed=e.aluminium_passed, calibrator_id=e.calibrator_id,
        performed_by=e.performed_by, note=e.note, since_previous_s=since,
        carrier_warning=carrier, first_elution=first, flags=tuple(flags),
        warnings=tuple(warnings))


def _views_of_generator(s: Session, rec: GeneratorRecord, site: Site) -> list[ElutionView]:
    profile = get_profile(site.jurisdiction)
    gt = _gtype(rec)
    clean = rec.calibration_at - timedelta(seconds=gt.clean_before_calibration_s)
    rows = _elutions_of(s, rec.container_id)
    return [_elution_view(s, e, rec, site, profile, rows[i - 1] if i else None, i == 0, clean)
            for i, e in enumerate(rows)]


# ------------------------------------------------------------------ receipt
def receive_generator(db: Database, actor: Actor, *, site_id: int, generator_type: str,
                      serial: str, activity_bq: float, calibration_at: datetime,
                      received_at: datetime | None = None, surface_usv_h: float,
                      at_1m_usv_h: float, wipe_bq_per_100cm2: float,
                      supplier: str | None = None, expires_at: datetime | None = None,
                      note: str | None = None) -> GeneratorView:
    """Receive a generator: its container (the parent at ``calibration_at``, licence checked)
    and its record with the package survey, in one transaction. A failed survey is recorded
    and flagged ("survey_failed" in the audit trail), not refused."""
    actor.require(Permission.ELUTE)
    gt = catalogue.generator_type(generator_type)
    serial = clean_text(serial, field="serial", max_length=SERIAL_MAX)
    supplier = clean_optional_text(supplier, field="supplier", max_length=NAME_MAX)
    activity = _positive(activity_bq, "activity_bq")
    cal = aware_utc(calibration_at, "calibration_at")
    at = now() if received_at is None else aware_utc(received_at, "received_at")
    survey = judge_survey(_rate(surface_usv_h, "surface_usv_h"),
                          _rate(at_1m_usv_h, "at_1m_usv_h"),
                          _rate(wipe_bq_per_100cm2, "wipe_bq_per_100cm2"))
    if expires_at is not None:
        exp: datetime | None = aware_utc(expires_at, "expires_at")
        assert exp is not None
        if exp <= at:
            raise InvalidInput(f"expires_at {exp.isoformat()} is not after the receipt "
                               f"{at.isoformat()}", field="expires_at")
    elif gt.shelf_life_s.value is not None:
        exp = cal + timedelta(seconds=float(gt.shelf_life_s.value))
    else:
        exp = None
    if abs((at - cal).total_seconds()) > 30 * 86400:
        raise InvalidInput("calibration_at is more than 30 days from the receipt",
                           field="calibration_at")
    # validates the combination as the physics would (expiry after the column was loaded...)
    gt.generator(activity, cal, expires_at=exp, lot=serial)
    note = _note(note)
    parent = gt.pair.parent
    with db.write() as s:
        site = visible_site(s, actor, site_id, lock=True)
        _check_licence(db, s, site_id=site.id, site_name=site.name, nuclide=parent,
                       activity_bq=activity, reference_at=cal, received_at=at)
        label = clean_text(f"{gt.key} {serial}", field="label", max_length=LABEL_MAX)
        c, _ = _new_container(s, actor, org_id=site.org_id, site_id=site.id, kind="generator",
                              nuclide=parent, label=label, received_at=at,
                              activity_bq=activity, reference_at=cal, volume_ml=None,
                              note=note)
        rec = GeneratorRecord(org_id=site.org_id, container_id=c.id, generator_type=gt.key,
                              serial=serial, supplier=supplier, calibration_at=cal,
                              expires_at=exp, surveyed_at=at, surface_usv_h=float(surface_usv_h),
                              at_1m_usv_h=float(at_1m_usv_h),
                              wipe_bq_per_100cm2=float(wipe_bq_per_100cm2),
                              survey_passed=survey.passed, surveyed_by=actor.username)
        s.add(rec)
        s.flush()
        container = s.get(Container, c.id)
        assert container is not None
        view = _generator_view(db, s, container, rec, at)
        audit.record(s, actor, org_id=site.org_id, entity_type="generator_record",
                     entity_id=rec.id,
                     action="generator_received" if survey.passed else "survey_failed",
                     new={"container_id": c.id, "generator_type": gt.key, "serial": serial,
                          "supplier": supplier, "activity_bq": activity,
                          "calibration_at": cal.isoformat(),
                          "expires_at": None if exp is None else exp.isoformat(),
                          "surface_usv_h": float(surface_usv_h),
                          "at_1m_usv_h": float(at_1m_usv_h),
                          "wipe_bq_per_100cm2": float(wipe_bq_per_100cm2),
                          "transport_index": survey.transport_index,
                          "label_category": survey.label_category,
                          "survey_passed": survey.passed, "reasons": list(survey.reasons)})
    return view


# ------------------------------------------------------------------ elution
@dataclass(frozen=True)
class _Plan:
    predicted_bq: float
    since_previous_s: float
    first: bool


def _plan(db: Database, s: Session, c: Container, rec: GeneratorRecord,
          t: datetime) -> _Plan:
    """Check the time against the generator and predict the eluate at ``t``."""
    activity, disposed = _receipt_activity(db, s, c)
    if t < c.received_at:
        raise InvalidInput(f"the elution at {t.isoformat()} is before the generator's receipt "
                           f"({c.received_at.isoformat()})", field="eluted_at")
    if rec.expires_at is not None and t > rec.expires_at:
        raise InvalidInput(f"generator {rec.serial} expired at {rec.expires_at.isoformat()}; "
                           f"it may not be eluted at {t.isoformat()}", field="eluted_at")
    if disposed:
        raise Conflict(f"generator {rec.serial} was disposed of; it cannot be eluted",
                       field="container_id")
    previous = _elutions_of(s, c.id)
    if previous and t <= previous[-1].eluted_at:
        raise InvalidInput(f"the elution at {t.isoformat()} is not after the previous one "
                           f"({previous[-1].eluted_at.isoformat()})", field="eluted_at")
    try:
        gen = _model(_gtype(rec), rec, activity, previous)
        eluate = gen.expected_eluate(t)
    except (InvalidInput, LimitExceeded) as exc:
        raise InvalidInput(exc.message, field="eluted_at") from None
    return _Plan(eluate.daughter_bq, eluate.since_previous_elution_s, not previous)


def predict(db: Database, actor: Actor, generator_container_id: int,
            at: datetime | None = None) -> float:
    """The daughter activity [Bq] an elution at ``at`` (default now) would give."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    with db.read() as s:
        c, rec = _visible_generator(s, actor, generator_container_id)
        return _plan(db, s, c, rec, t).predicted_bq


def elute(db: Database, actor: Actor, generator_container_id: int, *, eluted_at: datetime,
          volume_ml: float, measured_bq: float, mo99_bq: float | None = None,
          aluminium_ug_per_ml: float | None = None, calibrator_id: int | None = None,
          note: str | None = None) -> ElutionView:
    """Elute a generator: the eluate container, the :class:`Elution` row with its QC, and the
    audit entry ("eluted", or "elution_flagged" when anything is out of limits)."""
    actor.require(Permission.ELUTE)
    t = aware_utc(eluted_at, "eluted_at")
    volume = _positive(volume_ml, "volume_ml")
    measured = _positive(measured_bq, "measured_bq")
    mo99 = None if mo99_bq is None else _rate(mo99_bq, "mo99_bq")
    al = None if aluminium_ug_per_ml is None else _rate(aluminium_ug_per_ml,
                                                        "aluminium_ug_per_ml")
    note = _note(note)
    with db.write() as s:
        rec0 = s.scalars(select(GeneratorRecord).where(
            GeneratorRecord.container_id == generator_container_id)).first()
        if rec0 is None or not actor.sees(rec0.org_id):
            raise NotFound(f"no generator {generator_container_id}", field="container_id")
        c0 = s.get(Container, generator_container_id)
        assert c0 is not None
        # serialise elutions (and receipts) of the site
        site = visible_site(s, actor, c0.site_id, lock=True)
        c, rec = _visible_generator(s, actor, generator_container_id)
        profile = get_profile(site.jurisdiction)
        if calibrator_id is not None:
            cal = s.get(DoseCalibrator, calibrator_id)
            if cal is None or cal.org_id != c.org_id:
                raise NotFound(f"no dose calibrator {calibrator_id}", field="calibrator_id")
        plan = _plan(db, s, c, rec, t)
        gt = _gtype(rec)
        daughter = gt.pair.daughter
        if plan.first and mo99 is None and profile.code == "NRC":
            raise InvalidInput(f"the first eluate of generator {rec.serial} needs its Mo-99 "
                               f"measured ({NRC_FIRST_ELUATE})", field="mo99_bq")
        lo, hi = profile.elution_yield_band
        ratio = measured / plan.predicted_bq if plan.predicted_bq > 0 else None
        yield_flagged = ratio is None or not lo <= ratio <= hi
        expiry = eluate_expiry(daughter, t, profile).expires_at
        use_until = expiry
        passed: bool | None = None
        if mo99 is not None:
            try:
                bt = check_breakthrough(daughter, {gt.pair.parent: mo99 / measured}, t, t,
                                        profile)
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field="mo99_bq") from None
            passed = bt.passed
            if bt.latest_administration_at is not None:
                use_until = bt.latest_administration_at if use_until is None else \
                    min(use_until, bt.latest_administration_at)
            if not passed:
                use_until = t
        al_limit = profile.aluminium_limit_ug_per_ml
        al_passed = None if al is None or al_limit is None else al <= al_limit.value
        _check_licence(db, s, site_id=site.id, site_name=site.name, nuclide=daughter,
                       activity_bq=measured, reference_at=t, received_at=t)
        local = t.astimezone(ZoneInfo(site.timezone)).strftime("%Y-%m-%d %H:%M")
        label = clean_text(f"{daughter} eluate {rec.serial} {local}", field="label",
                           max_length=LABEL_MAX)
        eluate, _ = _new_container(s, actor, org_id=c.org_id, site_id=c.site_id, kind="vial",
                                   nuclide=daughter, label=label, received_at=t,
                                   activity_bq=measured, reference_at=t, volume_ml=volume,
                                   note=note, source_container_id=c.id)
        row = Elution(org_id=c.org_id, generator_container_id=c.id,
                      eluate_container_id=eluate.id, eluted_at=t, volume_ml=volume,
                      measured_bq=measured, predicted_bq=plan.predicted_bq,
                      yield_flagged=yield_flagged, mo99_bq=mo99, breakthrough_passed=passed,
                      use_until=use_until, aluminium_ug_per_ml=al, aluminium_passed=al_passed,
                      calibrator_id=calibrator_id, performed_by=actor.username, note=note)
        s.add(row)
        s.flush()
        rows = _elutions_of(s, c.id)
        prev = rows[-2] if len(rows) > 1 else None
        clean = rec.calibration_at - timedelta(seconds=gt.clean_before_calibration_s)
        view = _elution_view(s, row, rec, site, profile, prev, plan.first, clean)
        audit.record(s, actor, org_id=c.org_id, entity_type="elution", entity_id=row.id,
                     action="elution_flagged" if view.flags else "eluted",
                     new={"generator_container_id": c.id, "eluate_container_id": eluate.id,
                          "eluted_at": t.isoformat(), "volume_ml": volume,
                          "measured_bq": measured, "predicted_bq": plan.predicted_bq,
                          "yield_ratio": ratio, "yield_flagged": yield_flagged,
                          "mo99_bq": mo99, "breakthrough_passed": passed,
                          "use_until": None if use_until is None else use_until.isoformat(),
                          "aluminium_ug_per_ml": al, "aluminium_passed": al_passed,
                          "calibrator_id": calibrator_id, "flags": list(view.flags),
                          "warnings": list(view.warnings), "note": note})
    return view


# ------------------------------------------------------------------ reading
def list_generators(db: Database, actor: Actor, *, site_id: int | None = None,
                    include_expired: bool = False) -> list[GeneratorView]:
    actor.require(Permission.READ)
    t = now()
    q = select(GeneratorRecord).order_by(GeneratorRecord.calibration_at.desc(),
                                         GeneratorRecord.id.desc())
    if actor.org_id is not None:
        q = q.where(GeneratorRecord.org_id == actor.org_id)
    with db.read() as s:
        if site_id is not None:
            site = visible_site(s, actor, site_id)
            q = q.join(Container, Container.id == GeneratorRecord.container_id) \
                .where(Container.site_id == site.id)
        out = []
        for rec in s.scalars(q):
            c = s.get(Container, rec.container_id)
            assert c is not None
            v = _generator_view(db, s, c, rec, t)
            if include_expired or not (v.expired or v.disposed):
                out.append(v)
        return out


def generator_detail(db: Database, actor: Actor, container_id: int,
                     at: datetime | None = None) -> GeneratorDetailView:
    """The record, the parent now, the daughter an elution would give now and at the next
    in-growth maximum, and the elutions (oldest first)."""
    actor.require(Permission.READ)
    t = now() if at is None else aware_utc(at, "at")
    with db.read() as s:
        c, rec = _visible_generator(s, actor, container_id)
        gv = _generator_view(db, s, c, rec, t)
        site = _site(s, c.site_id)
        previous = _elutions_of(s, c.id)
        gen = _model(_gtype(rec), rec, gv.activity_bq, previous)
        parent_now = gen.parent_activity_bq_at(t)
        now_bq: float | None = None
        max_at: datetime | None = None
        max_bq: float | None = None
        try:
            now_bq = gen.expected_eluate(t).daughter_bq if t >= gen.clean_at else None
        except (InvalidInput, LimitExceeded):
            now_bq = None
        try:
            max_at = gen.time_of_maximum(t if t >= gen.clean_at else None)
            if max_at < t:
                max_at = None
            else:
                max_bq = gen.expected_eluate(max_at).daughter_bq
        except (InvalidInput, LimitExceeded):
            max_at, max_bq = None, None
        return GeneratorDetailView(gv, t, parent_now, now_bq, max_at, max_bq,
                                   tuple(_views_of_generator(s, rec, site)))


def list_elutions(db: Database, actor: Actor, *, site_id: int | None = None,
                  since: datetime | None = None, until: datetime | None = None
                  ) -> list[ElutionView]:
    """Elutions newest first, in a period and at a site."""
    actor.require(Permission.READ)
    q = select(Elution.id, Elution.generator_container_id).order_by(
        Elution.eluted_at.desc(), Elution.id.desc())
    if actor.org_id is not None:
        q = q.where(Elution.org_id == actor.org_id)
    if since is not None:
        q = q.where(Elution.eluted_at >= aware_utc(since, "since"))
    if until is not None:
        q = q.where(Elution.eluted_at < aware_utc(until, "until"))
    with db.read() as s:
        if site_id is not None:
            site = visible_site(s, actor, site_id)
            q = q.join(Container, Container.id == Elution.generator_container_id) \
                .where(Container.site_id == site.id)
        wanted = list(s.execute(q))
        views: dict[int, ElutionView] = {}
        for gid in {g for _, g in wanted}:
            rec = s.scalars(select(GeneratorRecord).where(
                GeneratorRecord.container_id == gid)).one()
            c = s.get(Container, gid)
            assert c is not None
            for v in _views_of_generator(s, rec, _site(s, c.site_id)):
                views[v.id] = v
        return [views[i] for i, _ in wanted]


def get_elution(db: Database, actor: Actor, elution_id: int) -> ElutionView:
    actor.require(Permission.READ)
    with db.read() as s:
        e = s.get(Elution, elution_id)
        if e is None or not actor.sees(e.org_id):
            raise NotFound(f"no elution {elution_id}", field="elution_id")
        c, rec = _visible_generator(s, actor, e.generator_container_id)
        return next(v for v in _views_of_generator(s, rec, _site(s, c.site_id))
                    if v.id == e.id)


def elution_for_eluate(s_or_db: Session | Database, eluate_id: int) -> Elution | None:
    """The Elution row whose eluate is container ``eluate_id`` (None if it is not an eluate);
    no tenancy check: the caller has already found the container visible. With a Session it
    reads in the caller's transaction (the row stays attached to it)."""
    q = select(Elution).where(Elution.eluate_container_id == eluate_id)
    if isinstance(s_or_db, Session):
        return s_or_db.scalars(q).first()
    with s_or_db.read() as s:
        row = s.scalars(q).first()
        if row is not None:
            s.expunge(row)
        return row
