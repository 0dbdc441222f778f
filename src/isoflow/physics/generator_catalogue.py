"""The generator catalogue: generator types as data (``generator_catalogue.json``).

Each value carries its source and whether it was verified in a primary document; a lot's
passport overrides any of them (:meth:`GeneratorType.generator` takes the lot's values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from isoflow.errors import InvalidInput
from isoflow.physics.generators import (
    Elution,
    Generator,
    NuclidePair,
    aware_datetime,
    get_pair,
)
from isoflow.physics.units import parse_activity, parse_duration


@dataclass(frozen=True)
class Sourced:
    """A catalogue value with its source and whether it was verified."""

    value: Any
    source: str
    verified: bool


@dataclass(frozen=True)
class GeneratorType:
    """A generator type of the catalogue. Durations in seconds, activities in Bq."""

    key: str
    name: str
    pair: NuclidePair
    sizes_bq: tuple[float, ...]
    sizes: Sourced
    calibration_convention: Sourced
    clean_before_calibration_s: float
    shelf_life_s: Sourced
    efficiency: Sourced
    eluate_volume_ml: Sourced
    eluate_shelf_life_s: Sourced
    max_elutions: Sourced

    def generator(self, parent_activity: str | float, calibration_at: datetime | str, *,
                  expires_at: datetime | str | None = None, efficiency: float | None = None,
                  eluate_volume_ml: float | None = None,
                  eluate_shelf_life: str | float | None = None,
                  max_elutions: int | None = None, elutions: tuple[Elution, ...] = (),
                  lot: str | None = None) -> Generator:
        """A generator of this type; every keyword overrides the catalogue for this lot.

        Expiry defaults to calibration + shelf life (the catalogue's shelf life is counted
        from manufacture, which is taken as the calibration time when the lot does not say).
        """
        cal = aware_datetime(calibration_at, field="calibration_at")
        if expires_at is None and self.shelf_life_s.value is not None:
            expires_at = cal + timedelta(seconds=float(self.shelf_life_s.value))
        shelf = (self.eluate_shelf_life_s.value if eluate_shelf_life is None
                 else eluate_shelf_life)
        return Generator.create(
            self.pair, parent_activity, cal, expires_at=expires_at,
            column_clean_at=cal - timedelta(seconds=self.clean_before_calibration_s),
            efficiency=float(self.efficiency.value) if efficiency is None else efficiency,
            eluate_volume_ml=(self.eluate_volume_ml.value if eluate_volume_ml is None
                              else eluate_volume_ml),
            eluate_shelf_life=shelf,
            max_elutions=self.max_elutions.value if max_elutions is None else max_elutions,
            elutions=elutions, type_key=self.key, lot=lot)

    def to_dict(self) -> dict[str, Any]:
        def s(x: Sourced) -> dict[str, Any]:
            return {"value": x.value, "source": x.source, "verified": x.verified}

        return {"key": self.key, "name": self.name, "pair": self.pair.label,
                "sizes_bq": list(self.sizes_bq), "sizes": s(self.sizes),
                "calibration_convention": s(self.calibration_convention),
                "clean_before_calibration_s": self.clean_before_calibration_s,
                "shelf_life_s": s(self.shelf_life_s), "efficiency": s(self.efficiency),
                "eluate_volume_ml": s(self.eluate_volume_ml),
                "eluate_shelf_life_s": s(self.eluate_shelf_life_s),
                "max_elutions": s(self.max_elutions)}


def _sourced(raw: dict[str, Any], key: str, name: str, convert: Any = None) -> Sourced:
    try:
        entry = raw[name]
        value = entry["value"]
        if value is not None and convert is not None:
            value = convert(value)
        return Sourced(value, str(entry["source"]), bool(entry["verified"]))
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"generator catalogue: type {key!r} lacks {name}.{exc}",
                           field=f"types.{key}.{name}") from None


def _duration(v: Any) -> float:
    return parse_duration(v, field="duration")


def parse_catalogue(data: dict[str, Any]) -> dict[str, GeneratorType]:
    """Validate a catalogue document (the JSON's layout) into generator types."""
    out: dict[str, GeneratorType] = {}
    for key, raw in data.get("types", {}).items():
        try:
            sizes = Sourced(list(raw["sizes"]["values"]), str(raw["sizes"]["source"]),
                            bool(raw["sizes"]["verified"]))
        except (KeyError, TypeError):
            raise InvalidInput(f"generator catalogue: type {key!r} lacks sizes.values",
                               field=f"types.{key}.sizes") from None
        cal = _sourced(raw, key, "calibration_convention")
        out[key] = GeneratorType(
            key=key, name=str(raw["name"]), pair=get_pair(raw["pair"]),
            sizes_bq=tuple(parse_activity(v, field=f"types.{key}.sizes") for v in sizes.value),
            sizes=sizes, calibration_convention=cal,
            clean_before_calibration_s=parse_duration(
                raw["calibration_convention"].get("column_eluted_before_calibration", "24 h"),
                field=f"types.{key}.calibration_convention"),
            shelf_life_s=_sourced(raw, key, "shelf_life", _duration),
            efficiency=_sourced(raw, key, "elution_efficiency", float),
            eluate_volume_ml=_sourced(raw, key, "eluate_volume_ml", float),
            eluate_shelf_life_s=_sourced(raw, key, "eluate_shelf_life", _duration),
            max_elutions=_sourced(raw, key, "max_elutions", int),
        )
    return out


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, GeneratorType]:
    """The packaged catalogue, by type key."""
    text = resources.files("isoflow.physics").joinpath("generator_catalogue.json").read_text(
        encoding="utf-8")
    return parse_catalogue(json.loads(text))


def generator_type(key: str) -> GeneratorType:
    """A catalogue type by key (case-insensitive); InvalidInput naming the known ones."""
    cat = load_catalogue()
    if key in cat:
        return cat[key]
    for k, v in cat.items():
        if k.lower() == str(key).strip().lower():
            return v
    raise InvalidInput(f"unknown generator type {key!r}; known: {', '.join(cat)}",
                       field="generator_type")

