from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from isoflow.errors import InvalidInput
from isoflow.physics.units import (
    format_activity,
    parse_activity,
    parse_datetime,
    parse_duration,
    parse_timezone,
)


@pytest.mark.parametrize(("text", "bq"), [
    ("10 GBq", 1e10), ("1 Bq", 1.0), ("2.5kBq", 2500.0), ("3 MBq", 3e6), ("1 TBq", 1e12),
    ("1 Ci", 3.7e10), ("27 mCi", 9.99e8), ("1 uCi", 3.7e4), ("1 µCi", 3.7e4), ("1 μCi", 3.7e4),
    ("2 kCi", 7.4e13), ("5e8", 5e8), (7.0, 7.0), (0, 0.0)])
def test_activities(text: str | float, bq: float) -> None:
    assert parse_activity(text) == pytest.approx(bq)


@pytest.mark.parametrize(("text", "fragment"), [
    ("10 mbq", "case-sensitive"), ("10 XBq", "unknown activity unit"), ("-1 MBq", "negative"),
    ("abc", "not a number"), ("nan", "not a number"), (float("inf"), "finite"),
    (True, "not a number")])
def test_bad_activities(text: object, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment) as err:
        parse_activity(text)  # type: ignore[arg-type]
    assert err.value.field == "activity"


@pytest.mark.parametrize(("text", "seconds"), [
    ("6 h", 21600), ("90 min", 5400), ("1 h 30 min", 5400), ("PT6H", 21600), ("P2DT3H", 183600),
    ("PT1M30S", 90), ("2 d", 172800), ("1 y", 365.2422 * 86400), ("45 s", 45), (12.5, 12.5),
    (timedelta(hours=2), 7200), ("3600", 3600)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "fragment"), [
    ("6 m", "ambiguous"), ("P1M", "months"), ("PT", "ISO 8601"), ("6 parsecs", "unknown time"),
    ("soon", "not understood")])
def test_bad_durations(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_duration(text)


def test_datetimes_are_aware_and_utc() -> None:
    want = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert parse_datetime("2026-11-22T12:00+03:00") == want
    assert parse_datetime("2026-11-22T09:00Z") == want
    assert parse_datetime("2026-11-22T12:00 Europe/Moscow") == want
    # "12:00 Havana" and "06:00 Moscow" are different instants
    assert parse_datetime("2026-03-02T12:00 America/Havana").hour == 17
    aware = datetime(2026, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))
    assert parse_datetime(aware) == datetime(2026, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "fragment"), [
    ("2026-11-22T12:00", "no time zone"), (datetime(2026, 1, 1), "no time zone"),
    ("2026-11-22T12:00 Mars/Base", "unknown time zone"), ("tomorrow", "ISO 8601"),
    ("2026-11-22T12:00+03:00 Europe/Moscow", "both")])
def test_bad_datetimes(text: object, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_datetime(text)  # type: ignore[arg-type]


def test_timezone_and_format() -> None:
    assert parse_timezone("Asia/Bishkek").key == "Asia/Bishkek"
    with pytest.raises(InvalidInput, match="time zone"):
        parse_timezone("Asia/Atlantis")
    assert format_activity(1.5e10) == "15 GBq"
    assert format_activity(3.7e10, "mCi") == "1000 mCi"
