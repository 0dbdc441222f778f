"""The hot lab's pure rules with hand-worked numbers (Tc-99m, T½ = 6.015 h)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from isoflow.domain import dispensing as d
from isoflow.errors import InvalidInput

H = timedelta(hours=1)
T = datetime(2027, 3, 10, 6, 0, tzinfo=UTC)
LAM = math.log(2) / (6.015 * 3600)

HMPAO = d.KitLimits(name="HMPAO", max_activity_bq=1110e6, max_volume_ml=5.0,
                    max_eluate_age_s=None, carrier_sensitive=True, eluate_expiry_s=12 * 3600.0,
                    carrier_max_eluate_age_s=2 * 3600.0, carrier_previous_elution_s=24 * 3600.0)
MAA = d.KitLimits(name="MAA", max_activity_bq=1480e6, max_volume_ml=10.0,
                  max_eluate_age_s=2 * 3600.0, carrier_sensitive=False,
                  eluate_expiry_s=12 * 3600.0, carrier_max_eluate_age_s=2 * 3600.0,
                  carrier_previous_elution_s=24 * 3600.0)


def test_kit_expiry_is_the_sooner_of_shelf_life_and_eluate() -> None:
    # prepared 1 h after elution, 8 h shelf life: 9 h < 12 h -> T + 9 h
    assert d.kit_expiry(T + H, 8 * 3600.0, T, 12 * 3600.0) == T + 9 * H
    # prepared 6 h after elution: 14 h > 12 h -> the eluate's T + 12 h
    assert d.kit_expiry(T + 6 * H, 8 * 3600.0, T, 12 * 3600.0) == T + 12 * H
    assert d.kit_expiry(T + 6 * H, 8 * 3600.0, T, None) == T + 14 * H


def _check(limits, *, age_h=0.5, mbq=500.0, ml=3.0, previous_h: float | None = 20.0,
           known=True):
    eluted = T
    d.check_kit_preparation(limits, prepared_at=eluted + timedelta(hours=age_h),
                            eluted_at=eluted, activity_bq=mbq * 1e6, volume_ml=ml,
                            previous_elution_at=None if previous_h is None
                            else eluted - timedelta(hours=previous_h), elution_known=known)


def test_kit_limits() -> None:
    _check(HMPAO)
    _check(MAA, age_h=2.0)  # exactly the limit is allowed
    for kwargs, limits, field in [
        ({"age_h": 2.01}, MAA, "eluate_container_id"),
        ({"age_h": 12.5}, MAA, "eluate_container_id"),
        ({"mbq": 1111.0}, HMPAO, "activity_bq"),
        ({"ml": 5.5}, HMPAO, "volume_ml"),
        ({"age_h": 2.5}, HMPAO, "eluate_container_id"),       # carrier: eluate > 2 h
        ({"previous_h": 25.0}, HMPAO, "eluate_container_id"),  # carrier: previous > 24 h
        ({"previous_h": None}, HMPAO, "eluate_container_id"),  # first elution
        ({"known": False}, HMPAO, "eluate_container_id"),
        ({"age_h": -0.1}, HMPAO, "prepared_at"),
    ]:
        with pytest.raises(InvalidInput) as err:
            _check(limits, **kwargs)
        assert err.value.field == field, kwargs
    _check(MAA, previous_h=None, known=False)  # not carrier-sensitive


def test_rcp() -> None:
    assert d.rcp_passed(0.90, 0.90) and not d.rcp_passed(0.899, 0.90)


def test_volume_to_draw() -> None:
    # 400 MBq wanted 2 h after drawing from 1000 MBq/mL: 400 × 2^(2/6.015) / 1000
    v = d.volume_to_draw(400e6, LAM, T, T + 2 * H, 1000e6)
    assert v == pytest.approx(0.4 * 2 ** (2 / 6.015), rel=1e-12)
    assert v == pytest.approx(0.50366, rel=1e-4)
    assert d.volume_to_draw(400e6, LAM, T, T, 1000e6) == pytest.approx(0.4)
    with pytest.raises(InvalidInput) as err:
        d.volume_to_draw(400e6, LAM, T, T - H, 1000e6)
    assert err.value.field == "planned_at"


def test_net_administered() -> None:
    # assay 500 MBq at 8:00, injected 9:00, residual 20 MBq at 9:10
    net = d.net_administered(LAM, assay_bq=500e6, assayed_at=T, residual_bq=20e6,
                             residual_at=T + H + timedelta(minutes=10),
                             administered_at=T + H)
    expected = 500e6 * 2 ** (-1 / 6.015) - 20e6 * 2 ** ((10 / 60) / 6.015)
    assert net == pytest.approx(expected, rel=1e-12)
    assert net == pytest.approx(445.77e6 - 20.39e6, rel=1e-3)


def test_deviation_value_and_range() -> None:
    assert d.deviation(400e6, 500e6) == pytest.approx(-0.2)
    assert not d.outside_prescription(401e6, 500e6, min_bq=None, max_bq=None, tolerance=0.2)
    assert d.outside_prescription(399e6, 500e6, min_bq=None, max_bq=None, tolerance=0.2)
    assert d.outside_prescription(601e6, 500e6, min_bq=None, max_bq=None, tolerance=0.2)
    # a range: 440 is inside ±20 % of 500 but below 450
    assert d.outside_prescription(440e6, 500e6, min_bq=450e6, max_bq=550e6, tolerance=0.2)
    assert not d.outside_prescription(550e6, 500e6, min_bq=450e6, max_bq=550e6, tolerance=0.2)


def test_maa_particles() -> None:
    # 3e6 particles in 5 mL; 0.5 mL dose -> 3e5, within [6e4, 7e5]
    p = d.particles_per_dose(3.0e6, 0.5, 5.0)
    assert p == pytest.approx(3.0e5)
    assert d.particles_within(p, 6e4, 7e5)
    assert not d.particles_within(d.particles_per_dose(3.0e6, 1.5, 5.0), 6e4, 7e5)  # 9e5
    assert not d.particles_within(d.particles_per_dose(3.0e6, 0.05, 5.0), 6e4, 7e5)  # 3e4
