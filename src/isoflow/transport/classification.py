"""Package classification for the transport of radioactive material (IAEA SSR-6, as adopted
in 49 CFR 173): excepted, Type A or Type B(U); the UN number; the transport index and the
label category; and the per-conveyance TI limits. Sources: the project's reference
``supply-chain-and-transport.md`` §2.2–2.4 (49 CFR 173.425 Table 4 = SSR-6 Table 4; 173.433(d)
mixtures; 173.403 TI; 172.403 = SSR-6 Table 10 labels; 175.700, 177.842 conveyance limits).

The activity that counts is the activity **at dispatch**: a generator or a vial calibrated
for a later date holds more at dispatch (Mo-99 +65.6 % two days before its calibration).

Rules, each a sum of fractions so that mixtures follow 173.433(d):

- **Type A** if Σ special-form Aᵢ/A1ᵢ + Σ other Aⱼ/A2ⱼ ≤ 1, otherwise **Type B(U)**.
- **Excepted (limited quantity, UN2910)** if Σ Aᵢ/limitᵢ ≤ 1 with the package limits of Table
  4 — solids 10⁻³ A1 (special form) or 10⁻³ A2, liquids 10⁻⁴ A2, gases 10⁻³ A2 — and the
  surface dose rate, when measured, ≤ 5 µSv/h.
- **HRCQ** (highway route controlled quantity) if Σ Aᵢ/min(3000 A1ᵢ or 3000 A2ᵢ, 1000 TBq) ≥ 1:
  label III-YELLOW whatever the dose rates.
- By air a Type B package may not exceed 3000 A1 (special form; 100 000 A2 if lower) or
  3000 A2 (other form); above that Type C is needed (reported, not chosen: [U] in the
  reference).
- **TI** = the dose rate at 1 m in mSv/h × 100, rounded up to the next tenth; ≤ 0.05 → 0.
- **Label** = the higher of the categories the TI and the surface dose rate point to: I-WHITE
  (TI 0, surface ≤ 5 µSv/h), II-YELLOW (TI ≤ 1, ≤ 0.5 mSv/h), III-YELLOW (TI ≤ 10, ≤ 2 mSv/h),
  III-YELLOW under exclusive use (TI > 10 or surface ≤ 10 mSv/h); above 10 mSv/h at the surface
  a package may not be transported.

Not covered: fissile material, LSA/SCO, Type B(M) and Type C selection, TI multipliers for
large loads (SSR-6 Table 7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from isoflow.errors import InvalidInput
from isoflow.physics.nuclides import get_nuclide
from isoflow.transport.values import NuclideValues, values_for

FORMS: tuple[str, ...] = ("solid", "liquid", "gas")
PACKAGES: tuple[str, ...] = ("excepted", "Type A", "Type B(U)")
#: excepted-package limits (limited quantity), fraction of A1 (special form) or A2
EXCEPTED_FRACTION = {"special": 1e-3, "solid": 1e-3, "liquid": 1e-4, "gas": 1e-3}
EXCEPTED_SURFACE_SV_H = 5e-6
HRCQ_CAP_BQ = 1000e12
#: label categories by (largest TI, largest surface dose rate [Sv/h])
LABELS: tuple[tuple[str, float, float], ...] = (
    ("I-WHITE", 0.0, 5e-6), ("II-YELLOW", 1.0, 0.5e-3), ("III-YELLOW", 10.0, 2e-3),
    ("III-YELLOW (exclusive use)", math.inf, 10e-3),
)
#: per conveyance: (largest TI of one package, largest sum of TIs)
CONVEYANCE_TI: dict[str, tuple[float, float]] = {
    "road": (math.inf, 50.0), "air-passenger": (3.0, 50.0), "air-cargo": (10.0, 200.0),
}
UN_NUMBERS = {"excepted": "UN2910", "Type A": "UN2915", "Type A special form": "UN3332",
              "Type B(U)": "UN2916"}
SHIPPING_NAMES = {
    "UN2910": "Radioactive material, excepted package — limited quantity of material",
    "UN2915": "Radioactive material, Type A package, non-special form, non fissile or "
              "fissile-excepted",
    "UN3332": "Radioactive material, Type A package, special form, non fissile or "
              "fissile-excepted",
    "UN2916": "Radioactive material, Type B(U) package, non fissile or fissile-excepted",
}


@dataclass(frozen=True)
class Content:
    """One nuclide in a package: its activity at dispatch [Bq], its physical form, and
    whether it is special form (sealed, non-dispersible: a solid)."""

    nuclide: str
    activity_bq: float
    form: str
    special_form: bool = False


@dataclass(frozen=True)
class ContentLine:
    nuclide: str
    activity_bq: float
    a1_bq: float
    a2_bq: float
    fraction: float  # of the Type A limit (A1 or A2)


@dataclass(frozen=True)
class Classification:
    package: str
    un_number: str
    proper_shipping_name: str
    sum_of_fractions: float  # Type A
    excepted_fraction: float  # of the excepted-package limits
    hrcq: bool
    type_c_required_by_air: bool
    exempt_consignment: bool
    transport_index: float | None
    label: str | None
    exclusive_use: bool
    surface_sv_h: float | None
    at_1m_sv_h: float | None
    lines: tuple[ContentLine, ...]
    notes: tuple[str, ...]


def activity_at_dispatch(nuclide: str, activity_bq: float, calibrated_at: datetime,
                         dispatch_at: datetime) -> float:
    """The activity at dispatch of ``activity_bq`` stated at ``calibrated_at`` (the parent
    only: A1/A2 of a parent include its short-lived progeny, footnote (a))."""
    for name, t in (("calibrated_at", calibrated_at), ("dispatch_at", dispatch_at)):
        if t.tzinfo is None or t.utcoffset() is None:
            raise InvalidInput(f"{name} {t.isoformat()} has no time zone; give an offset or "
                               "a zone name", field=name)
    lam = math.log(2) / get_nuclide(nuclide).half_life_s
    try:
        return activity_bq * math.exp(lam * (calibrated_at - dispatch_at).total_seconds())
    except OverflowError:
        raise InvalidInput(f"dispatch at {dispatch_at.isoformat()} is so long before the "
                           f"calibration at {calibrated_at.isoformat()} that the {nuclide} "
                           "activity at dispatch overflows", field="dispatch_at") from None


def transport_index(at_1m_sv_h: float) -> float:
    """TI: the dose rate at 1 m in mSv/h × 100, rounded up to the next tenth; ≤ 0.05 is 0."""
    ti = at_1m_sv_h * 1e3 * 100
    if ti <= 0.05 + 1e-12:
        return 0.0
    return math.ceil(round(ti * 10, 9)) / 10


def label_category(ti: float, surface_sv_h: float) -> str:
    """The higher of the categories that the TI and the surface dose rate point to."""
    if surface_sv_h > LABELS[-1][2] + 1e-15:
        raise InvalidInput(f"a surface dose rate of {surface_sv_h * 1e3:g} mSv/h is above the "
                           "10 mSv/h any package may have; it cannot be transported",
                           field="surface_dose_rate")
    by_ti = next(i for i, (_, top, _) in enumerate(LABELS) if ti <= top + 1e-12)
    by_surface = next(i for i, (_, _, top) in enumerate(LABELS)
                      if surface_sv_h <= top + 1e-15)
    return LABELS[max(by_ti, by_surface)][0]


def _check(contents: Sequence[Content]) -> list[tuple[Content, NuclideValues]]:
    if not contents:
        raise InvalidInput("a package needs contents: NUCLIDE=ACTIVITY", field="contents")
    out = []
    for c in contents:
        if c.form not in FORMS:
            raise InvalidInput(f"form {c.form!r} is not one of {', '.join(FORMS)}",
                               field="form")
        if c.special_form and c.form != "solid":
            raise InvalidInput("special-form material is a sealed solid; its form is "
                               "'solid'", field="form")
        if isinstance(c.activity_bq, bool) or not math.isfinite(c.activity_bq) \
                or c.activity_bq <= 0:
            raise InvalidInput(f"the activity of {c.nuclide} must be a positive number",
                               field="activity")
        out.append((c, values_for(c.nuclide)))
    return out


def classify(contents: Sequence[Content], *, surface_sv_h: float | None = None,
             at_1m_sv_h: float | None = None) -> Classification:
    """Classify a package of ``contents`` (activities at dispatch); dose rates, when given,
    set the TI and the label."""
    rows = _check(contents)
    lines, notes = [], []
    type_a = excepted = hrcq = exempt = 0.0
    air_b = 0.0
    for c, v in rows:
        limit = v.a1_bq if c.special_form else v.a2_bq
        fraction = 0.0 if math.isinf(limit) else c.activity_bq / limit
        type_a += fraction
        kind = "special" if c.special_form else c.form
        excepted += 0.0 if math.isinf(limit) else \
            c.activity_bq / (EXCEPTED_FRACTION[kind] * limit)
        hrcq += c.activity_bq / min(3000 * limit, HRCQ_CAP_BQ)
        exempt += c.activity_bq / v.exempt_consignment_bq
        air_limit = min(3000 * v.a1_bq, 1e5 * v.a2_bq) if c.special_form else 3000 * v.a2_bq
        air_b += 0.0 if math.isinf(air_limit) else c.activity_bq / air_limit
        lines.append(ContentLine(nuclide=v.nuclide, activity_bq=c.activity_bq, a1_bq=v.a1_bq,
                                 a2_bq=v.a2_bq, fraction=fraction))
    surface_ok = surface_sv_h is None or surface_sv_h <= EXCEPTED_SURFACE_SV_H + 1e-15
    if excepted <= 1.0 + 1e-12 and surface_ok:
        package, un = "excepted", UN_NUMBERS["excepted"]
    elif type_a <= 1.0 + 1e-12:
        package = "Type A"
        un = UN_NUMBERS["Type A special form" if all(c.special_form for c, _ in rows)
                        else "Type A"]
        if excepted <= 1.0 + 1e-12:
            notes.append("within the excepted-package activity limits, but the surface dose "
                         "rate is above 5 µSv/h")
    else:
        package, un = "Type B(U)", UN_NUMBERS["Type B(U)"]
    ti = None if at_1m_sv_h is None else transport_index(at_1m_sv_h)
    label = None
    if package != "excepted" and ti is not None and surface_sv_h is not None:
        label = label_category(ti, surface_sv_h)
    if hrcq >= 1.0 - 1e-12:
        label = "III-YELLOW"
        notes.append("highway route controlled quantity: label III-YELLOW, Type B(U) and a "
                     "security plan")
    if package != "excepted" and (ti is None or surface_sv_h is None):
        notes.append("give the surface and 1 m dose rates for the transport index and label")
    exclusive = label == "III-YELLOW (exclusive use)"
    return Classification(
        package=package, un_number=un, proper_shipping_name=SHIPPING_NAMES[un],
        sum_of_fractions=type_a, excepted_fraction=excepted, hrcq=hrcq >= 1.0 - 1e-12,
        type_c_required_by_air=air_b > 1.0 + 1e-12, exempt_consignment=exempt <= 1.0,
        transport_index=ti, label=label, exclusive_use=exclusive, surface_sv_h=surface_sv_h,
        at_1m_sv_h=at_1m_sv_h, lines=tuple(lines), notes=tuple(notes))


def check_package(chosen: str, result: Classification) -> None:
    """Refuse (InvalidInput naming ``package``) a package type less than the contents need."""
    if chosen not in PACKAGES:
        raise InvalidInput(f"package {chosen!r} is not one of {', '.join(PACKAGES)}",
                           field="package")
    if PACKAGES.index(chosen) < PACKAGES.index(result.package):
        raise InvalidInput(
            f"the contents need a {result.package} package (sum of fractions "
            f"{result.sum_of_fractions:.3g} of the Type A limits, "
            f"{result.excepted_fraction:.3g} of the excepted limits); a {chosen} package "
            "may not carry them", field="package")


def check_conveyance(mode: str, indexes: Sequence[float]) -> None:
    """Refuse (InvalidInput naming ``transport_index``) a load over the conveyance's limits:
    road Σ TI ≤ 50; passenger aircraft each ≤ 3 and Σ ≤ 50; cargo aircraft each ≤ 10 and
    Σ ≤ 200 (non-exclusive use)."""
    if mode not in CONVEYANCE_TI:
        raise InvalidInput(f"conveyance {mode!r} is not one of {', '.join(CONVEYANCE_TI)}",
                           field="mode")
    each, total = CONVEYANCE_TI[mode]
    worst = max(indexes, default=0.0)
    if worst > each + 1e-12:
        raise InvalidInput(f"a package with TI {worst:g} may not travel by {mode} (at most "
                           f"{each:g} per package)", field="transport_index")
    if sum(indexes) > total + 1e-9:
        raise InvalidInput(f"the packages' TIs add up to {sum(indexes):g}; a {mode} "
                           f"conveyance takes at most {total:g}", field="transport_index")
