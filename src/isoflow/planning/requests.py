"""Planner requests from edge inputs (CSV text, strings with units): shared by CLI and API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from isoflow.physics.generator_catalogue import generator_type
from isoflow.physics.units import parse_duration
from isoflow.planning.demand import (
    PlanSettings,
    build_offer,
    parse_demand_csv,
    parse_working_hours,
)
from isoflow.planning.elution import plan_elutions
from isoflow.planning.elution_baseline import habit_plan


def plan_documents(csv_text: str, type_key: str, sizes: list[str], deliveries: list[str],
                   max_per_delivery: int, working_hours: str, timezone: str, working_days: str,
                   min_interval: str, slot: str, jurisdiction: str, time_limit: float,
                   now: datetime | None, baseline: bool) -> dict[str, Any]:
    """Plan (and the habit baseline) for a demand CSV, as JSON-ready dicts."""
    items = parse_demand_csv(csv_text, now=now)
    gt = generator_type(type_key)
    offer = build_offer(gt.key, sizes, deliveries, max_per_delivery,
                        default_sizes_bq=gt.sizes_bq)
    settings = PlanSettings(
        working_hours=parse_working_hours(working_hours, timezone, working_days),
        min_interval_s=parse_duration(min_interval, field="min_interval"),
        slot_s=parse_duration(slot, field="slot"), jurisdiction=jurisdiction,
        time_limit_s=time_limit)
    out: dict[str, Any] = {"plan": plan_elutions(items, offer, settings, now).to_dict()}
    if baseline:
        out["baseline"] = habit_plan(items, offer, settings, now).to_dict()
    return out
