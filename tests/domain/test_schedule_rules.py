"""Pure schedule rules: age at a date, child or adult, birth-date range, sex codes, accession
numbers, a site's local day as a UTC interval, camera overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from isoflow.domain import schedule as rules
from isoflow.errors import InvalidInput


@pytest.mark.parametrize(("born", "on", "age"), [
    (date(2010, 6, 15), date(2026, 6, 14), 15),
    (date(2010, 6, 15), date(2026, 6, 15), 16),
    (date(2008, 2, 29), date(2026, 2, 28), 17),  # leap-day birthday counts on 1 March
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2026, 1, 1), date(2026, 1, 1), 0),
])
def test_age_years(born: date, on: date, age: int) -> None:
    assert rules.age_years(born, on) == age


def test_child_until_the_eighteenth_birthday() -> None:
    born = date(2008, 12, 5)
    assert rules.is_child(born, date(2026, 12, 4))
    assert not rules.is_child(born, date(2026, 12, 5))


def test_age_before_birth_is_refused() -> None:
    with pytest.raises(InvalidInput) as e:
        rules.age_years(date(2020, 1, 2), date(2020, 1, 1))
    assert e.value.field == "birth_date"


def test_birth_date_range() -> None:
    today = date(2026, 12, 5)
    assert rules.check_birth_date(date(1900, 1, 1), today) == date(1900, 1, 1)
    assert rules.check_birth_date(today, today) == today
    for bad in (date(1899, 12, 31), today + timedelta(days=1)):
        with pytest.raises(InvalidInput) as e:
            rules.check_birth_date(bad, today)
        assert e.value.field == "birth_date"


def test_sex_codes() -> None:
    assert [rules.check_sex(s) for s in "FMOU"] == list("FMOU")
    with pytest.raises(InvalidInput) as e:
        rules.check_sex("X")
    assert e.value.field == "sex" and "F, M, O, U" in e.value.message


def test_accession_number_format_and_length() -> None:
    assert rules.accession_number(date(2026, 12, 5), 42) == "A26120500042"
    longest = rules.accession_number(date(2026, 12, 5), 999_999_999)
    assert len(longest) == 16 and longest.startswith("A261205")
    assert rules.accession_number(date(2026, 12, 5), 1) != rules.accession_number(
        date(2026, 12, 5), 2)
    with pytest.raises(ValueError):
        rules.accession_number(date(2026, 12, 5), 1_000_000_000)
    with pytest.raises(ValueError):
        rules.accession_number(date(2026, 12, 5), 0)


def test_local_day_in_bishkek_is_18_to_18_utc() -> None:
    start, end = rules.local_day_bounds(date(2026, 12, 5), "Asia/Bishkek")  # UTC+6
    assert start == datetime(2026, 12, 4, 18, tzinfo=UTC)
    assert end == datetime(2026, 12, 5, 18, tzinfo=UTC)
    assert rules.local_date(datetime(2026, 12, 4, 18, tzinfo=UTC), "Asia/Bishkek") == \
        date(2026, 12, 5)
    assert rules.local_date(datetime(2026, 12, 4, 17, 59, tzinfo=UTC), "Asia/Bishkek") == \
        date(2026, 12, 4)


def test_local_day_across_daylight_saving_is_23_hours() -> None:
    start, end = rules.local_day_bounds(date(2026, 3, 29), "Europe/Berlin")
    assert end - start == timedelta(hours=23)


def test_overlaps() -> None:
    t = datetime(2026, 12, 5, 3, tzinfo=UTC)
    assert rules.overlaps(t, 30, t + timedelta(minutes=29), 30)
    assert not rules.overlaps(t, 30, t + timedelta(minutes=30), 30)
    assert rules.overlaps(t + timedelta(minutes=10), 5, t, 60)
    assert not rules.overlaps(t, 0, t - timedelta(minutes=30), 30)
