"""The supplier's irradiation centres pages (issue #11). Placeholder: pages land with the slice."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
