"""An isotope supplier for tests of issue #11: one organisation (kind "supplier", Europe/Moscow)
with a user per supplier role, a few catalogue products, and customers with licences and
delivery routes — written straight into the tables so each slice's tests stand alone (the
catalogue and customer services have their own tests; this is only the ground the others
stand on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from isoflow.domain.roles import Actor
from isoflow.services import organisations
from isoflow.services.auth import actor_of
from isoflow.store.models import User
from isoflow.store.supplier_models import Customer, CustomerLicence, DeliveryRoute, Product

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "supplier_sales", "supplier_production", "supplier_logistics", "viewer")
GBQ = 1e9
HOUR = 3600.0
DAY = 86400.0

#: code, name, nuclide, form, sizes [GBq], calibration, shelf life [days], unit price,
#: price per GBq, procedures per unit
PRODUCTS = (
    ("MO99-BULK", "Sodium molybdate Mo-99, bulk solution", "Mo-99", "liquid", (),
     "six_day_ci", 6, 0.0, 40.0, None),
    ("I131-SOL", "Sodium iodide I-131 solution", "I-131", "liquid", (), "reference_time", 28,
     0.0, 25.0, None),
    ("TC-GEN-20", "Tc-99m generator 20 GBq", "Mo-99", "generator", (5, 10, 20),
     "reference_time", 21, 900.0, 0.0, 60.0),
    ("GA-GEN-1.85", "Ge-68/Ga-68 generator 1.85 GBq", "Ge-68", "generator", (1.11, 1.85),
     "reference_time", 365, 60000.0, 0.0, 400.0),
    ("CO60-PENCIL", "Co-60 sealed source pencil", "Co-60", "special_form", (), "reference_time",
     None, 0.0, 0.5, None),
    ("MAA-KIT", "Macrotech (MAA) kit, 5 vials", "Tc-99m", "cold_kit", (), "reference_time",
     365, 150.0, 0.0, 25.0),
)
#: code, name, country, zone, kind, priority, [(nuclide, limit GBq)], [(route, mode, hours)]
CUSTOMERS = (
    ("CU-HAVANA", "Hospital Hermanos Ameijeiras", "CU", "America/Havana", "hospital", 1,
     (("Mo-99", 2000.0), ("I-131", 500.0)), (("Air via Madrid", "air", 40.0),)),
    ("BY-MINSK", "Republican Scientific Center, Minsk", "BY", "Europe/Minsk", "hospital", 2,
     (("Mo-99", 200.0), ("Tc-99m", 1000.0)), (("Road via Smolensk", "road", 14.0),)),
    ("KZ-ALMATY", "Almaty Oncology Centre", "KZ", "Asia/Almaty", "hospital", 3,
     (("Ge-68", 5.0),), (("Air direct", "air", 8.0),)),
    ("BR-SAOPAULO", "IPEN distributor, São Paulo", "BR", "America/Sao_Paulo", "distributor", 2,
     (("Mo-99", 5000.0), ("I-131", 1000.0)), (("Air via Frankfurt", "air", 36.0),)),
    ("UZ-IRRAD", "Tashkent Irradiation Centre", "UZ", "Asia/Tashkent", "irradiation_centre", 3,
     (("Co-60", 5.0e7),), (("Road", "road", 72.0),)),
)


@dataclass
class Supplier:
    org_id: int
    site_id: int
    actors: dict[str, Actor]
    usernames: dict[str, str]
    product_ids: dict[str, int] = field(default_factory=dict)
    customer_ids: dict[str, int] = field(default_factory=dict)
    route_ids: dict[str, int] = field(default_factory=dict)  # customer code -> first route


def make_supplier(db: object, name: str = "Test Isotopes") -> Supplier:
    """A supplier with a user of every supplier role (passwords changed), the products and
    customers above; licences valid 2020-01-01 to 2035-12-31."""
    cli = Actor.command_line("tests")
    org, site = organisations.create_organisation(db, cli, name=name, kind="supplier",  # type: ignore[arg-type]
                                                  timezone="Europe/Moscow", jurisdiction="RU")
    slug = name.lower().replace(" ", "-")
    actors: dict[str, Actor] = {}
    usernames: dict[str, str] = {}
    for role in ROLES:
        username = f"{slug}-{role}"
        u = organisations.create_user(db, cli, username=username, password=PASSWORD,  # type: ignore[arg-type]
                                      role=role, org_id=org.id, full_name=f"{name} {role}",
                                      must_change_password=False)
        with db.read() as s:  # type: ignore[attr-defined]
            actors[role] = actor_of(s.get(User, u.id))
        usernames[role] = username
    sup = Supplier(org_id=org.id, site_id=site.id, actors=actors, usernames=usernames)
    at = datetime.now(UTC)
    with db.write() as s:  # type: ignore[attr-defined]
        for code, pname, nuclide, form, sizes, cal, life_d, unit, per_gbq, procs in PRODUCTS:
            p = Product(org_id=org.id, code=code, name=pname, nuclide=nuclide, form=form,
                        sizes_bq=",".join(f"{x * GBQ:g}" for x in sizes), calibration=cal,
                        shelf_life_s=None if life_d is None else life_d * DAY,
                        unit_price=unit, price_per_gbq=per_gbq, currency="USD",
                        procedures_per_unit=procs, active=True, created_at=at)
            s.add(p)
            s.flush()
            sup.product_ids[code] = p.id
        for code, cname, country, zone, kind, prio, lics, routes in CUSTOMERS:
            c = Customer(org_id=org.id, code=code, name=cname, country=country, timezone=zone,
                         kind=kind, priority=prio, active=True, created_at=at,
                         min_installed_bq=3.7e16 if kind == "irradiation_centre" else None)
            s.add(c)
            s.flush()
            sup.customer_ids[code] = c.id
            for nuclide, limit in lics:
                s.add(CustomerLicence(org_id=org.id, customer_id=c.id,
                                      number=f"{code}-{nuclide}", nuclide=nuclide,
                                      limit_bq=limit * GBQ, valid_from=date(2020, 1, 1),
                                      valid_to=date(2035, 12, 31), created_at=at))
            for i, (rname, mode, hours) in enumerate(routes):
                r = DeliveryRoute(org_id=org.id, customer_id=c.id, name=rname, mode=mode,
                                  transit_s=hours * HOUR, active=True)
                s.add(r)
                s.flush()
                if i == 0:
                    sup.route_ids[code] = r.id
    return sup
