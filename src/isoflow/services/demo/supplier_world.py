"""The demo supplier's commercial world (issue #11). Placeholder: the slice fills it with the
catalogue, customers, contracts and three years of orders and shipments."""

from __future__ import annotations

from datetime import date

from isoflow.store.db import Database


def has_supplier_world(db: Database, org_id: int) -> bool:
    """Whether the supplier's world is already there (the demo is loaded once)."""
    del db, org_id
    return True


def supplier_world(db: Database, org_id: int, site_id: int, day: date) -> None:
    """Write the supplier's catalogue, customers, contracts, orders and shipments."""
    del db, org_id, site_id, day
