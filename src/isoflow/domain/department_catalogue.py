"""The department's default catalogue (issue #10): diagnostic procedures and Tc-99m cold kits
that ``isoflow.services.catalogue.install_defaults`` copies into an organisation, and the rules
every catalogue row obeys (activities positive and ordered, an EANM class with its baseline and
minimum, shelf life, RCP, volumes, particles).

Sources, copied into the package (nothing here reads the project's reference folder):

- procedures: ``data/clinical_procedures.csv`` is a verbatim copy of the project's
  ``reference/clinical_procedures.csv`` (every row with its own source column); activities are
  MBq there and Bq here. Camera time and uptake (``duration_min``, ``uptake_min``) are not in
  the reference: they are usual department values ([K]) and editable.
- kits: ``reference/radiopharmacy.md`` §3.5 and ``reference/clinical-data.md`` §c. A value the
  references do not give is the product-label value as known ([K]); such a kit has
  ``verified=False`` and names the unverified fields in ``unverified`` and its ``source``.
  Every value is per-organisation data: the catalogue pages and API edit it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from isoflow.domain.paediatric import EANM_CLASSES
from isoflow.errors import InvalidInput

MBQ = 1e6
HOUR = 3600.0

#: How the catalogue's free text is bounded (the columns' lengths).
CODE_MAX = 40
NAME_MAX = 200
SOURCE_MAX = 4000
#: A procedure's camera time and uptake are at most a day [min].
MINUTES_MAX = 24 * 60
#: No vial or dose in a department holds more than this (a guard against unit slips) [Bq].
ACTIVITY_MAX_BQ = 1e15
VOLUME_MAX_ML = 1000.0
PARTICLES_MAX = 1e10


@dataclass(frozen=True)
class DefaultProcedure:
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
    source: str

    def fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DefaultKit:
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
    #: every value from the references ([V] or computed from [V] values)
    verified: bool
    #: the fields taken from product labels as known, not from the references
    unverified: tuple[str, ...]
    source: str

    def fields(self) -> dict[str, Any]:
        """The columns of a catalogue kit (without ``verified``/``unverified``, which are in
        ``source``)."""
        out = dict(self.__dict__)
        del out["verified"], out["unverified"]
        return out


# ---- procedures -----------------------------------------------------------------------------

#: procedure code -> the catalogue kit its dose is drawn from (None: the eluate itself, or a
#: unit dose / a PET tracer made outside the kit catalogue)
PROCEDURE_KITS: dict[str, str | None] = {
    "BONE_BISPHOSPHONATE": "MDP",
    "MPI_TETRO_STRESS": "TETRO",
    "MPI_TETRO_REST": "TETRO",
    "MPI_1DAY": "MIBI",
    "MPI_2DAY": "MIBI",
    "THYROID_TCO4": None,
    "MECKEL_TCO4": None,
    "LUNG_PERF_MAA": "MAA",
    "LUNG_VENT_DTPA": "DTPA",
    "RENAL_DTPA": "DTPA",
    "RENAL_MAG3": "MAG3",
    "RENAL_DMSA": "DMSA",
    "BRAIN_HMPAO": "HMPAO",
    "BRAIN_ECD": "ECD",
    "WBC_HMPAO": "HMPAO",
    "SLN_BREAST": "NANOCOLL",
    "SLN_MELANOMA": "NANOCOLL",
    "GI_BLEED_RBC": "PYP",
    "GATED_BLOOD_POOL": "PYP",
    "HEPATOBILIARY_IDA": "MEBROFENIN",
    "PARATHYROID_MIBI": "MIBI",
    "GA68_DOTATOC": None,
    "GA68_DOTATATE": None,
    "GA68_PSMA11": None,
}

#: procedure code -> (camera time, injection to imaging) [min]: usual department values [K]
PROCEDURE_TIMES: dict[str, tuple[int, int]] = {
    "BONE_BISPHOSPHONATE": (30, 180),
    "MPI_TETRO_STRESS": (20, 15),
    "MPI_TETRO_REST": (20, 30),
    "MPI_1DAY": (30, 45),
    "MPI_2DAY": (30, 45),
    "THYROID_TCO4": (20, 20),
    "MECKEL_TCO4": (45, 0),
    "LUNG_PERF_MAA": (30, 0),
    "LUNG_VENT_DTPA": (20, 0),
    "RENAL_DTPA": (30, 0),
    "RENAL_MAG3": (30, 0),
    "RENAL_DMSA": (30, 180),
    "BRAIN_HMPAO": (30, 30),
    "BRAIN_ECD": (30, 30),
    "WBC_HMPAO": (30, 240),
    "SLN_BREAST": (20, 60),
    "SLN_MELANOMA": (20, 60),
    "GI_BLEED_RBC": (60, 0),
    "GATED_BLOOD_POOL": (30, 10),
    "HEPATOBILIARY_IDA": (60, 0),
    "PARATHYROID_MIBI": (30, 10),
    "GA68_DOTATOC": (30, 60),
    "GA68_DOTATATE": (30, 60),
    "GA68_PSMA11": (30, 60),
}
TIMES_SOURCE = ("Camera time and uptake: usual department values [K], not from the "
                "references; edit them to the department's protocol.")

CSV_SOURCE = "reference/clinical_procedures.csv (copied as isoflow/domain/data/)"


def _mbq(text: str) -> float | None:
    text = text.strip()
    return None if not text else float(text) * MBQ


def procedures_csv() -> str:
    """The packaged copy of the reference CSV, as text."""
    return (resources.files("isoflow.domain") / "data" / "clinical_procedures.csv").read_text(
        encoding="utf-8")


@cache
def default_procedures() -> tuple[DefaultProcedure, ...]:
    """Every row of the packaged procedures CSV, in its order, with its kit and times."""
    out: list[DefaultProcedure] = []
    for row in csv.DictReader(procedures_csv().splitlines()):
        code = row["procedure_code"].strip()
        duration, uptake = PROCEDURE_TIMES.get(code, (30, 0))
        cls = row["eanm_class"].strip() or None
        out.append(DefaultProcedure(
            code=code, name=row["procedure_name"].strip(),
            radiopharmaceutical=row["radiopharmaceutical"].strip(),
            nuclide=row["nuclide"].strip(), kit_code=PROCEDURE_KITS.get(code),
            adult_min_bq=_mbq(row["adult_activity_min_mbq"]),
            adult_typical_bq=_mbq(row["adult_activity_typical_mbq"]),
            adult_max_bq=_mbq(row["adult_activity_max_mbq"]),
            eanm_class=cls, eanm_baseline_bq=_mbq(row["eanm_baseline_mbq"]),
            eanm_min_bq=_mbq(row["eanm_min_mbq"]), duration_min=duration, uptake_min=uptake,
            source=f"{row['source'].strip()} [{CSV_SOURCE}] {TIMES_SOURCE}"))
    return tuple(out)


# ---- kits -----------------------------------------------------------------------------------

RP = "reference/radiopharmacy.md §3.5"
CD = "reference/clinical-data.md §c"


def _kit(code: str, name: str, rp: str, *, max_mbq: float, max_ml: float, shelf_h: float,
         rcp: float, unverified: tuple[str, ...], source: str, eluate_h: float | None = None,
         carrier: bool = False, particles: tuple[float, float, float] | None = None
         ) -> DefaultKit:
    note = "" if not unverified else (
        " Not in the references, product-label value as known [K], verified: False: "
        + ", ".join(unverified) + ".")
    return DefaultKit(
        code=code, name=name, radiopharmaceutical=rp, nuclide="Tc-99m",
        max_activity_bq=max_mbq * MBQ, max_volume_ml=max_ml, shelf_life_s=shelf_h * HOUR,
        max_eluate_age_s=None if eluate_h is None else eluate_h * HOUR,
        carrier_sensitive=carrier, rcp_min=rcp,
        particles_per_vial=None if particles is None else particles[0],
        min_particles_per_dose=None if particles is None else particles[1],
        max_particles_per_dose=None if particles is None else particles[2],
        verified=not unverified, unverified=unverified, source=source + note)


#: Pertechnetate is the eluate itself: no kit (its procedures have ``kit_code`` None).
DEFAULT_KITS: tuple[DefaultKit, ...] = (
    _kit("MAA", "Macrotech (Макротех, 99mTc), MAA", "Tc-99m MAA", max_mbq=1184, max_ml=8,
         shelf_h=6, rcp=0.90, particles=(3.0e6, 6.0e4, 7.0e5),
         unverified=("shelf_life_s",),
         source=(f"Macrotech (RU) [V] ({RP}; {CD}; https://talkdrugs.info/makrotekh-99mtc-5354"
                 ".html): 3.0e6 macroaggregates per vial, ready product 37-148 MBq per mL with "
                 "0.37-1.5e6 particles per mL, so at most 3.0e6 / 0.37e6 = 8 mL and "
                 "148 MBq/mL x 8 mL = 1184 MBq per vial [C]. Particles per dose 60,000 "
                 "(counting statistics) to 700,000 [V, §3.4]. RCP >= 90 % bound (Macrotec US) "
                 "[V]. Shelf life: Macrotech formal shelf life not found; 6 h is the US "
                 "Macrotec lifetime [V for Macrotec]; lung retention falls when injected "
                 "later than 1 h after preparation, so use early.")),
    _kit("MDP", "MDP/HDP (medronate/oxidronate)", "Tc-99m MDP/HDP", max_mbq=11100, max_ml=10,
         shelf_h=8, rcp=0.90, unverified=("shelf_life_s",),
         source=(f"Bone agents [V] ({RP}; {CD}): 370-11100 MBq in 2-10 mL (Teceos, a bone "
                 "agent of the same class); EANM: stable 8 h, use within 6 h unless the "
                 "manufacturer says otherwise (8 h here as on the HDP/MDP labels [K]); "
                 "RCP >= 90 % (USP, most Tc kits) [V].")),
    _kit("MIBI", "Sestamibi (MIBI)", "Tc-99m sestamibi", max_mbq=11000, max_ml=3, shelf_h=6,
         rcp=0.90, unverified=("max_volume_ml", "shelf_life_s"),
         source=(f"PoltechMIBI: <= 11 GBq oxidant-free pertechnetate [V] ({RP}); Cardiolite "
                 "US 925-5550 MBq in 1-3 mL, heat 10 min, about 6 h [K]; RCP >= 90 % (USP) "
                 "[V].")),
    _kit("TETRO", "Tetrofosmin (Myoview)", "Tc-99m tetrofosmin", max_mbq=8800, max_ml=8,
         shelf_h=12, rcp=0.90, unverified=("max_activity_bq", "max_volume_ml",
                                           "shelf_life_s"),
         source=(f"Myoview <= 8.8 GBq in 4-8 mL, 12 h [K] ({RP}); <= 10 % free pertechnetate "
                 "and reduced hydrolysed Tc, i.e. RCP >= 90 % [V] (Swiss Myoview "
                 "Fachinformation).")),
    _kit("DTPA", "Pentatech (Пентатех, 99mTc), DTPA", "Tc-99m DTPA (pentetate)", max_mbq=7500,
         max_ml=5, shelf_h=12, rcp=0.90, unverified=("shelf_life_s",),
         source=(f"Pentatech (RU, DIAMED) [V] ({CD}): ready product 75-1500 MBq per mL at "
                 "0.96 mg pentetate/mL with 4.8 mg per vial, so 5 mL and 1500 x 5 = 7500 MBq "
                 "per vial [C]; shelf life not found, 12 h as on DTPA labels [K]; RCP >= 90 % "
                 "(USP) [V].")),
    _kit("MAG3", "MAG3 (mertiatide, Technescan MAG3 / Технемаг)", "Tc-99m MAG3",
         max_mbq=3700, max_ml=10, shelf_h=6, rcp=0.90,
         unverified=("max_activity_bq", "max_volume_ml", "shelf_life_s"),
         source=(f"Technescan MAG3: 1 mg betiatide, requires boiling; 740-3700 MBq in 4-10 mL, "
                 f"about 6 h [K] ({RP}); RCP >= 90 % (USP) [V].")),
    _kit("DMSA", "DMSA (succimer)", "Tc-99m DMSA", max_mbq=1110, max_ml=6, shelf_h=4,
         rcp=0.90, unverified=("max_activity_bq", "max_volume_ml", "shelf_life_s"),
         source=(f"Technescan DMSA 1.2 mg succimer [V] ({CD}); labelling up to 1110 MBq in "
                 "1-6 mL, use within 4 h [K]; RCP >= 90 % (USP) [V].")),
    _kit("HMPAO", "Exametazime (HMPAO, Ceretec)", "Tc-99m exametazime", max_mbq=2000,
         max_ml=5, shelf_h=0.5, eluate_h=2, carrier=True, rcp=0.80,
         unverified=("max_activity_bq", "max_volume_ml", "shelf_life_s", "max_eluate_age_s",
                     "rcp_min"),
         source=(f"Ceretec: generator eluted within 24 h before the eluate is taken [V] ({CD} "
                 "c.1; enforced by the jurisdiction profile's carrier-sensitive window); "
                 "eluate no older than 2 h, 370-2000 MBq in 5 mL, use within 30 min "
                 "unstabilised (4 h stabilised, brain only), lipophilic complex >= 80 % [K].")),
    _kit("PYP", "Pirfotech (Пирфотех, 99mTc), pyrophosphate", "Tc-99m pyrophosphate",
         max_mbq=7400, max_ml=5, shelf_h=6, rcp=0.90,
         unverified=("max_volume_ml", "shelf_life_s"),
         source=(f"Pirfotech (RU, DIAMED) [V] ({CD}): ready product 185-1480 MBq per mL; "
                 "in-vivo RBC labelling when kit and pertechnetate are given 20 min apart. "
                 "5 mL per vial and 6 h [K], so 1480 x 5 = 7400 MBq; RCP >= 90 % (USP) [V].")),
    _kit("NANOCOLL", "Nanocolloidal albumin (Senti-Scint / Nanocoll)",
         "Tc-99m nanocolloidal albumin", max_mbq=5500, max_ml=5, shelf_h=6, rcp=0.95,
         unverified=("shelf_life_s", "rcp_min"),
         source=(f"Senti-Scint <= 5.5 GBq in 1-5 mL, split into 3-5 portions [V] ({RP}); "
                 "Nano-Albumon >= 95 % of particles <= 80 nm [V]; 6 h and RCP >= 95 % [K].")),
    _kit("MEBROFENIN", "Mebrofenin (Bromesida / Choletec)", "Tc-99m mebrofenin",
         max_mbq=3700, max_ml=5, shelf_h=18, rcp=0.90,
         unverified=("max_activity_bq", "max_volume_ml", "shelf_life_s"),
         source=(f"Bromesida (RU): mebrofenin 41.5 mg, ready product 37-185 MBq per vial [V] "
                 f"({CD}) — a per-vial limit that looks like a per-patient range; Choletec "
                 "up to 3.7 GBq in 1-5 mL, 18 h [K]. Enter the product in use. RCP >= 90 % "
                 "(USP) [V].")),
    _kit("ECD", "Bicisate (ECD, Neurolite)", "Tc-99m bicisate (ECD)", max_mbq=3700, max_ml=3,
         shelf_h=6, rcp=0.90,
         unverified=("max_activity_bq", "max_volume_ml", "shelf_life_s", "rcp_min"),
         source="Neurolite: up to 3.7 GBq in 2-3 mL, use within 6 h, RCP >= 90 % [K]."),
    _kit("SC", "Sulphur colloid", "Tc-99m sulphur colloid", max_mbq=18500, max_ml=3,
         shelf_h=6, rcp=0.92, unverified=("max_activity_bq", "max_volume_ml",
                                          "shelf_life_s"),
         source=(f"RCP >= 92 % (USP) [V] ({RP}); up to 18.5 GBq in 1-3 mL, 6 h [K].")),
)


def default_kits() -> tuple[DefaultKit, ...]:
    return DEFAULT_KITS


# ---- the rules of a catalogue row ----------------------------------------------------------


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{field} must be a number", field=field)
    x = float(value)
    if not math.isfinite(x):
        raise InvalidInput(f"{field} must be finite", field=field)
    return x


def positive(value: object, field: str, *, upper: float = ACTIVITY_MAX_BQ) -> float:
    """A finite number > 0 and at most ``upper``."""
    x = _number(value, field)
    if not 0 < x <= upper:
        raise InvalidInput(f"{field} must be greater than 0 and at most {upper:g}",
                           field=field)
    return x


def optional_positive(value: object, field: str, *, upper: float = ACTIVITY_MAX_BQ
                      ) -> float | None:
    return None if value is None else positive(value, field, upper=upper)


def minutes(value: object, field: str, *, allow_zero: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a whole number of minutes", field=field)
    low = 0 if allow_zero else 1
    if not low <= value <= MINUTES_MAX:
        raise InvalidInput(f"{field} must be between {low} and {MINUTES_MAX} minutes",
                           field=field)
    return value


def check_procedure_values(v: dict[str, Any]) -> None:
    """The numeric rules of a procedure (``v`` holds every column): activities > 0 and
    min <= typical <= max where given; an EANM class A, B or C with its baseline and minimum
    together, or none of the three; camera time > 0, uptake >= 0."""
    lo = optional_positive(v.get("adult_min_bq"), "adult_min_bq")
    typ = optional_positive(v.get("adult_typical_bq"), "adult_typical_bq")
    hi = optional_positive(v.get("adult_max_bq"), "adult_max_bq")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInput("the adult minimum activity must not exceed the maximum",
                           field="adult_min_bq")
    if typ is not None and lo is not None and typ < lo:
        raise InvalidInput("the typical adult activity must not be below the minimum",
                           field="adult_typical_bq")
    if typ is not None and hi is not None and typ > hi:
        raise InvalidInput("the typical adult activity must not exceed the maximum",
                           field="adult_typical_bq")
    cls = v.get("eanm_class")
    base = optional_positive(v.get("eanm_baseline_bq"), "eanm_baseline_bq")
    mini = optional_positive(v.get("eanm_min_bq"), "eanm_min_bq")
    if cls is None:
        if base is not None or mini is not None:
            raise InvalidInput("an EANM baseline or minimum needs its EANM class (A, B or C)",
                               field="eanm_class")
    else:
        if cls not in EANM_CLASSES:
            raise InvalidInput(f"unknown EANM class {cls!r}; one of: "
                               f"{', '.join(EANM_CLASSES)}", field="eanm_class")
        if base is None:
            raise InvalidInput("an EANM class needs its baseline activity",
                               field="eanm_baseline_bq")
        if mini is None:
            raise InvalidInput("an EANM class needs its minimum activity", field="eanm_min_bq")
    minutes(v.get("duration_min"), "duration_min", allow_zero=False)
    minutes(v.get("uptake_min"), "uptake_min", allow_zero=True)


def check_kit_values(v: dict[str, Any]) -> None:
    """The numeric rules of a kit: activity, volume and shelf life > 0; the eluate age > 0 if
    given; RCP in (0, 1]; particles per vial > 0 with 0 < minimum <= maximum per dose, the
    dose range only with the particles per vial."""
    positive(v.get("max_activity_bq"), "max_activity_bq")
    positive(v.get("max_volume_ml"), "max_volume_ml", upper=VOLUME_MAX_ML)
    positive(v.get("shelf_life_s"), "shelf_life_s", upper=365 * 24 * HOUR)
    optional_positive(v.get("max_eluate_age_s"), "max_eluate_age_s", upper=365 * 24 * HOUR)
    if not isinstance(v.get("carrier_sensitive"), bool):
        raise InvalidInput("carrier_sensitive must be true or false", field="carrier_sensitive")
    positive(v.get("rcp_min"), "rcp_min", upper=1.0)
    vial = optional_positive(v.get("particles_per_vial"), "particles_per_vial",
                             upper=PARTICLES_MAX)
    lo = optional_positive(v.get("min_particles_per_dose"), "min_particles_per_dose",
                           upper=PARTICLES_MAX)
    hi = optional_positive(v.get("max_particles_per_dose"), "max_particles_per_dose",
                           upper=PARTICLES_MAX)
    if vial is None and (lo is not None or hi is not None):
        raise InvalidInput("a particle range per dose needs the particles per vial",
                           field="particles_per_vial")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidInput("the minimum particles per dose must not exceed the maximum",
                           field="min_particles_per_dose")
    if vial is not None and lo is not None and lo > vial:
        raise InvalidInput("the minimum particles per dose must not exceed the particles per "
                           "vial", field="min_particles_per_dose")
