"""Pure rules of the isotope supplier's catalogue and customers (issue #11).

* Product forms and calibration conventions (the values of ``store/supplier_models.py``): a
  product's activity is stated at a reference time, or - bulk Mo-99 only - in "6-day Ci", the
  Mo-99 curies left six days (144 h) after the end of processing
  (:func:`isoflow.physics.decay.six_day_ci_to_eop_bq`).
* The activity sizes a product is sold in: text such as ``"5 GBq, 10 GBq, 20 GBq"`` or a list
  of activities [Bq] (numbers or texts; ``"1000 6-day Ci"`` for a Mo-99 product sold that way,
  turned into its activity at the end of processing), ascending and without repeats, each
  > 0, finite and at most :data:`SIZE_MAX_BQ`; stored comma-separated in Bq.
* A product's price for an order: quantity x (unit price + price per GBq x GBq).
* Countries: ISO 3166-1 alpha-2 codes, from the territory list of the Unicode CLDR as Babel
  ships it (``babel.Locale("en").territories``: its two-letter upper-case keys, less the codes
  ISO 3166-1 does not assign - see :data:`NOT_ISO_3166`), with their names in English and
  Russian from the same place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.numbers import list_currencies

from isoflow.errors import InvalidInput
from isoflow.physics.decay import eop_bq_to_six_day_ci, six_day_ci_to_eop_bq
from isoflow.physics.units import parse_activity

#: the forms of ``store.supplier_models.PRODUCT_FORMS`` (a test keeps them equal)
PRODUCT_FORMS: tuple[str, ...] = ("liquid", "solid", "special_form", "generator", "cold_kit")
#: the conventions of ``store.supplier_models.CALIBRATIONS``
CALIBRATIONS: tuple[str, ...] = ("reference_time", "six_day_ci")
CUSTOMER_KINDS: tuple[str, ...] = ("hospital", "irradiation_centre", "distributor", "research")
ROUTE_MODES: tuple[str, ...] = ("road", "air")
#: the only nuclide sold in 6-day Ci
SIX_DAY_NUCLIDE = "Mo-99"
SIX_DAY_UNIT = "6-day Ci"
#: the largest size of a product [Bq] (1 EBq: above any shipment)
SIZE_MAX_BQ = 1e18
SIZES_MAX = 50
#: the largest price (unit or per GBq) and the largest quantity of an order
PRICE_MAX = 1e12
QUANTITY_MAX = 1000
#: the longest shelf life [s] (50 years: a sealed source's working life)
SHELF_LIFE_MAX_S = 50 * 365.25 * 86400
PRIORITY_MIN, PRIORITY_MAX = 1, 9
#: the longest door-to-door transit of a route [s]
TRANSIT_MAX_S = 30 * 86400.0
CODE_MAX = 40
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_SIX_DAY_TEXT = re.compile(r"\s*(.+?)\s*6-day\s*Ci\s*", re.IGNORECASE)

#: two-letter keys of the CLDR territory list that ISO 3166-1 does not assign: the
#: exceptionally reserved AC, CP, DG, EA, IC, TA, EU, EZ, UN; the user-assigned QO, XA, XB,
#: XK (Kosovo), ZZ (unknown region)
NOT_ISO_3166 = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO",
                          "XA", "XB", "XK", "ZZ"})
LANGUAGES = ("en", "ru")


# ---- forms, conventions, codes ------------------------------------------------------------
def check_choice(value: object, choices: tuple[str, ...], *, field: str, what: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(f"{what} {value!r} is not one of: {', '.join(choices)}",
                           field=field)
    return value


def check_form(value: object) -> str:
    return check_choice(value, PRODUCT_FORMS, field="form", what="product form")


def check_calibration(value: object, nuclide: str) -> str:
    """The calibration convention; 6-day Ci only for a Mo-99 product."""
    cal = check_choice(value, CALIBRATIONS, field="calibration", what="calibration")
    if cal == "six_day_ci" and nuclide != SIX_DAY_NUCLIDE:
        raise InvalidInput(f"only Mo-99 is sold in 6-day Ci, not {nuclide}",
                           field="calibration")
    return cal


def check_code(value: object, *, field: str = "code") -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value.strip()) \
            or len(value.strip()) > CODE_MAX:
        raise InvalidInput(f"{field} {value!r} must be 1-{CODE_MAX} letters, digits, '_', "
                           "'-' or '.', beginning with a letter or digit", field=field)
    return value.strip()


def check_currency(value: object) -> str:
    if not isinstance(value, str) or value not in _currencies():
        raise InvalidInput(f"currency {value!r} is not an ISO 4217 code such as USD, EUR, RUB",
                           field="currency")
    return value


@cache
def _currencies() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if len(c) == 3 and c.isupper())


# ---- numbers --------------------------------------------------------------------------------
def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{field} must be a number, not {type(value).__name__}", field=field)
    x = float(value)
    if not math.isfinite(x):
        raise InvalidInput(f"{field} must be a finite number", field=field)
    return x


def check_price(value: object, *, field: str) -> float:
    """A price >= 0 and at most :data:`PRICE_MAX`."""
    x = _number(value, field)
    if x < 0 or x > PRICE_MAX:
        raise InvalidInput(f"{field} must be between 0 and {PRICE_MAX:g}, not {x:g}",
                           field=field)
    return x


def check_shelf_life(value: object) -> float | None:
    if value is None:
        return None
    x = _number(value, "shelf_life_s")
    if not 0 < x <= SHELF_LIFE_MAX_S:
        raise InvalidInput(f"shelf_life_s must be more than 0 and at most 50 years "
                           f"({SHELF_LIFE_MAX_S:g} s), not {x:g}", field="shelf_life_s")
    return x


def check_procedures(value: object) -> float | None:
    if value is None:
        return None
    x = _number(value, "procedures_per_unit")
    if not 0 < x <= 1e6:
        raise InvalidInput(f"procedures_per_unit must be more than 0 and at most 1e6, not {x:g}",
                           field="procedures_per_unit")
    return x


def check_priority(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) \
            or not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise InvalidInput(f"priority must be a whole number {PRIORITY_MIN}-{PRIORITY_MAX} "
                           f"(1 is served first), not {value!r}", field="priority")
    return value


def check_activity(value: object, *, field: str, maximum: float = SIZE_MAX_BQ) -> float:
    """An activity [Bq] > 0, finite, at most ``maximum``."""
    x = _number(value, field)
    if not 0 < x <= maximum:
        raise InvalidInput(f"{field} must be more than 0 Bq and at most {maximum:g} Bq, "
                           f"not {x:g}", field=field)
    return x


def check_transit(value: object) -> float:
    x = _number(value, "transit_s")
    if not 0 < x <= TRANSIT_MAX_S:
        raise InvalidInput(f"transit_s must be more than 0 and at most 30 days "
                           f"({TRANSIT_MAX_S:g} s), not {x:g}", field="transit_s")
    return x


# ---- sizes ----------------------------------------------------------------------------------
def _size(item: object, six_day: bool) -> float:
    if isinstance(item, str):
        m = _SIX_DAY_TEXT.fullmatch(item)
        if m is not None:
            if not six_day:
                raise InvalidInput(f"size {item!r}: only a Mo-99 product sold in 6-day Ci has "
                                   "sizes in 6-day Ci", field="sizes_bq")
            try:
                ci = float(m.group(1))
            except ValueError:
                raise InvalidInput(f"size {item!r} is not a number of 6-day Ci",
                                   field="sizes_bq") from None
            if not math.isfinite(ci) or ci <= 0:
                raise InvalidInput(f"size {item!r} must be more than 0 6-day Ci",
                                   field="sizes_bq")
            bq = six_day_ci_to_eop_bq(ci)
        else:
            bq = parse_activity(item, field="sizes_bq")
    elif isinstance(item, bool) or not isinstance(item, int | float):
        raise InvalidInput(f"size {item!r} is not an activity", field="sizes_bq")
    else:
        bq = float(item)
    if not math.isfinite(bq) or not 0 < bq <= SIZE_MAX_BQ:
        raise InvalidInput(f"size {item!r} must be more than 0 Bq and at most "
                           f"{SIZE_MAX_BQ:g} Bq", field="sizes_bq")
    return bq


def parse_sizes(value: str | Sequence[object] | None, *, six_day: bool = False
                ) -> tuple[float, ...]:
    """The sizes [Bq], ascending without repeats, from ``"5 GBq, 10 GBq"`` or a list of
    activities (numbers in Bq or texts with a unit); ``six_day``: a product sold in 6-day Ci,
    whose sizes may be given as ``"1000 6-day Ci"`` (stored at the end of processing)."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = [x for x in (p.strip() for p in value.split(",")) if x]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InvalidInput("sizes must be a list of activities or a text such as "
                           "'5 GBq, 10 GBq'", field="sizes_bq")
    if len(items) > SIZES_MAX:
        raise InvalidInput(f"at most {SIZES_MAX} sizes, not {len(items)}", field="sizes_bq")
    return tuple(sorted({_size(x, six_day) for x in items}))


def format_sizes(sizes: Sequence[float]) -> str:
    """The stored form: comma-separated Bq, each exactly as the float (``repr``)."""
    return ",".join(repr(float(x)) for x in sizes)


def stored_sizes(text: str | None) -> tuple[float, ...]:
    """The sizes of the stored form (tolerant of spaces; an unreadable item is skipped)."""
    out: list[float] = []
    for part in (text or "").split(","):
        try:
            x = float(part)
        except ValueError:
            continue
        if math.isfinite(x) and x > 0:
            out.append(x)
    return tuple(sorted(set(out)))


# ---- prices and stated amounts --------------------------------------------------------------
def order_price(unit_price: float, price_per_gbq: float, activity_bq: float,
                quantity: int) -> float:
    """The price of ``quantity`` units of ``activity_bq`` each: quantity x (unit price + price
    per GBq x activity in GBq)."""
    unit = check_price(unit_price, field="unit_price")
    per_gbq = check_price(price_per_gbq, field="price_per_gbq")
    activity = _number(activity_bq, "activity_bq")
    if activity < 0:
        raise InvalidInput("activity_bq must be >= 0", field="activity_bq")
    if isinstance(quantity, bool) or not isinstance(quantity, int) \
            or not 1 <= quantity <= QUANTITY_MAX:
        raise InvalidInput(f"quantity must be a whole number 1-{QUANTITY_MAX}, not {quantity!r}",
                           field="quantity")
    total = quantity * (unit + per_gbq * activity / 1e9)
    if not math.isfinite(total):
        raise InvalidInput("the price is too large to compute", field="activity_bq")
    return total


def stated_amount(calibration: str, eop_bq: float) -> tuple[float, str]:
    """How an activity at the end of processing [Bq] is stated: ``(6-day Ci, "6-day Ci")``
    for a product sold in 6-day Ci, else ``(Bq, "Bq")``."""
    if calibration == "six_day_ci":
        return eop_bq_to_six_day_ci(eop_bq), SIX_DAY_UNIT
    return float(eop_bq), "Bq"


def eop_bq_of_six_day_ci(six_day_ci: float) -> float:
    """The activity at the end of processing [Bq] of an amount in 6-day Ci."""
    return six_day_ci_to_eop_bq(six_day_ci)


# ---- countries ------------------------------------------------------------------------------
@cache
def _territories(lang: str) -> dict[str, str]:
    names = Locale(lang).territories
    return {k: str(v) for k, v in names.items()
            if len(k) == 2 and k.isalpha() and k.isupper() and k not in NOT_ISO_3166}


def country_codes() -> tuple[str, ...]:
    """The ISO 3166-1 alpha-2 codes, sorted."""
    return tuple(sorted(_territories("en")))


def check_country(value: object) -> str:
    """An ISO 3166-1 alpha-2 code (upper-case letters; "cu" is taken as "CU")."""
    code = value.strip().upper() if isinstance(value, str) else value
    if not isinstance(code, str) or code not in _territories("en"):
        raise InvalidInput(f"country {value!r} is not an ISO 3166-1 alpha-2 code such as CU, "
                           "BY, KZ", field="country")
    return code


def country_name(code: str, lang: str = "en") -> str:
    """The country's name in ``lang`` (en or ru; another language reads as English); the code
    itself if it is not one."""
    names = _territories(lang if lang in LANGUAGES else "en")
    return names.get(code, code)


# ---- licences ---------------------------------------------------------------------------------
#: a licence expiring within this many days is flagged
EXPIRING_DAYS = 30


def licence_state(valid_from: date, valid_to: date, today: date) -> str:
    """``"not_yet"`` before ``valid_from``, ``"expired"`` after ``valid_to``, ``"expiring"``
    within :data:`EXPIRING_DAYS` days of it (inclusive), else ``"valid"``."""
    if today < valid_from:
        return "not_yet"
    if today > valid_to:
        return "expired"
    if (valid_to - today).days <= EXPIRING_DAYS:
        return "expiring"
    return "valid"


def check_licence_dates(valid_from: object, valid_to: object) -> tuple[date, date]:
    for name, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(f"{name} must be a calendar date (YYYY-MM-DD)", field=name)
    assert isinstance(valid_from, date) and isinstance(valid_to, date)
    if valid_to < valid_from:
        raise InvalidInput(f"valid_to {valid_to.isoformat()} is before valid_from "
                           f"{valid_from.isoformat()}", field="valid_to")
    return valid_from, valid_to


def currency_codes() -> tuple[str, ...]:
    """The ISO 4217 codes (Babel's list), sorted."""
    return tuple(sorted(_currencies()))
