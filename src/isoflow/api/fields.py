"""Field types shared by the API schemas: bounded ids, clean text, times, time zones, amounts.

Each type enforces one rule and states it in the OpenAPI document (lengths, patterns, ranges,
enums), so what the contract allows the server accepts and what it refuses the contract
says. Bounds mirror the database (32-bit ids, column lengths) so a request that cannot be
stored is refused at the edge with a 422 that names the field, never a 500 from the driver.

* free text (names, labels, references, notes, reasons): the one rule of
  isoflow.domain.text (NFC, trimmed, no control, bidi-override or separator characters);
* times: text only, in the one syntax of isoflow.physics.times (an offset or an IANA zone
  name; a JSON number or a numeric string is not a Unix time);
* time zones: IANA names only (an enum in the contract);
* amounts: JSON numbers only (``true``, ``"1e9"`` and ``"1_000"`` are refused), finite,
  within their range; ids and flags in a body: JSON integers and booleans only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError, core_schema

from isoflow.config import get_settings
from isoflow.domain import text
from isoflow.errors import InvalidInput
from isoflow.physics import times

MAX_ID = 2**31 - 1


# ---------------------------------------------------------------- free text
def _text_validator(*, max_length: int, multiline: bool, required: bool,
                    spaces: bool = True) -> Callable[[str], str]:
    def check(value: str) -> str:
        cleaned, problem = text.text_problem(value, max_length=max_length, multiline=multiline,
                                             required=required, spaces=spaces)
        if problem is not None:
            raise PydanticCustomError("text", problem)
        return cleaned

    return check


def _stating(rule: str, **keywords: Any) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` that adds ``keywords`` and appends ``rule`` to the description a
    field may give (so a field's own description does not hide the rule)."""

    def update(schema: dict[str, Any]) -> None:
        schema.update(keywords)
        given = schema.get("description")
        schema["description"] = f"{given} ({rule})" if given else rule

    return update


def _text(max_length: int, *, multiline: bool = False, required: bool = True,
          what: str = "text", examples: list[str] | None = None) -> Any:
    """The Annotated type of a free-text field (isoflow.domain.text's rule)."""
    lines = "several lines (tab and line feed allowed; CR LF becomes LF)" if multiline \
        else "one line"
    rule = (f"{what}: {lines}, at most {max_length} characters, "
            f"{'not blank' if required else 'may be empty'}; normalised to Unicode NFC and "
            "trimmed; no control characters, no bidirectional overrides or isolates "
            "(U+202A-U+202E, U+2066-U+2069), no U+2028/U+2029")
    return Annotated[str, Field(strict=True, min_length=1 if required else 0,
                                max_length=max_length, examples=examples,
                                json_schema_extra=_stating(rule, pattern=text.text_pattern(
                                    multiline=multiline, required=required))),
                     AfterValidator(_text_validator(max_length=max_length, multiline=multiline,
                                                    required=required))]


Name = _text(text.NAME_MAX, what="a name")
Label = _text(text.LABEL_MAX, required=False, what="a label", examples=["Tc-99m vial 3"])
Reference = _text(text.REFERENCE_MAX, required=False, what="a reference",
                  examples=["RU-2026-0415"])
Note = _text(text.NOTE_MAX, multiline=True, required=False, what="a note")
Reason = _text(text.REASON_MAX, multiline=True, what="a reason")
Contact = _text(text.NAME_MAX, required=False, what="a 24-hour emergency contact",
                examples=["+7 484 399 00 00 (duty radiation safety officer)"])
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> date:
    """A calendar date only as text ``YYYY-MM-DD`` (pydantic would also take a number as a
    Unix time, or a date-time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date", "a date is text YYYY-MM-DD, a real calendar day")


#: a calendar date, text YYYY-MM-DD only
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
#: a lot, batch or serial number (generator records hold 100 characters)
Serial = _text(100, what="a serial number", examples=["GT-0421"])
Username = Annotated[str, Field(
    strict=True, min_length=1, max_length=text.USERNAME_MAX,
    json_schema_extra=_stating(f"a user name: 1-{text.USERNAME_MAX} characters, no white "
                               "space inside (trimmed at the ends), no control characters; "
                               "normalised to Unicode NFC",
                               pattern=text.text_pattern(spaces=False))),
    AfterValidator(_text_validator(max_length=text.USERNAME_MAX, multiline=False, required=True,
                                   spaces=False))]

# Passwords are never normalised or trimmed (the hash is of what was typed); they only may not
# hold characters no keyboard types and no encoding stores.
_PASSWORD_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
_PASSWORD_MAX = 1000


def _password_characters(value: str) -> str:
    if any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029"
           or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise PydanticCustomError("password", "a password may not contain control characters")
    return value


Password = Annotated[str, Field(
    strict=True, min_length=1, max_length=_PASSWORD_MAX,
    json_schema_extra=_stating("a password as typed: no control characters",
                               pattern=_PASSWORD_PATTERN)), AfterValidator(_password_characters)]

# A new password: the rules of isoflow.services.auth.check_password_rules (minimum length from
# the settings, no white space at either end), stated in the contract.
_EDGE_SPACE = "\\t\\n\\r\\x20\\xa0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000"
_NEW_PASSWORD_PATTERN = (f"^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_EDGE_SPACE}]"
                         f"(?:[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*"
                         f"[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_EDGE_SPACE}])?$")


def _new_password(value: str) -> str:
    _password_characters(value)
    minimum = get_settings().password_min_length
    if len(value) < minimum:
        raise PydanticCustomError("password", "a password needs at least {minimum} characters",
                                  {"minimum": minimum})
    if value.strip() != value:
        raise PydanticCustomError("password", "a password may not begin or end with spaces")
    return value


def _new_password_schema(schema: dict[str, Any]) -> None:
    minimum = get_settings().password_min_length  # read when the contract is written
    _stating(f"a new password: at least {minimum} characters (the server's "
             "password_min_length setting), no white space at either end, no control "
             "characters", minLength=minimum, pattern=_NEW_PASSWORD_PATTERN)(schema)


NewPassword = Annotated[str, Field(strict=True, max_length=_PASSWORD_MAX,
                                   json_schema_extra=_new_password_schema),
                        AfterValidator(_new_password)]


# ---------------------------------------------------------------- times and zones
def _time(value: object) -> datetime:
    if isinstance(value, datetime):  # from Python callers; JSON has only text
        try:
            return times.parse_datetime(value, field=None)
        except InvalidInput as exc:
            raise PydanticCustomError("time", exc.message) from None
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
        raise PydanticCustomError("time", "a time is text such as {a} or {b}, not {kind}",
                                  {"a": times.TIME_EXAMPLES[0], "b": times.TIME_EXAMPLES[1],
                                   "kind": kind})
    try:
        return times.parse_datetime(value, field=None)
    except InvalidInput as exc:
        raise PydanticCustomError("time", exc.message) from None


class _TimeType:
    """A time: text in the one syntax, parsed to an aware UTC datetime. One named schema
    ("Time", ~10 kB: its pattern names every zone) that every time field refers to."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _time, ref="Time",
            json_schema_input_schema=core_schema.str_schema(pattern=times.TIME_PATTERN),
            metadata={"pydantic_js_updates": {
                "description": f"A time: {times.TIME_SYNTAX}. A zone name is resolved with "
                               "that zone's rules at that date; a local time a daylight-saving "
                               "change skips or repeats is refused (give the offset). A time "
                               "without a zone, and a number, are refused. Stored in UTC.",
                "examples": list(times.TIME_EXAMPLES)}})


UtcDatetime = Annotated[datetime, _TimeType]
Time = UtcDatetime


def _zone(value: object) -> str:
    problem = times.timezone_problem(value)
    if problem is not None:
        raise PydanticCustomError("timezone", problem)
    assert isinstance(value, str)
    return value


class _TimeZoneType:
    """An IANA time zone name: one named schema ("TimeZone"), an enum of the accepted names."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any,
                                     handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _zone, ref="TimeZone",
            json_schema_input_schema=core_schema.literal_schema(
                sorted(times.time_zone_names())),
            metadata={"pydantic_js_updates": {
                "description": "An IANA time zone name (Europe/Moscow, Asia/Bishkek, UTC, "
                               "Etc/GMT+5...). Host aliases (localtime, posixrules), Factory "
                               "and the posix/ and right/ trees are refused.",
                "examples": ["Asia/Bishkek"]}})


Timezone = Annotated[str, _TimeZoneType]


# ---------------------------------------------------------------- numbers and ids
ActivityBq = Annotated[float, Field(strict=True, gt=0, le=1e30, allow_inf_nan=False,
                                    description="activity [Bq], a JSON number")]
MeasuredBq = Annotated[float, Field(strict=True, ge=0, le=1e30, allow_inf_nan=False,
                                    description="activity [Bq], a JSON number")]
VolumeMl = Annotated[float, Field(strict=True, gt=0, le=1e9, allow_inf_nan=False,
                                  description="volume [mL], a JSON number")]
MeasuredMl = Annotated[float, Field(strict=True, ge=0, le=1e9, allow_inf_nan=False,
                                    description="volume [mL], a JSON number")]


def _json_integer(value: object) -> object:
    # JSON Schema's integer is a number without a fraction: 5.0 is one, "5" and true are not.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def integer(ge: int, le: int) -> Any:
    """A JSON integer in [ge, le] (the bounds inside, so the contract states them)."""
    return Annotated[StrictInt, Field(ge=ge, le=le), BeforeValidator(_json_integer)]


Id = integer(1, MAX_ID)
Flag = StrictBool
NuclideName = Annotated[str, Field(strict=True, min_length=1, max_length=16,
                                   pattern=r"^[^\x00-\x1f\x7f-\x9f]+$", examples=["Tc-99m"],
                                   description="a radionuclide: Tc-99m, 99mTc or "
                                               "Technetium-99m")]


def path_id(description: str) -> object:
    return Path(ge=1, le=MAX_ID, description=description)


OptionalIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
AtQuery = Annotated[UtcDatetime | None, Query(
    description=f"the time to answer for (default now): {times.TIME_SYNTAX}",
    examples=list(times.TIME_EXAMPLES))]


class Schema(BaseModel):
    """Request bodies: unknown fields are an error (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldErrorOut(BaseModel):
    field: str | None
    message: str


class ErrorOut(BaseModel):
    """Every error: a stable code, a message naming the value and the rule, the field."""

    error: str = Field(description="a stable code: invalid_input, limit_exceeded, not_found, "
                                   "forbidden, conflict, unauthenticated...")
    message: str
    field: str | None = None
    details: list[FieldErrorOut] | dict[str, Any] | None = Field(
        None, description="every field error of a refused request, or the numbers behind a "
                          "refusal")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` documenting each status with the JSON error body."""
    what = {400: "the request is malformed", 401: "not signed in (no, expired or revoked "
            "token); answered before the body is read", 403: "the role does not allow it",
            404: "no such object (or another organisation's)", 409: "a rule or limit says no "
            "(licence, state, duplicate)", 422: "a value breaks a rule (the field is named); "
            "also a body that is not UTF-8 JSON", 429: "too many attempts"}
    return {code: {"model": ErrorOut, "description": what.get(code, "error")} for code in codes}
