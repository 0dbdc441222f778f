"""The public calculators: decay (drawn in the browser from POST /api/v1/decay) and the
generator curve page (a form, the column curve in Plotly and the elution table)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from isoflow.errors import IsoflowError
from isoflow.physics.generators import KNOWN_PAIRS, curve_document
from isoflow.web.shell import PublicPage


def _defaults() -> dict[str, str]:
    ref = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return {"pair": "Mo-99/Tc-99m", "parent": "10 GBq", "efficiency": "0.9",
            "reference": ref.isoformat(), "to": (ref + timedelta(days=4)).isoformat(),
            "step": "30 min",
            "elute_at": "\n".join((ref + timedelta(days=d)).isoformat() for d in (1, 2, 3))}


def mount(app: FastAPI) -> None:
    @app.get("/decay", response_class=HTMLResponse, include_in_schema=False)
    def decay_calculator(page: PublicPage) -> HTMLResponse:
        return page.render("decay.html")

    @app.get("/generators/curve", response_class=HTMLResponse, include_in_schema=False)
    def generator_curve_page(page: PublicPage) -> HTMLResponse:
        q = page.request.query_params
        form = _defaults()
        submitted = "parent" in q
        for key in form:
            if key in q:
                form[key] = q[key]
        doc, error, status = None, None, 200
        try:
            eff = float(form["efficiency"])
        except ValueError:
            eff, error, status = 0.9, f"efficiency {form['efficiency']!r} is not a number", 422
        if error is None:
            try:
                doc = curve_document(form["pair"], form["parent"], form["reference"],
                                     [t.strip() for t in form["elute_at"].splitlines()
                                      if t.strip()], eff, form["to"], form["step"])
            except IsoflowError as exc:
                error, status = exc.message, 422
        return page.render("generator.html", {
            "form": form, "pairs": KNOWN_PAIRS, "doc": doc, "error": error,
            "submitted": submitted, "daughter": form["pair"].split("/")[-1]}, status=status)
