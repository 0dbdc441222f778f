"""Server-rendered pages (Jinja2 + HTMX) and static assets; Plotly's JS comes from the plotly
wheel and htmx is vendored (pinned) under static/, so pages work with no internet.

The template environment translates (``{{ _("...") }}``, Babel catalogues in ``locale/``)
and writes values the way the request's language does: ``activity(bq)``, ``number(x)``,
``when(datetime, zone)`` (always in a site's zone, the zone shown).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jinja2
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from isoflow.web import i18n

HERE = Path(__file__).parent
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                         autoescape=jinja2.select_autoescape(("html",)),
                         extensions=["jinja2.ext.i18n"])
_env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda s: i18n.gettext(s), lambda s, p, n: i18n.ngettext(s, p, n), newstyle=True)
templates = Jinja2Templates(env=_env)


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


ROLE_NAMES = {
    "admin": N_("Administrator"), "supplier_sales": N_("Sales"),
    "supplier_logistics": N_("Logistics"), "supplier_production": N_("Production"),
    "radiopharmacist": N_("Radiopharmacist"),
    "technologist": N_("Technologist"), "physician": N_("Physician"),
    "rso": N_("Radiation safety officer"), "viewer": N_("Viewer"),
}


def role_name(role: str) -> str:
    return i18n.gettext(ROLE_NAMES.get(str(role), str(role)))


templates.env.globals.update(
    activity=lambda bq, digits=4: i18n.format_activity(bq, digits=digits),
    number=lambda x, digits=4: i18n.format_number(x, digits=digits),
    when=lambda t, zone, seconds=False: i18n.format_datetime(t, zone, seconds=seconds),
    role_name=role_name,
)


def plotly_js_path() -> Path:
    """plotly.min.js shipped inside the plotly wheel (pages work with no internet)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


def mount(app: FastAPI) -> None:
    from isoflow.web import auth_pages, dashboard, shell

    # registered before the /static mount, which would otherwise shadow it
    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_js_path(), media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    shell.install(app)

    for module in (auth_pages, dashboard):
        app.include_router(module.router)
    app.include_router(importlib.import_module("isoflow.web.ledger_pages").router)
    app.include_router(importlib.import_module("isoflow.web.admin_pages").router)
    importlib.import_module("isoflow.web.department").mount(app)
    importlib.import_module("isoflow.web.supplier").mount(app)
