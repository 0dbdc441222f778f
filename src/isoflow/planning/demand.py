"""Inputs of the elution planner: demand items, the generator offer, working hours.

Demand CSV (one row per kit preparation or dose; header names are case-insensitive)::

    id,needed_at,activity,max_eluate_age,carrier_sensitive,label
    mon-bone-1,2026-03-02T08:30+03:00,12 GBq,6 h,no,MDP bone kit
    mon-hmpao,2026-03-02T10:00+03:00,1.1 GBq,2 h,yes,HMPAO brain

Required: ``needed_at`` (ISO 8601 with an offset or zone), ``activity`` (Tc-99m needed at
that time, with a unit), ``max_eluate_age`` (a duration). Optional: ``id`` (default
``row-N``), ``carrier_sensitive`` (yes/no, true/false, 1/0; default no), ``label``.
Errors name the row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from isoflow.errors import InvalidInput
from isoflow.physics.generators import aware_datetime
from isoflow.physics.units import parse_activity, parse_duration, parse_timezone

REQUIRED_COLUMNS: tuple[str, ...] = ("needed_at", "activity", "max_eluate_age")
OPTIONAL_COLUMNS: tuple[str, ...] = ("id", "carrier_sensitive", "label")
_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0", ""}


@dataclass(frozen=True)
class DemandItem:
    """Daughter activity needed at a time [Bq at needed_at], from an eluate at most
    ``max_eluate_age_s`` [s] old; carrier-sensitive kits (HMPAO) add the 24 h / 2 h rules."""

    id: str
    needed_at: datetime
    activity_bq: float
    max_eluate_age_s: float
    carrier_sensitive: bool = False
    label: str = ""
    row: int | None = None

    def where(self, column: str) -> str:
        """Field path for error messages: ``rows[3].activity`` or ``items[x].activity``."""
        return f"rows[{self.row}].{column}" if self.row is not None else \
            f"items[{self.id}].{column}"

    def describe(self, column: str) -> str:
        """``row 3, column activity`` (CSV) or ``item 'x', field activity``."""
        return f"row {self.row}, column {column}" if self.row is not None else \
            f"item {self.id!r}, field {column}"


@dataclass(frozen=True)
class GeneratorSize:
    """A size on offer: nominal parent activity [Bq] at the delivery's calibration time and
    its price (any currency, used only to compare)."""

    label: str
    parent_activity_bq: float
    price: float


@dataclass(frozen=True)
class Delivery:
    """A delivery slot: arrival [UTC] and the calibration time of its generators (default:
    the arrival)."""

    delivered_at: datetime
    calibration_at: datetime | None = None

    @property
    def calibrated_at(self) -> datetime:
        return self.calibration_at or self.delivered_at


@dataclass(frozen=True)
class GeneratorOffer:
    """What can be ordered: a catalogue type, its sizes and prices, the delivery slots, and
    at most ``max_per_delivery`` generators per delivery."""

    type_key: str
    sizes: tuple[GeneratorSize, ...]
    deliveries: tuple[Delivery, ...]
    max_per_delivery: int = 2
    efficiency: float | None = None


@dataclass(frozen=True)
class WorkingHours:
    """When elutions may happen: local clock times on working weekdays (0 = Monday)."""

    start: time = time(7, 0)
    end: time = time(18, 0)
    timezone: str = "UTC"
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))


@dataclass(frozen=True)
class PlanSettings:
    """Planner settings. ``min_interval_s`` between two elutions of one generator [s];
    ``slot_s`` the grid of candidate elution times [s]; ``waste_cost_per_gbq`` the price of
    one GBq of eluate thrown away (default: the median price per GBq of the sizes on offer);
    ``time_limit_s`` and ``mip_rel_gap`` for HiGHS."""

    working_hours: WorkingHours = field(default_factory=WorkingHours)
    min_interval_s: float = 3 * 3600.0
    slot_s: float = 1800.0
    jurisdiction: str = "EU"
    waste_cost_per_gbq: float | None = None
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-3
    just_in_time: bool = True
    free_order: bool = False


def _bool(text: str, where: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InvalidInput(f"{where}: {text!r} is not yes/no", field=where)


def parse_working_hours(text: str, timezone: str = "UTC", weekdays: str = "Mon-Fri"
                        ) -> WorkingHours:
    """``"07:00-18:00"`` in an IANA zone, on ``"Mon-Fri"`` (or ``"Mon,Tue,Thu"``)."""
    parse_timezone(timezone, field="timezone")
    try:
        a, b = text.split("-")
        start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError:
        raise InvalidInput(f"working hours {text!r} must look like '07:00-18:00'",
                           field="working_hours") from None
    if end <= start:
        raise InvalidInput(f"working hours {text!r} end before they start",
                           field="working_hours")
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    days: set[int] = set()
    for part in weekdays.lower().replace(" ", "").split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            if lo[:3] not in names or hi[:3] not in names:
                raise InvalidInput(f"working days {weekdays!r}: use Mon..Sun",
                                   field="working_days")
            days.update(range(names.index(lo[:3]), names.index(hi[:3]) + 1))
        elif part[:3] in names:
            days.add(names.index(part[:3]))
        else:
            raise InvalidInput(f"working days {weekdays!r}: use Mon..Sun", field="working_days")
    return WorkingHours(start, end, timezone, frozenset(days))


def validate_demand(items: Sequence[DemandItem], now: datetime | None = None) -> None:
    """Refuse demand in the past (before ``now``), non-positive activity or age, duplicates."""
    seen: set[str] = set()
    if not items:
        raise InvalidInput("the demand is empty: give at least one item", field="demand")
    for it in items:
        if it.id in seen:
            raise InvalidInput(f"{it.describe('id')}: duplicate id {it.id!r}", field=it.where("id"))
        seen.add(it.id)
        if it.needed_at.tzinfo is None:
            raise InvalidInput(f"{it.describe('needed_at')}: no time zone",
                               field=it.where("needed_at"))
        try:
            aware_datetime(it.needed_at, field=it.where("needed_at"))
        except InvalidInput as exc:
            raise InvalidInput(f"{it.describe('needed_at')}: {exc.message}",
                               field=exc.field) from None
        if now is not None and it.needed_at < now:
            raise InvalidInput(f"{it.describe('needed_at')}: {it.needed_at.isoformat()} is in the "
                               f"past (now {now.isoformat()})", field=it.where("needed_at"))
        if not (math.isfinite(it.activity_bq) and it.activity_bq > 0):
            raise InvalidInput(f"{it.describe('activity')}: activity must be > 0, got "
                               f"{it.activity_bq!r} Bq", field=it.where("activity"))
        if not (math.isfinite(it.max_eluate_age_s) and it.max_eluate_age_s > 0):
            raise InvalidInput(f"{it.describe('max_eluate_age')}: must be > 0",
                               field=it.where("max_eluate_age"))


def parse_demand_csv(text: str, now: datetime | None = None) -> list[DemandItem]:
    """Demand items from CSV text (see the module docstring for the header)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None:
        raise InvalidInput("the demand CSV is empty; header: "
                           + ",".join(OPTIONAL_COLUMNS[:1] + REQUIRED_COLUMNS
                                      + OPTIONAL_COLUMNS[1:]), field="csv")
    header = [h.strip().lower() for h in reader.fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(f"the demand CSV lacks column(s) {', '.join(missing)} (row 1, the "
                           f"header, has: {', '.join(header)})", field=missing[0])
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidInput(f"the demand CSV has unknown column(s) {', '.join(unknown)}; "
                           f"known: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}",
                           field=unknown[0])
    items: list[DemandItem] = []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            raise InvalidInput(f"row {n}: more values than columns", field=f"rows[{n}]")
        if not any(row.values()):
            continue

        def where(col: str, n: int = n) -> str:
            return f"rows[{n}].{col}"

        for col in REQUIRED_COLUMNS:
            if not row.get(col):
                raise InvalidInput(f"row {n}, column {col}: value missing", field=where(col))
        try:
            needed = aware_datetime(row["needed_at"], field=where("needed_at"))
            act = parse_activity(row["activity"], field=where("activity"))
            age = parse_duration(row["max_eluate_age"], field=where("max_eluate_age"))
        except InvalidInput as exc:
            raise InvalidInput(f"row {n}, column {exc.field.split('.')[-1] if exc.field else ''}"
                               f": {exc.message}", field=exc.field) from None
        items.append(DemandItem(
            id=row.get("id") or f"row-{n}", needed_at=needed, activity_bq=act,
            max_eluate_age_s=age,
            carrier_sensitive=_bool(row.get("carrier_sensitive", ""),
                                    where("carrier_sensitive")),
            label=row.get("label", ""), row=n))
    validate_demand(items, now)
    return items


def parse_size(text: str, index: int = 0) -> GeneratorSize:
    """A size on offer from ``"20 GBq=1100"`` (nominal parent activity = price)."""
    where = f"sizes[{index}]"
    if "=" not in text:
        raise InvalidInput(f"size {text!r} must look like '20 GBq=1100' (activity=price)",
                           field=where)
    act, _, price = text.partition("=")
    bq = parse_activity(act.strip(), field=where)
    try:
        value = float(price)
    except ValueError:
        raise InvalidInput(f"size {text!r}: price {price.strip()!r} is not a number",
                           field=where) from None
    if bq <= 0 or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"size {text!r}: activity must be > 0 and price >= 0", field=where)
    return GeneratorSize(act.strip(), bq, value)


def build_offer(type_key: str, sizes: Sequence[str], deliveries: Sequence[str | datetime],
                max_per_delivery: int = 2, efficiency: float | None = None,
                default_sizes_bq: Sequence[float] = ()) -> GeneratorOffer:
    """An offer from edge inputs; without sizes, ``default_sizes_bq`` priced at 1 per GBq."""
    parsed = [parse_size(s, i) for i, s in enumerate(sizes)]
    if not parsed:
        parsed = [GeneratorSize(f"{a / 1e9:g} GBq", a, a / 1e9) for a in default_sizes_bq]
    if not deliveries:
        raise InvalidInput("give at least one delivery time (--delivery ISO_DT)",
                           field="deliveries")
    dl = tuple(Delivery(aware_datetime(d, field=f"deliveries[{i}]"))
               for i, d in enumerate(deliveries))
    return GeneratorOffer(type_key, tuple(parsed), dl, max_per_delivery, efficiency)
