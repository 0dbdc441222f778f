"""Pure rules of the supplier's contracts and orders (issue #11).

A contract delivery's ``weekday`` (0 Monday) is the *dispatch* day in the supplier site's zone;
it leaves at :data:`DISPATCH_TIME` there. Its calibration moment is (dispatch date +
``calibration_days``) at ``calibration_time`` in the *customer's* zone — or, for a product sold
in 6-day Ci (bulk Mo-99), dispatch + 144 h (6-day curies: the curies left six days after the
processor, ``isoflow.physics.decay.six_day_ci_to_eop_bq``). Local times are resolved with
zoneinfo: a local time that does not exist (a DST gap) is refused; an ambiguous one (a DST
fold) is the first of the two.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from isoflow.domain.ledger import decay_factor
from isoflow.errors import InvalidInput

#: the supplier's dispatch hour, in its site's zone
DISPATCH_TIME = "10:00"
#: a 6-day Ci product is calibrated this long after dispatch [s]
SIX_DAY_S = 144 * 3600.0
QUANTITY_MAX = 1000
ACTIVITY_MAX_BQ = 1e30
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Route:
    name: str
    transit_s: float


@dataclass(frozen=True)
class ContractDelivery:
    """A recurring delivery: every ``weekday`` (dispatch day, supplier's zone)."""

    weekday: int
    calibration_time: str
    calibration_days: int
    activity_bq: float
    quantity: int
    route: Route | None


@dataclass(frozen=True)
class Moments:
    dispatch_at: datetime
    calibration_at: datetime
    arrival_at: datetime


def parse_hhmm(value: str, *, field: str = "calibration_time") -> time:
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise InvalidInput(f"{field} must be a time HH:MM (00:00-23:59), not {value!r}",
                           field=field)
    return time(int(value[:2]), int(value[3:]))


def check_weekday(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise InvalidInput(f"weekday must be 0 (Monday) to 6 (Sunday), not {value!r}",
                           field="weekday")
    return value


def check_activity(value: float, *, field: str = "activity_bq") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0 or value > ACTIVITY_MAX_BQ:
        raise InvalidInput(f"{field} must be a positive, finite activity in Bq, not {value!r}",
                           field=field)
    return float(value)


def check_quantity(value: int, *, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= QUANTITY_MAX:
        raise InvalidInput(f"{field} must be a whole number from 1 to {QUANTITY_MAX}, not "
                           f"{value!r}", field=field)
    return value


def check_calibration_days(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
        raise InvalidInput(f"calibration_days must be 0 to 60, not {value!r}",
                           field="calibration_days")
    return value


def delivery_dates(start: date, end: date, weekday: int) -> list[date]:
    """Every date from ``start`` to ``end`` (inclusive) that falls on ``weekday``."""
    check_weekday(weekday)
    if end < start:
        return []
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    out = []
    d = first
    while d <= end:
        out.append(d)
        d += timedelta(days=7)
    return out


def local_moment(day: date, at: time, zone: tzinfo, *, field: str) -> datetime:
    """``day`` at ``at`` in ``zone`` as aware UTC. A wall time that does not exist there (the
    hour skipped when clocks go forward) is refused naming ``field``; a wall time that occurs
    twice (clocks go back) is the first occurrence (fold=0)."""
    local = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    utc = local.astimezone(UTC)
    back = utc.astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput(f"{day.isoformat()} {at.strftime('%H:%M')} does not exist in "
                           f"{zone} (clocks go forward then); choose another time",
                           field=field)
    return utc


def dispatch_moment(day: date, supplier_zone: tzinfo) -> datetime:
    return local_moment(day, parse_hhmm(DISPATCH_TIME, field="dispatch_time"), supplier_zone,
                        field="dispatch_at")


def default_dispatch(calibration_at: datetime, transit_s: float, supplier_zone: tzinfo,
                     *, six_day: bool = False) -> datetime:
    """The latest dispatch hour (supplier's zone) from which the order arrives by its
    calibration; for a 6-day Ci product, calibration − 144 h exactly."""
    if six_day:
        return calibration_at - timedelta(seconds=SIX_DAY_S)
    latest = calibration_at - timedelta(seconds=transit_s)
    day = latest.astimezone(supplier_zone).date()
    for _ in range(3):
        try:
            d = dispatch_moment(day, supplier_zone)
        except InvalidInput:
            d = None
        if d is not None and d <= latest:
            return d
        day -= timedelta(days=1)
    raise InvalidInput("no dispatch hour before the calibration time", field="calibration_at")


def check_arrival(dispatch_at: datetime, transit_s: float, calibration_at: datetime,
                  *, field: str = "calibration_at") -> datetime:
    """The arrival (dispatch + transit); InvalidInput naming ``field`` if the delivery would be
    calibrated before it can arrive."""
    arrival = dispatch_at + timedelta(seconds=transit_s)
    if calibration_at < arrival:
        raise InvalidInput(
            f"calibrated at {calibration_at.isoformat()} but it cannot arrive before "
            f"{arrival.isoformat()} (dispatch {dispatch_at.isoformat()} + "
            f"{transit_s / 3600:g} h transit)", field=field)
    return arrival


def delivery_moments(delivery: ContractDelivery, dispatch_day: date, supplier_zone: tzinfo,
                     customer_zone: tzinfo, *, six_day: bool = False) -> Moments:
    """Dispatch, calibration and arrival of ``delivery`` dispatched on ``dispatch_day``."""
    dispatch = dispatch_moment(dispatch_day, supplier_zone)
    if six_day:
        cal = dispatch + timedelta(seconds=SIX_DAY_S)
    else:
        cal = local_moment(dispatch_day + timedelta(days=delivery.calibration_days),
                           parse_hhmm(delivery.calibration_time), customer_zone,
                           field="calibration_time")
    transit = 0.0 if delivery.route is None else delivery.route.transit_s
    arrival = check_arrival(dispatch, transit, cal, field="calibration_time")
    return Moments(dispatch_at=dispatch, calibration_at=cal, arrival_at=arrival)


def activity_at(activity_bq: float, decay_constant_per_s: float, calibration_at: datetime,
                at: datetime, *, field: str = "dispatch_at") -> float:
    """The activity at ``at`` of what is ``activity_bq`` at ``calibration_at`` (decayed or
    back-corrected; an overflow is InvalidInput naming ``field``)."""
    seconds = (at - calibration_at).total_seconds()
    return activity_bq * decay_factor(decay_constant_per_s, seconds, field=field)


def check_shelf_life(dispatch_at: datetime, calibration_at: datetime,
                     shelf_life_s: float | None) -> None:
    if shelf_life_s is None:
        return
    span = (calibration_at - dispatch_at).total_seconds()
    if span > shelf_life_s:
        raise InvalidInput(f"calibrated {span / 86400:.3g} days after dispatch, beyond the "
                           f"product's shelf life of {shelf_life_s / 86400:g} days",
                           field="calibration_at")


def price(quantity: int, unit_price: float, price_per_gbq: float, activity_bq: float) -> float:
    """quantity × (unit price + price per GBq × GBq at calibration)."""
    return quantity * (unit_price + price_per_gbq * activity_bq / 1e9)


def order_number(year: int, n: int) -> str:
    return f"ORD-{year}-{n:06d}"


def next_order_number(year: int, largest: str | None) -> str:
    """The number after ``largest`` (the largest number of that year), or the first."""
    n = 0
    if largest:
        try:
            n = int(largest.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            n = 0
    return order_number(year, n + 1)
