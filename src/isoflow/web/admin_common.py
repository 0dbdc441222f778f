"""What the audit and administration pages share: the time zone a user's times are read and
written in, times typed in either syntax, a refused form's messages, and a 403 page."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse

from isoflow.domain.roles import Permission
from isoflow.errors import Conflict, IsoflowError
from isoflow.services import organisations
from isoflow.web.pages import role_name
from isoflow.web.shell import Form, Page, form_text


def parse_datetime(text: str, *, field: str) -> datetime:
    """``isoflow.physics.times.parse_datetime`` (``physics.units`` before it moved there)."""
    try:
        module = importlib.import_module("isoflow.physics.times")
    except ImportError:  # pragma: no cover - depends on the tree's state
        module = importlib.import_module("isoflow.physics.units")
    result: datetime = module.parse_datetime(text, field=field)
    return result

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


@dataclass(frozen=True)
class Zones:
    """The zone of the user's own site (UTC for a platform administrator), and each visible
    organisation's: times of an organisation's records are shown in its first site's zone."""

    default: str
    by_org: dict[int, str]

    def of(self, org_id: int | None) -> str:
        return self.by_org.get(org_id, self.default) if org_id is not None else self.default


def zones(page: Page) -> Zones:
    by_org: dict[int, str] = {}
    for site in organisations.list_sites(page.db, page.actor):
        by_org.setdefault(site.org_id, site.timezone)
    org = page.actor.org_id
    return Zones(default=by_org.get(org, "UTC") if org is not None else "UTC", by_org=by_org)


def parse_time(text: str, zone: str, *, field: str, end_of_day: bool = False
               ) -> datetime | None:
    """A typed time: '2026-12-05T14:05 Asia/Bishkek' or ISO 8601 with an offset
    ('2026-12-05T14:05+06:00', 'Z'); without a zone ('2026-12-05T14:05', what a browser's
    date-time field sends) in ``zone``; a date alone is the start of that day in ``zone`` (its
    end with ``end_of_day``). Empty: None."""
    text = (text or "").strip()
    if not text:
        return None
    if _DATE.fullmatch(text):
        start = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
        return start + timedelta(days=1) if end_of_day else start
    if _LOCAL.fullmatch(text):
        text = f"{text.replace(' ', 'T')} {zone}"
    return parse_datetime(text, field=field)


@dataclass
class FormState:
    """A form as typed, and why it was refused: messages by field, and one for the form."""

    name: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    status: int = 200

    def refuse(self, exc: IsoflowError, heading: str, fields: dict[str, str] | None = None
               ) -> None:
        """The service's message beside its field (``fields`` maps the service's field
        names to the form's), under a translated heading for the whole form."""
        target = (fields or {}).get(exc.field or "", exc.field or "")
        if target in self.values:
            self.errors[target] = exc.message
            self.error = heading
        else:
            self.error = f"{heading} {exc.message}"
        self.status = 409 if isinstance(exc, Conflict) else 422

    def invalid(self, name: str, message: str, heading: str) -> None:
        self.errors[name] = message
        self.error = heading
        self.status = 422

    def context(self) -> dict[str, Any]:
        return {"form": self}


def typed(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The form's fields, as typed (trimmed)."""
    return {n: form_text(form, n).strip() for n in names}


def forbidden(page: Page) -> HTMLResponse:
    """The page of a role that may not open this one."""
    return page.render("error.html", {
        "title": page._("Not allowed"),
        "message": page._("Your role (%(role)s) may not open this page.",
                          role=role_name(page.actor.role))}, status=403)


def may_administer(page: Page) -> bool:
    return page.can(Permission.MANAGE_ORGANISATION) or page.can(Permission.MANAGE_LICENCES)
