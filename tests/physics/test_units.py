from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from radioactivedecay.converters import UnitConverterFloat

from isoflow.errors import InvalidInput
from isoflow.physics.units import (
    ACTIVITY_UNITS_BQ,
    DURATION_UNITS_S,
    MASS_UNITS_G,
    MOLE_UNITS_MOL,
    YEAR_S,
    Kind,
    format_activity,
    parse_activity,
    parse_datetime,
    parse_duration,
    parse_mass,
    parse_moles,
    parse_quantity,
    parse_timezone,
    unit_factor,
)

TABLES: dict[Kind, dict[str, float]] = {
    "activity": ACTIVITY_UNITS_BQ, "time": DURATION_UNITS_S, "mass": MASS_UNITS_G,
    "moles": MOLE_UNITS_MOL}


@pytest.mark.parametrize(("text", "bq"), [
    ("10 GBq", 1e10), ("1 Bq", 1.0), ("2.5kBq", 2500.0), ("3 MBq", 3e6), ("1 TBq", 1e12),
    ("1 Ci", 3.7e10), ("27 mCi", 9.99e8), ("1 uCi", 3.7e4), ("1 µCi", 3.7e4), ("1 μCi", 3.7e4),
    ("2 kCi", 7.4e13), ("5e8", 5e8), (7.0, 7.0), (0, 0.0),
    # what radioactivedecay and dose-calibrator users write (issue 13, item 10)
    ("1 mBq", 1e-3), ("1 pBq", 1e-12), ("1 nBq", 1e-9), ("1 uBq", 1e-6), ("1 µBq", 1e-6),
    ("1 μBq", 1e-6), ("1 PBq", 1e15), ("1 EBq", 1e18), ("1 pCi", 0.037), ("1 nCi", 37.0),
    ("1 MCi", 3.7e16), ("1 GCi", 3.7e19), ("1 TCi", 3.7e22), ("1 PCi", 3.7e25),
    ("1 ECi", 3.7e28), ("60 dpm", 1.0), ("3 dps", 3.0)])
def test_activities(text: str | float, bq: float) -> None:
    assert parse_activity(text) == pytest.approx(bq)


@pytest.mark.parametrize(("text", "fragment"), [
    ("10 mbq", "case-sensitive"), ("10 XBq", "unknown activity unit"), ("-1 MBq", "negative"),
    ("abc", "not a number"), ("nan", "not a number"), (float("inf"), "finite"),
    (True, "not a number"), ("1 Gy", "gigayear, and only in a time"),
    ("1 cpm", "count rate"), ("1 Hz", "frequency"), ("1 mg", "'mg' is a mass unit"),
    ("1 h", "'h' is a time unit"), ("1 m", "unknown activity unit 'm'")])
def test_bad_activities(text: object, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment) as err:
        parse_activity(text)  # type: ignore[arg-type]
    assert err.value.field == "activity"


@pytest.mark.parametrize(("text", "seconds"), [
    ("6 h", 21600), ("90 min", 5400), ("1 h 30 min", 5400), ("PT6H", 21600), ("P2DT3H", 183600),
    ("PT1M30S", 90), ("2 d", 172800), ("1 y", 365.2422 * 86400), ("45 s", 45), (12.5, 12.5),
    (timedelta(hours=2), 7200), ("3600", 3600),
    ("5 ps", 5e-12), ("5 ns", 5e-9), ("5 us", 5e-6), ("5 µs", 5e-6), ("5 ms", 5e-3),
    ("1 ky", 1e3 * YEAR_S), ("2 My", 2e6 * YEAR_S), ("4.5 Gy", 4.5e9 * YEAR_S),
    ("1 By", 1e9 * YEAR_S), ("1 Ty", 1e12 * YEAR_S), ("1 Py", 1e15 * YEAR_S),
    ("1 a", YEAR_S)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "fragment"), [
    ("6 m", "ambiguous"), ("P1M", "months"), ("PT", "ISO 8601"), ("6 parsecs", "unknown time"),
    ("soon", "not understood"), ("6 M", "ambiguous"), ("1 GBq", "'GBq' is an activity unit")])
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


# ---------------------------------------------------------------- issue 13, item 10
@pytest.mark.parametrize(("text", "both"), [
    ("1 mbq", ("'mBq' = 0.001 Bq", "'MBq' = 1e+06 Bq")),
    ("1 Mbq", ("'mBq' = 0.001 Bq", "'MBq' = 1e+06 Bq")),
    ("1 MBQ", ("'mBq' = 0.001 Bq", "'MBq' = 1e+06 Bq")),
    ("1 mci", ("'mCi' = 3.7e+07 Bq", "'MCi' = 3.7e+16 Bq")),
    ("1 pbq", ("'pBq' = 1e-12 Bq", "'PBq' = 1e+15 Bq"))])
def test_a_unit_of_two_magnitudes_is_never_suggested(text: str, both: tuple[str, str]) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_activity(text)
    message = err.value.message
    assert "case-sensitive" in message and "did you mean" not in message
    assert all(b in message for b in both), message


@pytest.mark.parametrize(("parse", "text", "meant"), [
    (parse_activity, "1 gbq", "'GBq' = 1e+09 Bq"), (parse_activity, "1 Kbq", "'kBq' = 1000 Bq"),
    (parse_activity, "1 bq", "'Bq' = 1 Bq"), (parse_activity, "1 DPM", "'dpm'"),
    (parse_activity, "1 UCI", "'uCi' = 37000 Bq"), (parse_duration, "1 MIN", "'min' = 60 s"),
    (parse_duration, "1 MY", "'My'"), (parse_mass, "1 KG", "'kg' = 1000 g"),
    (parse_moles, "1 MOL", "'mol' = 1 mol")])
def test_a_unit_of_one_magnitude_is_suggested(parse: Callable[[str], float], text: str,
                                              meant: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"did you mean {meant}")):
        parse(text)


@pytest.mark.parametrize(("parse", "text"), [
    (parse_duration, "1 Ms"), (parse_duration, "1 PS"), (parse_duration, "1 my"),
    (parse_duration, "1 py")])
def test_a_prefix_read_as_typed_is_not_swapped(parse: Callable[[str], float], text: str
                                               ) -> None:
    """'Ms' reads as megaseconds: 'ms' (10⁹ smaller) is listed, never suggested."""
    with pytest.raises(InvalidInput, match="is none of") as err:
        parse(text)
    assert "did you mean" not in err.value.message


def test_no_suggestion_crosses_a_magnitude() -> None:
    """Every mis-cased spelling of every unit: a suggested unit shares its letters' only
    magnitude, and a typed SI prefix keeps its magnitude."""
    for kind, table in TABLES.items():
        for unit in table:
            for typo in {unit.lower(), unit.upper(), unit.swapcase(), unit.capitalize()}:
                if typo in table or typo in ("m", "M"):
                    continue
                with pytest.raises(InvalidInput) as err:
                    unit_factor(typo, (kind,))
                m = re.search(r"did you mean '([^']+)' = ", err.value.message)
                if m is None:
                    continue
                fold = m.group(1).casefold().replace("μ", "u")
                magnitudes = {f for u, f in table.items()
                              if u.casefold().replace("μ", "u") == fold}
                assert magnitudes == {table[m.group(1)]}, (typo, m.group(1))
                prefix = {"p": 1e-12, "n": 1e-9, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9,
                          "T": 1e12, "P": 1e15, "E": 1e18}.get(typo[0])
                base = [f for u, f in table.items() if u.casefold() == typo[1:].casefold()]
                if prefix and len(typo) > 1 and len(set(base)) == 1:
                    assert prefix * base[0] == pytest.approx(table[m.group(1)]), typo


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("1 mg", "mass", 1e-3), ("2.5 µg", "mass", 2.5e-6), ("3 ng", "mass", 3e-9),
    ("1 kg", "mass", 1e3), ("1 t", "mass", 1e6), ("2 mmol", "moles", 2e-3),
    ("1 umol", "moles", 1e-6), ("10 GBq", "activity", 1e10), ("5", "activity", 5.0),
    (7.0, "activity", 7.0), ("1 mBq", "activity", 1e-3), ("1 Mg", "mass", 1e6)])
def test_amounts_tell_their_kind_by_the_unit(text: str | float, kind: str, value: float
                                             ) -> None:
    got = parse_quantity(text, ("activity", "mass", "moles"), field="x")
    assert got[0] == kind and got[1] == pytest.approx(value, rel=1e-15)


def test_masses_and_moles() -> None:
    assert parse_mass("1 mg") == pytest.approx(1e-3)
    assert parse_mass(2.0) == 2.0  # a bare number is grams
    assert parse_moles("3") == 3.0  # and mol
    for text, fragment in [("1 MG", "'mg' = 0.001 g, 'Mg' = 1e+06 g"), ("-1 mg", "negative"),
                           ("1 ton", "unknown mass unit"), ("1 GBq", "activity unit")]:
        with pytest.raises(InvalidInput, match=re.escape(fragment)) as err:
            parse_mass(text)
        assert err.value.field == "mass"
    with pytest.raises(InvalidInput, match=re.escape("'mmol' = 0.001 mol, 'Mmol' = 1e+06 mol")):
        parse_moles("1 MMOL")


def test_tables_are_radioactivedecays() -> None:
    """Same names, same float factors, except rd's 'm' (minutes: ambiguous) and 'ton'."""
    rd = UnitConverterFloat
    year_d = 365.2422
    for unit, f in rd.activity_units.items():
        assert ACTIVITY_UNITS_BQ[unit] == f, unit
    for unit, f in rd.time_units.items():
        if unit != "m":
            assert DURATION_UNITS_S[unit] == (f * year_d if unit in rd.year_units else f), unit
    for unit, f in rd.mass_units.items():
        if unit != "ton":
            assert MASS_UNITS_G[unit] == f, unit
    for unit, f in rd.moles_units.items():
        assert MOLE_UNITS_MOL[unit] == f, unit
    assert "m" not in DURATION_UNITS_S and "ton" not in MASS_UNITS_G
    assert "Gy" not in ACTIVITY_UNITS_BQ and DURATION_UNITS_S["Gy"] == DURATION_UNITS_S["By"]


def test_readme_lists_exactly_the_accepted_units() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("\n- activity: "):]
    block = block[:block.index("\n\n")]
    listed = {m.group(1): set(re.findall(r"`([^`]+)`", m.group(2)))
              for m in re.finditer(r"^- (\w+): (.*?)(?=^- |\Z)", block.strip(), re.M | re.S)}
    assert set(listed) == set(TABLES)
    for kind, table in TABLES.items():
        spelled = {u.replace("µ", mu) for u in listed[kind] for mu in ("µ", "u", "μ")}
        assert spelled == set(table), kind


@pytest.mark.parametrize(("text", "bq"), [
    ("150 ГБк", 150e9), ("740 МБк", 740e6), ("3 кБк", 3e3), ("2 мБк", 2e-3),
    ("1 мкБк", 1e-6), ("10 мКи", 10 * 3.7e7), ("1 мкКи", 3.7e4), ("2 Ки", 7.4e10),
])
def test_russian_activity_units_are_the_si_ones(text: str, bq: float) -> None:
    """A Russian user writes the units as GOST 8.417 does (МБк, ГБк, мКи); the pages' Russian
    hints say so. The magnitudes are the SI prefixes', case-sensitive like the Latin ones."""
    assert parse_activity(text) == pytest.approx(bq, rel=1e-15)
    latin = text.replace("мкБк", "µBq").replace("мкКи", "µCi").replace("Бк", "Bq") \
        .replace("Ки", "Ci").replace("мBq", "mBq").replace("мCi", "mCi") \
        .replace("кBq", "kBq").replace("МBq", "MBq").replace("ГBq", "GBq")
    assert parse_activity(latin) == parse_activity(text)


def test_a_russian_unit_in_the_wrong_case_is_never_guessed() -> None:
    with pytest.raises(InvalidInput, match=re.escape("'мБк' = 0.001 Bq, 'МБк' = 1e+06 Bq")):
        parse_activity("5 мбк")
    with pytest.raises(InvalidInput, match="did you mean 'ГБк'"):
        parse_activity("5 гбк")


@pytest.mark.parametrize("text", ["7,4 МБк", "1,000 MBq", "1,5"])
def test_a_comma_in_the_number_is_refused_with_the_reason(text: str) -> None:
    """A decimal comma (Russian) and a thousands comma (English) read differently: neither
    is guessed, and the message says what to write instead of 'unknown unit ,4 МБк'."""
    with pytest.raises(InvalidInput, match="has a comma: decimals take a point"):
        parse_activity(text)
