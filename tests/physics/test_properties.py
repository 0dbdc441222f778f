"""Hypothesis properties of the decay engine."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isoflow.physics import Inventory, batch_activities
from isoflow.physics.chains import chain_for
from isoflow.physics.dataset import get_dataset

PARENTS = ["Mo-99", "Tc-99m", "I-131", "Ga-68", "Ge-68", "Lu-177", "Co-60", "F-18",
           "U-238", "Th-232", "Ra-226", "Ac-225", "Sr-90", "Cs-137", "W-188", "Sr-82"]


def _closed(parent: str) -> bool:
    """No fission, and branching fractions that sum to exactly 1 all along the chain (some
    ICRP-107 entries, e.g. Tc-99m's 0.99996 + 0.000037, are rounded and lose atoms)."""
    ds = get_dataset()
    idx = ds.index()
    for n in chain_for((parent,)).nuclides:
        i = idx[n]
        if ds.fission_fraction[i] or (ds.half_life_exact[i] is not None
                                      and sum(ds.branching[i]) != 1):
            return False
    return True


CLOSED = [p for p in PARENTS if _closed(p)]

activity = st.floats(min_value=1e-3, max_value=1e15, allow_nan=False)
duration = st.floats(min_value=0.0, max_value=3e9, allow_nan=False)
mixtures = st.dictionaries(st.sampled_from(PARENTS), activity, min_size=1, max_size=4)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _close(a: dict[str, float], b: dict[str, float], rel: float = 1e-9) -> None:
    total = max(sum(abs(v) for v in b.values()), 1e-300)
    for k in b:
        if abs(b[k]) >= 1e-12 * total:
            assert abs(a[k] - b[k]) <= rel * abs(b[k]) + 1e-300, (k, a[k], b[k])


@SETTINGS
@given(mixtures, duration, duration)
def test_decay_composes(inv: dict[str, float], a: float, b: float) -> None:
    start = Inventory.from_activities(inv)
    _close(start.decay(a).decay(b).atoms(), start.decay(a + b).atoms())


@SETTINGS
@given(st.sampled_from(CLOSED), activity, duration)
def test_atoms_conserved_in_a_chain_ending_stable(parent: str, a0: float, t: float) -> None:
    assert len(CLOSED) >= 8
    start = Inventory.from_activities({parent: a0})
    before = sum(start.atoms().values())
    after = sum(start.decay(t).atoms().values())
    assert abs(after - before) <= 1e-9 * before


@SETTINGS
@given(mixtures, st.lists(duration, min_size=1, max_size=20))
def test_activity_never_negative(inv: dict[str, float], times: list[float]) -> None:
    start = Inventory.from_activities(inv)
    _, a = start.activities_bq_at(times)
    assert np.all(a >= 0)
    for t in times[:3]:
        assert min(start.decay(t).activities_bq().values()) >= 0


@SETTINGS
@given(st.lists(st.sampled_from(PARENTS), min_size=1, max_size=3, unique=True),
       st.integers(min_value=1, max_value=5), st.lists(duration, min_size=1, max_size=6),
       st.randoms(use_true_random=False))
def test_batch_equals_one_at_a_time(parents: list[str], n_inv: int, times: list[float],
                                    rnd) -> None:
    initial = np.array([[rnd.uniform(0, 1e10) for _ in parents] for _ in range(n_inv)])
    names, a = batch_activities(parents, initial, times)
    assert a.shape == (n_inv, len(times), len(names))
    for i in range(n_inv):
        inv = Inventory.from_activities(dict(zip(parents, initial[i].tolist(), strict=True)))
        _, single = inv.activities_bq_at(times)
        for k, t in enumerate(times):
            one = inv.decay(t).activities_bq()
            _close(dict(zip(names, a[i, k].tolist(), strict=True)), one)
            _close(dict(zip(names, single[k].tolist(), strict=True)), one)
