"""Licence possession limits: per nuclide and total, validity, messages with the numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from isoflow.domain.licence import PossessionLimit, check_receipt, overlaps
from isoflow.errors import Forbidden, LimitExceeded

T0 = datetime(2026, 3, 2, tzinfo=UTC)
MO = PossessionLimit(1, "Mo-99", 100e9, T0 - timedelta(days=10), T0 + timedelta(days=300),
                     "KG-17")
TOTAL = PossessionLimit(2, None, 150e9, T0 - timedelta(days=10), None)


def test_within_limits_passes() -> None:
    check_receipt(site="A", nuclide="Mo-99", activity_bq=40e9, at=T0,
                  holdings_bq={"Mo-99": 50e9}, limits=[MO, TOTAL])


def test_nuclide_limit_message_shows_the_numbers() -> None:
    with pytest.raises(LimitExceeded) as e:
        check_receipt(site="A", nuclide="Mo-99", activity_bq=60e9, at=T0,
                      holdings_bq={"Mo-99": 50e9}, limits=[MO])
    msg = e.value.message
    assert "60 GBq" in msg and "110 GBq" in msg and "50 GBq" in msg and "100 GBq" in msg
    assert "KG-17" in msg
    assert e.value.details["limit_bq"] == 100e9


def test_total_limit_counts_every_nuclide() -> None:
    with pytest.raises(LimitExceeded) as e:
        check_receipt(site="A", nuclide="Mo-99", activity_bq=40e9, at=T0,
                      holdings_bq={"Mo-99": 50e9, "I-131": 70e9}, limits=[MO, TOTAL])
    assert "in total" in e.value.message


def test_unlicensed_nuclide_and_expired_licence_are_refused() -> None:
    with pytest.raises(Forbidden):
        check_receipt(site="A", nuclide="I-131", activity_bq=1e6, at=T0, holdings_bq={},
                      limits=[MO])
    with pytest.raises(Forbidden):
        check_receipt(site="A", nuclide="Mo-99", activity_bq=1e6, at=T0 + timedelta(days=301),
                      holdings_bq={}, limits=[MO])


def test_overlap() -> None:
    later = PossessionLimit(3, "Mo-99", 1.0, T0 + timedelta(days=300), None)
    assert not overlaps(MO, later)
    assert overlaps(MO, PossessionLimit(4, "Mo-99", 1.0, T0, None))
    assert not overlaps(MO, PossessionLimit(5, "I-131", 1.0, T0, None))
