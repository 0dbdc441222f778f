"""Breakthrough QC by jurisdiction: projection to the administration time, limits and sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.domain.breakthrough import (
    check_breakthrough,
    parse_ratio,
    projected_ratio,
    time_to_limit_s,
)
from isoflow.domain.jurisdictions import JURISDICTION_CODES, PROFILES, get_profile
from isoflow.errors import InvalidInput

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_mo99_ratio_rises_to_about_0_18_in_12_h_and_fails_nrc() -> None:
    r12 = projected_ratio("Tc-99m", "Mo-99", 0.05e-3, 12 * 3600)
    assert r12 * 1e3 == pytest.approx(0.18, abs=0.005)
    assert r12 / 0.05e-3 == pytest.approx(3.5, abs=0.05)   # "3.5x over 12 h"
    c = check_breakthrough("Tc-99m", {"Mo-99": "0.05 kBq/MBq"}, T0, T0 + timedelta(hours=12),
                           "NRC")
    assert not c.passed
    (mo,) = c.impurities
    assert mo.source == "10 CFR 35.204(a)" and mo.limit == pytest.approx(0.15e-3)
    assert not mo.passed and "0.15 kBq" in mo.rule
    # the latest compliant administration: where the ratio reaches 0.15 kBq/MBq (~10.5 h)
    assert c.latest_administration_at is not None
    latest_h = (c.latest_administration_at - T0).total_seconds() / 3600
    assert 10.0 < latest_h < 11.0
    at_limit = projected_ratio("Tc-99m", "Mo-99", 0.05e-3, latest_h * 3600)
    assert at_limit == pytest.approx(0.15e-3, rel=1e-6)
    assert any("10 CFR 35.204" in r for r in c.reasons)
    # just before the latest time it passes
    ok = check_breakthrough("Tc-99m", {"Mo-99": 0.05e-3}, T0,
                            c.latest_administration_at - timedelta(minutes=1), "NRC")
    assert ok.passed


def test_ph_eur_limit_is_per_cent_of_total_activity() -> None:
    c = check_breakthrough("Tc-99m", {"Mo-99": "0.05 kBq/MBq"}, T0, T0 + timedelta(hours=12),
                           "EU")
    assert c.passed
    (mo,) = c.impurities
    assert mo.basis == "of_total" and mo.limit == pytest.approx(1e-3)
    assert "Ph. Eur." in mo.source
    # the eluate expiry (12 h) binds before the 0.1 % limit
    assert c.latest_administration_at == T0 + timedelta(hours=12)
    late = check_breakthrough("Tc-99m", {"Mo-99": "0.05 kBq/MBq"}, T0,
                              T0 + timedelta(hours=13), "EU")
    assert not late.passed and any("expired" in r for r in late.reasons)


def test_ru_uses_ph_eur_values_and_says_so() -> None:
    ru, eu = get_profile("RU"), get_profile("EU")
    for a, b in zip(ru.breakthrough_limits, eu.breakthrough_limits, strict=True):
        assert a.limit == b.limit and a.basis == b.basis
        assert "RU: Ph. Eur. value applied" in a.source
    assert ru.eluate_expiry["Tc-99m"].seconds == 12 * 3600


def test_profiles_cover_every_jurisdiction_and_limit() -> None:
    assert set(JURISDICTION_CODES) == set(PROFILES)
    for prof in PROFILES.values():
        impurities = {(x.impurity, x.daughter) for x in prof.breakthrough_limits}
        assert {("Mo-99", "Tc-99m"), ("Ge-68", "Ga-68"), ("Sr-82", "Rb-82"),
                ("Sr-85", "Rb-82")} <= impurities
        for x in prof.breakthrough_limits:
            assert x.source and x.basis in ("per_daughter", "of_total")
    nrc = {x.impurity: x for x in get_profile("nrc").breakthrough_limits}
    assert nrc["Sr-82"].limit == pytest.approx(0.02e-3)
    assert nrc["Sr-85"].limit == pytest.approx(0.2e-3)
    assert get_profile("EU").limits_for("Ga-68")[0].limit == pytest.approx(1e-5)
    with pytest.raises(InvalidInput, match="unknown jurisdiction") as exc:
        get_profile("FDA")
    assert exc.value.field == "jurisdiction"


def test_ge68_and_rb82() -> None:
    ga = check_breakthrough("Ga-68", {"Ge-68": "0.0001 %"}, T0, T0 + timedelta(hours=1), "EU")
    assert ga.passed
    assert ga.impurities[0].value_at_administration > 1e-6    # grows as Ga-68 decays
    rb = check_breakthrough("Rb-82", {"Sr-82": "0.005 kBq/MBq", "Sr-85": "0.05 kBq/MBq"},
                            T0, T0 + timedelta(seconds=60), "NRC")
    assert rb.passed and rb.latest_administration_at is not None
    # Rb-82 lives 75 s: the ratios quadruple in 150 s and the limit follows soon after
    assert (rb.latest_administration_at - T0).total_seconds() < 300
    with pytest.raises(InvalidInput, match="Sr-85 must be measured") as exc:
        check_breakthrough("Rb-82", {"Sr-82": 1e-6}, T0, T0, "NRC")
    assert exc.value.field == "measured.Sr-85"


@pytest.mark.parametrize(("text", "value"), [
    ("0.05 kBq/MBq", 5e-5), ("0.15 uCi/mCi", 1.5e-4), ("0.1 %", 1e-3), ("15 ppm", 1.5e-5),
    (2e-4, 2e-4), ("50 Bq/MBq", 5e-5)])
def test_parse_ratio(text: str | float, value: float) -> None:
    assert parse_ratio(text) == pytest.approx(value)


@pytest.mark.parametrize("bad", ["-0.1 kBq/MBq", "0.1 kBq", "lots", "nan"])
def test_bad_ratios(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_ratio(bad, field="measured.Mo-99")


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        check_breakthrough("Tc-99m", {"Mo-99": 1e-5}, T0, T0 - timedelta(hours=1), "NRC")
    assert exc.value.field == "administration_at"
    with pytest.raises(InvalidInput) as exc:
        check_breakthrough("Tc-99m", {"Mo-99": 1e-5}, "2026-03-02T08:00", T0, "NRC")
    assert exc.value.field == "eluted_at"
    with pytest.raises(InvalidInput) as exc:
        check_breakthrough("Tc-99m", {"I-131": 1e-5, "Mo-99": 1e-5}, T0, T0, "NRC")
    assert exc.value.field == "measured.I-131"
    with pytest.raises(InvalidInput) as exc:
        check_breakthrough("Tc-99m", {"Mo-99": "-1 kBq/MBq"}, T0, T0, "NRC")
    assert exc.value.field == "measured.Mo-99"


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=1e-7, max_value=1e-4), st.floats(min_value=0, max_value=24))
def test_ratio_only_grows_and_limit_time_is_consistent(r0: float, hours: float) -> None:
    r = projected_ratio("Tc-99m", "Mo-99", r0, hours * 3600)
    assert r >= r0 * (1 - 1e-12)
    limit = get_profile("NRC").limits_for("Tc-99m")[0]
    t = time_to_limit_s(limit, {"Mo-99": r0})
    assert t is not None
    assert (r <= limit.limit) == (hours * 3600 <= t + 1)


def test_eluate_and_kit_expiry_whichever_is_earlier() -> None:
    from isoflow.domain.breakthrough import eluate_expiry

    e = eluate_expiry("Tc-99m", T0, "NRC")
    assert e.expires_at == T0 + timedelta(hours=12) and "TechneLite" in e.rule
    kit = eluate_expiry("Tc-99m", T0, "EU", kit_expires_at=T0 + timedelta(hours=6))
    assert kit.expires_at == T0 + timedelta(hours=6) and "kit" in kit.rule
    late_kit = eluate_expiry("Tc-99m", T0, "EU", kit_expires_at=T0 + timedelta(hours=20))
    assert late_kit.expires_at == T0 + timedelta(hours=12)
    assert eluate_expiry("Ga-68", T0, "EU").expires_at is None
    assert eluate_expiry("Ga-68", T0, "EU", label_shelf_life_s=4 * 3600).expires_at == \
        T0 + timedelta(hours=4)
    with pytest.raises(InvalidInput):
        eluate_expiry("Tc-99m", "2026-03-02T08:00", "EU")
