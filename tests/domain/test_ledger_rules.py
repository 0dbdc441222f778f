"""The ledger's pure rules: holdings from events and decay, overdraw, corrections."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isoflow.domain.ledger import (
    EventKind,
    LedgerEvent,
    available_at,
    check_consistent,
    effective_events,
    holding_at,
)
from isoflow.errors import Conflict, InvalidInput, LimitExceeded

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TC99M_LAMBDA = math.log(2) / 21624.12  # [1/s], T½ = 6.0067 h
H = timedelta(hours=1)


def receipt(a: float = 1e10, v: float | None = 10.0, ref: datetime = T0) -> LedgerEvent:
    return LedgerEvent(1, EventKind.RECEIPT, T0, activity_bq=a, volume_ml=v, reference_at=ref)


def w(i: int, at: datetime, a: float, v: float | None = None) -> LedgerEvent:
    return LedgerEvent(i, EventKind.WITHDRAWAL, at, activity_bq=a, volume_ml=v)


def test_holding_is_reference_activity_decayed() -> None:
    h = holding_at(TC99M_LAMBDA, [receipt()], T0 + 6 * H)
    assert h.activity_bq == pytest.approx(1e10 * math.exp(-TC99M_LAMBDA * 6 * 3600), rel=1e-12)
    assert h.volume_ml == 10.0
    assert h.concentration_bq_per_ml == pytest.approx(h.activity_bq / 10.0)


def test_reference_time_after_receipt_is_decayed_backwards() -> None:
    h = holding_at(TC99M_LAMBDA, [receipt(ref=T0 + 6 * H)], T0)
    assert h.activity_bq == pytest.approx(1e10 * math.exp(TC99M_LAMBDA * 6 * 3600))


def test_withdrawal_is_subtracted_and_decays_with_the_rest() -> None:
    events = [receipt(), w(2, T0 + H, 3e9, 3.0)]
    before = holding_at(TC99M_LAMBDA, events, T0 + H - timedelta(seconds=1))
    assert before.volume_ml == 10.0
    later = holding_at(TC99M_LAMBDA, events, T0 + 5 * H)
    expected = (1e10 * math.exp(-TC99M_LAMBDA * 5 * 3600)
                - 3e9 * math.exp(-TC99M_LAMBDA * 4 * 3600))
    assert later.activity_bq == pytest.approx(expected, rel=1e-12)
    assert later.volume_ml == 7.0


def test_available_counts_later_withdrawals_decayed_back() -> None:
    events = [receipt(v=None), w(2, T0 + 10 * H, 1e9)]
    avail = available_at(TC99M_LAMBDA, events, T0 + H)
    expected = (1e10 * math.exp(-TC99M_LAMBDA * 3600)
                - 1e9 * math.exp(TC99M_LAMBDA * 9 * 3600))
    assert avail.activity_bq == pytest.approx(expected, rel=1e-12)
    # what is held at T0+H is more than what may be taken then
    assert holding_at(TC99M_LAMBDA, events, T0 + H).activity_bq > avail.activity_bq


def test_overdraw_is_refused_for_activity_and_volume() -> None:
    held = holding_at(TC99M_LAMBDA, [receipt()], T0 + H).activity_bq
    check_consistent(TC99M_LAMBDA, [receipt(), w(2, T0 + H, held, 10.0)])  # all of it: fine
    with pytest.raises(LimitExceeded):
        check_consistent(TC99M_LAMBDA, [receipt(), w(2, T0 + H, held * 1.001, 1.0)])
    with pytest.raises(LimitExceeded):
        check_consistent(TC99M_LAMBDA, [receipt(), w(2, T0 + H, 1.0, 10.5)])


def test_backdated_withdrawal_may_not_overdraw_a_later_record() -> None:
    held = holding_at(TC99M_LAMBDA, [receipt(v=None)], T0 + 10 * H).activity_bq
    events = [receipt(v=None), w(2, T0 + 10 * H, held * 0.9)]
    # 20 % of what is held at T0+H would leave less than the later withdrawal needs
    at1 = holding_at(TC99M_LAMBDA, events, T0 + H).activity_bq
    with pytest.raises(LimitExceeded):
        check_consistent(TC99M_LAMBDA, [*events, w(3, T0 + H, 0.2 * at1)])
    check_consistent(TC99M_LAMBDA, [*events, w(3, T0 + H, 0.05 * at1)])


def test_nothing_before_receipt_or_after_disposal() -> None:
    with pytest.raises(InvalidInput):
        check_consistent(TC99M_LAMBDA, [receipt(), w(2, T0 - H, 1.0)])
    disposal = LedgerEvent(2, EventKind.DISPOSAL, T0 + H)
    with pytest.raises(Conflict):
        check_consistent(TC99M_LAMBDA, [receipt(), disposal, w(3, T0 + 2 * H, 1.0)])
    with pytest.raises(Conflict):
        check_consistent(TC99M_LAMBDA, [receipt(), disposal,
                                        LedgerEvent(3, EventKind.DISPOSAL, T0 + 2 * H)])
    h = holding_at(TC99M_LAMBDA, [receipt(), disposal], T0 + 2 * H)
    assert h.disposed and h.activity_bq == 0.0


def test_correction_replaces_values_and_void_removes() -> None:
    events = [receipt(), w(2, T0 + H, 3e9, 3.0),
              LedgerEvent(3, EventKind.CORRECTION, T0 + H, activity_bq=2e9,
                          corrects_event_id=2, reason="typo")]
    eff = effective_events(events)
    assert [e.id for e in eff] == [1, 2]
    assert eff[1].activity_bq == 2e9 and eff[1].volume_ml == 3.0
    voided = [*events, LedgerEvent(4, EventKind.CORRECTION, T0 + H, corrects_event_id=3,
                                   void=True, reason="entered twice")]
    assert [e.id for e in effective_events(voided)] == [1]


def test_measurement_does_not_change_holdings() -> None:
    m = LedgerEvent(2, EventKind.MEASUREMENT, T0 + H, activity_bq=1.0)
    assert holding_at(TC99M_LAMBDA, [receipt(), m], T0 + 2 * H).activity_bq == \
        holding_at(TC99M_LAMBDA, [receipt()], T0 + 2 * H).activity_bq


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 48), st.floats(0.0, 1.0)), min_size=1, max_size=12))
def test_withdrawing_what_is_available_never_goes_negative(draws: list[tuple[float, float]]
                                                           ) -> None:
    """Property: taking any fraction of what is available at any (possibly earlier) time keeps
    every moment's holding non-negative."""
    events: list[LedgerEvent] = [receipt(v=None)]
    for i, (hours, fraction) in enumerate(draws, start=2):
        at = T0 + timedelta(hours=hours)
        avail = available_at(TC99M_LAMBDA, events, at).activity_bq
        if avail * fraction <= 0:
            continue
        events.append(w(i, at, avail * fraction))
        check_consistent(TC99M_LAMBDA, events)
    for hours in range(0, 50, 2):
        assert holding_at(TC99M_LAMBDA, events, T0 + timedelta(hours=hours)).activity_bq >= 0
