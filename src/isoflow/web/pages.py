"""Server-rendered pages (Jinja2) and static assets; Plotly's JS comes from the plotly wheel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from isoflow import __version__

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def plotly_js_path() -> Path:
    """plotly.min.js shipped inside the plotly wheel (pages work with no internet)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


def mount(app: FastAPI) -> None:
    # registered before the /static mount, which would otherwise shadow it
    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_js_path(), media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "decay.html", {"version": __version__})
