"""Decay engine benchmark: isoflow and radioactivedecay side by side, in one run.

Writes benchmarks/results/decay.json. BLAS is pinned to one thread (threadpoolctl): on these
2-core machines small matrix products are 20-60x slower with two OpenBLAS threads. Figures
are medians of repeated runs; ratios are between numbers measured in this same run.

Cases (targets from issue #2):
  single      one Mo-99 inventory at one time              isoflow <= 20 us
  times       Tc-99m from Mo-99 at 10,000 times            >= 10,000x the library's loop
  inventories 10,000 Mo-99 inventories at one time each     >= 10,000x the library's loop
  u238        the U-238 chain at 10,000 times (0..1e6 y)    <= 3x np.exp on (nuclides x times)
  u238_log    the same on a log grid 1 s..1000 half-lives   reported, with exact-path share
  memory      peak memory of the u238 case                 <= 2x the output array
The library's loops are timed on a sample of calls and scaled to 10,000 (stated in the JSON).
The float64 path, the long-double retry and the exact (mpmath) fallback are reported, with
how many points each took. The float64 pass is the compiled kernel (_bateman.c); the batched
cases are timed again on the numpy implementation (the fallback) for comparison.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from isoflow.physics import Inventory, batch_activities, engine
from isoflow.physics.engine import STATS

OUT = Path(__file__).parent / "results" / "decay.json"
N = 10_000
LIB_SAMPLE = 300


def median_time(fn, repeat: int = 7, number: int = 1) -> float:
    """Median wall time [s] of one call of fn."""
    fn()  # warm caches
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def main() -> None:
    t_import = time.perf_counter()
    import radioactivedecay as rd

    rd_import_s = time.perf_counter() - t_import
    res: dict[str, object] = {
        "float_path": "compiled kernel (_bateman.c)" if engine.KERNEL else "numpy",
        "python": sys.version.split()[0], "machine": platform.machine(),
        "numpy": np.__version__, "radioactivedecay": rd.__version__,
        "blas_threads": 1, "radioactivedecay_import_s": rd_import_s,
    }
    with threadpool_limits(1):
        # ---- one inventory, one time
        inv = Inventory.from_activities({"Mo-99": 1e10})
        rd_inv = rd.Inventory({"Mo-99": 1e10}, "Bq")
        iso_single = median_time(lambda: inv.decay(3600.0).activities_bq(), number=2000)
        lib_single = median_time(lambda: rd_inv.decay(3600.0, "s").activities("Bq"), number=50)
        res["single"] = {"isoflow_us": iso_single * 1e6, "library_us": lib_single * 1e6,
                         "speedup": lib_single / iso_single, "target_isoflow_us": 20}

        # ---- Tc-99m from Mo-99 at 10,000 times
        times = np.linspace(0, 14 * 86400, N)
        iso_times = median_time(lambda: inv.activities_bq_at(times))
        lib_per_call = median_time(lambda: [rd_inv.decay(float(t), "s").activities("Bq")
                                            for t in times[:LIB_SAMPLE]], repeat=3) / LIB_SAMPLE
        res["times"] = {"n": N, "isoflow_s": iso_times, "library_loop_s": lib_per_call * N,
                        "library_loop_extrapolated_from_calls": LIB_SAMPLE,
                        "speedup": lib_per_call * N / iso_times, "target_speedup": 10_000}

        # ---- 10,000 inventories at one time each
        rng = np.random.default_rng(7)
        initial = rng.uniform(1e9, 5e10, size=(N, 1))
        iso_inv = median_time(lambda: batch_activities(["Mo-99"], initial, [86400.0]))
        lib_inv = median_time(lambda: [rd.Inventory({"Mo-99": float(a)}, "Bq")
                                       .decay(86400.0, "s").activities("Bq")
                                       for a in initial[:LIB_SAMPLE, 0]], repeat=3) / LIB_SAMPLE
        res["inventories"] = {"n": N, "isoflow_s": iso_inv, "library_loop_s": lib_inv * N,
                              "library_loop_extrapolated_from_calls": LIB_SAMPLE,
                              "speedup": lib_inv * N / iso_inv, "target_speedup": 10_000}

        # ---- the U-238 chain at 10,000 times: a linear grid over a million years (the
        # chain's in-growth to secular equilibrium), and a log grid from 1 s to 1000
        # half-lives of U-238, where deep in-growth takes the exact path more often
        u = Inventory.from_activities({"U-238": 1e6})
        n_nuc = len(u.nuclides)
        x = np.random.default_rng(1).uniform(0, 50, size=(N, n_nuc))
        np_exp = median_time(lambda: np.exp(x), repeat=21)
        year = 365.2422 * 86400
        grids = {"u238": np.linspace(0, 1e6 * year, N),
                 "u238_log": np.logspace(0, np.log10(1000 * 1.4099634572544e17), N)}
        for key, t_u in grids.items():
            STATS.reset()
            u.activities_bq_at(t_u)
            fallback, extended = STATS.exact_points, STATS.extended_points
            # a fraction of a millisecond on the linear grid: many runs for a steady median
            iso_u = median_time(lambda t_u=t_u: u.activities_bq_at(t_u),
                                repeat=21 if key == "u238" else 3)
            lib_u = median_time(lambda t_u=t_u: [rd.Inventory({"U-238": 1e6}, "Bq")
                                                 .decay(float(t), "s").activities("Bq")
                                                 for t in t_u[::100]], repeat=3) / 100
            res[key] = {"n_times": N, "grid": "linear 0..1e6 y" if key == "u238" else
                        "log 1 s..1000 half-lives", "n_nuclides": n_nuc, "isoflow_s": iso_u,
                        "np_exp_same_elements_s": np_exp, "ratio_to_np_exp": iso_u / np_exp,
                        "target_ratio": 3.0, "long_double_points": extended,
                        "exact_fallback_points": fallback,
                        "exact_fallback_fraction": fallback / N,
                        "library_loop_s": lib_u * N, "speedup": lib_u * N / iso_u}
        t_u = grids["u238"]

        # ---- peak memory of the u238 case
        tracemalloc.start()
        _, a = u.activities_bq_at(t_u)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        res["memory"] = {"output_bytes": a.nbytes, "peak_bytes": peak,
                         "peak_over_output": peak / a.nbytes, "target": 2.0}

        # ---- the exact path on its own (every point forced through mpmath)
        from isoflow.physics.engine import solve_atoms

        chain = u._chain
        n0 = u._n0[None, :]
        few = t_u[::1000]
        exact_s = median_time(lambda: solve_atoms(chain, n0, few, exact=True), repeat=3)
        res["exact_path"] = {"u238_per_point_ms": exact_s / few.size * 1e3,
                             "float_path_per_point_us":
                             res["u238"]["isoflow_s"] / N * 1e6}  # type: ignore[index]

        # ---- fallback frequency over the reference grid (1 ms .. 1000 half-lives)
        STATS.reset()
        for parent in ("Mo-99", "I-131", "Ge-68", "Ra-226", "Th-232", "Ac-225"):
            p_inv = Inventory.from_activities({parent: 1.0})
            p_inv.activities_bq_at(np.logspace(-3, 25, 2000))
        total = STATS.float_points + STATS.extended_points + STATS.exact_points
        res["fallback_over_log_grids"] = {"float_points": STATS.float_points,
                                          "long_double_points": STATS.extended_points,
                                          "exact_points": STATS.exact_points,
                                          "exact_fraction": STATS.exact_points / total}

        # ---- the same batched cases on the numpy implementation (the fallback)
        kernel, engine.KERNEL = engine.KERNEL, None
        try:
            res["numpy_path"] = {
                "times_s": median_time(lambda: inv.activities_bq_at(times)),
                "inventories_s": median_time(
                    lambda: batch_activities(["Mo-99"], initial, [86400.0])),
                "u238_s": median_time(lambda: u.activities_bq_at(t_u), repeat=3),
            }
        finally:
            engine.KERNEL = kernel

    checks = {
        "single_le_20us": res["single"]["isoflow_us"] <= 20,  # type: ignore[index]
        "times_ge_10000x": res["times"]["speedup"] >= 10_000,  # type: ignore[index]
        "inventories_ge_10000x": res["inventories"]["speedup"] >= 10_000,  # type: ignore[index]
        "u238_within_3x_np_exp": res["u238"]["ratio_to_np_exp"] <= 3.0,  # type: ignore[index]
        "memory_le_2x_output": res["memory"]["peak_over_output"] <= 2.0,  # type: ignore[index]
    }
    res["targets_met"] = checks
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
