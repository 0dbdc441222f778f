"""Stateful property test of the ledger (issue #13 item 1), on SQLite and PostgreSQL.

Random sequences of receive / withdraw / transfer / measure / correct / void / dispose on one
site, checked after every step against a model kept here (the test's own arithmetic, not the
service's):

- every container holds what the model says (decay-corrected), and shows the model's count of
  discrepancies;
- conservation of activity: the sum over containers of what they hold equals what was received
  from outside, minus what left the system by a withdrawal that is not a transfer and by
  disposal, all decay-corrected;
- the site never holds more than its licence allows, at any receipt and at the checked times.

The model is updated only from what the services accepted; where it can say for sure what the
service must answer (a record before receipt, a voided transfer whose new container has records
of its own, a measurement beyond the licence or the tolerance), it says so.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from isoflow.domain.roles import Actor, Role
from isoflow.errors import Conflict, InvalidInput, LimitExceeded
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import ledger, licences, organisations
from tests.conftest import T0

NUCLIDE = "Mo-99"
LAM = get_nuclide(NUCLIDE).decay_constant_per_s
LIMIT = 100e9  # [Bq], the site's total possession limit
TOLERANCE = 0.10  # the site's measurement tolerance (the default)
STEP = timedelta(minutes=30)
#: Receipts on a half-hour grid over four days, so that records often fall on the same
#: instant; the other records of a container from 2 h before its receipt to 4 days after.
TIMES = st.integers(0, 8 * 24).map(lambda k: T0 + k * STEP)
AFTER = st.integers(-4, 8 * 24).map(lambda k: k * STEP)
CHECKED_AT = (T0, T0 + timedelta(hours=30), T0 + timedelta(days=4))
PICK = st.integers(0, 10**6)
ABS = 1e3  # [Bq]: the ledger rounds |balance| <= 1e-9 of the receipt to 0
_names = itertools.count()


def _decay(a: float, since: datetime, t: datetime) -> float:
    return a * math.exp(-LAM * (t - since).total_seconds())


@dataclass
class Withdrawal:
    id: int
    container: int
    at: datetime
    activity: float
    child: int | None  # a transfer: the container it filled
    voided: bool = False


@dataclass
class Measurement:
    id: int
    container: int
    at: datetime
    discrepancy: bool
    voided: bool = False


@dataclass
class Box:
    id: int
    received_at: datetime
    activity: float  # at received_at (the reference time)
    parent: int | None  # filled by a transfer from this container
    voided: bool = False
    disposal: tuple[int, datetime] | None = None  # (event id, time)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)

    def live_withdrawals(self) -> list[Withdrawal]:
        return [w for w in self.withdrawals if not w.voided]

    def balance(self, t: datetime) -> float:
        """Receipt minus withdrawals up to ``t``, decayed to ``t`` (no disposal applied)."""
        return _decay(self.activity, self.received_at, t) - sum(
            _decay(w.activity, w.at, t) for w in self.live_withdrawals() if w.at <= t)

    def holding(self, t: datetime) -> float:
        if self.voided or t < self.received_at:
            return 0.0
        if self.disposal is not None and self.disposal[1] <= t:
            return 0.0
        return self.balance(t)

    def available(self, t: datetime) -> float:
        """What may be withdrawn at ``t``: later withdrawals count, decayed back."""
        return _decay(self.activity, self.received_at, t) - sum(
            _decay(w.activity, w.at, t) for w in self.live_withdrawals())

    def own_records(self) -> bool:
        """Records in force besides the receipt (which forbid voiding its transfer)."""
        return bool(self.live_withdrawals() or self.disposal
                    or any(not m.voided for m in self.measurements))


def ledger_machine(db: object) -> type[RuleBasedStateMachine]:
    """The state machine class for one database (each example gets a site of its own)."""

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            cli = Actor.command_line("tests")
            n = next(_names)
            org, site = organisations.create_organisation(
                db, cli, name=f"Prop {os.getpid()} {n}", kind="hospital",  # type: ignore[arg-type]
                timezone="UTC", jurisdiction="EU")
            licences.add_limit(db, cli, site_id=site.id, nuclide=None, limit_bq=LIMIT,  # type: ignore[arg-type]
                               valid_from=T0 - timedelta(days=1), reference=f"P-{n}")
            self.site_id = site.id
            self.actor = Actor(username=f"prop-{n}", role=Role.RADIOPHARMACIST, org_id=org.id)
            self.boxes: dict[int, Box] = {}
            self.withdrawals: list[Withdrawal] = []
            self.measurements: list[Measurement] = []

        # ------------------------------------------------------------ the model's sums
        def site_total(self, t: datetime) -> float:
            return sum(max(b.holding(t), 0.0) for b in self.boxes.values())

        def conserved(self, t: datetime) -> float:
            """From outside, minus out by plain withdrawal and disposal, decayed to ``t``."""
            total = 0.0
            for b in self.boxes.values():
                if b.parent is None and b.received_at <= t:
                    total += _decay(b.activity, b.received_at, t)
                if b.voided:
                    continue
                total -= sum(_decay(w.activity, w.at, t) for w in b.live_withdrawals()
                             if w.child is None and w.at <= t)
                if b.disposal is not None and b.disposal[1] <= t:
                    d = b.disposal[1]
                    total -= _decay(b.balance(d), d, t)
            return total

        def box(self, pick: int) -> Box:
            ids = sorted(self.boxes)
            return self.boxes[ids[pick % len(ids)]]

        def _before_receipt(self, b: Box, t: datetime, call) -> bool:  # type: ignore[no-untyped-def]
            """A record before the receipt is refused, naming ``at``."""
            if t >= b.received_at:
                return False
            with pytest.raises(InvalidInput, match="before the container's receipt") as e:
                call()
            assert e.value.field == "at"
            return True

        @staticmethod
        def _may_not_revive(b: Box, w: Withdrawal) -> bool:
            """A voided withdrawal that no correction can bring back: its container's receipt
            was voided, or it would now follow the container's disposal."""
            return w.voided and (b.voided or (b.disposal is not None
                                              and b.disposal[1] < w.at))

        # ------------------------------------------------------------ rules
        @rule(activity=st.sampled_from([2e9, 10e9, 30e9, 60e9]), t=TIMES)
        def receive(self, activity: float, t: datetime) -> None:
            try:
                c = ledger.receive(db, self.actor, site_id=self.site_id, kind="vial",  # type: ignore[arg-type]
                                   nuclide=NUCLIDE, activity_bq=activity, reference_at=t,
                                   received_at=t)
            except LimitExceeded:
                later = [b.received_at for b in self.boxes.values() if b.received_at > t]
                assert max(self.site_total(m) + _decay(activity, t, m)
                           for m in [t, *later]) > LIMIT * (1 - 1e-6)
                return
            self.boxes[c.id] = Box(c.id, t, activity, None)

        def _withdraw(self, pick: int, fraction: float, dt: timedelta, into: bool) -> None:
            b = self.box(pick)
            t = b.received_at + dt
            amount = fraction * max(b.holding(t), 1e6)

            def call():  # type: ignore[no-untyped-def]
                return ledger.withdraw(db, self.actor, b.id, at=t, activity_bq=amount,  # type: ignore[arg-type]
                                       into_kind="syringe" if into else None)

            if self._before_receipt(b, t, call):
                return
            try:
                e = call()
            except (LimitExceeded, Conflict):
                assert b.voided or (b.disposal is not None and b.disposal[1] <= t) \
                    or amount > b.available(t) * (1 - 1e-6)
                return
            assert not b.voided and amount <= b.available(t) * (1 + 1e-6) + ABS
            w = Withdrawal(e.id, b.id, t, amount, e.counterpart_container_id)
            b.withdrawals.append(w)
            self.withdrawals.append(w)
            if into:
                assert e.counterpart_container_id is not None
                self.boxes[w.child] = Box(w.child, t, amount, b.id)  # type: ignore[index]

        @precondition(lambda self: self.boxes)
        @rule(pick=PICK, fraction=st.sampled_from([0.1, 0.4, 0.8, 1.5]), dt=AFTER)
        def withdraw(self, pick: int, fraction: float, dt: timedelta) -> None:
            self._withdraw(pick, fraction, dt, into=False)

        @precondition(lambda self: self.boxes)
        @rule(pick=PICK, fraction=st.sampled_from([0.1, 0.4, 0.8, 1.5]), dt=AFTER)
        def transfer(self, pick: int, fraction: float, dt: timedelta) -> None:
            self._withdraw(pick, fraction, dt, into=True)

        @precondition(lambda self: self.boxes)
        @rule(pick=PICK, factor=st.sampled_from([0.0, 0.5, 0.97, 1.0, 1.04, 1.5, None]),
              dt=AFTER, note=st.booleans())
        def measure(self, pick: int, factor: float | None, dt: timedelta, note: bool) -> None:
            b = self.box(pick)
            t = b.received_at + dt
            book = max(b.holding(t), 0.0)
            reading = 2 * LIMIT if factor is None else factor * book

            def call():  # type: ignore[no-untyped-def]
                return ledger.measure(db, self.actor, b.id, activity_bq=reading, at=t,  # type: ignore[arg-type]
                                      note="re-measured" if note else None)

            if self._before_receipt(b, t, call):
                return
            if b.voided or (b.disposal is not None and b.disposal[1] < t):
                with pytest.raises(Conflict):
                    call()
                return
            if reading > LIMIT:
                with pytest.raises(LimitExceeded) as e:
                    call()
                assert "P-" in e.value.message and e.value.details["limit_bq"] == LIMIT
                return
            off = abs(reading - book) - TOLERANCE * book
            if abs(off) <= ABS:  # too close to the tolerance to say: take the service's word
                try:
                    m = call()
                except InvalidInput as e:
                    assert e.field == "note" and not note
                    return
                departs = m.discrepancy
            elif off > 0 and not note:
                with pytest.raises(InvalidInput) as e:
                    call()
                assert e.value.field == "note"
                return
            else:
                m = call()
                departs = off > 0
                assert m.discrepancy is departs
            rec = Measurement(m.id, b.id, t, departs)
            b.measurements.append(rec)
            self.measurements.append(rec)

        @precondition(lambda self: self.withdrawals)
        @rule(pick=PICK, factor=st.sampled_from([0.5, 0.9, 1.2, 3.0]))
        def correct_activity(self, pick: int, factor: float) -> None:
            w = self.withdrawals[pick % len(self.withdrawals)]
            b, new = self.boxes[w.container], w.activity * factor
            child = None if w.child is None else self.boxes[w.child]
            try:
                ledger.correct(db, self.actor, b.id, event_id=w.id, activity_bq=new,  # type: ignore[arg-type]
                               reason="calibrator re-read")
            except Conflict as e:
                assert self._may_not_revive(b, w) or (
                    child is not None and child.own_records()
                    and f"container {child.id}" in e.message), e.message
                return
            except LimitExceeded:
                return  # overdraw or licence: the invariants hold either way
            assert not b.voided and (child is None or not child.own_records())
            w.activity, w.voided = new, False
            if child is not None:
                child.activity, child.voided = new, False

        @precondition(lambda self: self.withdrawals)
        @rule(pick=PICK, dt=st.integers(-8, 8).map(lambda k: k * STEP))
        def correct_time(self, pick: int, dt: timedelta) -> None:
            w = self.withdrawals[pick % len(self.withdrawals)]
            b = self.boxes[w.container]
            t = w.at + dt

            def call():  # type: ignore[no-untyped-def]
                return ledger.correct(db, self.actor, b.id, event_id=w.id, at=t,  # type: ignore[arg-type]
                                      reason="clock was off")

            if self._before_receipt(b, t, call):
                return
            child = None if w.child is None else self.boxes[w.child]
            if child is not None and t != w.at:
                with pytest.raises(InvalidInput, match=f"container {child.id}"):
                    call()
                return
            try:
                call()
            except Conflict as e:
                assert self._may_not_revive(b, w) or t != w.at or (
                    child is not None and child.own_records()), e.message
                return
            except LimitExceeded:
                assert child is None
                return
            assert not b.voided
            w.at, w.voided = t, False
            if child is not None:
                child.voided = False

        @precondition(lambda self: self.withdrawals or self.measurements
                      or any(b.disposal for b in self.boxes.values()))
        @rule(pick=PICK, which=st.sampled_from(["withdrawal", "measurement", "disposal"]))
        def void(self, pick: int, which: str) -> None:
            if which == "withdrawal" and self.withdrawals:
                w = self.withdrawals[pick % len(self.withdrawals)]
                b = self.boxes[w.container]
                child = None if w.child is None else self.boxes[w.child]
                try:
                    ledger.correct(db, self.actor, b.id, event_id=w.id, void=True,  # type: ignore[arg-type]
                                   reason="never happened")
                except Conflict as e:
                    assert child is not None and child.own_records(), e.message
                    assert f"container {child.id}" in e.message
                    return
                except LimitExceeded:
                    assert child is None  # a transfer gives nothing back to the site
                    return
                assert child is None or not child.own_records()
                w.voided = True
                if child is not None:
                    child.voided = True
            elif which == "measurement" and self.measurements:
                m = self.measurements[pick % len(self.measurements)]
                ledger.correct(db, self.actor, m.container, event_id=m.id, void=True,  # type: ignore[arg-type]
                               reason="wrong vial")
                m.voided = True
            else:
                disposed = [b for b in self.boxes.values() if b.disposal is not None]
                if not disposed:
                    return
                b = disposed[pick % len(disposed)]
                assert b.disposal is not None
                try:
                    ledger.correct(db, self.actor, b.id, event_id=b.disposal[0], void=True,  # type: ignore[arg-type]
                                   reason="still on the shelf")
                except LimitExceeded:
                    return
                b.disposal = None

        @precondition(lambda self: any(b.disposal is None for b in self.boxes.values()))
        @rule(pick=PICK, dt=AFTER)
        def dispose(self, pick: int, dt: timedelta) -> None:
            live = [b for b in self.boxes.values() if b.disposal is None]
            b = live[pick % len(live)]
            t = b.received_at + dt

            def call():  # type: ignore[no-untyped-def]
                return ledger.dispose(db, self.actor, b.id, at=t)  # type: ignore[arg-type]

            if self._before_receipt(b, t, call):
                return
            later = [w.at for w in b.live_withdrawals()] + [
                m.at for m in b.measurements if not m.voided]
            if b.voided or b.disposal is not None or any(x > t for x in later):
                with pytest.raises(Conflict):
                    call()
                return
            e = call()
            b.disposal = (e.id, t)

        # ------------------------------------------------------------ invariants
        @invariant()
        def conserved_and_licensed(self) -> None:
            # every container, at three times
            for t in CHECKED_AT:
                views = {v.id: v for v in ledger.list_containers(db, self.actor, at=t)}  # type: ignore[arg-type]
                assert set(views) == set(self.boxes)
                for b in self.boxes.values():
                    v = views[b.id]
                    assert v.activity_bq == pytest.approx(b.holding(t), rel=1e-9, abs=ABS), \
                        (b, t)
                    assert v.voided is b.voided
                    assert v.discrepancies == sum(1 for m in b.measurements
                                                  if m.discrepancy and not m.voided)
                held = sum(v.activity_bq for v in views.values())
                assert held == pytest.approx(self.conserved(t), rel=1e-9, abs=ABS * 10), t
            # the site's holdings, at every receipt (where they peak) too
            for t in sorted({b.received_at for b in self.boxes.values()} | set(CHECKED_AT)):
                site = sum(ledger.site_possession(db, self.actor, self.site_id, t).values())  # type: ignore[arg-type]
                assert site == pytest.approx(self.conserved(t), rel=1e-9, abs=ABS * 10), t
                assert site <= LIMIT * (1 + 1e-9), t

    return LedgerMachine


def test_ledger_conserves_activity_and_respects_the_licence(db) -> None:  # type: ignore[no-untyped-def]
    """~15-35 s per database. A failure is reported unshrunk (shrinking a sequence of database
    writes can take minutes): add Phase.shrink to ``phases`` to minimise one locally."""
    run_state_machine_as_test(ledger_machine(db), settings=settings(
        max_examples=35, stateful_step_count=25, deadline=None, derandomize=True,
        database=None, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
