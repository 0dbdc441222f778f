"""Field types shared by the API schemas: bounded ids, clean text, aware UTC datetimes.

Bounds mirror the database (32-bit ids, column lengths) so a request that cannot be stored is
refused at the edge with a 422 that names the field, never a 500 from the driver.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _clean(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def _utc(value: datetime) -> datetime:
    try:
        out = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("the datetime is out of range") from None
    if not EARLIEST <= out < LATEST:
        raise ValueError("the datetime must lie between 1900 and 2200")
    return out


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_clean)]
Note = Annotated[str, Field(max_length=2000), AfterValidator(_clean)]
Reason = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_clean)]
Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s]+$"),
                     AfterValidator(_clean)]
Password = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_clean)]
NuclideName = Annotated[str, Field(min_length=1, max_length=16, examples=["Tc-99m"]),
                        AfterValidator(_clean)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc),
                        Field(examples=["2026-11-22T08:00:00+06:00"])]
ActivityBq = Annotated[float, Field(gt=0, le=1e30, allow_inf_nan=False,
                                    description="activity [Bq]")]
VolumeMl = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False, description="volume [mL]")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def path_id(description: str) -> object:
    return Path(ge=1, le=MAX_ID, description=description)


OptionalIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
AtQuery = Annotated[UtcDatetime | None, Query(description="a time (ISO 8601 with an offset); "
                                                          "default now")]


class Schema(BaseModel):
    """Request bodies: unknown fields are an error (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorOut(BaseModel):
    error: str
    message: str
    field: str | None = None
