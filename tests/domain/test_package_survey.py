"""Package survey at receipt: TI, label category, pass/fail with sources."""

from __future__ import annotations

import math

import pytest

from isoflow.domain.package_survey import (
    AT_1M_LIMIT_USV_H,
    WIPE_LIMIT_BQ_PER_100CM2,
    judge_survey,
    label_category,
    transport_index,
)
from isoflow.errors import InvalidInput


@pytest.mark.parametrize(("at_1m", "ti"), [(0.0, 0.0), (0.5, 0.0), (0.6, 0.1), (1.0, 0.1),
                                            (1.01, 0.2), (10.0, 1.0), (23.4, 2.4)])
def test_transport_index_rounds_up_to_a_tenth(at_1m: float, ti: float) -> None:
    assert transport_index(at_1m) == pytest.approx(ti)


@pytest.mark.parametrize(("surface", "at_1m", "label"), [
    (5.0, 0.5, "I-WHITE"),
    (5.1, 0.5, "II-YELLOW"),          # surface decides
    (4.0, 2.0, "II-YELLOW"),          # TI 0.2 decides
    (500.0, 10.0, "II-YELLOW"),
    (501.0, 10.0, "III-YELLOW"),
    (100.0, 11.0, "III-YELLOW"),      # TI 1.1
    (2000.0, 100.0, "III-YELLOW"),
    (2001.0, 1.0, "III-YELLOW (exclusive use)"),
    (10001.0, 1.0, None),
])
def test_label_category_is_the_higher_of_surface_and_ti(surface: float, at_1m: float,
                                                       label: str | None) -> None:
    assert label_category(surface, at_1m) == label


def test_typical_generator_passes() -> None:
    r = judge_survey(surface_usv_h=150.0, at_1m_usv_h=4.0, wipe_bq_per_100cm2=10.0)
    assert r.passed and r.reasons == () and r.label_category == "II-YELLOW"
    assert r.transport_index == pytest.approx(0.4)


def test_contamination_over_limit_fails_naming_the_source() -> None:
    assert judge_survey(10.0, 1.0, WIPE_LIMIT_BQ_PER_100CM2).passed
    r = judge_survey(10.0, 1.0, WIPE_LIMIT_BQ_PER_100CM2 + 1)
    assert not r.passed and len(r.reasons) == 1 and "20.1906" in r.reasons[0]


def test_dose_rate_at_1m_over_limit_fails() -> None:
    assert judge_survey(1000.0, AT_1M_LIMIT_USV_H, 0.0).passed
    r = judge_survey(1000.0, AT_1M_LIMIT_USV_H + 0.5, 0.0)
    assert not r.passed and "1 m" in r.reasons[0]


def test_surface_beyond_iii_yellow_fails() -> None:
    r = judge_survey(2500.0, 10.0, 0.0)
    assert not r.passed and "III-YELLOW" in r.reasons[0]


@pytest.mark.parametrize("field", ["surface_usv_h", "at_1m_usv_h", "wipe_bq_per_100cm2"])
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_negative_or_nan_rates_name_the_field(field: str, bad: float) -> None:
    values = {"surface_usv_h": 1.0, "at_1m_usv_h": 1.0, "wipe_bq_per_100cm2": 1.0, field: bad}
    with pytest.raises(InvalidInput) as exc:
        judge_survey(**values)
    assert exc.value.field == field
