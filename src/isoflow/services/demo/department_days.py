"""The demo department's week, as data: who comes, for what, on which camera and when.

Pure and deterministic for a given anchor day (isoflow.services.demo.history.anchor_day): the
working days (Monday to Friday) from four calendar days before the anchor day to three after,
20–30 appointments a day on two SPECT cameras, every one a Tc-99m procedure (the department's
"more than 80 %"), a child or two a day dosed by the EANM card. Activities are the procedures'
typical adult values (reference/clinical_procedures.csv) or, where the reference gives only a
range, a value inside it that the demo's physician prescribes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

MBQ = 1e6

#: (procedure code, camera 1 or 2, minutes of camera time, activity to prescribe [MBq] or
#: None for the catalogue's rule, weight [kg] of a child or None for an adult)
Booking = tuple[str, int, int, float | None, float | None]

#: the day's bookings before shuffling: 24 studies, two of them children
BASE_DAY: tuple[Booking, ...] = (
    *(("BONE_BISPHOSPHONATE", 1, 30, None, None),) * 7,
    ("BONE_BISPHOSPHONATE", 1, 30, None, 24.0),
    ("MPI_TETRO_STRESS", 1, 30, 250.0, None),
    ("MPI_TETRO_REST", 1, 30, 600.0, None),
    ("MPI_TETRO_STRESS", 1, 30, 220.0, None),
    ("MPI_TETRO_REST", 1, 30, 650.0, None),
    ("THYROID_TCO4", 2, 20, 80.0, None),
    ("THYROID_TCO4", 2, 20, 75.0, None),
    ("THYROID_TCO4", 2, 20, 80.0, None),
    ("LUNG_PERF_MAA", 2, 30, 150.0, None),
    ("LUNG_PERF_MAA", 2, 30, 120.0, None),
    ("RENAL_DTPA", 2, 30, 200.0, None),
    ("RENAL_DTPA", 2, 30, 185.0, None),
    ("RENAL_MAG3", 2, 30, None, None),
    ("RENAL_DMSA", 2, 30, None, 20.0),
    ("PARATHYROID_MIBI", 2, 30, 600.0, None),
    ("SLN_BREAST", 2, 20, 150.0, None),
    ("HEPATOBILIARY_IDA", 2, 40, None, None),
)
#: extra studies on busier days (20-30 a day)
EXTRA: tuple[Booking, ...] = (
    ("BONE_BISPHOSPHONATE", 1, 30, None, None),
    ("THYROID_TCO4", 2, 20, 80.0, None),
    ("RENAL_DTPA", 2, 30, 200.0, None),
    ("LUNG_PERF_MAA", 2, 30, 100.0, None),
)

FAMILY = ("Asanov", "Abdyldaev", "Toktogulov", "Sadykov", "Mamytov", "Ismailov", "Bekov",
          "Kasymov", "Omurbekov", "Zhumabaev", "Ivanov", "Petrov", "Sydykov", "Usenov",
          "Alymkulov", "Nurmatov", "Kim", "Tashiev", "Osmonov", "Kuznetsov")
GIVEN_M = ("Nurlan", "Bakyt", "Aibek", "Timur", "Azamat", "Ruslan", "Erlan", "Sergei",
           "Marat", "Daniyar")
GIVEN_F = ("Aigerim", "Gulnara", "Aizhan", "Cholpon", "Elena", "Nazira", "Asel", "Dinara",
           "Zarina", "Olga")


@dataclass(frozen=True)
class DemoAppointment:
    day: date
    at: time  # local time of the injection
    procedure: str
    camera: int  # 1 or 2
    record_number: str
    family_name: str
    given_name: str
    sex: str
    birth_date: date
    weight_kg: float
    child: bool
    prescribe_mbq: float | None


def working_days(anchor: date) -> list[date]:
    days = [anchor + timedelta(days=d) for d in range(-4, 4)]
    return [d for d in days if d.weekday() < 5]


def _patient(rng: random.Random, day: date, n: int, child_kg: float | None
             ) -> tuple[str, str, str, str, date, float]:
    sex = rng.choice("FM")
    family = rng.choice(FAMILY)
    if sex == "F" and family.endswith(("ov", "ev")):
        family += "a"  # Asanov → Asanova
    given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
    if child_kg is not None:
        age = 4 + int(child_kg // 5)
        weight = child_kg
    else:
        age = rng.randint(28, 82)
        weight = float(rng.randint(52, 104))
    birth = date(day.year - age, rng.randint(1, 12), rng.randint(1, 28))
    record = f"KG-{day:%y%m%d}-{n:03d}"
    return record, family, given, sex, birth, weight


def day_bookings(day: date) -> list[DemoAppointment]:
    """The appointments of one working day, in time order on each camera."""
    rng = random.Random(day.toordinal())
    bookings = list(BASE_DAY) + list(EXTRA[:rng.randint(0, len(EXTRA))])
    bookings = bookings[:30]
    if rng.random() < 0.5:
        bookings = bookings[:-4]  # a lighter day: 20-24
    rng.shuffle(bookings)
    clock = {1: 8 * 60 + 30, 2: 8 * 60 + 30}
    out: list[DemoAppointment] = []
    for n, (code, camera, minutes, mbq, child_kg) in enumerate(bookings, 1):
        start = clock[camera]
        clock[camera] += minutes
        record, family, given, sex, birth, weight = _patient(rng, day, n, child_kg)
        out.append(DemoAppointment(
            day=day, at=time(start // 60, start % 60), procedure=code, camera=camera,
            record_number=record, family_name=family, given_name=given, sex=sex,
            birth_date=birth, weight_kg=weight, child=child_kg is not None,
            prescribe_mbq=mbq))
    return sorted(out, key=lambda a: (a.at, a.camera))
