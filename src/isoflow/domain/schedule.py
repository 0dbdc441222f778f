"""Pure rules of the department's schedule (issue #10): a patient's age at a date, who is a
child for dosage, the accession number of an appointment, a birth date's plausible range, a
patient's sex code and the local day of a site as a UTC interval."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from isoflow.errors import InvalidInput

#: below this age at the appointment the EANM paediatric card applies
ADULT_AGE_YEARS = 18
#: the earliest birth date accepted (an earlier one is a typing error)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
#: F female, M male, O other, U unknown (HL7 v2 administrative sex, without A and N)
SEXES: tuple[str, ...] = ("F", "M", "O", "U")
#: the longest accession number DICOM allows (SH)
ACCESSION_MAX = 16
APPOINTMENT_STATUSES: tuple[str, ...] = ("scheduled", "prescribed", "drawn", "administered",
                                         "completed", "cancelled")
#: statuses in which the appointment can still be changed (no dose drawn yet)
OPEN_STATUSES: tuple[str, ...] = ("scheduled", "prescribed")


def age_years(birth_date: date, on: date) -> int:
    """Completed years of life on ``on`` (a birthday on 29 February counts on 1 March in
    common years)."""
    if on < birth_date:
        raise InvalidInput(f"the date {on.isoformat()} is before the birth date "
                           f"{birth_date.isoformat()}", field="birth_date")
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_child(birth_date: date, on: date) -> bool:
    """Younger than 18 on ``on``: dosed by the EANM paediatric card."""
    return age_years(birth_date, on) < ADULT_AGE_YEARS


def check_birth_date(value: date, today: date, *, field: str = "birth_date") -> date:
    """A birth date neither in the future nor before 1900."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field)
    if value > today:
        raise InvalidInput(f"birth date {value.isoformat()} is in the future", field=field)
    if value < EARLIEST_BIRTH_DATE:
        raise InvalidInput(f"birth date {value.isoformat()} is before "
                           f"{EARLIEST_BIRTH_DATE.isoformat()}", field=field)
    return value


def check_sex(value: str, *, field: str = "sex") -> str:
    if value not in SEXES:
        raise InvalidInput(f"sex {value!r} is not one of {', '.join(SEXES)} (female, male, "
                           "other, unknown)", field=field)
    return value


def accession_number(day: date, appointment_id: int) -> str:
    """``A`` + the day as YYMMDD + the appointment id (at least 5 digits): unique because
    the id is, at most 16 characters (DICOM SH) for ids below 10⁹."""
    if appointment_id < 1:
        raise ValueError(f"appointment id {appointment_id} is not positive")
    value = f"A{day:%y%m%d}{appointment_id:05d}"
    if len(value) > ACCESSION_MAX:
        raise ValueError(f"accession number {value} is longer than {ACCESSION_MAX}")
    return value


def local_day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC interval [start, end) of ``day`` in ``timezone`` (23 or 25 hours long on a
    daylight-saving change)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_date(at: datetime, timezone: str) -> date:
    """The calendar date of the aware time ``at`` in ``timezone``."""
    return at.astimezone(ZoneInfo(timezone)).date()


def overlaps(start_a: datetime, minutes_a: int, start_b: datetime, minutes_b: int) -> bool:
    """Two camera bookings [start, start + minutes) share some time."""
    end_a = start_a + timedelta(minutes=max(minutes_a, 0))
    end_b = start_b + timedelta(minutes=max(minutes_b, 0))
    return start_a < end_b and start_b < end_a
