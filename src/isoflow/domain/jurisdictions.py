"""Jurisdiction profiles: the limits that differ between regulators, chosen per site.

Every rule reads its limit from a profile, never from a literal in the code (DESIGN.md
invariant 5). Codes: ``NRC`` (US, 10 CFR 35), ``EU`` (Ph. Eur. / EU GMP), ``RU``
(Russian Federation: Ph. Eur.-aligned limits unless a national value is known).

Each limit names its source and whether it was verified in that source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from isoflow.errors import InvalidInput

JURISDICTION_CODES: tuple[str, ...] = ("NRC", "EU", "RU")

#: How a breakthrough limit is expressed.
#: ``per_daughter``: impurity activity per daughter activity (e.g. kBq Mo-99 per MBq Tc-99m);
#: ``of_total``: impurity activity as a fraction of the total activity (Ph. Eur. "per cent of
#: the total radioactivity").
BASES: tuple[str, ...] = ("per_daughter", "of_total")


@dataclass(frozen=True)
class BreakthroughLimit:
    """Maximum radionuclidic impurity in an eluate at the time of administration.

    ``limit`` is dimensionless (Bq/Bq): 0.15 kBq/MBq is 1.5e-4; 0.1 % is 1e-3.
    """

    impurity: str
    daughter: str
    limit: float
    basis: str
    source: str
    verified: bool = True

    def describe(self) -> str:
        if self.basis == "of_total":
            return f"{self.impurity} <= {self.limit * 100:g} % of the total activity"
        return f"{self.impurity} <= {self.limit * 1e3:g} kBq per MBq {self.daughter}"


@dataclass(frozen=True)
class TimedRule:
    """A duration limit [s] with its source (e.g. eluate expiry 12 h after elution)."""

    seconds: float
    source: str
    verified: bool = True


@dataclass(frozen=True)
class SourcedLimit:
    """A limit in the unit its field names, with its source."""

    value: float
    source: str
    verified: bool = True


@dataclass(frozen=True)
class JurisdictionProfile:
    code: str
    name: str
    breakthrough_limits: tuple[BreakthroughLimit, ...] = ()
    #: eluate expiry after elution, by daughter nuclide
    eluate_expiry: dict[str, TimedRule] = field(default_factory=dict)
    #: carrier-sensitive kits (e.g. exametazime/HMPAO): the generator must have been eluted
    #: within this time before the elution used, and the eluate may be at most this old
    carrier_sensitive_previous_elution: TimedRule | None = None
    carrier_sensitive_max_eluate_age: TimedRule | None = None

    # -- the department's day (issue #10) --
    #: an administered activity more than this fraction off the prescription (or outside its
    #: range) is recorded only with a reason and flagged for the RSO (10 CFR 35.63(d))
    administration_tolerance: float = 0.20
    #: measured / predicted elution yield accepted without a flag
    elution_yield_band: tuple[float, float] = (0.90, 1.10)
    #: aluminium (Al3+) in Tc-99m eluate [µg/mL]
    aluminium_limit_ug_per_ml: SourcedLimit | None = None
    #: dose-calibrator QC: intervals [s], action level (fraction), and whether a failed or
    #: overdue test blocks dispensing ("block") or only warns ("warn")
    qc_constancy_interval_s: float = 24 * 3600.0
    qc_linearity_interval_s: float = 92 * 86400.0
    qc_accuracy_interval_s: float = 366 * 86400.0
    qc_tolerance: float = 0.10
    qc_failed: str = "block"
    qc_overdue: str = "warn"
    #: decay-in-storage: longest half-life allowed, and half-lives to hold before the survey
    dis_max_half_life_s: float = 120 * 86400.0
    dis_half_lives: float = 10.0

    def limits_for(self, daughter: str) -> tuple[BreakthroughLimit, ...]:
        """The breakthrough limits that apply to an eluate of ``daughter``."""
        return tuple(x for x in self.breakthrough_limits if x.daughter == daughter)


_NRC_35_204 = "10 CFR 35.204(a)"
_PH_EUR_PERTECHNETATE = ("Ph. Eur. monograph 0124, Sodium pertechnetate (99mTc) injection "
                         "(fission): Mo-99 max 0.1 per cent of the total radioactivity")
_PH_EUR_GA68 = ("Ph. Eur. monograph 2464, Gallium (68Ga) chloride solution for "
                "radiolabelling: Ge-68 max 0.001 per cent of the total radioactivity")
_GA68_LABEL = ("GalliaPharm SmPC: Ge-68 plus gamma impurities <= 0.001 %; no 10 CFR 35.204 "
               "limit exists for Ge-68")
_RB82_NRC_FOR_OTHERS = ("10 CFR 35.204(a) value applied (Ph. Eur. Rb-82 limit not checked "
                        "here)")
_TC_EXPIRY_US = "TechneLite label: eluate expires 12 h after elution"
_TC_EXPIRY_EU = "Poltechnet SmPC: eluate expires 12 h after elution"
_AL_USP = "USP / TechneLite label: Al <= 10 µg/mL in the eluate"
_AL_PH_EUR = "Ph. Eur. monograph 0124: Al < 5 µg/mL (chrome azurol S spot test)"
_HMPAO_24H = "Ceretec (exametazime) label: generator eluted within the previous 24 h"
_HMPAO_2H = "Ceretec (exametazime) label: eluate no older than 2 h"


def _rb82(source_82: str, source_85: str, verified: bool) -> tuple[BreakthroughLimit, ...]:
    return (BreakthroughLimit("Sr-82", "Rb-82", 0.02e-3, "per_daughter", source_82, verified),
            BreakthroughLimit("Sr-85", "Rb-82", 0.2e-3, "per_daughter", source_85, verified))


def _previous_elution(suffix: str = "") -> TimedRule:
    return TimedRule(24 * 3600.0, _HMPAO_24H + suffix)


def _eluate_age(suffix: str = "") -> TimedRule:
    return TimedRule(2 * 3600.0, _HMPAO_2H + suffix)


_RU_NOTE = " (RU: Ph. Eur. value applied; a national value was not found)"

PROFILES: dict[str, JurisdictionProfile] = {
    "NRC": JurisdictionProfile(
        "NRC", "United States — NRC, 10 CFR Part 35",
        breakthrough_limits=(
            BreakthroughLimit("Mo-99", "Tc-99m", 0.15e-3, "per_daughter", _NRC_35_204),
            BreakthroughLimit("Ge-68", "Ga-68", 1e-5, "of_total", _GA68_LABEL),
            *_rb82(_NRC_35_204, _NRC_35_204, True),
        ),
        eluate_expiry={"Tc-99m": TimedRule(12 * 3600.0, _TC_EXPIRY_US)},
        carrier_sensitive_previous_elution=_previous_elution(),
        carrier_sensitive_max_eluate_age=_eluate_age(),
        aluminium_limit_ug_per_ml=SourcedLimit(10.0, _AL_USP),
        qc_overdue="block",
    ),
    "EU": JurisdictionProfile(
        "EU", "European Union — Ph. Eur., EU GMP",
        breakthrough_limits=(
            BreakthroughLimit("Mo-99", "Tc-99m", 1e-3, "of_total", _PH_EUR_PERTECHNETATE),
            BreakthroughLimit("Ge-68", "Ga-68", 1e-5, "of_total", _PH_EUR_GA68),
            *_rb82(_RB82_NRC_FOR_OTHERS, _RB82_NRC_FOR_OTHERS, False),
        ),
        eluate_expiry={"Tc-99m": TimedRule(12 * 3600.0, _TC_EXPIRY_EU)},
        carrier_sensitive_previous_elution=_previous_elution(),
        carrier_sensitive_max_eluate_age=_eluate_age(),
        aluminium_limit_ug_per_ml=SourcedLimit(5.0, _AL_PH_EUR),
    ),
    "RU": JurisdictionProfile(
        "RU", "Russian Federation",
        breakthrough_limits=(
            BreakthroughLimit("Mo-99", "Tc-99m", 1e-3, "of_total",
                              _PH_EUR_PERTECHNETATE + _RU_NOTE, False),
            BreakthroughLimit("Ge-68", "Ga-68", 1e-5, "of_total", _PH_EUR_GA68 + _RU_NOTE,
                              False),
            *_rb82(_RB82_NRC_FOR_OTHERS + _RU_NOTE, _RB82_NRC_FOR_OTHERS + _RU_NOTE, False),
        ),
        eluate_expiry={"Tc-99m": TimedRule(12 * 3600.0, _TC_EXPIRY_EU + _RU_NOTE, False)},
        carrier_sensitive_previous_elution=_previous_elution(),
        carrier_sensitive_max_eluate_age=_eluate_age(),
        aluminium_limit_ug_per_ml=SourcedLimit(5.0, _AL_PH_EUR + _RU_NOTE, False),
    ),
}


def get_profile(code: str) -> JurisdictionProfile:
    """The profile for a jurisdiction code (case-insensitive); InvalidInput if unknown."""
    key = str(code).strip().upper()
    if key not in PROFILES:
        raise InvalidInput(f"unknown jurisdiction {code!r}; known: "
                           f"{', '.join(JURISDICTION_CODES)}", field="jurisdiction")
    return PROFILES[key]
