"""Placeholder registered by the application; its routes come with its slice of issue #10."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
