"""/audit: the audit trail, newest first, filtered by who, what, when and entity, and the
"verify the chain" action (administrators and radiation-safety officers).

An organisation's users see their organisation's entries only, a platform administrator
every entry (``services.audit.list_entries`` decides). Times are read and shown in the zone
of the organisation's site; the chain itself is one for the whole platform, so verifying it
checks every entry.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from isoflow.domain.roles import Permission
from isoflow.errors import IsoflowError
from isoflow.services import audit
from isoflow.web import i18n
from isoflow.web.admin_common import forbidden, parse_time, zones
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, SignedInPage

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50

ENTITY_TYPES = {
    "container": N_("Container"), "ledger_event": N_("Ledger event"),
    "licence_limit": N_("Possession limit"), "organisation": N_("Organisation"),
    "site": N_("Site"), "user": N_("User"), "signature": N_("Signature"),
    "sign_in": N_("Sign-in"),
    "procedure": N_("Procedure"), "kit": N_("Kit"), "camera": N_("Camera"),
    "dose_calibrator": N_("Dose calibrator"), "patient": N_("Patient"),
    "appointment": N_("Appointment"), "prescription": N_("Prescription"),
    "generator_record": N_("Generator"), "elution": N_("Elution"),
    "kit_preparation": N_("Kit preparation"), "dose": N_("Dose"),
    "administration": N_("Administration"), "calibrator_check": N_("Calibrator QC"),
    "waste_container": N_("Waste container"),
}
#: What each recorded action code is called on the page (the code itself stays the filter).
ACTION_NAMES = {
    "created": N_("created"), "updated": N_("updated"), "received": N_("received"),
    "withdrawn": N_("withdrawn"), "transferred": N_("transferred"),
    "measured": N_("measured"), "disposed": N_("disposed of"), "corrected": N_("corrected"),
    "signed": N_("signed"), "signed_in": N_("signed in"),
    "sign_in_failed": N_("sign-in failed"), "sign_in_locked": N_("sign-in locked"),
    "sign_in_unlocked": N_("sign-in unlocked"), "password_changed": N_("password changed"),
    "measured_discrepancy": N_("measured: discrepancy"),
    "registered": N_("registered"), "booked": N_("booked"), "rescheduled": N_("rescheduled"),
    "cancelled": N_("cancelled"), "prescribed": N_("prescribed"),
    "re-prescribed": N_("prescription changed"), "status_changed": N_("status changed"),
    "generator_received": N_("generator received"), "survey_failed": N_("survey failed"),
    "eluted": N_("eluted"), "elution_flagged": N_("elution flagged"),
    "prepared": N_("prepared"), "rcp_passed": N_("RCP passed"), "rcp_failed": N_("RCP failed"),
    "released": N_("released"), "drawn": N_("drawn"), "assayed": N_("assayed"),
    "administered": N_("administered"),
    "administration_flagged": N_("administration flagged"), "discarded": N_("discarded"),
    "reviewed": N_("reviewed"), "recorded": N_("recorded"), "qc_failed": N_("QC failed"),
    "opened": N_("opened"), "sealed": N_("sealed"), "waste_added": N_("waste added"),
}
KNOWN_ACTIONS = tuple(ACTION_NAMES)
#: Actions shown as warnings: failed and locked sign-ins and what the RSO must look at.
WARNINGS = frozenset({"sign_in_failed", "sign_in_locked", "measured_discrepancy",
                      "survey_failed", "elution_flagged", "rcp_failed",
                      "administration_flagged", "qc_failed"})
_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_FILTERS = ("who", "entity_type", "action", "entity_id", "since", "until")


def _value(key: str, value: Any, zone: str) -> str:
    """One recorded value, readable: activities with their unit, times in the zone."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return i18n.gettext("yes") if value else i18n.gettext("no")
    if isinstance(value, (int, float)) and key.endswith("_bq"):
        return i18n.format_activity(float(value))
    if isinstance(value, str) and _UTC_TEXT.fullmatch(value):
        return i18n.format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), zone)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v, zone)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v, zone) for v in value)
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


def changes(old: Any, new: Any, zone: str) -> list[tuple[str, str | None, str | None]]:
    """(field, old, new) of an entry: each key of either value (a nested record, such as a
    receipt, one level flattened); None where a side has no value."""
    def flat(v: Any) -> dict[str, Any]:
        if not isinstance(v, dict):
            return {} if v is None else {"": v}
        out: dict[str, Any] = {}
        for k, x in v.items():
            if isinstance(x, dict):
                out.update({f"{k}.{k2}": x2 for k2, x2 in x.items()})
            else:
                out[k] = x
        return out

    o, n = flat(old), flat(new)
    keys = list(o) + [k for k in n if k not in o]
    return [(k, _value(k.rsplit(".", 1)[-1], o[k], zone) if k in o else None,
             _value(k.rsplit(".", 1)[-1], n[k], zone) if k in n else None) for k in keys]


def entity_link(page: Page, e: audit.AuditEntryView) -> str | None:
    if e.entity_type == "container" and e.entity_id.isdigit():
        return f"/containers/{e.entity_id}"
    if e.entity_type == "ledger_event" and isinstance(e.new, dict) \
            and isinstance(e.new.get("container_id"), int):
        return f"/containers/{e.new['container_id']}"
    if page.can(Permission.MANAGE_ORGANISATION) and e.entity_id.isdigit():
        if e.entity_type == "user":
            return f"/admin/users/{e.entity_id}"
        if e.entity_type == "organisation":
            return f"/admin/organisations/{e.entity_id}"
    if e.entity_type == "licence_limit" and page.can(Permission.MANAGE_LICENCES):
        return "/admin/licences"
    return None


def _verify_text(page: Page, report: audit.VerifyReport) -> tuple[bool, str]:
    if report.first_break is None:
        return True, page._("The chain is intact: %(n)s entries checked.", n=report.entries)
    brk = report.first_break
    return False, page._("The chain is broken at entry #%(seq)s: %(problem)s "
                         "(%(n)s entries before it are intact).",
                         seq=brk.seq, problem=brk.problem, n=report.entries)


def _trail(page: Page, params: dict[str, str], before: int | None,
           verified: tuple[bool, str] | None = None, status: int = 200) -> HTMLResponse:
    z = zones(page)
    errors: dict[str, str] = {}
    times: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            times[name] = parse_time(params[name], z.default, field=name,
                                     end_of_day=name == "until")
        except IsoflowError as exc:
            errors[name] = exc.message
    entries: list[audit.AuditEntryView] = []
    more = False
    if not errors:
        entries = audit.list_entries(
            page.db, page.actor, who=params["who"] or None,
            entity_type=params["entity_type"] or None, action=params["action"] or None,
            entity_id=params["entity_id"] or None, since=times["since"],
            until=times["until"], before_seq=before, newest_first=True, limit=PAGE_SIZE + 1)
        more = len(entries) > PAGE_SIZE
        entries = entries[:PAGE_SIZE]
    query = {k: v for k, v in params.items() if v}
    rows = [{"e": e, "zone": z.of(e.org_id), "link": entity_link(page, e),
             "changes": changes(e.old, e.new, z.of(e.org_id)),
             "type_label": page._(ENTITY_TYPES[e.entity_type])
             if e.entity_type in ENTITY_TYPES else e.entity_type,
             "warning": e.action in WARNINGS} for e in entries]
    return page.render("audit.html", {
        "params": params, "errors": errors, "rows": rows, "zone": z.default,
        "entity_types": [(k, page._(v)) for k, v in ENTITY_TYPES.items()],
        "actions": KNOWN_ACTIONS, "verified": verified,
        "action_name": lambda code: i18n.gettext(ACTION_NAMES[code]) if code in ACTION_NAMES
        else code,
        "older": urlencode({**query, "before": entries[-1].seq}) if more and entries else None,
        "newest": ("/audit?" + urlencode(query)).rstrip("?") if before is not None else None,
        "filtered": bool(query)}, status=422 if errors else status)


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(page: SignedInPage, who: str = "", entity_type: str = "", action: str = "",
                entity_id: str = "", since: str = "", until: str = "",
                before: int | None = None) -> HTMLResponse:
    if not page.can(Permission.READ_AUDIT):
        return forbidden(page)
    params = {"who": who.strip()[:120], "entity_type": entity_type.strip()[:32],
              "action": action.strip()[:32], "entity_id": entity_id.strip()[:64],
              "since": since.strip()[:80], "until": until.strip()[:80]}
    return _trail(page, params, before if before is not None and before > 0 else None)


@router.post("/audit/verify", response_class=HTMLResponse)
def verify_chain(page: SignedInPage, form: Form) -> HTMLResponse:
    if not page.can(Permission.READ_AUDIT):
        return forbidden(page)
    verified = _verify_text(page, audit.verify(page.db))
    if page.request.headers.get("HX-Request") == "true":
        return page.render("audit_verify.html", {"verified": verified})
    return _trail(page, {k: "" for k in _FILTERS}, None, verified)
