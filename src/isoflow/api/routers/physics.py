"""Stateless physics endpoints: nuclide data and decay of an inventory over time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from isoflow.api.fields import Schema, UtcDatetime, error_responses
from isoflow.errors import InvalidInput, NotFound
from isoflow.physics import Inventory, get_nuclide
from isoflow.physics.times import parse_datetime
from isoflow.physics.units import parse_duration

router = APIRouter(tags=["physics"], responses=error_responses(422))
MAX_TIMES = 10_000
MAX_NUCLIDES = 1000
#: an amount as a JSON number (never true/false or a numeric string), finite
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: a quantity or a duration as text, with its unit ("10 GBq", "6 h")
QuantityText = Annotated[str, Field(strict=True, min_length=1, max_length=100)]


class ProgenyOut(BaseModel):
    nuclide: str
    branching: float
    mode: str


class NuclideOut(BaseModel):
    name: str
    element: str
    stable: bool
    half_life_s: float | None = Field(description="Half-life [s]; null if stable.")
    half_life: str = Field(description="Half-life as published, e.g. '6.015 h'.")
    decay_constant_per_s: float
    modes: list[str]
    progeny: list[ProgenyOut]
    atomic_mass_g_per_mol: float


@router.get("/nuclides/{name}", response_model=NuclideOut, responses=error_responses(404))
def nuclide(name: Annotated[str, Path(min_length=1, max_length=64,
                                      description="Tc-99m, 99mTc or Technetium-99m")]
            ) -> NuclideOut:
    """A nuclide by any usual spelling (Tc-99m, 99mTc, Technetium-99m)."""
    try:
        nuc = get_nuclide(name)
    except InvalidInput as exc:
        raise NotFound(exc.message, field="name") from None
    return NuclideOut(
        name=nuc.name, element=nuc.element_name, stable=nuc.stable,
        half_life_s=None if nuc.stable else nuc.half_life_s, half_life=nuc.half_life_text,
        decay_constant_per_s=nuc.decay_constant_per_s, modes=list(nuc.modes),
        progeny=[ProgenyOut(nuclide=p.nuclide, branching=p.branching, mode=p.mode)
                 for p in nuc.progeny],
        atomic_mass_g_per_mol=nuc.atomic_mass_g_per_mol)


class DecayIn(Schema):
    """Give ``times`` (durations after the reference), or ``reference_at`` with ``at``."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["times"], "properties": {"times": {"type": "array"},
                                               "at": {"type": "null"}}},
        {"required": ["reference_at", "at"],
         "properties": {"times": {"type": "null"}, "reference_at": {"type": "string"},
                        "at": {"type": "array"}}}]})

    inventory: dict[Annotated[str, Field(min_length=1, max_length=64)], Number | QuantityText] = \
        Field(description="Activities at the reference time by nuclide: Bq as a JSON number, "
              "or text with a unit ('10 GBq', '27 mCi').", examples=[{"Mo-99": "10 GBq"}],
              max_length=MAX_NUCLIDES, json_schema_extra={"minProperties": 1})
    times: list[Number | QuantityText] | None = Field(
        None, description="Elapsed times after the reference: seconds as JSON numbers, or "
        "durations as text ('6 h', 'PT6H').", examples=[["0 h", "6 h", "24 h"]],
        min_length=1, max_length=MAX_TIMES)
    reference_at: UtcDatetime | None = Field(None, description="Reference time (with `at`).")
    at: list[UtcDatetime] | None = Field(
        None, description="Times of interest (with `reference_at`), none before it.",
        min_length=1, max_length=MAX_TIMES)

    @model_validator(mode="after")
    def _one_way_of_giving_times(self) -> DecayIn:
        if (self.times is None) == (self.at is None):
            raise ValueError("give either `times` (durations) or `reference_at` with `at`")
        if self.at is not None and self.reference_at is None:
            raise ValueError("`at` needs `reference_at`")
        n = len(self.times if self.times is not None else self.at or [])
        if not 1 <= n <= MAX_TIMES:
            raise ValueError(f"between 1 and {MAX_TIMES} times, got {n}")
        return self


class DecayOut(BaseModel):
    nuclides: list[str] = Field(description="Every nuclide of the chain, parents first.")
    t_s: list[float] = Field(description="Elapsed time of each row [s].")
    at: list[datetime] | None = Field(None, description="Each row's time (UTC), if asked by date.")
    activities_bq: list[list[float]] = Field(description="[time][nuclide] activity [Bq].")


@router.post("/decay", response_model=DecayOut)
def decay(body: DecayIn) -> DecayOut:
    """Activities of every chain nuclide at the requested times. 422 besides the schema's
    rules: an unknown nuclide or unit, or a time before the reference."""
    inv = Inventory.from_activities(body.inventory)
    at_utc = None
    if body.times is not None:
        t_s = [parse_duration(t, field=f"times.{i}") for i, t in enumerate(body.times)]
    else:
        ref = parse_datetime(body.reference_at or "", field="reference_at")
        at_utc = [parse_datetime(a, field=f"at.{i}") for i, a in enumerate(body.at or [])]
        t_s = [(a - ref).total_seconds() for a in at_utc]
    for i, t in enumerate(t_s):
        if t < 0:
            raise InvalidInput(f"time {i} is before the reference time; decay runs forward",
                               field=f"{'times' if body.times is not None else 'at'}.{i}")
    names, a = inv.activities_bq_at(t_s)
    return DecayOut(nuclides=names, t_s=t_s, at=at_utc, activities_bq=a.tolist())
