"""Stateful property test of the hot lab's chain eluate → kit vial → syringe → patient, on
SQLite: random prepare / draw / administer / discard steps, checked after every step against
the test's own arithmetic (not the services'):

- every container holds what the model says, decay-corrected, and never goes negative;
- conservation: the eluate's receipt decayed to t equals what every container of the chain
  holds at t plus what left it (administered to patients, disposed of with a syringe), each
  decayed from when it left — within 1e-9 relative.
"""

from __future__ import annotations

import itertools
import math
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

from isoflow.errors import LimitExceeded
from isoflow.physics.nuclides import get_nuclide
from isoflow.services import doses, kits, ledger
from tests.department_world import MBQ, PASSWORD, make_department
from tests.dispensing_world import appointment, t0

LAM = get_nuclide("Tc-99m").decay_constant_per_s
ELUATE_BQ = 20000 * MBQ
ELUATE_ML = 20.0
FRACTION = st.floats(0.05, 0.6)
PICK = st.integers(0, 10**6)
STEP = st.integers(0, 20).map(lambda m: timedelta(minutes=m))
_records = itertools.count()


def _d(a: float, since: datetime, t: datetime) -> float:
    return a * math.exp(-LAM * (t - since).total_seconds())


@dataclass
class Box:
    id: int
    activity: float
    received_at: datetime
    withdrawals: list[tuple[float, datetime]] = field(default_factory=list)
    disposed_at: datetime | None = None

    def balance(self, t: datetime) -> float:
        return _d(self.activity, self.received_at, t) - sum(
            _d(a, at, t) for a, at in self.withdrawals if at <= t)

    def holding(self, t: datetime) -> float:
        if t < self.received_at or (self.disposed_at is not None and self.disposed_at <= t):
            return 0.0
        return self.balance(t)


def dispensing_machine(db: object, dep: object) -> type[RuleBasedStateMachine]:
    rph = dep.actors["radiopharmacist"]  # type: ignore[attr-defined]
    tech = dep.actors["technologist"]  # type: ignore[attr-defined]

    class DispensingMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.start = self.now = t0() - timedelta(hours=1)
            e = ledger.receive(db, rph, site_id=dep.site_id, kind="vial",  # type: ignore[arg-type, attr-defined]
                               nuclide="Tc-99m", activity_bq=ELUATE_BQ,
                               reference_at=self.now, received_at=self.now,
                               volume_ml=ELUATE_ML, label="eluate")
            self.eluate = Box(e.id, ELUATE_BQ, self.now)
            self.boxes: dict[int, Box] = {e.id: self.eluate}
            self.vials: list[int] = []
            self.drawn: dict[int, int] = {}  # dose id -> syringe container id
            self.exits: list[tuple[float, datetime]] = []
            self.volume = {e.id: ELUATE_ML}

        def _tick(self, dt: timedelta) -> datetime:
            self.now = self.now + dt
            return self.now

        def _transfer(self, source: Box, target_id: int, activity: float, t: datetime,
                      volume: float) -> None:
            source.withdrawals.append((activity, t))
            self.boxes[target_id] = Box(target_id, activity, t)
            self.volume[source.id] -= volume
            self.volume[target_id] = volume

        @rule(fraction=FRACTION, dt=STEP)
        def prepare(self, fraction: float, dt: timedelta) -> None:
            t = self._tick(dt)
            avail = self.eluate.holding(t)
            activity = min(fraction * avail, 11000 * MBQ)
            volume = min(activity / avail * self.volume[self.eluate.id], 10.0)
            if volume <= 1e-6 or activity <= 0:
                return
            p = kits.prepare_kit(db, rph, kit_id=dep.kit_ids["MDP"], kit_lot="P",  # type: ignore[arg-type, attr-defined]
                                 eluate_container_id=self.eluate.id, prepared_at=t,
                                 activity_bq=activity, volume_ml=volume)
            kits.record_rcp(db, rph, p.id, rcp_fraction=0.99, tested_at=t)  # type: ignore[arg-type]
            kits.release_kit(db, rph, p.id, password=PASSWORD)  # type: ignore[arg-type]
            self._transfer(self.eluate, p.vial_container_id, activity, t, volume)
            self.vials.append(p.vial_container_id)

        @precondition(lambda self: bool(self.vials))
        @rule(pick=PICK, fraction=st.floats(0.05, 1.3), dt=STEP, wait=STEP)
        def draw(self, pick: int, fraction: float, dt: timedelta, wait: timedelta) -> None:
            t = self._tick(dt)
            vial = self.boxes[self.vials[pick % len(self.vials)]]
            planned = t + wait
            avail = vial.holding(t)
            wanted = fraction * _d(avail, t, planned)
            appt = appointment(db, dep, planned, record=f"P-{next(_records)}")  # type: ignore[arg-type]
            drawn = wanted * math.exp(LAM * (planned - t).total_seconds())
            if drawn > avail * (1 + 1e-6):
                with pytest.raises(LimitExceeded):
                    doses.draw_dose(db, tech, appointment_id=appt,  # type: ignore[arg-type]
                                    source_container_id=vial.id, drawn_at=t,
                                    activity_bq=wanted, planned_at=planned)
                return
            if drawn > avail * (1 - 1e-6):
                return  # too close to call
            d = doses.draw_dose(db, tech, appointment_id=appt, source_container_id=vial.id,  # type: ignore[arg-type]
                                drawn_at=t, activity_bq=wanted, planned_at=planned)
            self._transfer(vial, d.syringe_container_id, drawn, t,
                           drawn / avail * self.volume[vial.id])
            self.drawn[d.id] = d.syringe_container_id

        @precondition(lambda self: bool(self.drawn))
        @rule(pick=PICK, residual=st.floats(0.0, 0.5), dt=STEP)
        def administer(self, pick: int, residual: float, dt: timedelta) -> None:
            t = self._tick(dt)
            dose_id = sorted(self.drawn)[pick % len(self.drawn)]
            syringe = self.boxes[self.drawn.pop(dose_id)]
            book = syringe.holding(t)
            x = doses.administer(db, tech, dose_id, administered_at=t,  # type: ignore[arg-type]
                                 residual_bq=residual * book, reason="property test")
            net = book - residual * book
            assert x.net_bq == pytest.approx(net, rel=1e-9)
            syringe.withdrawals.append((net, t))
            self.exits.append((net, t))
            self.exits.append((syringe.holding(t), t))
            syringe.disposed_at = t

        @precondition(lambda self: bool(self.drawn))
        @rule(pick=PICK, dt=STEP)
        def discard(self, pick: int, dt: timedelta) -> None:
            t = self._tick(dt)
            dose_id = sorted(self.drawn)[pick % len(self.drawn)]
            syringe = self.boxes[self.drawn.pop(dose_id)]
            doses.discard_dose(db, tech, dose_id, at=t, reason="dropped")  # type: ignore[arg-type]
            self.exits.append((syringe.holding(t), t))
            syringe.disposed_at = t

        @invariant()
        def conserved_and_never_negative(self) -> None:
            for t in (self.now, self.now + timedelta(hours=2)):
                held = 0.0
                for b in self.boxes.values():
                    v = ledger.get_container(db, rph, b.id, at=t)  # type: ignore[arg-type]
                    model = b.holding(t)
                    assert model >= -1e-9 * b.activity, (b, t)
                    assert v.activity_bq >= 0, (b, t)
                    assert v.activity_bq == pytest.approx(model, rel=1e-9,
                                                          abs=1e-9 * b.activity), (b, t)
                    held += v.activity_bq
                left = sum(_d(a, at, t) for a, at in self.exits if at <= t)
                assert held + left == pytest.approx(_d(ELUATE_BQ, self.start, t), rel=1e-9)

    return DispensingMachine


def test_chain_conserves_activity(db, db_url) -> None:  # type: ignore[no-untyped-def]
    """SQLite only (the ledger's own property test covers PostgreSQL's locking)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the dispensing chain's property test runs on SQLite")
    dep = make_department(db)
    run_state_machine_as_test(dispensing_machine(db, dep), settings=settings(
        max_examples=12, stateful_step_count=12, deadline=None, derandomize=True,
        database=None, phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
