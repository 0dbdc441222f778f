"""One time syntax (issue 13 item 7) and IANA zone names only (item 5): isoflow.physics.times,
and its regular expression for the OpenAPI document, which must accept what the parser does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoflow.errors import InvalidInput
from isoflow.physics import units
from isoflow.physics.times import (
    TIME_EXAMPLES,
    TIME_PATTERN,
    parse_datetime,
    parse_timezone,
    time_zone_names,
)

BOTH = ("'2026-11-22T12:00+03:00'", "'2026-11-22T12:00 Europe/Moscow'")


def test_both_forms_are_the_same_instant() -> None:
    want = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for text in (*TIME_EXAMPLES, "2026-11-22T09:00Z", "2026-11-22 12:00+0300",
                 "2026-11-22T09:00:00.000000Z", "2026-11-22 12:00 Europe/Moscow",
                 "2026-11-22T04:00 Etc/GMT+5", "2026-11-22T09:00 UTC"):
        assert parse_datetime(text) == want, text
    # a zone name is resolved with its rules at that date: Havana is UTC-5 in November,
    # UTC-4 in summer
    assert parse_datetime("2026-11-22T12:00 America/Havana").hour == 17
    assert parse_datetime("2026-07-01T12:00 America/Havana").hour == 16
    assert parse_datetime(datetime(2026, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))) \
        == datetime(2026, 1, 1, tzinfo=UTC)
    assert units.parse_datetime is parse_datetime  # one parser, re-exported


def test_a_naive_time_is_refused_with_both_forms() -> None:
    for naive in ("2026-11-22T12:00", datetime(2026, 11, 22, 12)):
        with pytest.raises(InvalidInput, match="no time zone") as exc:
            parse_datetime(naive, field="at")  # type: ignore[arg-type]
        assert all(form in exc.value.message for form in BOTH) and exc.value.field == "at"


def test_daylight_saving_gaps_and_folds_are_refused_with_the_offsets() -> None:
    with pytest.raises(InvalidInput, match="does not exist") as exc:
        parse_datetime("2026-03-29T02:30 Europe/Berlin")  # clocks go 02:00 -> 03:00
    assert "+01:00" in exc.value.message and "+02:00" in exc.value.message
    with pytest.raises(InvalidInput, match="ambiguous") as exc:
        parse_datetime("2026-10-25T02:30 Europe/Berlin")  # 02:00-03:00 happens twice
    assert "'2026-10-25T02:30+02:00' (the first)" in exc.value.message
    # either side of a change, and the offset form inside it, are fine
    assert parse_datetime("2026-03-29T03:30 Europe/Berlin").hour == 1
    assert parse_datetime("2026-10-25T02:30+01:00").hour == 1


@pytest.mark.parametrize(("value", "fragment"), [
    (0.5, "not a number"), (1_700_000_000, "not a number"), ("0.5", "not understood"),
    ("1700000000", "not understood"), ("tomorrow", "ISO 8601"), ("2026-11-22", "time of day"),
    ("2026-02-29T12:00Z", "not a calendar date"), ("2026-11-22T24:00Z", "not a calendar"),
    ("2026-11-22T12:00:60Z", "not a calendar"), ("2026-11-22T12:00+24:00", "offset"),
    ("2026-11-22T12:00:00.1234567Z", "6 decimals"), ("1899-12-31T12:00Z", "1900-2199"),
    ("2200-01-01T00:00Z", "1900-2199"), ("0001-01-01T00:00Z", "1900-2199"),
    ("2026-11-22T12:00+03:00 Europe/Moscow", "both"), (" 2026-11-22T12:00Z", "not understood"),
    ("2026-11-22T12:00 Mars/Base", "unknown time zone"),
    ("2026-11-22T12:00 03:00", "%2B"),  # a '+' unescaped in a URL query
    ("2026-11-22T12:00 europe/moscow", "did you mean 'Europe/Moscow'"),
    ("2026-11-22T12:00 localtime", "not the time zone of a place"),
    ("2026-11-22T12:00 right/UTC", "not the time zone of a place"),
])
def test_what_is_not_a_time(value: object, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_datetime(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "right/UTC",
                                  "posix/UTC", "posix/Europe/Moscow", "Mars/Base", "",
                                  "../etc/passwd", "europe/moscow"])
def test_only_iana_names_are_time_zones(name: str) -> None:
    with pytest.raises(InvalidInput, match="time zone") as exc:
        parse_timezone(name)
    assert exc.value.field == "timezone"


@pytest.mark.parametrize("name", ["UTC", "Etc/GMT+5", "Europe/Moscow", "Asia/Bishkek",
                                  "America/Havana", "America/Argentina/Buenos_Aires"])
def test_iana_names_stay_valid(name: str) -> None:
    assert parse_timezone(name).key == name
    assert name in time_zone_names()


def test_the_zone_list_is_iana_not_the_host() -> None:
    names = time_zone_names()
    assert 400 < len(names) < 1000
    assert not {"localtime", "posixrules", "Factory"} & names
    assert not any(n.startswith(("posix/", "right/")) for n in names)


# ---------------------------------------------------------------- the pattern is the parser
PATTERN = jsonschema_rs.validator_for({"type": "string", "pattern": TIME_PATTERN})


def _accepted(text: str) -> bool:
    try:
        parse_datetime(text)
    except InvalidInput as exc:
        # the only refusals a regular expression cannot state: daylight-saving changes
        return "daylight-saving" in exc.message
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.from_regex(TIME_PATTERN, fullmatch=True))
def test_every_string_of_the_pattern_is_a_time(text: str) -> None:
    assert PATTERN.is_valid(text)
    assert _accepted(text), text


ZONES = sorted(time_zone_names())
PARTS = st.tuples(
    st.sampled_from(["1899", "1900", "1904", "2000", "2024", "2026", "2100", "2199", "2200",
                     "20x6", "999"]),
    st.sampled_from(["01", "02", "04", "12", "13", "00", "1"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
    st.sampled_from(["T", " ", "t", "", "  "]),
    st.sampled_from(["00:00", "23:59", "24:00", "12:60", "12:00:59", "12:00:60",
                     "12:00:00.5", "12:00:00.123456", "12:00:00.1234567", "12", "12:00:00."]),
    st.sampled_from(["Z", "z", "+03:00", "-0330", "+23:59", "+24:00", "+03", "+03:60", "",
                     " UTC", " Etc/GMT+5", " Europe/Moscow", " localtime", " right/UTC",
                     " Factory", " Mars/Base", "+03:00 Europe/Moscow", "  Europe/Moscow",
                     " europe/moscow", "Z ", " 03:00", *(f" {z}" for z in ZONES[::40])]),
)


@settings(max_examples=600, deadline=None)
@given(parts=PARTS)
def test_the_parser_accepts_exactly_what_the_pattern_matches(
        parts: tuple[str, str, str, str, str, str]) -> None:
    year, month, day, sep, clock, zone = parts
    text = f"{year}-{month}-{day}{sep}{clock}{zone}"
    assert PATTERN.is_valid(text) == _accepted(text), text
