"""Dose-calibrator quality control: constancy, accuracy and linearity tests, and the status of
a calibrator at a time (what is overdue or failed, and whether that blocks dispensing).

Sources:
- 10 CFR 35.60 (a calibrated instrument measures each dosage) and 35.2060 (records: model,
  serial, date, results, who — 3 years); the classic test frequencies (constancy daily,
  accuracy at installation and annually, linearity at installation and quarterly, geometry at
  installation and after repair) and the usual ±10 % action level, as gathered in
  /work/shared/reference/radiopharmacy.md §2.1; AAPM and IAEA TRS-454 (quality assurance for
  radioactivity measurement in nuclear medicine) describe the same tests: constancy with a
  long-lived check source (Cs-137, Co-57, Ba-133), accuracy with certified reference sources,
  linearity by the decay of a Tc-99m source over two to three days.
- The intervals, the action level and whether a failed or overdue test blocks dispensing come
  from the site's jurisdiction profile (``qc_*`` in isoflow.domain.jurisdictions).

Activities in Bq, times timezone-aware UTC, deviations as fractions (0.05 = +5 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from isoflow.domain.jurisdictions import JurisdictionProfile
from isoflow.domain.ledger import decay_factor
from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide

CHECK_KINDS = ("constancy", "linearity", "accuracy", "geometry")
#: the kinds with an interval in the profile (geometry is done at installation and after
#: repair only, so it has no due date)
SCHEDULED_KINDS = ("constancy", "linearity", "accuracy")
#: linearity by decay: at least this many readings spanning at least this long
LINEARITY_MIN_READINGS = 5
LINEARITY_MIN_SPAN_S = 24 * 3600.0
#: a test is "due" (not yet overdue) in the last part of its interval: a quarter of it, at
#: most two weeks
DUE_SOON_FRACTION = 0.25
DUE_SOON_MAX_S = 14 * 86400.0


@dataclass(frozen=True)
class CheckResult:
    """One test's outcome: the expected and measured activity of the worst reading, its
    deviation (measured / expected − 1) and whether it is within the tolerance."""

    expected_bq: float
    measured_bq: float
    deviation: float
    passed: bool


@dataclass(frozen=True)
class SourceReading:
    """A certified source read in the calibrator: its nuclide, certified activity at the
    reference time, and the reading."""

    nuclide: str
    reference_bq: float
    reference_at: datetime
    measured_bq: float


@dataclass(frozen=True)
class LinearityResult(CheckResult):
    """The decay-method linearity test: the fitted activity at the first reading and, per
    reading, the expected activity and the deviation."""

    fitted_initial_bq: float = 0.0
    expected: tuple[float, ...] = ()
    deviations: tuple[float, ...] = ()


@dataclass(frozen=True)
class CheckRecord:
    """A recorded test as the status needs it."""

    kind: str
    performed_at: datetime
    passed: bool
    deviation: float | None = None


@dataclass(frozen=True)
class KindStatus:
    """The status of one kind of test: ``state`` is "ok", "due" (due soon), "overdue",
    "failed" (the latest failed) or "missing" (never done)."""

    kind: str
    latest: CheckRecord | None
    due_at: datetime | None
    state: str


@dataclass(frozen=True)
class CalibratorStatus:
    kinds: tuple[KindStatus, ...]
    blocking: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def state(self) -> str:
        """One word for a badge: "blocked", "failed", "overdue", "due" or "ok"."""
        if self.blocking:
            return "blocked"
        states = {k.state for k in self.kinds}
        for s in ("failed", "overdue", "missing", "due"):
            if s in states:
                return "overdue" if s == "missing" else s
        return "ok"


def _positive(value: float, field: str) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InvalidInput(f"{field} must be a positive finite number, not {value!r}",
                           field=field)
    return float(value)


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{field} must be a timezone-aware time", field=field)
    return value


def _half_life(nuclide: str, field: str = "nuclide") -> float:
    try:
        hl = get_nuclide(nuclide).half_life_s
    except (KeyError, ValueError, LookupError) as exc:
        raise InvalidInput(f"unknown nuclide {nuclide!r}", field=field) from exc
    if not math.isfinite(hl) or hl <= 0:
        raise InvalidInput(f"{nuclide} is stable and cannot serve as a source", field=field)
    return hl


def decayed_activity(activity_bq: float, nuclide: str, reference_at: datetime,
                     at: datetime) -> float:
    """``activity_bq`` at ``reference_at`` decayed (or back-corrected) to ``at``."""
    lam = math.log(2) / _half_life(nuclide)
    return activity_bq * decay_factor(lam, (at - reference_at).total_seconds(),
                                      field="reference_at")


def _tolerance(tolerance: float) -> float:
    if not (math.isfinite(tolerance) and 0 < tolerance < 1):
        raise InvalidInput(f"tolerance must be a fraction between 0 and 1, not {tolerance!r}",
                           field="tolerance")
    return tolerance


def _deviation(measured: float, expected: float, field: str) -> float:
    """measured / expected − 1, refused (InvalidInput naming ``field``) when the expected
    activity is no measurable number: decayed to nothing, or out of range, between the
    reference and the reading."""
    if not (math.isfinite(expected) and expected >= 1e-300):
        raise InvalidInput("the expected activity at the test is not measurable (the source "
                           "has decayed too far, or the times are too far apart)", field=field)
    deviation = measured / expected - 1.0
    if not math.isfinite(deviation):
        raise InvalidInput("the reading cannot be compared with the expected activity",
                           field=field)
    return deviation


def _source_result(src: SourceReading, performed_at: datetime,
                   tolerance: float) -> CheckResult:
    reference_bq = _positive(src.reference_bq, "reference_bq")
    measured = _positive(src.measured_bq, "measured_bq")
    reference_at = _aware(src.reference_at, "reference_at")
    if reference_at > performed_at + timedelta(days=1):
        raise InvalidInput("reference_at of the source's certificate is after the test",
                           field="reference_at")
    expected = decayed_activity(reference_bq, src.nuclide, reference_at, performed_at)
    deviation = _deviation(measured, expected, "reference_at")
    return CheckResult(expected, measured, deviation, abs(deviation) <= tolerance)


def constancy(source: SourceReading, performed_at: datetime, tolerance: float) -> CheckResult:
    """Constancy with a long-lived check source: expected = its certified activity decayed
    from the certificate's reference date to the test; passed when |deviation| ≤ tolerance."""
    return _source_result(source, _aware(performed_at, "performed_at"), _tolerance(tolerance))


def accuracy(sources: Sequence[SourceReading], performed_at: datetime,
             tolerance: float) -> tuple[CheckResult, tuple[CheckResult, ...]]:
    """Accuracy with one or more certified reference sources: each is judged like a
    constancy reading; the test's result is the worst deviation. Returns (worst, each)."""
    if not sources:
        raise InvalidInput("at least one reference source is needed", field="sources")
    at, tol = _aware(performed_at, "performed_at"), _tolerance(tolerance)
    each = tuple(_source_result(s, at, tol) for s in sources)
    worst = max(each, key=lambda r: abs(r.deviation))
    return CheckResult(worst.expected_bq, worst.measured_bq, worst.deviation,
                       all(r.passed for r in each)), each


def linearity(readings: Sequence[tuple[datetime, float]], tolerance: float,
              nuclide: str = "Tc-99m") -> LinearityResult:
    """Linearity by the decay method: a source (Tc-99m) read repeatedly over two to three
    days. With the known decay constant λ, the least-squares fit of ln A against t gives
    ln A₀ = mean(ln Aᵢ + λ·tᵢ); each reading is compared with A₀·e^(−λ·tᵢ). The worst
    deviation is judged against the tolerance. At least 5 readings spanning ≥ 24 h."""
    tol = _tolerance(tolerance)
    lam = math.log(2) / _half_life(nuclide)
    if len(readings) < LINEARITY_MIN_READINGS:
        raise InvalidInput(f"a linearity series needs at least {LINEARITY_MIN_READINGS} "
                           f"readings, not {len(readings)}", field="readings")
    points = sorted((_aware(t, "readings"), _positive(a, "readings")) for t, a in readings)
    t0 = points[0][0]
    span = (points[-1][0] - t0).total_seconds()
    if span < LINEARITY_MIN_SPAN_S:
        raise InvalidInput(f"a linearity series must span at least 24 h, not "
                           f"{span / 3600:.1f} h", field="readings")
    ts = [(t - t0).total_seconds() for t, _ in points]
    if len(set(ts)) != len(ts):
        raise InvalidInput("two readings of the series have the same time", field="readings")
    ln_a0 = sum(math.log(a) + lam * t for t, (_, a) in zip(ts, points, strict=True)) / len(ts)
    try:
        a0 = math.exp(ln_a0)
        expected = tuple(a0 * math.exp(-lam * t) for t in ts)
    except OverflowError:
        raise InvalidInput(f"the readings span {span / 86400:.4g} days: far too long for a "
                           f"{nuclide} decay series (two to three days)",
                           field="readings") from None
    deviations = tuple(_deviation(a, e, "readings")
                       for (_, a), e in zip(points, expected, strict=True))
    i = max(range(len(deviations)), key=lambda k: abs(deviations[k]))
    return LinearityResult(expected[i], points[i][1], deviations[i],
                           all(abs(d) <= tol for d in deviations),
                           fitted_initial_bq=a0, expected=expected, deviations=deviations)


def interval_s(profile: JurisdictionProfile, kind: str) -> float:
    """How long a test of ``kind`` stays valid under the profile [s]."""
    return {"constancy": profile.qc_constancy_interval_s,
            "linearity": profile.qc_linearity_interval_s,
            "accuracy": profile.qc_accuracy_interval_s}[kind]


def calibrator_status(checks: Sequence[CheckRecord], at: datetime,
                      profile: JurisdictionProfile) -> CalibratorStatus:
    """The status at ``at`` from the calibrator's tests (those after ``at`` are ignored):
    per scheduled kind the latest test, its due date and state; a failed latest test goes to
    ``blocking`` or ``warnings`` as ``profile.qc_failed`` says, an overdue or missing one as
    ``profile.qc_overdue`` says ("block" or "warn")."""
    at = _aware(at, "at")
    kinds: list[KindStatus] = []
    blocking: list[str] = []
    warnings: list[str] = []

    def flag(policy: str, message: str) -> None:
        (blocking if policy == "block" else warnings).append(message)

    for kind in SCHEDULED_KINDS:
        done = [c for c in checks if c.kind == kind and c.performed_at <= at]
        latest = max(done, key=lambda c: c.performed_at) if done else None
        interval = interval_s(profile, kind)
        if latest is None:
            kinds.append(KindStatus(kind, None, None, "missing"))
            flag(profile.qc_overdue, f"no {kind} test on record")
            continue
        due_at = latest.performed_at + timedelta(seconds=interval)
        if not latest.passed:
            state = "failed"
            dev = "" if latest.deviation is None else f" ({latest.deviation:+.1%})"
            flag(profile.qc_failed, f"the latest {kind} test failed{dev}")
        elif at > due_at:
            state = "overdue"
            flag(profile.qc_overdue, f"the {kind} test is overdue (due "
                                     f"{due_at:%Y-%m-%d %H:%M} UTC)")
        elif (due_at - at).total_seconds() <= min(DUE_SOON_FRACTION * interval,
                                                  DUE_SOON_MAX_S):
            state = "due"
        else:
            state = "ok"
        kinds.append(KindStatus(kind, latest, due_at, state))
    return CalibratorStatus(tuple(kinds), tuple(blocking), tuple(warnings))
