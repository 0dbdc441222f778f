"""The ledger's pure rules: holdings from events and decay, overdraw, corrections; nothing
before receipt, voided receipts, discrepancies and the licence ceiling of a reading."""

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
    check_not_before_receipt,
    departs_from_book,
    discrepancies,
    effective_events,
    holding_at,
    is_voided,
    received_at,
)
from isoflow.domain.licence import PossessionLimit, check_holdings_raised, check_measurement
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


# ---------------------------------------------------------------- issue #13 items 1, 8, 9
FAR_BACK = datetime(1950, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("at", [FAR_BACK, T0 - timedelta(seconds=1)])
def test_before_its_receipt_a_container_held_nothing(at: datetime) -> None:
    """However far back (1950 on a 2026 vial used to overflow the decay correction)."""
    events = [receipt(), w(2, T0 + H, 1e9, 1.0)]
    h = holding_at(TC99M_LAMBDA, events, at)
    assert h.activity_bq == 0.0 and h.volume_ml == 0.0 and not h.disposed
    assert available_at(TC99M_LAMBDA, events, at).activity_bq == 0.0
    assert holding_at(TC99M_LAMBDA, [receipt(v=None)], at).volume_ml is None


@pytest.mark.parametrize("at", [FAR_BACK, T0 - timedelta(seconds=1)])
@pytest.mark.parametrize("kind", [EventKind.WITHDRAWAL, EventKind.MEASUREMENT,
                                  EventKind.DISPOSAL])
def test_a_record_before_receipt_names_both_times(kind: EventKind, at: datetime) -> None:
    record = LedgerEvent(2, kind, at, activity_bq=1.0 if kind is not EventKind.DISPOSAL
                         else None)
    expected = (f"the {kind.value} at {at.isoformat()} is before the container's receipt at "
                f"{T0.isoformat()}")
    for check in (lambda: check_consistent(TC99M_LAMBDA, [receipt(), record]),
                  lambda: check_not_before_receipt([receipt()], at, kind.value)):
        with pytest.raises(InvalidInput) as e:
            check()
        assert e.value.field == "at" and e.value.message == expected
    check_not_before_receipt([receipt()], T0, kind.value)  # at the receipt itself: fine


def test_a_voided_receipt_holds_nothing_and_takes_no_record() -> None:
    voided = [receipt(), LedgerEvent(2, EventKind.CORRECTION, T0, corrects_event_id=1,
                                     void=True, reason="transfer voided")]
    h = holding_at(TC99M_LAMBDA, voided, T0 + H)
    assert h.voided and h.activity_bq == 0.0 and h.volume_ml == 0.0
    assert available_at(TC99M_LAMBDA, voided, T0 + H).activity_bq == 0.0
    assert is_voided(voided) and not is_voided([receipt()])
    assert received_at(voided) == T0
    check_consistent(TC99M_LAMBDA, voided)
    with pytest.raises(Conflict, match="voided"):
        check_consistent(TC99M_LAMBDA, [*voided, LedgerEvent(3, EventKind.MEASUREMENT,
                                                             T0 + H, activity_bq=0.0)])
    restored = [*voided, LedgerEvent(3, EventKind.CORRECTION, T0, activity_bq=5e9,
                                     corrects_event_id=1, reason="it did happen")]
    assert holding_at(TC99M_LAMBDA, restored, T0).activity_bq == 5e9


def test_a_discrepancy_is_a_departure_beyond_the_tolerance() -> None:
    assert not departs_from_book(1e9, 1.1e9 - 1, 0.10)
    assert departs_from_book(1e9, 1.1e9 + 1e3, 0.10)
    assert departs_from_book(1e9, 0.89e9, 0.10)
    assert departs_from_book(0.0, 1.0, 0.10) and not departs_from_book(0.0, 0.0, 0.10)
    m = LedgerEvent(2, EventKind.MEASUREMENT, T0 + H, activity_bq=2e9, discrepancy=True)
    assert discrepancies([receipt(), m]) == 1
    fixed = LedgerEvent(3, EventKind.CORRECTION, T0 + H, activity_bq=1e9 * 0.85,
                        corrects_event_id=2, reason="re-read")
    assert discrepancies([receipt(), m, fixed]) == 0  # the corrected reading's flag counts
    void = LedgerEvent(3, EventKind.CORRECTION, T0 + H, corrects_event_id=2, void=True,
                       reason="wrong vial")
    assert discrepancies([receipt(), m, void]) == 0


LIMIT = PossessionLimit(1, None, 100e9, T0 - 24 * H, None, reference="L-7")


def test_a_measurement_above_the_licence_is_refused() -> None:
    check_measurement(site="Main", nuclide="Tc-99m", activity_bq=100e9, at=T0, limits=[LIMIT])
    with pytest.raises(LimitExceeded) as e:
        check_measurement(site="Main", nuclide="Tc-99m", activity_bq=1e30, at=T0,
                          limits=[LIMIT])
    assert "'L-7'" in e.value.message and "100 GBq" in e.value.message
    assert e.value.details["limit_bq"] == 100e9 and e.value.field == "activity_bq"
    own = PossessionLimit(2, "Tc-99m", 10e9, T0 - 24 * H, None)
    with pytest.raises(LimitExceeded):
        check_measurement(site="Main", nuclide="Tc-99m", activity_bq=11e9, at=T0,
                          limits=[LIMIT, own])
    check_measurement(site="Main", nuclide="Tc-99m", activity_bq=1e30, at=T0 - 48 * H,
                      limits=[LIMIT])  # no limit in force then: nothing to compare


def test_giving_activity_back_may_not_raise_holdings_above_the_licence() -> None:
    def check(before: float, after: float) -> None:
        check_holdings_raised(site="Main", nuclide="Mo-99", at=T0, before_bq={"Mo-99": before},
                              after_bq={"Mo-99": after}, limits=[LIMIT], what="voiding it",
                              field="void")

    check(50e9, 100e9)
    check(120e9, 110e9)  # above, but not raised by the change
    with pytest.raises(LimitExceeded) as e:
        check(90e9, 101e9)
    assert e.value.message.startswith("voiding it would bring site 'Main' to 101 GBq")
    assert e.value.field == "void"
