"""Stateless generator endpoints: catalogue, column curve, breakthrough QC, elution plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from isoflow.api.fields import Flag, Schema, Timezone, UtcDatetime, error_responses, integer
from isoflow.domain.jurisdictions import JURISDICTION_CODES
from isoflow.physics.generators import curve_document
from isoflow.planning.requests import plan_documents

router = APIRouter(prefix="/generators", tags=["generators"],
                   responses=error_responses(409, 422))

#: a short text with a unit or a name ("10 GBq", "30 min", "Mo-99/Tc-99m")
Word = Annotated[str, Field(strict=True, min_length=1, max_length=100)]
Jurisdiction = Literal[JURISDICTION_CODES]  # type: ignore[valid-type]
MAX_TIMES = 1000


def _iso(t: datetime) -> str:
    return t.isoformat()


class CurveIn(Schema):
    pair: Word = Field("Mo-99/Tc-99m", description="parent/daughter")
    parent_activity: Word = Field(..., description='Parent activity at the reference, "10 GBq".',
                                  examples=["10 GBq"])
    reference: UtcDatetime = Field(..., description="Calibration time.")
    elute_at: list[UtcDatetime] = Field(default_factory=list, description="Elution times.",
                                        max_length=MAX_TIMES)
    efficiency: float = Field(0.9, strict=True, gt=0, le=1, allow_inf_nan=False,
                              description="Elution efficiency (0, 1].")
    to: UtcDatetime = Field(..., description="End of the curve.")
    step: Word = Field("30 min", description='Grid step, e.g. "30 min".')
    type: Word | None = Field(None, description="Catalogue type whose defaults apply.")


class PointOut(BaseModel):
    t: str
    parent_bq: float
    daughter_bq: float = Field(description="Daughter activity on the column [Bq].")


class ElutionOut(BaseModel):
    t: str
    eluted_bq: float
    column_before_bq: float = Field(description="Daughter on the column just before [Bq].")
    daughter_fraction: float = Field(description="Daughter share of all atoms of its element "
                                     "in the eluate, e.g. N(Tc-99m)/N(Tc).")
    since_previous_elution_s: float
    element_mass_g: float
    concentration_bq_per_ml: float | None
    expires_at: str | None


class CurveOut(BaseModel):
    pair: str
    parent_activity_bq: float
    calibration_at: str
    expires_at: str | None
    points: list[PointOut]
    elutions: list[ElutionOut]


class BreakthroughIn(Schema):
    daughter: Word = "Tc-99m"
    measured: dict[Word, Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)] | Word
                   ] = Field(..., description='Impurity per daughter at elution, e.g. '
                             '{"Mo-99": "0.05 kBq/MBq"}; a JSON number is a ratio.',
                             max_length=20)
    eluted_at: UtcDatetime
    administration_at: UtcDatetime
    jurisdiction: Jurisdiction = Field("EU", description="NRC, EU or RU.")


class PlanIn(Schema):
    demand_csv: str = Field(..., strict=True, max_length=1_000_000,
                            description="Demand CSV text: id,needed_at,activity,"
                            "max_eluate_age,carrier_sensitive,label.")
    type: Word = "Poltechnet"
    sizes: list[Word] = Field(default_factory=list, max_length=100,
                              description='"20 GBq=1100" (activity=price)')
    deliveries: list[UtcDatetime] = Field(..., description="Delivery times.",
                                          max_length=MAX_TIMES)
    max_per_delivery: integer(1, 1000) = 2  # type: ignore[valid-type]
    working_hours: Word = "07:00-17:00"
    timezone: Timezone = "UTC"
    working_days: Word = "Mon-Fri"
    min_interval: Word = "3 h"
    slot: Word = "30 min"
    jurisdiction: Jurisdiction = "EU"
    time_limit_s: float = Field(10.0, strict=True, gt=0, le=120, allow_inf_nan=False)
    baseline: Flag = True
    now: UtcDatetime | None = Field(None, description="Reference 'now' (default: the server "
                                    "clock); demand before it is refused.")


@router.get("/types")
def types() -> list[dict[str, Any]]:
    """The generator catalogue; each value with its source and whether it was verified."""
    from isoflow.physics.generator_catalogue import load_catalogue

    return [t.to_dict() for t in load_catalogue().values()]


@router.post("/curve", response_model=CurveOut)
def curve(body: CurveIn) -> dict[str, Any]:
    """Parent and daughter on the column over time; yield and Tc-99m share of each elution."""
    return curve_document(body.pair, body.parent_activity, _iso(body.reference),
                          [_iso(t) for t in body.elute_at], body.efficiency, _iso(body.to),
                          body.step, body.type)


@router.post("/breakthrough")
def breakthrough(body: BreakthroughIn) -> dict[str, Any]:
    """Breakthrough QC projected to the administration time, with each rule's source."""
    from isoflow.domain.breakthrough import check_breakthrough

    c = check_breakthrough(body.daughter, body.measured, body.eluted_at,
                           body.administration_at, body.jurisdiction)

    def iso(t: datetime | None) -> str | None:
        return None if t is None else t.isoformat()

    return {"passed": c.passed, "jurisdiction": c.jurisdiction, "daughter": c.daughter,
            "latest_administration_at": iso(c.latest_administration_at),
            "eluate_expires_at": iso(c.eluate_expires_at), "expiry_source": c.expiry_source,
            "reasons": list(c.reasons),
            "impurities": [{"impurity": r.impurity, "ratio_at_elution": r.ratio_at_elution,
                            "ratio_at_administration": r.ratio_at_administration,
                            "value_at_administration": r.value_at_administration,
                            "limit": r.limit, "basis": r.basis, "rule": r.rule,
                            "source": r.source, "verified": r.verified, "passed": r.passed,
                            "latest_compliant_at": iso(r.latest_compliant_at)}
                           for r in c.impurities]}


@router.post("/plan")
def plan(body: PlanIn) -> dict[str, Any]:
    """Generators to order, elution times and the elution serving each demand item; the
    habit baseline alongside. Infeasible items are listed with the reason."""
    from isoflow.physics.times import parse_datetime

    now = datetime.now(UTC) if body.now is None else parse_datetime(body.now, field="now")
    return plan_documents(body.demand_csv, body.type, body.sizes,
                          [_iso(t) for t in body.deliveries],
                          body.max_per_delivery, body.working_hours, body.timezone,
                          body.working_days, body.min_interval, body.slot, body.jurisdiction,
                          body.time_limit_s, now, body.baseline)
