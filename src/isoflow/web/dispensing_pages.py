"""Placeholder registered by the department hub; its section's pages come with its slice of
issue #10."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
