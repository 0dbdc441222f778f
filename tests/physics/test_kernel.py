"""The compiled float64 kernel (_bateman.c): its own exp/expm1 against correctly rounded
values, its argument checks, and agreement with the numpy path on awkward inputs."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from isoflow.physics import Inventory, batch_activities, engine

kernel = pytest.importorskip("isoflow.physics._bateman")

# the error budget in the kernel's header allows 1.5 ulp for both functions
MAX_ULP = 1.5


def _ulps(got: np.ndarray, exact: list[mpmath.mpf]) -> float:
    worst = 0.0
    for g, ex in zip(got.tolist(), exact, strict=True):
        ref = float(ex)
        ulp = float(np.spacing(abs(ref))) if ref else 5e-324
        worst = max(worst, float(abs(mpmath.mpf(g) - ex)) / ulp)
    return worst


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    rng = np.random.default_rng(2026)
    return np.concatenate([
        rng.uniform(0, 708, 2000),                 # the whole normal range of exp(-x)
        10 ** rng.uniform(-300, 0, 1500),          # tiny arguments (expm1's reason to be)
        rng.uniform(0, 40, 1500),                  # expm1 up to saturation
        (np.arange(1, 60) + 0.5) * np.log(2),      # reduction boundaries
        [0.0, 1e-320, 37.999, 38.0, 708.38],
    ])


def test_exp_neg_within_budget(sample: np.ndarray) -> None:
    out = np.empty_like(sample)
    kernel.exp_neg(sample, out)
    with mpmath.workprec(120):
        exact = [mpmath.exp(-mpmath.mpf(x)) for x in sample.tolist()]
    assert _ulps(out, exact) <= MAX_ULP
    big = np.array([708.4, 745.0, 1e5, np.inf])
    kernel.exp_neg(big, out[:4])
    assert np.all(out[:4] == 0.0)  # below DBL_MIN: taken as 0, covered by the bound


def test_expm1_neg_within_budget(sample: np.ndarray) -> None:
    out = np.empty_like(sample)
    kernel.expm1_neg(sample, out)
    with mpmath.workprec(120):
        exact = [mpmath.expm1(-mpmath.mpf(x)) for x in sample.tolist()]
    assert _ulps(out, exact) <= MAX_ULP
    assert np.all(out <= 0.0)


def test_wrong_sizes_are_refused() -> None:
    inv = Inventory.from_activities({"Mo-99": 1.0})
    ch = inv._chain
    k = ch.kernel_arrays()
    times = np.array([1.0, 2.0])
    out = np.empty((1, 2, ch.size))
    cols = ch.all_columns
    layout = (2 * ch.size, ch.size, 1)
    with pytest.raises(ValueError, match="out"):
        kernel.solve(ch.lam, k.ct, k.cat, ch.c_inv, ch.c_inv_abs, k.hi, 1e-15,
                     inv._n0[None, :], cols, times, ch.lam, out[:, :1], np.empty(2, np.uint8),
                     layout)
    with pytest.raises(ValueError, match="n0"):
        kernel.solve(ch.lam, k.ct, k.cat, ch.c_inv, ch.c_inv_abs, k.hi, 1e-15,
                     np.ones(ch.size + 1), cols, times, ch.lam, out, np.empty(2, np.uint8),
                     layout)
    with pytest.raises(ValueError, match="cols"):
        kernel.solve(ch.lam, k.ct, k.cat, ch.c_inv, ch.c_inv_abs, k.hi, 1e-15,
                     np.ones(1), np.array([ch.size]), times, ch.lam, out,
                     np.empty(2, np.uint8), layout)
    with pytest.raises(ValueError, match="layout"):  # would write past the end of out
        kernel.solve(ch.lam, k.ct, k.cat, ch.c_inv, ch.c_inv_abs, k.hi, 1e-15,
                     inv._n0[None, :], cols, times, ch.lam, out, np.empty(2, np.uint8),
                     (0, ch.size + 1, 1))


@pytest.mark.parametrize("parents", [["U-238"], ["Mo-99", "Tc-99m"], ["Th-232", "Ra-224"],
                                     ["Ac-225"], ["I-131", "Cs-137", "Co-60"]])
def test_kernel_agrees_with_numpy_path(parents: list[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Unsorted times, repeats, t = 0, blocks of every size, many inventories."""
    rng = np.random.default_rng(len(parents))
    times = np.concatenate([[0.0], 10 ** rng.uniform(-3, 18, 150), [0.0, 5.0, 5.0]])
    initial = rng.uniform(0, 1e9, size=(3, len(parents)))
    names, fast = batch_activities(parents, initial, times)
    many_initial = rng.uniform(0, 1e9, size=(200, len(parents)))
    _, many = batch_activities(parents, many_initial, [3e5, 0.0])
    monkeypatch.setattr(engine, "KERNEL", None)
    _, slow = batch_activities(parents, initial, times)
    _, many_slow = batch_activities(parents, many_initial, [3e5, 0.0])
    assert np.all(fast >= 0)
    total = slow.sum(axis=2, keepdims=True)
    # what is left after ~1000 half-lives (below 2^-990 of the inventory) has no relative
    # guarantee on either path (engine.UNDERFLOW_REL): compare the rest
    in_range = slow > 1e-280 * initial.sum(axis=1)[:, None, None]
    significant = (slow >= 1e-12 * total) & in_range
    rel = np.abs(fast - slow)[significant] / slow[significant]
    assert rel.max() <= 2e-9  # each within 1e-9 of the truth
    assert np.allclose(fast[:, 0], initial_activities(parents, initial, names), rtol=1e-15,
                       atol=0)  # t = 0 gives the input back
    assert many.shape == (200, 2, len(names)) and np.all(many >= 0)
    big = many_slow >= 1e-12 * many_slow.sum(axis=2, keepdims=True)
    assert np.all(np.abs(many - many_slow)[big] <= 2e-9 * many_slow[big])
    # the points of the larger of (inventories, times) run fastest in memory
    assert fast.strides[1] == 8 and many.strides[0] == 8 and slow.strides[1] == 8


def initial_activities(parents: list[str], initial: np.ndarray, names: list[str]
                       ) -> list[list[float]]:
    """The activities at t = 0, nuclide by nuclide in chain order (0 for progeny)."""
    rows = []
    for row in initial:
        d = dict(zip(parents, row.tolist(), strict=True))
        rows.append([d.get(n, 0.0) for n in names])
    return rows


def test_fully_decayed_inventory_needs_no_exact_path() -> None:
    """Long after every radionuclide is gone, the float path vouches for the zeros (they are
    below float64's range relative to the inventory) and for the stable end-member."""
    inv = Inventory.from_activities({"Mo-99": 1e10})
    engine.STATS.reset()
    names, a = inv.activities_bq_at([1e20, 1e25])
    assert np.all(a == 0.0)
    _, atoms = inv.atoms_at([1e25])
    start = sum(inv.atoms().values())
    # ICRP-107's branching fractions of Mo-99/Tc-99m sum to 0.999997: Ru-99 gets the rest
    assert atoms[0, names.index("Ru-99")] == pytest.approx(start, rel=1e-5)
    assert atoms[0].sum() <= start
    assert engine.STATS.exact_points == 0


def test_long_double_retry_matches_the_exact_path() -> None:
    """Deep in-growth (U-238 at 100-3000 y) is beyond float64's proof; the compiled
    long-double retry must take those points and agree with mpmath."""
    from isoflow.physics.engine import solve_atoms

    inv = Inventory.from_activities({"U-238": 1e6})
    times = np.linspace(0, 3000 * 3.15576e7, 31)
    engine.STATS.reset()
    _, fast = inv.atoms_at(times)
    assert engine.STATS.extended_points > 0
    exact = solve_atoms(inv._chain, inv._n0[None, :], times, exact=True)[0]
    big = exact > 1e-12 * exact.sum(axis=1, keepdims=True)
    assert np.all(np.abs(fast - exact)[big] <= 1e-9 * exact[big])
