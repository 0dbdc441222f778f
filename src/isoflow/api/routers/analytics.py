"""/api/v1 — the supplier's export analytics (issue #11). Placeholder: routes land with the
slice."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
