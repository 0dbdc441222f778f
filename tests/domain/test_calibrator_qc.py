"""Dose-calibrator QC rules: hand-worked decay of check sources, linearity by decay, and the
block/warn policy of each jurisdiction profile."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from isoflow.domain import calibrator_qc as qc
from isoflow.domain.jurisdictions import get_profile
from isoflow.errors import InvalidInput

CS137_HALF_LIFE_Y = 30.17  # years (the dataset: 951 980 945 s)
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def test_cs137_constancy_after_years_hand_worked() -> None:
    # 10 years after the certificate: 2^(-10/30.17) = 0.7948
    at = T0 + timedelta(seconds=10 * 365.25 * 86400)
    src = qc.SourceReading("Cs-137", 7.4e6, T0, 5.9e6)
    r = qc.constancy(src, at, 0.10)
    expected = 7.4e6 * 2 ** (-10 * 365.25 * 86400 / 951_980_944.75)
    assert r.expected_bq == pytest.approx(expected, rel=1e-9)
    assert r.expected_bq == pytest.approx(7.4e6 * 0.7948, rel=1e-3)
    assert r.deviation == pytest.approx(5.9e6 / expected - 1)
    assert r.passed


def test_co57_constancy_fails_outside_tolerance() -> None:
    # Co-57 half-life 271.74 d: after one half-life 1 MBq is 0.5 MBq
    at = T0 + timedelta(seconds=23_478_336)
    good = qc.constancy(qc.SourceReading("Co-57", 1e6, T0, 0.54e6), at, 0.10)
    bad = qc.constancy(qc.SourceReading("Co-57", 1e6, T0, 0.56e6), at, 0.10)
    assert good.expected_bq == pytest.approx(0.5e6)
    assert good.deviation == pytest.approx(0.08) and good.passed
    assert bad.deviation == pytest.approx(0.12) and not bad.passed


def test_constancy_refuses_bad_input() -> None:
    with pytest.raises(InvalidInput) as e:
        qc.constancy(qc.SourceReading("Cs-137", -1, T0, 1e6), T0, 0.1)
    assert e.value.field == "reference_bq"
    with pytest.raises(InvalidInput) as e:
        qc.constancy(qc.SourceReading("Xx-999", 1e6, T0, 1e6), T0, 0.1)
    assert e.value.field == "nuclide"


def test_accuracy_worst_source_decides() -> None:
    sources = [qc.SourceReading("Cs-137", 7e6, T0, 7.1e6),
               qc.SourceReading("Co-57", 2e8, T0, 2.3e8)]
    worst, each = qc.accuracy(sources, T0, 0.10)
    assert each[0].passed and not each[1].passed
    assert worst.deviation == pytest.approx(0.15) and not worst.passed


def _series(bad_index: int | None = None, factor: float = 1.0) -> list[tuple[datetime, float]]:
    lam = math.log(2) / 21654.0
    out = []
    for i in range(8):
        t = T0 + timedelta(hours=8 * i)
        a = 30e9 * math.exp(-lam * 8 * 3600 * i)
        out.append((t, a * (factor if i == bad_index else 1.0)))
    return out


def test_linearity_perfect_decay_passes() -> None:
    r = qc.linearity(_series(), 0.10)
    assert r.passed and abs(r.deviation) < 1e-9
    assert r.fitted_initial_bq == pytest.approx(30e9)


def test_linearity_bad_point_is_the_worst_and_fails() -> None:
    r = qc.linearity(_series(bad_index=6, factor=1.25), 0.10)
    assert not r.passed
    assert max(range(8), key=lambda i: abs(r.deviations[i])) == 6
    assert r.deviation > 0.10


def test_linearity_needs_five_readings_over_a_day() -> None:
    with pytest.raises(InvalidInput, match="at least 5"):
        qc.linearity(_series()[:4], 0.10)
    short = [(T0 + timedelta(hours=i), 1e9) for i in range(6)]
    with pytest.raises(InvalidInput, match="24 h"):
        qc.linearity(short, 0.10)


def _checks(const_age_h: float, const_passed: bool = True) -> list[qc.CheckRecord]:
    at = T0 + timedelta(days=10)
    return [qc.CheckRecord("constancy", at - timedelta(hours=const_age_h), const_passed, 0.0),
            qc.CheckRecord("linearity", at - timedelta(days=30), True, 0.01),
            qc.CheckRecord("accuracy", at - timedelta(days=100), True, 0.02)]


AT = T0 + timedelta(days=10)


def test_status_ok_when_all_current() -> None:
    st = qc.calibrator_status(_checks(2), AT, get_profile("EU"))
    assert st.state == "ok" and not st.blocking and not st.warnings
    const = st.kinds[0]
    assert const.due_at == AT - timedelta(hours=2) + timedelta(days=1)


def test_overdue_constancy_blocks_under_nrc_and_warns_under_eu() -> None:
    nrc = qc.calibrator_status(_checks(30), AT, get_profile("NRC"))
    eu = qc.calibrator_status(_checks(30), AT, get_profile("EU"))
    assert nrc.blocking and "constancy" in nrc.blocking[0] and nrc.state == "blocked"
    assert not eu.blocking and eu.warnings and eu.state == "overdue"


def test_failed_constancy_blocks_everywhere() -> None:
    for code in ("NRC", "EU", "RU"):
        st = qc.calibrator_status(_checks(1, const_passed=False), AT, get_profile(code))
        assert any("failed" in m for m in st.blocking), code


def test_due_soon_and_later_checks_ignored() -> None:
    st = qc.calibrator_status(_checks(20), AT, get_profile("EU"))
    assert st.kinds[0].state == "due"
    # a check after the time asked about does not count
    future = [*_checks(30), qc.CheckRecord("constancy", AT + timedelta(hours=1), True)]
    assert qc.calibrator_status(future, AT, get_profile("EU")).kinds[0].state == "overdue"


def test_missing_checks_follow_overdue_policy() -> None:
    st = qc.calibrator_status([], AT, get_profile("NRC"))
    assert len(st.blocking) == 3
    assert {k.state for k in st.kinds} == {"missing"}
