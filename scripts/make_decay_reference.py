"""Generate the decay reference values the test suite checks isoflow against.

The reference is ``radioactivedecay.InventoryHP`` (SymPy, arbitrary precision), run on the
same ICRP-107 dataset isoflow reads. It takes 2-4 s a call, far too slow for CI, so this
script is run by hand and its output committed: ``tests/physics/data/decay_reference.json.gz``.

Cost is per call, almost regardless of the inventory's size, so each call decays a *packed*
inventory: many parents whose decay chains share no nuclide. Their results separate exactly,
giving one single-parent reference per parent per call. Times are a global log grid from
1 ms, two points a decade; a parent takes part at time t when t <= 1000 of its half-lives.
At each time at most ``--groups`` packed calls are made, the parents' order rotating with the
time so that parents whose chains overlap (the actinide series) are sampled across times.

Usage: python scripts/make_decay_reference.py [--groups 2] [--per-decade 2]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import time
from pathlib import Path

import radioactivedecay as rd

OUT = Path(__file__).resolve().parents[1] / "tests/physics/data/decay_reference.json.gz"

MIXTURES = {
    "hospital_week": {"Mo-99": 2.0e10, "Tc-99m": 1.5e10, "I-131": 5.0e8, "Ga-68": 1.0e9,
                      "Ge-68": 1.85e9, "F-18": 3.7e9, "Lu-177": 7.4e9},
    "actinides": {"U-238": 1.0e6, "Th-232": 2.0e6, "Ra-226": 5.0e5, "U-235": 4.0e4,
                  "Ac-225": 1.0e7},
    "sources": {"Co-60": 3.7e13, "Cs-137": 1.0e12, "Ir-192": 4.0e11, "Sr-90": 1.0e9},
}
MIXTURE_TIMES_S = [1e-3, 1.0, 60.0, 3600.0, 6 * 3600.0, 86400.0, 7 * 86400.0,
                   365.2422 * 86400.0, 30 * 365.2422 * 86400.0, 1e4 * 365.2422 * 86400.0]


def chain_of(parent: str) -> set[str]:
    out, stack = {parent}, [parent]
    while stack:
        for p in rd.Nuclide(stack.pop()).progeny():
            if p != "SF" and p not in out:
                out.add(p)
                stack.append(p)
    return out


def rotated(parents: list[str], key: int) -> list[str]:
    return sorted(parents, key=lambda p: hashlib.sha1(f"{key}:{p}".encode()).hexdigest())


def decay_hp(inventory: dict[str, float], t_s: float) -> dict[str, float]:
    return {k: float(v) for k, v in rd.InventoryHP(inventory, "Bq").decay(t_s, "s")
            .activities("Bq").items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=2)
    ap.add_argument("--per-decade", type=int, default=2)
    ap.add_argument("--coverage-only", action="store_true",
                    help="keep the existing file's grid references; redo the coverage pass")
    args = ap.parse_args()

    data = rd.DEFAULTDATA
    half_life = {n: data.half_life(n, "s") for n in data.nuclides}
    parents = [n for n in data.nuclides if math.isfinite(half_life[n])]
    chains = {p: chain_of(p) for p in parents}
    t_max = 1000 * max(half_life[p] for p in parents)
    n_times = math.ceil((math.log10(t_max) + 3) * args.per_decade) + 1
    times = [10 ** (-3 + k / args.per_decade) for k in range(n_times)]

    singles: list[dict[str, object]] = []
    started = time.time()
    if args.coverage_only:
        with gzip.open(OUT, "rt", encoding="utf-8") as fh:
            singles = [r for r in json.load(fh)["singles"] if not r.get("coverage")]
        times = []
    for k, t in enumerate(times):
        active = [p for p in parents if t <= 1000 * half_life[p]]
        remaining = rotated(active, k)
        for _ in range(args.groups):
            used: set[str] = set()
            group: list[str] = []
            for p in remaining:
                if not chains[p] & used:
                    used |= chains[p]
                    group.append(p)
            if not group:
                break
            result = decay_hp({p: 1.0 for p in group}, t)
            for p in group:
                singles.append({"parent": p, "t_s": t,
                                "activities_bq": {n: result.get(n, 0.0) for n in sorted(chains[p])
                                                  if math.isfinite(half_life[n])}})
            remaining = [p for p in remaining if p not in set(group)]
        print(f"t={t:.3g} s: {len(singles)} references, {time.time() - started:.0f} s", flush=True)

    # Coverage pass: parents the packing never reached (overlapping actinide chains) get
    # references of their own at 0.1 and 10 half-lives.
    covered = {r["parent"] for r in singles}
    for p in parents:
        if p in covered:
            continue
        for factor in (0.1, 10.0):
            t = factor * half_life[p]
            result = decay_hp({p: 1.0}, t)
            singles.append({"parent": p, "t_s": t, "coverage": True,
                            "activities_bq": {n: result.get(n, 0.0) for n in sorted(chains[p])
                                              if math.isfinite(half_life[n])}})
        print(f"coverage {p}: {time.time() - started:.0f} s", flush=True)

    mixtures = []
    for name, inv in MIXTURES.items():
        for t in MIXTURE_TIMES_S:
            mixtures.append({"name": name, "initial_bq": inv, "t_s": t,
                             "activities_bq": decay_hp(inv, t)})

    OUT.parent.mkdir(parents=True, exist_ok=True)
    source = f"radioactivedecay {rd.__version__} InventoryHP, dataset {data.dataset_name}"
    payload = {"source": source,
               "singles": singles, "mixtures": mixtures}
    with gzip.open(OUT, "wt", encoding="utf-8") as fh:
        json.dump(payload, fh, separators=(",", ":"))
    print(f"wrote {OUT} ({len(singles)} single-parent, {len(mixtures)} mixture references)")


if __name__ == "__main__":
    main()
