"""/plans: a site's day plan, its technologist's worklist, next week's generator order."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import MAX_ID, IsoDate, error_responses
from isoflow.services import day_plan

router = APIRouter(prefix="/plans", tags=["plans"], responses=error_responses(401, 403, 404, 422))


@router.get("/day")
def get_day(db: DB, actor: CurrentActor, site_id: int = Query(..., ge=1, le=MAX_ID),
            date: IsoDate = Query(..., description="local date at the site, YYYY-MM-DD")
            ) -> dict[str, Any]:
    """Doses, kit vials, elutions, draws and shortfalls of the day."""
    return day_plan.plan_day(db, actor, site_id=site_id, day=date).to_dict()


@router.get("/worklist")
def get_worklist(db: DB, actor: CurrentActor, site_id: int = Query(..., ge=1, le=MAX_ID),
                 date: IsoDate = Query(...)) -> list[dict[str, Any]]:
    """The day's steps in time order, done ones marked."""
    out = []
    for st in day_plan.worklist(db, actor, site_id=site_id, day=date):
        row = asdict(st)
        row["at"] = st.at.isoformat()
        out.append(row)
    return out


@router.get("/generator-order")
def get_generator_order(db: DB, actor: CurrentActor, site_id: int = Query(..., ge=1, le=MAX_ID),
                        week: IsoDate = Query(..., description="first day of the week")
                        ) -> dict[str, Any]:
    """The Mo-99 generator(s) the week's booked demand needs."""
    v = day_plan.generator_order(db, actor, site_id=site_id, week_start=week)
    return {"site_id": v.site_id, "week_start": v.week_start.isoformat(), **v.order.to_dict()}
