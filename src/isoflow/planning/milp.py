"""A MILP assembled row by row and solved by HiGHS (highspy), with an optional warm start."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

INF = highspy.kHighsInf

_banner_lock = threading.Lock()
_banner_shown = False


def _highs() -> highspy.Highs:
    """A Highs instance. The first one a process makes prints HiGHS's banner on file
    descriptor 1 before any option can silence it, which would corrupt a command's JSON on
    stdout: that one is made with descriptor 1 pointed at /dev/null."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
        return h


@dataclass
class Milp:
    """A MILP assembled row by row, solved by HiGHS."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    no_probing: bool = False

    def var(self, lo: float = 0.0, hi: float = highspy.kHighsInf, cost: float = 0.0,
            integer: bool = False) -> int:
        self.lower.append(lo)
        self.upper.append(hi)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.lower) - 1

    def binary(self, cost: float = 0.0) -> int:
        return self.var(0.0, 1.0, cost, True)

    def row(self, terms: Sequence[tuple[int, float]], lo: float, hi: float) -> None:
        for j, v in terms:
            self.index.append(j)
            self.value.append(v)
        self.starts.append(len(self.index))
        self.row_lower.append(lo)
        self.row_upper.append(hi)

    def solve(self, time_limit_s: float, gap: float, start: list[float] | None = None,
              fixed: dict[int, float] | None = None) -> tuple[str, list[float], float, float]:
        """(status, values or [] if no solution, relative gap, seconds). ``fixed`` pins
        columns to values for this solve only (a neighbourhood search)."""
        lower, upper = np.array(self.lower), np.array(self.upper)
        if fixed:
            idx = np.fromiter(fixed.keys(), dtype=np.int64)
            vals = np.fromiter(fixed.values(), dtype=np.float64)
            lower[idx] = vals
            upper[idx] = vals
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.lower)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = lower
        lp.col_upper_ = upper
        lp.row_lower_ = np.array(self.row_lower)
        lp.row_upper_ = np.array(self.row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        h = _highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit_s))
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("random_seed", 1)
        if self.no_probing:
            h.setOptionValue("presolve_rule_off", 32768)  # probing: seconds, little gain here
        h.passModel(lp)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        h.run()
        elapsed = time.perf_counter() - t0
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        values = list(h.getSolution().col_value) if info.primal_solution_status else []
        return status, values, float(info.mip_gap), elapsed
