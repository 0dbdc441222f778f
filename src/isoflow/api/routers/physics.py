"""Stateless physics endpoints: nuclide data and decay of an inventory over time."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from isoflow.errors import InvalidInput, NotFound
from isoflow.physics import Inventory, get_nuclide
from isoflow.physics.units import parse_datetime, parse_duration

router = APIRouter(tags=["physics"])
MAX_TIMES = 10_000


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


@router.get("/nuclides/{name}", response_model=NuclideOut)
def nuclide(name: str) -> NuclideOut:
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


class DecayIn(BaseModel):
    inventory: dict[str, str | float] = Field(
        description="Activities at the reference time by nuclide: Bq, or strings with a "
        "unit ('10 GBq', '27 mCi').", examples=[{"Mo-99": "10 GBq"}])
    times: list[str | float] | None = Field(
        None, description="Elapsed times after the reference: seconds or durations "
        "('6 h', 'PT6H').", examples=[["0 h", "6 h", "24 h"]])
    reference_at: str | None = Field(
        None, description="Reference time, ISO 8601 with zone (with `at`).")
    at: list[str] | None = Field(
        None, description="Times of interest, ISO 8601 with zone (with `reference_at`).")

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
    """Activities of every chain nuclide at the requested times."""
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
