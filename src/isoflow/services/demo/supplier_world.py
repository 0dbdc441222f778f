"""The demo supplier's commercial world (issue #11 item 8): the catalogue, ~170 foreign
customers in 50 countries and ~600 domestic ones with their licences and delivery routes, the
irradiation centres' installed Co-60 sources, the contracts (Brazil's five years, Cuba's weekly
Mo-99 and I-131 since January 2024, Belarus's generators and MAA kits, Kazakhstan's Ga-68
generators, the demo hospital's GT-4K generators) and the orders and shipments from
2024-01-01 to today plus the open orders of the next two weeks, with this week's and next
week's production batches (next week's Mo-99 run falls short and is left unallocated).

Everything is generated deterministically (seeded ``random.Random``; the dates follow the
day it is loaded) and written in one transaction with bulk inserts, recorded by ONE audit
entry (entity "demo", action "supplier_world", the counts as its new value): history imported
as a batch, not row by row through the services.

The figures the analytics show (revenue of the orders that were not cancelled, by the year of
their dispatch; foreign = the customer's country is not RU): exports grow 15 % a year (every
full year on the previous: 2024→2025, 2025→2026, …), China's ×1.5 and India's ×3 from 2024 to
2025 (then +15 % a year like the rest). They come from the order rates of the customers
without a contract; the contracts, the Co-60 replenishments and the domestic market (+5 % a
year) are what they are, and the other customers' rates are solved each year so that the
total hits the growth.

Contract orders are the ones isoflow.services.orders.generate_orders makes (a delivery's
weekday is its dispatch day, 10:00 Moscow time; calibrated ``calibration_days`` later at
``calibration_time`` in the customer's zone, 6-day Ci 144 h after dispatch), so generating the
next weeks again adds nothing. Ad-hoc orders leave at 15:00 (road) or 18:00 (air) Moscow time
and are calibrated at the customer's first local noon after arrival (6-day Ci: + 144 h).

Past orders are "delivered" (or "shipped" while in transit; about 1 in 250 small ad-hoc
orders "cancelled" with a reason), each with its shipment classified by
isoflow.transport.classification.classify from the activity at dispatch and plausible dose
rates (one package per order), and the tracking events prepared, dispatched, delivered. Cold
kits ship nothing radioactive: their orders carry the Tc-99m a pack may be labelled with and
have no shipment (the shipments service refuses to classify them). Customers' licences cover
three times their largest order at dispatch; a few lapsed (their orders stop) and a few expire
within 30 days. Irradiation centres hold Co-60 pencils from before 2024 and those delivered
since; two are below their minimum, one just above.

Transit times are plausible, not real: road at ~50 km/h over 1.25× the great-circle distance
from Moscow (Belarus and European Russia up to 1,800 km), air 5 h plus the flight and a
connection beyond 4,500 km. Loading takes ~16 s on SQLite (``isoflow demo load`` in all).
"""

from __future__ import annotations

import bisect
import math
import random
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from isoflow.domain import orders as order_rules
from isoflow.domain.roles import Actor
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import audit
from isoflow.services.clock import now
from isoflow.services.demo.supplier_data import (
    CATALOGUE,
    DISTRIBUTOR_NAMES,
    DOMESTIC,
    FOREIGN,
    GBQ,
    HOSPITAL_NAMES,
    IRRADIATION_NAMES,
    ORIGIN,
    RESEARCH_NAMES,
    SIX_DAY_CI_BQ,
    TBQ,
    WORDS,
    City,
    ProductSpec,
)
from isoflow.services.production import usable_window_s
from isoflow.store.db import Database
from isoflow.store.supplier_models import (
    Allocation,
    Batch,
    Contract,
    ContractDelivery,
    Customer,
    CustomerLicence,
    DeliveryRoute,
    InstalledSource,
    Order,
    Product,
    Shipment,
    ShipmentEvent,
)
from isoflow.transport.classification import Classification, Content, classify

ACTOR = Actor.command_line("demo")  # the demo's console actor (isoflow.services.demo)
SUPPLIER_TZ = ZoneInfo("Europe/Moscow")
SITE_NAME = "Production and dispatch, Moscow region"
#: the demo hospital as the supplier's customer (its organisation's name, isoflow.services.demo)
DEMO_HOSPITAL = "National Oncology Centre — Radionuclide Diagnostics, Bishkek"
HISTORY_START = date(2024, 1, 1)
HORIZON_DAYS = 14
EXPORT_GROWTH = 1.15
DOMESTIC_GROWTH = 1.05
#: China's and India's exports, 2024 → 2025 (then EXPORT_GROWTH)
JUMPS = {"CN": 1.5, "IN": 3.0}
JUMP_YEAR = 2025
SIX_DAYS = timedelta(days=6)
CANCEL_REASONS = ("Customer's camera out of service that week",
                  "Patient procedures postponed by the customer",
                  "Flight cancelled; customer chose not to reschedule",
                  "Customer's import permit renewal delayed at customs",
                  "Duplicate order entered by the customer")
BY_PRODUCT = {p.code: p for p in CATALOGUE}


# ---------------------------------------------------------------- public

def has_supplier_world(db: Database, org_id: int) -> bool:
    """Whether the supplier's world is already there (it has a catalogue): loaded once."""
    with db.read() as s:
        return s.scalar(select(Product.id).where(Product.org_id == org_id).limit(1)) \
            is not None


def supplier_world(db: Database, org_id: int, site_id: int, day: date) -> dict[str, int]:
    """Write the supplier's catalogue, customers, contracts, orders, shipments and batches
    in one transaction; the counts written (also the audit entry's new value)."""
    del day  # dated from the clock: history to now, open orders to now + 14 days
    world = _World(now())
    world.generate()
    with db.write() as s:
        counts = world.write(s, org_id, site_id)
        audit.record(s, ACTOR, org_id=org_id, entity_type="demo", entity_id=org_id,
                     action="supplier_world", new=counts,
                     reason="Demo history imported as one batch (isoflow demo load): "
                            "generated, not entered through the services")
    return counts


# ---------------------------------------------------------------- the world in memory

@dataclass(frozen=True)
class Buy:
    """What a customer orders regularly: ``quantity`` units of ``activity_bq`` each of a
    product, ``per_year`` orders a year (at a growth multiplier of 1)."""

    product: str
    activity_bq: float
    quantity: int
    per_year: float


@dataclass
class Cust:
    code: str
    name: str
    country: str
    city: City
    kind: str
    priority: int
    road: bool
    transit_h: float
    #: growth group: CN, IN, other (foreign without contract), fixed, domestic
    group: str
    buys: list[Buy] = field(default_factory=list)
    licence_from: date = HISTORY_START
    licence_to: date = HISTORY_START
    min_installed_bq: float | None = None
    week: int = 10  # an irradiation centre's replenishment week of the year
    id: int = 0
    route_id: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.city.zone)


@dataclass
class Draft:
    cust: Cust
    product: str
    activity_bq: float
    quantity: int
    dispatch_at: datetime
    calibration_at: datetime
    arrival_at: datetime
    contract: str | None = None
    delivery: int | None = None  # index in the contract's deliveries
    status: str = "open"
    reason: str | None = None
    batch: int | None = None  # index of the batch it was allocated from

    @property
    def price(self) -> float:
        p = BY_PRODUCT[self.product]
        return self.quantity * (p.unit_price + p.price_per_gbq * self.activity_bq / GBQ)


@dataclass(frozen=True)
class DeliverySpec:
    product: str
    weekday: int  # the dispatch day (0 Monday, supplier's zone)
    activity_bq: float
    quantity: int
    calibration_time: str  # customer's zone; "" for a 6-day Ci product (144 h)
    calibration_days: int


@dataclass
class ContractSpec:
    number: str
    cust: Cust
    start: date
    end: date
    note: str
    deliveries: list[DeliverySpec]
    #: frame contract call-offs: (product, size, quantity, every n weeks)
    call_offs: tuple[str, float, int, int] | None = None
    id: int = 0
    delivery_ids: list[int] = field(default_factory=list)
    resolved: list[tuple[str, int]] = field(default_factory=list)  # (HH:MM, days) per delivery


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    if name not in _ZONES:
        _ZONES[name] = ZoneInfo(name)
    return _ZONES[name]


def _distance_km(city: City) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*ORIGIN, city.lat, city.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + \
        math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _transit_h(city: City, road: bool, foreign: bool) -> float:
    """Door to door: road at ~50 km/h over 1.25× the great-circle distance plus loading;
    air: 5 h to and from the airports plus the flight, and a connection abroad beyond
    4,500 km."""
    d = _distance_km(city)
    if road:
        return round(3 + d * 1.25 / 50, 1)
    return round(5 + d / 750 + (6 if foreign and d > 4500 else 0), 1)


def _local(d: date, hhmm: str, tz: ZoneInfo) -> datetime:
    hh, mm = (int(x) for x in hhmm.split(":"))
    return datetime.combine(d, time(hh, mm), tz).astimezone(UTC)


def _next_noon(t: datetime, tz: ZoneInfo) -> datetime:
    """The customer's first local 12:00 at least an hour after ``t``."""
    local = (t + timedelta(hours=1)).astimezone(tz)
    d = local.date() if local.time() <= time(12) else local.date() + timedelta(days=1)
    return _local(d, "12:00", tz)


class _World:
    def __init__(self, at: datetime) -> None:
        self.now = at
        self.today = at.astimezone(SUPPLIER_TZ).date()
        self.end = self.today + timedelta(days=HORIZON_DAYS)
        self.rng = random.Random("isoflow demo supplier world")
        self.customers: list[Cust] = []
        self.contracts: list[ContractSpec] = []
        self.drafts: list[Draft] = []
        self.installed: list[dict[str, Any]] = []

    # ------------------------------------------------------------ customers
    def generate(self) -> None:
        self._customers()
        self._contracts()
        fixed = self._contract_orders() + self._cobalt_orders()
        self.drafts = fixed + self._growth_orders(fixed)
        self.drafts = [d for d in self.drafts
                       if HISTORY_START <= d.dispatch_at.astimezone(SUPPLIER_TZ).date()
                       <= self.end and d.arrival_at.astimezone(d.cust.zone).date()
                       <= d.cust.licence_to]
        self._statuses()
        self._plan_batches()
        self._licences_and_sources()

    def _new(self, country: str, city: City, kind: str, name: str, foreign: bool,
             group: str, road: bool | None = None) -> Cust:
        n = sum(1 for c in self.customers if c.country == country) + 1
        if road is None:
            road = not foreign and _distance_km(city) <= 1800
        cust = Cust(code=f"{country}-{n:04d}", name=name, country=country, city=city,
                    kind=kind, priority=2 if kind == "hospital" else 3, road=road,
                    transit_h=_transit_h(city, road, foreign), group=group)
        self.customers.append(cust)
        return cust

    def _name(self, kind: str, city: City, rng: random.Random, taken: set[str]) -> str:
        lists = {"hospital": HOSPITAL_NAMES, "distributor": DISTRIBUTOR_NAMES,
                 "research": RESEARCH_NAMES, "irradiation_centre": IRRADIATION_NAMES}[kind]
        for attempt in range(50):
            name = rng.choice(lists).format(city=city.name, n=rng.randint(1, 40),
                                            word=rng.choice(WORDS))
            if name not in taken:
                break
            if attempt > 20:
                name = f"{name} ({attempt})"
        taken.add(name)
        return name

    def _customers(self) -> None:
        rng, taken = self.rng, {DEMO_HOSPITAL}
        irradiation = {"EG", "SA", "AE", "IR", "TR", "UZ"}
        by = {c.code: c for c in FOREIGN}

        def anchor(cc: str, city: int, kind: str, name: str) -> Cust:
            taken.add(name)
            country = by[cc]
            return self._new(cc, country.cities[city], kind, name, True, "fixed",
                             road=country.road)

        self.cuba = [anchor("CU", 0, "hospital", "Havana Clinical Surgical Hospital"),
                     anchor("CU", 1, "hospital", "Santiago de Cuba Oncology Hospital")]
        self.brazil = anchor("BR", 0, "distributor", "Meridian Radiopharma, São Paulo")
        self.belarus = anchor("BY", 0, "hospital",
                              "Minsk Republican Centre of Nuclear Medicine")
        self.kazakhstan = anchor("KZ", 0, "distributor", "Orion Isotopes, Almaty")
        self.hospital = anchor("KG", 0, "hospital", DEMO_HOSPITAL)
        for c in (*self.cuba, self.brazil, self.belarus, self.hospital):
            c.priority = 1
        for country in FOREIGN:
            have = sum(1 for c in self.customers if c.country == country.code)
            for i in range(country.customers - have):
                city = country.cities[i % len(country.cities)]
                if i == 0 and country.code in irradiation:
                    kind = "irradiation_centre"
                else:
                    kind = rng.choices(("hospital", "distributor", "research"),
                                       (65, 15, 20))[0]
                group = "fixed" if kind == "irradiation_centre" else \
                    country.code if country.code in JUMPS else "other"
                c = self._new(country.code, city, kind, self._name(kind, city, rng, taken),
                              True, group, road=country.road)
                c.buys = self._buys(kind, rng, 1.0, country.code)
        domestic_irradiation = {"Moscow", "Saint Petersburg", "Yekaterinburg", "Novosibirsk",
                                "Obninsk", "Samara", "Krasnoyarsk", "Dimitrovgrad"}
        for city, n in DOMESTIC:
            for i in range(n):
                kind = "irradiation_centre" if i == 0 and city.name in domestic_irradiation \
                    else rng.choices(("hospital", "distributor", "research"), (75, 8, 17))[0]
                c = self._new("RU", city, kind, self._name(kind, city, rng, taken), False,
                              "fixed" if kind == "irradiation_centre" else "domestic")
                c.buys = self._buys(kind, rng, 0.25, "RU")
        for c in self.customers:
            c.licence_from = date(2022, 1, 1) + timedelta(days=rng.randrange(700))
            c.licence_to = self.today + timedelta(days=rng.randrange(90, 1500))
            c.week = rng.randrange(6, 46)
        # a few licences lapsed (their orders stop) and a few expiring within 30 days
        plain = [c for c in self.customers if c.group in ("other", "domestic")]
        for c in rng.sample(plain, 6):
            c.licence_to = self.today - timedelta(days=rng.randrange(5, 60))
        for c in rng.sample([c for c in plain if c.licence_to > self.today], 8):
            c.licence_to = self.today + timedelta(days=rng.randrange(18, 30))

    def _buys(self, kind: str, rng: random.Random, scale: float, country: str) -> list[Buy]:
        def gen(per_year: float) -> Buy:
            return Buy("TC-GEN", rng.choice((5.0, 10.0, 15.0, 19.0, 20.0)) * GBQ, 1,
                       per_year * scale)

        if kind == "irradiation_centre":
            return []
        if kind == "hospital":
            buys = [gen(rng.choice((12, 26, 26, 52)))]
            extra = rng.random()
            if extra < 0.3:
                buys.append(Buy("I131-CAPS", rng.choice(BY_PRODUCT["I131-CAPS"].sizes_gbq)
                                * GBQ, rng.randint(1, 6), rng.choice((6, 12, 24)) * scale))
            elif extra < 0.5:
                kit = rng.choice(("MAA-KIT", "MDP-KIT", "DTPA-KIT"))
                buys.append(Buy(kit, _kit_bq(kit), rng.randint(2, 6), 12 * scale))
            elif extra < 0.55:
                buys.append(Buy("GA-GEN", rng.choice((1.11, 1.85)) * GBQ, 1, 1))
            return buys
        if kind == "distributor":
            if rng.random() < 0.5 or country == "CN":
                return [Buy("MO99-BULK", rng.randint(1, 6) * SIX_DAY_CI_BQ, 1,
                            rng.choice((26, 52)) * scale),
                        Buy("I131-SOL", rng.choice((18.5, 37.0, 74.0)) * GBQ, 1,
                            rng.choice((12, 26)) * scale)]
            return [gen(52), Buy("I131-SOL", rng.choice((18.5, 37.0)) * GBQ, 1, 26 * scale)]
        # research
        if rng.random() < 0.3:
            return [Buy("GA-GEN", rng.choice((1.11, 1.85)) * GBQ, 1, 1)]
        return [Buy("I131-SOL", rng.choice((3.7, 7.4, 18.5)) * GBQ, 1, 12 * scale)]

    # ------------------------------------------------------------ contracts
    def _contracts(self) -> None:
        hospital_start = self.today - timedelta(days=75)
        gen19, ci = 19 * GBQ, SIX_DAY_CI_BQ
        self.contracts = [
            ContractSpec("CU-2023-0117", self.cuba[0], date(2024, 1, 1), date(2028, 12, 31),
                         "Weekly Mo-99 (6-day Ci) and I-131 for Cuban hospitals since "
                         "January 2024", [DeliverySpec("MO99-BULK", 0, 2 * ci, 1, "", 6),
                                          DeliverySpec("I131-SOL", 1, 37 * GBQ, 1, "12:00",
                                                       3)]),
            ContractSpec("CU-2023-0118", self.cuba[1], date(2024, 1, 1), date(2028, 12, 31),
                         "Weekly Mo-99 (6-day Ci) and I-131 for Cuban hospitals since "
                         "January 2024", [DeliverySpec("MO99-BULK", 0, 1 * ci, 1, "", 6),
                                          DeliverySpec("I131-SOL", 1, 18.5 * GBQ, 1,
                                                       "12:00", 3)]),
            ContractSpec("BR-2023-0042", self.brazil, date(2023, 7, 1), date(2028, 6, 30),
                         "Five-year supply of medical isotopes to Brazil (signed 2023)",
                         [DeliverySpec("MO99-BULK", 0, 6 * ci, 1, "", 6),
                          DeliverySpec("I131-SOL", 2, 74 * GBQ, 1, "12:00", 3)]),
            ContractSpec("BY-2023-0009", self.belarus, date(2023, 1, 1), date(2027, 12, 31),
                         "Uninterrupted supply of Tc-99m generators and Macrotech (MAA) kits "
                         "to Belarus", [DeliverySpec("TC-GEN", 0, gen19, 1, "12:00", 1),
                                        DeliverySpec("TC-GEN", 3, gen19, 1, "12:00", 1),
                                        DeliverySpec("MAA-KIT", 0, _kit_bq("MAA-KIT"), 4,
                                                     "12:00", 1)]),
            ContractSpec("KZ-2023-0031", self.kazakhstan, date(2023, 9, 1), date(2027, 8, 31),
                         "Russian-made Ge-68/Ga-68 generators for Kazakhstan's PET centres "
                         "(frame contract: call-offs every 8 weeks)", [],
                         call_offs=("GA-GEN", 1.85 * GBQ, 1, 8)),
            ContractSpec(f"KG-{hospital_start.year}-0075", self.hospital, hospital_start,
                         hospital_start + timedelta(days=5 * 365), "GT-4K-type Tc-99m "
                         "generators for the radionuclide diagnostics department every "
                         "Monday, Wednesday and Friday morning: dispatched the day before, "
                         "calibrated 12:00 Moscow time (15:00 Bishkek)",
                         [DeliverySpec("TC-GEN", w, gen19, 1, "15:00", 1) for w in (6, 1, 3)]),
        ]
        for c in self.contracts:  # contract customers buy under their contract only
            c.cust.group = "fixed"

    def _contract_orders(self) -> list[Draft]:
        """Every delivery's orders as isoflow.services.orders.generate_orders makes them
        (isoflow.domain.orders.delivery_moments: dispatched at 10:00 Moscow time on the
        delivery's weekday, calibrated ``calibration_days`` later at ``calibration_time`` in
        the customer's zone, or 144 h after dispatch for 6-day Ci), so generating the next
        weeks' orders again finds them all."""
        out: list[Draft] = []
        last = date(self.end.year, 12, 31)
        for k in self.contracts:
            cust = k.cust
            first, end = max(k.start, HISTORY_START), min(k.end, last)
            route = order_rules.Route("route", cust.transit_h * 3600.0)
            if k.call_offs is not None:
                product, bq, qty, weeks = k.call_offs
                for d in order_rules.delivery_dates(first, end, 1)[::weeks]:
                    dispatch = order_rules.dispatch_moment(d, SUPPLIER_TZ)
                    arrival = dispatch + timedelta(hours=cust.transit_h)
                    out.append(Draft(cust, product, bq, qty, dispatch,
                                     _next_noon(arrival, cust.zone), arrival, k.number))
                continue
            for i, spec in enumerate(k.deliveries):
                six_day = BY_PRODUCT[spec.product].calibration == "six_day_ci"
                hhmm, days = spec.calibration_time, spec.calibration_days
                if six_day:  # stated for the reader: 144 h after the 10:00 dispatch
                    d0 = order_rules.delivery_dates(first, end, spec.weekday)[0]
                    cal0 = (order_rules.dispatch_moment(d0, SUPPLIER_TZ) + SIX_DAYS
                            ).astimezone(cust.zone)
                    hhmm, days = f"{cal0:%H:%M}", (cal0.date() - d0).days
                k.resolved.append((hhmm, days))
                rule = order_rules.ContractDelivery(
                    weekday=spec.weekday, calibration_time=hhmm, calibration_days=days,
                    activity_bq=spec.activity_bq, quantity=spec.quantity, route=route)
                for d in order_rules.delivery_dates(first, end, spec.weekday):
                    m = order_rules.delivery_moments(rule, d, SUPPLIER_TZ, cust.zone,
                                                     six_day=six_day)
                    out.append(Draft(cust, spec.product, spec.activity_bq, spec.quantity,
                                     m.dispatch_at, m.calibration_at, m.arrival_at,
                                     k.number, i))
        return out

    def _cobalt_orders(self) -> list[Draft]:
        """Each irradiation centre's yearly replenishment (one or two pencils, air-shipped
        ones within the Type B(U) air limit), on the Tuesday of its week."""
        out = []
        for c in self.customers:
            if c.kind != "irradiation_centre":
                continue
            rng = random.Random(f"cobalt {c.code}")
            for year in range(HISTORY_START.year, self.end.year + 1):
                d = date.fromisocalendar(year, c.week, 2)
                dispatch = _local(d, "10:00", SUPPLIER_TZ)
                arrival = dispatch + timedelta(hours=c.transit_h)
                size = rng.choice(BY_PRODUCT["CO60-PENCIL"].sizes_gbq) * GBQ
                out.append(Draft(c, "CO60-PENCIL", size, rng.choice((1, 2)), dispatch,
                                 _next_noon(arrival, c.zone), arrival))
        return out

    # ------------------------------------------------------------ growth
    def _growth_orders(self, fixed: list[Draft]) -> list[Draft]:
        years = list(range(HISTORY_START.year, self.end.year + 1))
        workdays = [HISTORY_START + timedelta(days=i)
                    for i in range((self.end - HISTORY_START).days + 1)]
        workdays = [d for d in workdays if d.weekday() < 5]
        per_year_days = {y: sum(1 for i in range(366)
                                if (date(y, 1, 1) + timedelta(days=i)).year == y
                                and (date(y, 1, 1) + timedelta(days=i)).weekday() < 5)
                         for y in years}
        fixed_rev: dict[int, float] = defaultdict(float)
        for d in fixed:
            if d.cust.country != "RU":
                fixed_rev[d.dispatch_at.astimezone(SUPPLIER_TZ).year] += d.price
        base: dict[str, float] = defaultdict(float)  # group -> revenue a year at 1×
        for c in self.customers:
            for b in c.buys:
                base[c.group] += b.per_year * Draft(c, b.product, b.activity_bq,
                                                    b.quantity, self.now, self.now,
                                                    self.now).price
        mult: dict[tuple[str, int], float] = {}
        target = 0.0
        for y in years:
            if y == years[0]:
                for g in ("CN", "IN", "other"):
                    mult[g, y] = 1.0
                target = fixed_rev[y] + base["CN"] + base["IN"] + base["other"]
            else:
                target *= EXPORT_GROWTH
                for g in JUMPS:
                    mult[g, y] = mult[g, y - 1] * (JUMPS[g] if y == JUMP_YEAR
                                                   else EXPORT_GROWTH)
                rest = target - fixed_rev[y] - sum(mult[g, y] * base[g] for g in JUMPS)
                mult["other", y] = max(rest / base["other"], 0.1)
            mult["domestic", y] = DOMESTIC_GROWTH ** (y - years[0])
        # cumulative order intensity per group over the working days (a year's days share
        # its multiplier): order k of a buy falls on the first day it reaches (phase + k)
        cumulative: dict[str, list[float]] = {}
        for g in ("CN", "IN", "other", "domestic"):
            total, acc = 0.0, []
            for when in workdays:
                total += mult[g, when.year] / per_year_days[when.year]
                acc.append(total)
            cumulative[g] = acc
        out = []
        for c in self.customers:
            if c.group == "fixed":
                continue
            rng = random.Random(f"orders {c.code}")
            acc = cumulative[c.group]
            for b in c.buys:
                k = rng.random()
                while True:
                    i = bisect.bisect_left(acc, k / b.per_year)
                    if i >= len(workdays):
                        break
                    out.append(self._adhoc(c, b, workdays[i]))
                    k += 1.0
        return out

    def _adhoc(self, c: Cust, b: Buy, d: date) -> Draft:
        dispatch = _local(d, "15:00" if c.road else "18:00", SUPPLIER_TZ)
        arrival = dispatch + timedelta(hours=c.transit_h)
        spec = BY_PRODUCT[b.product]
        cal = dispatch + SIX_DAYS if spec.calibration == "six_day_ci" else \
            _next_noon(arrival, c.zone)
        return Draft(c, b.product, b.activity_bq, b.quantity, dispatch, cal, arrival)

    # ------------------------------------------------------------ statuses, batches
    def _statuses(self) -> None:
        for d in self.drafts:
            if d.dispatch_at > self.now:
                d.status = "open"
                continue
            # about 1 in 250 small ad-hoc orders, the same ones whatever the day of loading
            luck = zlib.crc32(f"{d.cust.code} {d.product} {d.dispatch_at}".encode())
            if d.contract is None and d.cust.group in ("other", "domestic") \
                    and d.price < 5000 and luck % 250 == 0:
                d.status = "cancelled"
                d.reason = CANCEL_REASONS[luck // 250 % len(CANCEL_REASONS)]
            else:
                d.status = "delivered" if d.arrival_at <= self.now else "shipped"
        self.drafts.sort(key=lambda d: (d.dispatch_at, d.cust.code, d.product))

    def _licences_and_sources(self) -> None:
        """Installed Co-60 (pencils from before 2024 and those delivered since); each
        centre's minimum set against what it holds now: two below it, one just above."""
        lam = get_nuclide("Co-60").decay_constant_per_s
        centres = [c for c in self.customers if c.kind == "irradiation_centre"]
        ratios = [0.9, 0.95, 1.03] + [1.2 + 0.05 * i for i in range(len(centres))]
        for c, ratio in zip(centres, ratios, strict=False):
            rng = random.Random(f"installed {c.code}")
            pencils = []
            for i in range(rng.randint(14, 24)):
                installed = _local(date(2006 + i % 18, rng.randint(1, 12), 15), "10:00",
                                   c.zone)
                bq = rng.choice((370.0, 444.0)) * TBQ
                pencils.append((f"{c.code}-P{i + 1:03d}", bq, installed - timedelta(days=20),
                                installed))
            for d in self.drafts:
                if d.cust is c and d.status == "delivered":
                    for q in range(d.quantity):
                        pencils.append((f"{c.code}-{d.dispatch_at:%y%m%d}-{q + 1}",
                                        d.activity_bq, d.calibration_at,
                                        d.arrival_at + timedelta(days=2)))
            held = 0.0
            for serial, bq, ref, installed in pencils:
                if installed > self.now:
                    continue
                # pencils retire after 20 years in the rack (reference §3: 6-12 % left)
                removed = installed + timedelta(days=round(20 * 365.25))
                gone = removed <= self.now
                if not gone:
                    held += bq * math.exp(-lam * (self.now - ref).total_seconds())
                self.installed.append(dict(customer=c, serial=serial, nuclide="Co-60",
                                           activity_bq=bq, reference_at=ref,
                                           installed_at=installed,
                                           removed_at=removed if gone else None))
            c.min_installed_bq = round(held / ratio / 3.7e13) * 3.7e13  # whole kCi

    # ------------------------------------------------------------ writing
    def write(self, s: Session, org_id: int, site_id: int) -> dict[str, int]:
        at = self.now
        product_ids = dict(zip(
            [p.code for p in CATALOGUE],
            _insert(s, Product, [_product_row(p, org_id, at) for p in CATALOGUE]),
            strict=True))
        ids = _insert(s, Customer, [dict(
            org_id=org_id, code=c.code, name=c.name, country=c.country, timezone=c.city.zone,
            kind=c.kind, priority=c.priority, min_installed_bq=c.min_installed_bq,
            contact=f"Procurement office, {c.city.name}", active=True, created_at=at)
            for c in self.customers])
        for c, i in zip(self.customers, ids, strict=True):
            c.id = i
        routes = _insert(s, DeliveryRoute, [dict(
            org_id=org_id, customer_id=c.id, name=_route_name(c),
            mode="road" if c.road else "air", transit_s=c.transit_h * 3600.0, active=True)
            for c in self.customers])
        for c, i in zip(self.customers, routes, strict=True):
            c.route_id = i
        licences = self._licence_rows(org_id, at)
        _insert(s, CustomerLicence, licences, ids=False)
        _insert(s, InstalledSource, [dict(r, org_id=org_id, customer=None,
                                          customer_id=r["customer"].id)
                                     for r in self.installed], ids=False, drop=("customer",))
        contract_ids = _insert(s, Contract, [dict(
            org_id=org_id, customer_id=k.cust.id, number=k.number, start_date=k.start,
            end_date=k.end, priority=1, status="active", reason=None, note=k.note,
            created_at=at) for k in self.contracts])
        by_number = {}
        for k, i in zip(self.contracts, contract_ids, strict=True):
            k.id = i
            by_number[k.number] = k
            rows = [dict(org_id=org_id, contract_id=k.id, product_id=product_ids[d.product],
                         route_id=k.cust.route_id, weekday=d.weekday,
                         calibration_time=hhmm, calibration_days=days,
                         activity_bq=d.activity_bq, quantity=d.quantity, active=True)
                    for d, (hhmm, days) in zip(k.deliveries, k.resolved, strict=True)]
            k.delivery_ids = _insert(s, ContractDelivery, rows)
        order_ids = _insert(s, Order, self._order_rows(org_id, product_ids, by_number))
        shipments, events = self._shipments(s, org_id, site_id, product_ids, order_ids)
        return {"products": len(CATALOGUE), "customers": len(self.customers),
                "foreign_customers": sum(1 for c in self.customers if c.country != "RU"),
                "countries": len({c.country for c in self.customers if c.country != "RU"}),
                "licences": len(licences), "routes": len(routes),
                "installed_sources": len(self.installed), "contracts": len(self.contracts),
                "contract_deliveries": sum(len(k.deliveries) for k in self.contracts),
                "orders": len(order_ids), "shipments": shipments, "shipment_events": events,
                "batches": len(self.batch_plan), "allocations": len(self.allocs)}

    def _licence_rows(self, org_id: int, at: datetime) -> list[dict[str, Any]]:
        need: dict[tuple[int, str], float] = defaultdict(float)
        for d in self.drafts:
            spec = BY_PRODUCT[d.product]
            amount = d.quantity * (d.activity_bq if spec.form == "cold_kit"
                                   else _at_dispatch(spec.nuclide, d.activity_bq, d))
            need[d.cust.id, spec.nuclide] = max(need[d.cust.id, spec.nuclide], amount)
        for r in self.installed:
            need[r["customer"].id, "Co-60"] += r["activity_bq"]
        for c in self.customers:
            for b in c.buys:
                need.setdefault((c.id, BY_PRODUCT[b.product].nuclide), 0.0)
        by_id = {c.id: c for c in self.customers}
        rows = []
        for (cid, nuclide), amount in sorted(need.items()):
            c = by_id[cid]
            limit = _nice(max(amount * 3, 1 * GBQ))
            rows.append(dict(org_id=org_id, customer_id=cid, nuclide=nuclide,
                             number=f"{c.country}-{nuclide.replace('-', '')}-"
                                    f"{c.licence_from:%y}{cid:04d}",
                             limit_bq=limit, valid_from=c.licence_from,
                             valid_to=c.licence_to, created_at=at))
        return rows

    def _order_rows(self, org_id: int, product_ids: dict[str, int],
                    contracts: dict[str, ContractSpec]) -> list[dict[str, Any]]:
        rows, counters = [], Counter[int]()
        for d in self.drafts:
            year = d.dispatch_at.astimezone(SUPPLIER_TZ).year
            counters[year] += 1
            k = None if d.contract is None else contracts[d.contract]
            created = min(d.dispatch_at - timedelta(days=14 if k else 10), self.now)
            updated = d.arrival_at if d.status == "delivered" else \
                d.dispatch_at if d.status == "shipped" else created
            rows.append(dict(
                org_id=org_id, number=f"ORD-{year}-{counters[year]:06d}",
                customer_id=d.cust.id, contract_id=None if k is None else k.id,
                delivery_id=None if k is None or d.delivery is None
                else k.delivery_ids[d.delivery],
                product_id=product_ids[d.product], route_id=d.cust.route_id,
                activity_bq=d.activity_bq, quantity=d.quantity,
                calibration_at=d.calibration_at, dispatch_at=d.dispatch_at, status=d.status,
                price=round(d.price, 2), reason=d.reason,
                note=None if k is None else f"From contract {k.number}" + (
                    # the serial the demo hospital's ledger receives it under
                    f"; generator GT4K-{d.calibration_at.astimezone(SUPPLIER_TZ):%y%m%d}-07"
                    if d.cust is self.hospital else ""),
                created_at=created, updated_at=min(updated, self.now)))
        return rows

    def _plan_batches(self) -> None:
        """This week's Mo-99 run, I-131 run and generator manufacturing day (produced, and
        allocated in full to the orders they serve, as isoflow.services.production would:
        the orders of their products leaving within the nuclide's usable window after the end
        of processing), and next week's Mo-99 run and generator day (planned; the Mo-99 run
        falls about 15 % short and is left unallocated for the allocation page)."""
        monday = self.today - timedelta(days=self.today.weekday())
        plan = ((0, "MO99", "Mo-99", ("MO99-BULK",)),
                (0, "I131", "I-131", ("I131-SOL", "I131-CAPS")),
                (0, "TCGEN", "Mo-99", ("TC-GEN",)),
                (1, "MO99", "Mo-99", ("MO99-BULK",)),
                (1, "TCGEN", "Mo-99", ("TC-GEN",)))
        self.batch_plan: list[dict[str, Any]] = []
        self.allocs: list[tuple[int, Draft, float, str]] = []
        for week, tag, nuclide, codes in plan:
            start = monday + timedelta(weeks=week)
            available = _local(start, "00:00", SUPPLIER_TZ) - timedelta(hours=4)
            end = available + timedelta(seconds=usable_window_s(nuclide))
            lam = get_nuclide(nuclide).decay_constant_per_s
            mine = [d for d in self.drafts if d.product in codes
                    and d.status not in ("cancelled", "allocated")
                    and available <= d.dispatch_at < end]
            need = sum(d.quantity * _at_dispatch(nuclide, d.activity_bq, d)
                       * math.exp(lam * (d.dispatch_at - available).total_seconds())
                       for d in mine)
            short = week == 1 and tag == "MO99"
            number = f"B-{tag}-{start:%Y%m%d}"
            index = len(self.batch_plan)
            self.batch_plan.append(dict(
                number=number, nuclide=nuclide, codes=codes, available_at=available,
                capacity_bq=max(need * (0.85 if short else 1.2) / 0.9, 1 * GBQ),
                yield_fraction=0.9, status="allocated" if week == 0 else "planned",
                note=("Produced; allocated in full to the orders it serves" if week == 0
                      else "Planned run; falls about 15 % short of the orders it serves"
                      if short else "Planned"),
                created_at=min(available - timedelta(days=10), self.now)))
            if week == 0:
                for d in mine:
                    bq = d.quantity * _at_dispatch(nuclide, d.activity_bq, d)
                    local = d.calibration_at.astimezone(d.cust.zone)
                    self.allocs.append((index, d, bq, (
                        f"Batch {number}: you receive {bq / GBQ:.4g} GBq of the "
                        f"{d.quantity * d.activity_bq / GBQ:.4g} GBq ordered (100 %) for "
                        f"calibration {local:%Y-%m-%d %H:%M} ({d.cust.city.zone})")))
                    if d.status == "open":
                        d.status = "allocated"

    def _shipments(self, s: Session, org_id: int, site_id: int, product_ids: dict[str, int],
                   order_ids: list[int]) -> tuple[int, int]:
        index = {id(d): i for i, d in enumerate(self.drafts)}
        batch_ids = _insert(s, Batch, [dict(
            {k: v for k, v in b.items() if k != "codes"}, org_id=org_id,
            product_ids=",".join(str(product_ids[c]) for c in b["codes"]))
            for b in self.batch_plan])
        _insert(s, Allocation, [dict(
            org_id=org_id, batch_id=batch_ids[b], order_id=order_ids[index[id(d)]],
            needed_bq=bq, allocated_bq=bq, message=text,
            created_at=min(self.batch_plan[b]["available_at"], self.now))
            for b, d, bq, text in self.allocs], ids=False)
        rng = random.Random("shipments")
        rows, meta, counters = [], [], Counter[int]()
        for i, d in enumerate(self.drafts):
            spec = BY_PRODUCT[d.product]
            if d.status not in ("delivered", "shipped") or spec.form == "cold_kit":
                continue
            year = d.dispatch_at.astimezone(SUPPLIER_TZ).year
            counters[year] += 1
            content = Content(spec.nuclide, d.quantity * _at_dispatch(spec.nuclide,
                                                                       d.activity_bq, d),
                              spec.transport_form, spec.special_form)
            surface_u, at_1m_u = (round(x * 1e6, 3) for x in
                                  _dose_rates(rng, spec, classify([content])))
            cls = classify([content], surface_sv_h=surface_u * 1e-6,
                           at_1m_sv_h=at_1m_u * 1e-6)
            mode = "road" if d.cust.road else "air-cargo" \
                if cls.package == "Type B(U)" or (cls.transport_index or 0) > 3 \
                else "air-passenger"
            arrived = d.arrival_at if d.status == "delivered" else None
            rows.append(dict(
                org_id=org_id, number=f"SHP-{year}-{counters[year]:06d}",
                order_id=order_ids[i], customer_id=d.cust.id, site_id=site_id,
                nuclide=spec.nuclide,
                activity_bq=content.activity_bq, form=content.form,
                special_form=content.special_form, package_type=cls.package,
                un_number=cls.un_number, sum_of_fractions=cls.sum_of_fractions,
                surface_usv_h=surface_u, at_1m_usv_h=at_1m_u,
                transport_index=cls.transport_index or 0.0, label=_label(cls), mode=mode,
                dispatched_at=d.dispatch_at, arrived_at=arrived,
                status="delivered" if arrived else "dispatched",
                note="; ".join(cls.notes) or None,
                created_at=d.dispatch_at - timedelta(hours=2)))
            meta.append(d)
        ship_ids = _insert(s, Shipment, rows)
        events = []
        for sid, d in zip(ship_ids, meta, strict=True):
            base = dict(org_id=org_id, shipment_id=sid, note=None,
                        recorded_by="exporter.logistics")
            events.append(dict(base, at=d.dispatch_at - timedelta(hours=2), kind="prepared",
                               place=SITE_NAME, created_at=d.dispatch_at - timedelta(hours=2)))
            events.append(dict(base, at=d.dispatch_at, kind="dispatched",
                               place="Road dispatch, Moscow region" if d.cust.road
                               else "Sheremetyevo airport, cargo terminal",
                               created_at=d.dispatch_at))
            if d.status == "delivered":
                events.append(dict(base, at=d.arrival_at, kind="delivered",
                                   place=f"{d.cust.name}, {d.cust.city.name}",
                                   created_at=d.arrival_at))
        _insert(s, ShipmentEvent, events, ids=False)
        return len(ship_ids), len(events)


# ---------------------------------------------------------------- helpers

def _insert(s: Session, model: Any, rows: list[dict[str, Any]], ids: bool = True,
            drop: tuple[str, ...] = ()) -> list[int]:
    """Insert ``rows`` in bulk; with ``ids``, their ids (reserved first: RETURNING over
    thousands of rows is slow in SQLAlchemy's sorted executemany)."""
    if drop:
        rows = [{k: v for k, v in r.items() if k not in drop} for r in rows]
    if not rows:
        return []
    if not ids:
        s.connection().execute(insert(model.__table__), rows)
        return []
    reserved = _reserve_ids(s, model, len(rows))
    s.connection().execute(insert(model.__table__),
                           [dict(r, id=i) for r, i in zip(rows, reserved, strict=True)])
    return reserved


def _reserve_ids(s: Session, model: Any, n: int) -> list[int]:
    """``n`` new ids of ``model``'s table: from its sequence on PostgreSQL (so later inserts
    do not collide), after the largest on SQLite (the write transaction holds the lock)."""
    table = model.__tablename__
    if s.get_bind().dialect.name == "postgresql":
        return list(s.scalars(text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
            "FROM generate_series(1, :n)"), {"n": n}))
    top = s.scalar(select(func.max(model.id))) or 0
    return list(range(top + 1, top + n + 1))


def _product_row(p: ProductSpec, org_id: int, at: datetime) -> dict[str, Any]:
    return dict(org_id=org_id, code=p.code, name=p.name, nuclide=p.nuclide, form=p.form,
                sizes_bq=",".join(f"{x * GBQ:g}" for x in p.sizes_gbq),
                calibration=p.calibration,
                shelf_life_s=None if p.shelf_life_days is None else p.shelf_life_days * 86400,
                unit_price=p.unit_price, price_per_gbq=p.price_per_gbq, currency="USD",
                procedures_per_unit=p.procedures_per_unit, active=True, note=p.note,
                created_at=at)


def _route_name(c: Cust) -> str:
    if c.road:
        return f"Road, Moscow region → {c.city.name}"
    return f"Air, Sheremetyevo → {c.city.name}" + (" (via a hub)" if c.transit_h > 17 else "")


_LAMBDAS: dict[str, float] = {}


def _at_dispatch(nuclide: str, activity_bq: float, d: Draft) -> float:
    """``activity_bq`` stated at the draft's calibration, at its dispatch (the same
    arithmetic as transport.classification.activity_at_dispatch, without its checks)."""
    if nuclide not in _LAMBDAS:
        _LAMBDAS[nuclide] = math.log(2) / get_nuclide(nuclide).half_life_s
    return activity_bq * math.exp(_LAMBDAS[nuclide]
                                  * (d.calibration_at - d.dispatch_at).total_seconds())


def _dose_rates(rng: random.Random, spec: ProductSpec,
                pre: Classification) -> tuple[float, float]:
    """Plausible measured (surface, 1 m) dose rates [Sv/h] of the package the contents
    need: an excepted package below 5 µSv/h at the surface; a Type A package rising with its
    fraction of A1/A2 up to ~0.5 mSv/h (TI ≤ 1); a shielded Type B(U) container or Co-60
    cask 0.15-1.2 mSv/h at the surface and TI 0.5-8."""
    u = 1e-6
    if pre.package == "excepted":
        return rng.uniform(0.5, 4.5) * u, rng.uniform(0.01, 0.4) * u
    if pre.package == "Type A":
        surface = (8 + 480 * math.sqrt(min(pre.sum_of_fractions, 1.0))) * \
            rng.uniform(0.85, 1.0) * u
        return surface, surface / rng.uniform(40, 60)
    if spec.special_form:
        return rng.uniform(300, 900) * u, rng.uniform(25, 80) * u
    surface = rng.uniform(150, 1200) * u
    return surface, surface / rng.uniform(25, 40)


def _kit_bq(code: str) -> float:
    return (BY_PRODUCT[code].kit_label_gbq or 1.0) * GBQ


def _label(cls: Classification) -> str:
    return "" if cls.package == "excepted" else cls.label or ""


def _nice(bq: float) -> float:
    """The next 1-2-5 step at or above ``bq``."""
    exp = math.floor(math.log10(bq))
    for step in (1, 2, 5, 10):
        if step * 10 ** exp >= bq:
            return float(step * 10 ** exp)
    return float(10 ** (exp + 1))
