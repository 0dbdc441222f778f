"""Demand CSV parsing and validation: every error names the row and the column."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from isoflow.errors import InvalidInput
from isoflow.planning.demand import (
    build_offer,
    parse_demand_csv,
    parse_size,
    parse_working_hours,
)

HEADER = "id,needed_at,activity,max_eluate_age,carrier_sensitive,label\n"
GOOD = HEADER + (
    "bone,2026-03-02T08:30+03:00,12 GBq,6 h,no,MDP bone kit\n"
    "hmpao,2026-03-02T10:00 Europe/Moscow,1100 MBq,2 h,yes,\"HMPAO, brain\"\n")


def test_parse_good_csv() -> None:
    items = parse_demand_csv(GOOD)
    assert [i.id for i in items] == ["bone", "hmpao"]
    assert items[0].needed_at == datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
    assert items[0].activity_bq == 12e9 and items[0].max_eluate_age_s == 6 * 3600
    assert not items[0].carrier_sensitive and items[1].carrier_sensitive
    assert items[1].label == "HMPAO, brain" and items[1].row == 3


def test_optional_columns_default() -> None:
    items = parse_demand_csv("needed_at,activity,max_eluate_age\n"
                             "2026-03-02T08:30Z,1 GBq,6 h\n")
    assert items[0].id == "row-2" and not items[0].carrier_sensitive


@pytest.mark.parametrize(("text", "field", "words"), [
    ("id,needed_at,activity\nx,2026-03-02T08:30Z,1 GBq\n", "max_eluate_age",
     "lacks column(s) max_eluate_age"),
    (HEADER + "x,2026-03-02T08:30Z,-1 GBq,6 h,no,\n", "rows[2].activity", "row 2"),
    (HEADER + "x,2026-03-02T08:30Z,0 GBq,6 h,no,\n", "rows[2].activity", "row 2"),
    (HEADER + "x,2026-03-02T08:30,1 GBq,6 h,no,\n", "rows[2].needed_at", "no time zone"),
    (HEADER + "x,2026-03-02T08:30Z,1 GBq,6 m,no,\n", "rows[2].max_eluate_age", "ambiguous"),
    (HEADER + "x,2026-03-02T08:30Z,1 GBq,6 h,maybe,\n", "rows[2].carrier_sensitive", "yes/no"),
    (HEADER + "x,2026-03-02T08:30Z,,6 h,no,\n", "rows[2].activity", "value missing"),
    (HEADER + "x,2026-03-02T08:30Z,1 GBq,6 h,no,a,b\n", "rows[2]", "more values"),
    (HEADER + "x,2026-03-02T08:30Z,1 GBq,6 h,no,\nx,2026-03-02T09:30Z,1 GBq,6 h,no,\n",
     "rows[3].id", "duplicate"),
    ("id,needed_at,activity,max_eluate_age,colour\n", "colour", "unknown column"),
    ("", "csv", "empty"),
])
def test_bad_csv_names_row_and_column(text: str, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_demand_csv(text)
    assert exc.value.field == field
    assert words in exc.value.message


def test_demand_in_the_past() -> None:
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"row 2, column needed_at: .* is in the past") as exc:
        parse_demand_csv(GOOD, now=now)
    assert exc.value.field == "rows[2].needed_at"


def test_offer_and_hours_inputs() -> None:
    assert parse_size("20 GBq=1100").parent_activity_bq == 20e9
    for bad in ("20 GBq", "20 GBq=x", "-5 GBq=10", "20 GBq=-1"):
        with pytest.raises(InvalidInput):
            parse_size(bad, 3)
    with pytest.raises(InvalidInput, match="at least one delivery"):
        build_offer("Poltechnet", ["5 GBq=1"], [])
    with pytest.raises(InvalidInput) as exc:
        build_offer("Poltechnet", ["5 GBq=1"], ["2026-03-02T07:00"])
    assert exc.value.field == "deliveries[0]"
    offer = build_offer("Poltechnet", [], ["2026-03-02T07:00Z"], default_sizes_bq=[5e9])
    assert offer.sizes[0].price == 5.0
    wh = parse_working_hours("07:30-16:00", "Europe/Moscow", "Mon,Wed-Fri")
    assert wh.weekdays == frozenset({0, 2, 3, 4})
    for bad in ("7-16", "16:00-07:00"):
        with pytest.raises(InvalidInput):
            parse_working_hours(bad)
    with pytest.raises(InvalidInput):
        parse_working_hours("07:00-16:00", "Mars/Olympus")
