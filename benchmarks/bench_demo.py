"""Demo world benchmark (issue #11): ``isoflow demo load`` into a new embedded SQLite database
(migrations included) — the supplier's three years of orders and shipments, the hospital's
week — timed end to end, with the counts it produced. Target: < 60 s.

Run: .venv/bin/python benchmarks/bench_demo.py  -> benchmarks/results/demo.json
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from isoflow.services import demo  # noqa: E402
from isoflow.store import migrate  # noqa: E402
from isoflow.store.db import Database  # noqa: E402
from isoflow.store.supplier_models import Customer, Order, Shipment  # noqa: E402

TARGET_S = 60.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'demo.sqlite'}")
        t0 = time.perf_counter()
        migrate.upgrade(db)
        migrated = time.perf_counter() - t0
        result = demo.load(db)
        load_s = time.perf_counter() - t0
        with db.read() as s:
            counts = {name: int(s.scalar(select(func.count()).select_from(model)) or 0)
                      for name, model in (("customers", Customer), ("orders", Order),
                                          ("shipments", Shipment))}
        size_mb = (Path(tmp) / "demo.sqlite").stat().st_size / 1e6
        db.dispose()
    out = {
        "benchmark": "demo_load",
        "database": "sqlite",
        "created": result.created,
        "migrate_s": round(migrated, 2),
        "load_s": round(load_s, 2),
        **counts,
        "database_mb": round(size_mb, 1),
        "target_s": TARGET_S,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    path = ROOT / "benchmarks" / "results" / "demo.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    if load_s > TARGET_S:
        sys.exit(f"the demo world took {load_s:.1f} s to load, target {TARGET_S} s")


if __name__ == "__main__":
    main()
