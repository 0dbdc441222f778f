"""The demo world's licences and ledger history, dated relative to an anchor day.

Every time is a local time of a day counted back from the anchor day (``anchor_day``): the
last day whose morning is over in Bishkek, so the whole history lies in the past (the latest
event is at 11:00 Bishkek time of the anchor day; the supplier's latest at 16:00 Moscow time
the day before) and is always current, whatever the date. The hospital department's week is
isoflow.services.demo.department.

Numbers (reference/radiopharmacy.md, supply-chain-and-transport.md): a GT-4K of 19 GBq Mo-99
(the one datum found, the Isotop_2 record), its eluates computed by the generator model of
isoflow.physics with the catalogue's GT-4K values (90 % efficiency, 5 mL); kits within their
labelling ranges (MAA 37-148 MBq per mL, a bone kit of a few GBq); patient doses from the
EANM/SmPC ranges (bone 300-740 MBq, lung perfusion 40-150 MBq, renal DTPA 37-370 MBq,
thyroid 80 MBq); the supplier's bulk Mo-99 (40 mL bottles), a 12 kCi Co-60 pencil, a
1.85 GBq Ge-68/Ga-68 generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from isoflow.domain.roles import Actor
from isoflow.services import ledger
from isoflow.store.db import Database

SUPPLIER_TIMEZONE = "Europe/Moscow"
HOSPITAL_TIMEZONE = "Asia/Bishkek"
MBQ, GBQ, TBQ = 1e6, 1e9, 1e12

#: The hospital's generator: type, nominal Mo-99 activity at calibration.
GENERATOR_TYPE, GENERATOR_BQ = "GT-4K", 19 * GBQ


def anchor_day(t: datetime) -> date:
    """Today in Bishkek from noon local time, yesterday before noon."""
    local = t.astimezone(ZoneInfo(HOSPITAL_TIMEZONE))
    return local.date() if local.time() >= time(12) else local.date() - timedelta(days=1)


def at(day: date, days: int, hour: int, minute: int, tz: str) -> datetime:
    """``hour:minute`` local time in ``tz`` of the day ``days`` after ``day``, in UTC."""
    d = day + timedelta(days=days)
    return datetime.combine(d, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


def _local(t: datetime, tz: str) -> str:
    return f"{t.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Limit:
    nuclide: str | None  # None: the total of all nuclides
    limit_bq: float
    valid_from: datetime
    valid_to: datetime | None
    reference: str


# ------------------------------------------------------------------ licences
def supplier_limits(day: date) -> list[Limit]:
    tz = SUPPLIER_TIMEZONE
    start, end = at(day, -3 * 365, 0, 0, tz), at(day, 2 * 365, 0, 0, tz)
    main = "Licence EX-0417: production, storage and export of radionuclides"
    return [
        Limit("Mo-99", 5 * TBQ, start, end, main),
        Limit("I-131", 2 * TBQ, start, end, main),
        Limit("Ge-68", 20 * GBQ, start, end, main),
        Limit("Co-60", 1000 * TBQ, at(day, -5 * 365, 0, 0, tz), end,
              "Sealed-source permit EX-SS-0093: Co-60 irradiator sources"),
        Limit(None, 1100 * TBQ, start, end, main),
    ]


def hospital_limits(day: date) -> list[Limit]:
    tz = HOSPITAL_TIMEZONE
    start = at(day, -75, 0, 0, tz)
    end = at(day, -75 + 5 * 365 + 1, 0, 0, tz)
    main = (f"Licence NOC-RD-{start.astimezone(ZoneInfo(tz)).year}-014: "
            "radionuclide diagnostics (SPECT)")
    return [
        Limit("Mo-99", 40 * GBQ, start, end, main),
        Limit("Tc-99m", 40 * GBQ, start, end, main),
        # the one that expires soon: the dashboard's "licences expiring within 60 days"
        Limit("I-131", 2 * GBQ, start, at(day, 40, 0, 0, tz),
              "Temporary permit NOC-RD-T-031: I-131 for thyroid uptake (commissioning)"),
        Limit(None, 80 * GBQ, start, end, main),
    ]


# ------------------------------------------------------------------ the supplier
def supplier_history(db: Database, actor: Actor, site_id: int, day: date) -> None:
    tz = SUPPLIER_TIMEZONE

    def t(days: int, hour: int, minute: int = 0) -> datetime:
        return at(day, days, hour, minute, tz)

    def lot(days: int) -> str:
        return f"{day + timedelta(days=days):%y%m%d}"

    def receive(kind: str, nuclide: str, bq: float, ref: datetime, received: datetime,
                label: str, note: str, volume_ml: float | None = None) -> int:
        return ledger.receive(db, actor, site_id=site_id, kind=kind, nuclide=nuclide,
                              activity_bq=bq, reference_at=ref, received_at=received,
                              volume_ml=volume_ml, label=label, note=note).id

    def ship(cid: int, when: datetime, bq: float, note: str) -> None:
        ledger.withdraw(db, actor, cid, at=when, activity_bq=bq, note=note)

    receive("sealed_source", "Co-60", 444 * TBQ, t(-31, 0), t(-30, 8),
            f"Co-60 irradiator source pencil, serial CS-{lot(-31)}-12",
            "Special-form sealed source, 444 TBq (12 kCi) at reference, made for a gamma "
            "irradiation centre under a multi-year Co-60 supply contract; in the storage pool "
            "awaiting a Type B(U) shipment")
    receive("generator", "Ge-68", 1.85 * GBQ, t(-20, 12), t(-14, 8),
            f"Ge-68/Ga-68 generator, serial GG-{lot(-20)}-03",
            "1.85 GBq Ge-68 at calibration; for a PET centre in Almaty, Kazakhstan "
            "(Ga-68 generator supply), awaiting dispatch")
    old_mo = receive("vial", "Mo-99", 1.2 * TBQ, t(-9, 6), t(-9, 6),
                     f"Sodium molybdate Mo-99, bulk lot M-{lot(-9)}",
                     "Bulk Mo-99 at end of processing, 1.2 TBq in 40 mL", volume_ml=40.0)
    ship(old_mo, t(-9, 10), 150 * GBQ, f"Weekly Mo-99 lot for Havana (Cuban hospitals), "
         f"consignment HAV-{lot(-9)}")
    i131 = receive("vial", "I-131", 740 * GBQ, t(-6, 8), t(-6, 8),
                   f"Sodium iodide I-131 solution, bulk lot I-{lot(-6)}",
                   "Bulk solution, 740 GBq in 20 mL at reference", volume_ml=20.0)
    ship(old_mo, t(-5, 9), 250 * GBQ, f"Mo-99 to the generator line: GT-4K batch {lot(-3)} "
         "(one generator for the National Oncology Centre, Bishkek)")
    ship(i131, t(-5, 10), 37 * GBQ, f"Weekly I-131 lot for Havana (Cuban hospitals), "
         f"consignment HAV-{lot(-5)}")
    ship(i131, t(-4, 11), 111 * GBQ, f"I-131 for the five-year supply contract with Brazil, "
         f"shipment BR-{lot(-4)}")
    mo = receive("vial", "Mo-99", 2 * TBQ, t(-2, 6), t(-2, 6),
                 f"Sodium molybdate Mo-99, bulk lot M-{lot(-2)}",
                 "Bulk Mo-99 at end of processing, 2 TBq in 40 mL", volume_ml=40.0)
    ship(mo, t(-2, 10), 150 * GBQ, f"Weekly Mo-99 lot for Havana (Cuban hospitals), "
         f"consignment HAV-{lot(-2)}")
    ship(mo, t(-2, 14), 400 * GBQ, f"Mo-99 to the generator line: GT-4K batch {lot(0)} "
         "(generators and MAA kits for Minsk, Belarus)")
    ship(mo, t(-1, 9), 300 * GBQ, "Mo-99 to the generator line: GT-4K generators for "
         "domestic hospitals")
    ship(i131, t(-1, 10), 18.5 * GBQ, "I-131 capsules for domestic hospitals")
    receive("generator", "Mo-99", GENERATOR_BQ, t(0, 9), t(-1, 16),
            f"GT-4K Mo-99/Tc-99m generator, lot GT4K-{lot(0)}-02",
            f"19 GBq Mo-99 at calibration {_local(t(0, 9), tz)} Moscow time; for Minsk, "
            "Belarus (uninterrupted supply of generators and Macrotech-type MAA kits), "
            "awaiting dispatch")
    ledger.dispose(db, actor, old_mo, at=t(-1, 16),
                   note="Residue of the lot after the week's shipments, to radioactive waste")
