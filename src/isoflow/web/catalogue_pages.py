"""/department/catalogue: the organisation's procedures (adult range in MBq, EANM class), kits
(labelling limits), cameras (AE titles) and dose calibrators, with forms to add and edit them
for users with the catalogue permission (read-only for the others) and the button that installs
the default catalogue while the organisation has none. Pages call isoflow.services.catalogue
only; forms take MBq, mL, hours and percent and the service gets Bq, mL, s and fractions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from isoflow.domain.roles import Permission
from isoflow.errors import InvalidInput, IsoflowError, NotFound
from isoflow.services import catalogue, organisations
from isoflow.web import i18n
from isoflow.web.admin_common import FormState, forbidden
from isoflow.web.pages import N_
from isoflow.web.shell import Form, Page, PageNotFound, SignedInPage, form_text

router = APIRouter(include_in_schema=False)

BASE = "/department/catalogue"
MBQ = 1e6
HOUR = 3600.0


@dataclass(frozen=True)
class FieldSpec:
    """One form field: the service's name, its label, how it is typed ('text', 'textarea',
    'mbq', 'number', 'hours', 'percent', 'int', 'bool', 'kit', 'eanm', 'site', 'modality'),
    whether it is only on the edit form (``edit_only``) or only on the new one (``new_only``)."""

    name: str
    label: str
    kind: str = "text"
    hint: str | None = None
    required: bool = False
    edit_only: bool = False
    new_only: bool = False


CODE = FieldSpec("code", N_("Code"), required=True, new_only=True,
                 hint=N_("Letters, digits, '_', '-' or '.'; it never changes."))
ACTIVE = FieldSpec("active", N_("In use"), "bool", edit_only=True)
SOURCE = FieldSpec("source", N_("Source"), "textarea",
                   hint=N_("Where the values come from (label, guideline, local protocol)."))

PROCEDURE_FORM = (
    CODE,
    FieldSpec("name", N_("Name"), required=True),
    FieldSpec("radiopharmaceutical", N_("Radiopharmaceutical"), required=True),
    FieldSpec("nuclide", N_("Nuclide"), required=True, hint=N_("Such as Tc-99m.")),
    FieldSpec("kit_code", N_("Kit"), "kit"),
    FieldSpec("adult_min_bq", N_("Adult minimum (MBq)"), "mbq"),
    FieldSpec("adult_typical_bq", N_("Adult typical (MBq)"), "mbq"),
    FieldSpec("adult_max_bq", N_("Adult maximum (MBq)"), "mbq"),
    FieldSpec("eanm_class", N_("EANM class"), "eanm",
              hint=N_("With its baseline and minimum activity, or none of the three.")),
    FieldSpec("eanm_baseline_bq", N_("EANM baseline activity (MBq)"), "mbq"),
    FieldSpec("eanm_min_bq", N_("EANM minimum activity (MBq)"), "mbq"),
    FieldSpec("duration_min", N_("Camera time (min)"), "int", required=True),
    FieldSpec("uptake_min", N_("Injection to imaging (min)"), "int", required=True),
    ACTIVE, SOURCE,
)
KIT_FORM = (
    CODE,
    FieldSpec("name", N_("Name"), required=True),
    FieldSpec("radiopharmaceutical", N_("Radiopharmaceutical"), required=True),
    FieldSpec("nuclide", N_("Nuclide"), required=True, hint=N_("Such as Tc-99m.")),
    FieldSpec("max_activity_bq", N_("Most activity per vial (MBq)"), "mbq", required=True),
    FieldSpec("max_volume_ml", N_("Most volume per vial (mL)"), "number", required=True),
    FieldSpec("shelf_life_s", N_("Shelf life after labelling (h)"), "hours", required=True),
    FieldSpec("max_eluate_age_s", N_("Oldest eluate (h)"), "hours",
              hint=N_("Empty: the profile's eluate expiry only.")),
    FieldSpec("carrier_sensitive", N_("Carrier-sensitive (needs a recently eluted generator)"),
              "bool"),
    FieldSpec("rcp_min", N_("Minimum radiochemical purity (%%)"), "percent", required=True),
    FieldSpec("particles_per_vial", N_("Particles per vial"), "number"),
    FieldSpec("min_particles_per_dose", N_("Minimum particles per dose"), "number"),
    FieldSpec("max_particles_per_dose", N_("Maximum particles per dose"), "number"),
    ACTIVE, SOURCE,
)
CAMERA_FORM = (
    FieldSpec("site_id", N_("Site"), "site", new_only=True),
    FieldSpec("name", N_("Name"), required=True),
    FieldSpec("ae_title", N_("AE title"), required=True,
              hint=N_("1-16 characters: letters, digits, spaces and punctuation without a "
                      "backslash; unique across the platform.")),
    FieldSpec("modality", N_("Modality"), "modality"),
    ACTIVE,
)
CALIBRATOR_FORM = (
    FieldSpec("site_id", N_("Site"), "site", new_only=True),
    FieldSpec("name", N_("Name"), required=True),
    FieldSpec("model", N_("Model"), required=True),
    FieldSpec("serial", N_("Serial number"), required=True),
    ACTIVE,
)


@dataclass(frozen=True)
class Section:
    key: str  # the path segment
    form: tuple[FieldSpec, ...]
    title: str
    new_heading: str
    refused_new: str
    refused_edit: str
    reason_required: bool
    get: Callable[..., Any]
    create: Callable[..., Any]
    update: Callable[..., Any]


def _create_camera(db: Any, actor: Any, **v: Any) -> Any:
    return catalogue.add_camera(db, actor, site_id=v["site_id"], name=v["name"],
                                ae_title=v["ae_title"], modality=v["modality"])


def _create_calibrator(db: Any, actor: Any, **v: Any) -> Any:
    return catalogue.add_calibrator(db, actor, site_id=v["site_id"], name=v["name"],
                                    model=v["model"], serial=v["serial"])


SECTIONS: dict[str, Section] = {
    "procedures": Section("procedures", PROCEDURE_FORM, N_("Procedure"),
                          N_("New procedure"), N_("The procedure was not added."),
                          N_("The procedure was not changed."), True,
                          catalogue.get_procedure, catalogue.create_procedure,
                          catalogue.update_procedure),
    "kits": Section("kits", KIT_FORM, N_("Kit"), N_("New kit"), N_("The kit was not added."),
                    N_("The kit was not changed."), True, catalogue.get_kit,
                    catalogue.create_kit, catalogue.update_kit),
    "cameras": Section("cameras", CAMERA_FORM, N_("Camera"), N_("New camera"),
                       N_("The camera was not added."), N_("The camera was not changed."),
                       False, catalogue.get_camera, _create_camera, catalogue.update_camera),
    "calibrators": Section("calibrators", CALIBRATOR_FORM, N_("Dose calibrator"),
                           N_("New dose calibrator"), N_("The calibrator was not added."),
                           N_("The calibrator was not changed."), False,
                           catalogue.get_calibrator, _create_calibrator,
                           catalogue.update_calibrator),
}


# ---- between the form's text and the service's values --------------------------------------


def _g(x: float) -> str:
    return f"{x:.10g}"


def as_text(kind: str, value: Any) -> str:
    """A stored value as the form shows it (MBq, h, %)."""
    if value is None:
        return ""
    if kind == "bool":
        return "on" if value else ""
    if kind == "mbq":
        return _g(value / MBQ)
    if kind == "hours":
        return _g(value / HOUR)
    if kind == "percent":
        return _g(value * 100)
    if kind == "number":
        return _g(value)
    return str(value)


def _float(text: str, field: str) -> float:
    try:
        return float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        raise InvalidInput(i18n.gettext("Give a number."), field=field) from None


def as_value(spec: FieldSpec, text: str) -> Any:
    """The form's text as the service's value; empty optional fields are None."""
    kind = spec.kind
    if kind == "bool":
        return text == "on"
    if kind in ("text", "textarea"):
        return text if (text or spec.required) else None
    if not text:
        if spec.required and kind != "kit":
            raise InvalidInput(i18n.gettext("This field is required."), field=spec.name)
        return None
    if kind in ("kit", "eanm", "modality"):
        return text
    if kind in ("int", "site"):
        try:
            return int(text)
        except ValueError:
            raise InvalidInput(i18n.gettext("Give a whole number."), field=spec.name) from None
    x = _float(text, spec.name)
    return {"mbq": x * MBQ, "hours": x * HOUR, "percent": x / 100}.get(kind, x)


def _fields(section: Section, *, new: bool) -> tuple[FieldSpec, ...]:
    return tuple(f for f in section.form if not (f.edit_only if new else f.new_only))


def _typed(form: Form, fields: tuple[FieldSpec, ...], *extra: str) -> dict[str, str]:
    names = [f.name for f in fields] + list(extra)
    return {n: form_text(form, n).strip() for n in names}


def _values(fields: tuple[FieldSpec, ...], typed: dict[str, str]) -> dict[str, Any]:
    return {f.name: as_value(f, typed[f.name]) for f in fields}


# ---- pages ----------------------------------------------------------------------------------


def _may_write(page: Page) -> bool:
    return page.can(Permission.MANAGE_CATALOGUE) and page.actor.org_id is not None


def _options(page: Page, kits: list[catalogue.KitView]) -> dict[str, list[tuple[str, str]]]:
    sites = organisations.list_sites(page.db, page.actor)
    return {
        "site": [(str(s.id), s.name) for s in sites],
        "kit": [("", page._("None (the eluate itself, or a unit dose)"))]
        + [(k.code, f"{k.code} · {k.name}") for k in kits],
        "eanm": [("", page._("None")), ("A", "A"), ("B", "B"), ("C", "C")],
        "modality": [("NM", page._("NM (gamma camera)")), ("PT", page._("PT (PET)"))],
    }


def _blank(section: Section, page: Page, options: dict[str, list[tuple[str, str]]]
           ) -> FormState:
    values = {f.name: "" for f in _fields(section, new=True)}
    if "duration_min" in values:
        values.update(duration_min="30", uptake_min="0")
    if "site_id" in values and options["site"]:
        values["site_id"] = options["site"][0][0]
    if "modality" in values:
        values["modality"] = "NM"
    if "nuclide" in values:
        values["nuclide"] = "Tc-99m"
    return FormState(f"new-{section.key}", values)


def _catalogue(page: Page, failed: FormState | None = None) -> HTMLResponse:
    procedures = catalogue.list_procedures(page.db, page.actor)
    kits = catalogue.list_kits(page.db, page.actor)
    cameras = catalogue.list_cameras(page.db, page.actor)
    calibrators = catalogue.list_calibrators(page.db, page.actor)
    options = _options(page, kits)
    may_write = _may_write(page)
    states = {f"new-{key}": _blank(s, page, options) for key, s in SECTIONS.items()}
    if failed is not None:
        states[failed.name] = failed
    return page.render("department/catalogue/catalogue.html", {
        "procedures": procedures, "kits": kits, "cameras": cameras,
        "calibrators": calibrators, "may_write": may_write,
        "show_install": may_write and not procedures and not kits,
        "site_names": {int(k): v for k, v in options["site"]},
        "states": states, "options": options,
        "new_fields": {key: _fields(s, new=True) for key, s in SECTIONS.items()},
        "sections": SECTIONS, "done": page.request.query_params.get("done")},
        status=failed.status if failed else 200)


@router.get(BASE, response_class=HTMLResponse)
def catalogue_page(page: SignedInPage) -> HTMLResponse:
    return _catalogue(page)


@router.post(f"{BASE}/defaults", response_class=HTMLResponse)
def install_defaults(page: SignedInPage, form: Form) -> Response:
    if not _may_write(page):
        return forbidden(page)
    try:
        catalogue.install_defaults(page.db, page.actor)
    except IsoflowError as exc:
        state = FormState("defaults", {})
        state.refuse(exc, page._("The default catalogue was not installed."))
        return _catalogue(page, state)
    return page.redirect(f"{BASE}?done=defaults")


def _section(key: str) -> Section:
    section = SECTIONS.get(key)
    if section is None:
        raise PageNotFound()
    return section


@router.post(BASE + "/{key}", response_class=HTMLResponse)
def add(key: str, page: SignedInPage, form: Form) -> Response:
    section = _section(key)
    if not _may_write(page):
        return forbidden(page)
    fields = _fields(section, new=True)
    state = FormState(f"new-{key}", _typed(form, fields))
    try:
        row = section.create(page.db, page.actor, **_values(fields, state.values))
    except IsoflowError as exc:
        state.refuse(exc, page._(section.refused_new))
        return _catalogue(page, state)
    return page.redirect(f"{BASE}?done={key}#{key[:-1]}-{row.id}")


def _edit(page: Page, section: Section, row: Any, state: FormState | None = None
          ) -> HTMLResponse:
    fields = _fields(section, new=False)
    if state is None:
        values = {f.name: as_text(f.kind, getattr(row, f.name)) for f in fields}
        values["reason"] = ""
        state = FormState(f"edit-{section.key}", values)
    kits = catalogue.list_kits(page.db, page.actor) if section.key == "procedures" else []
    options = _options(page, kits)
    return page.render("department/catalogue/edit.html", {
        "heading": f"{page._(section.title)} {getattr(row, 'code', None) or row.name}",
        "section": section, "row": row, "fields": fields, "f": state, "options": options,
        "may_write": _may_write(page), "site_names": {int(k): v for k, v in options["site"]},
        "done": page.request.query_params.get("done")}, status=state.status)


@router.get(BASE + "/{key}/{row_id}", response_class=HTMLResponse)
def edit_page(key: str, row_id: int, page: SignedInPage) -> HTMLResponse:
    section = _section(key)
    try:
        row = section.get(page.db, page.actor, row_id)
    except NotFound:
        raise PageNotFound() from None
    return _edit(page, section, row)


@router.post(BASE + "/{key}/{row_id}", response_class=HTMLResponse)
def edit(key: str, row_id: int, page: SignedInPage, form: Form) -> Response:
    section = _section(key)
    if not _may_write(page):
        return forbidden(page)
    try:
        row = section.get(page.db, page.actor, row_id)
    except NotFound:
        raise PageNotFound() from None
    fields = _fields(section, new=False)
    state = FormState(f"edit-{key}", _typed(form, fields, "reason"))
    reason = state.values["reason"]
    try:
        if section.reason_required and not reason:
            raise InvalidInput(page._("Say why the entry changes."), field="reason")
        section.update(page.db, page.actor, row_id, reason=reason or None,
                       **_values(fields, state.values))
    except NotFound:
        raise PageNotFound() from None
    except IsoflowError as exc:
        state.refuse(exc, page._(section.refused_edit))
        return _edit(page, section, row, state)
    return page.redirect(f"{BASE}/{key}/{row_id}?done=saved")
