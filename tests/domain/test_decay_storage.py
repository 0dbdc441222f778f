"""Decay-in-storage: release date from contents, the 120-day rule, the survey rule."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from isoflow.domain import decay_storage as dis
from isoflow.domain.jurisdictions import get_profile
from isoflow.errors import InvalidInput

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
NRC = get_profile("NRC")


def test_small_tc99m_is_held_ten_half_lives() -> None:
    items = [dis.WasteContent("Tc-99m", 5e4, T0)]  # below 100 Bq/g x 1 kg at sealing
    assert dis.release_at(items, T0, NRC) == T0 + timedelta(seconds=10 * 21654.0)


def test_large_i131_is_held_until_clearance() -> None:
    # 1 GBq of I-131 against 10 Bq/g x 1000 g = 1e4 Bq: log2(1e5) = 16.61 half-lives > 10
    items = [dis.WasteContent("I-131", 1e9, T0)]
    got = dis.release_at(items, T0, NRC)
    assert (got - T0).total_seconds() == pytest.approx(692988.48 * math.log2(1e5), rel=1e-6)


def test_longest_lived_nuclide_sets_the_hold() -> None:
    items = [dis.WasteContent("Tc-99m", 10.0, T0), dis.WasteContent("Ga-68", 1.0, T0),
             dis.WasteContent("I-131", 10.0, T0)]
    assert dis.release_at(items, T0, NRC) == T0 + timedelta(seconds=10 * 692988.48)


def test_long_half_life_refused_naming_nuclide() -> None:
    with pytest.raises(InvalidInput, match="Cs-137") as e:
        dis.release_at([dis.WasteContent("Cs-137", 1.0, T0)], T0, NRC)
    assert e.value.field == "nuclide"


def test_survey_rule() -> None:
    assert dis.survey_passes(0.10, 0.11)
    assert not dis.survey_passes(0.10, 0.12)
    with pytest.raises(InvalidInput):
        dis.survey_passes(-1, 0.1)
