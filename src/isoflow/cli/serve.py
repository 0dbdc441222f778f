"""``isoflow serve``: the web application and API."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (default 8000)."),
    ) -> None:
        """Serve the web UI and the REST API (OpenAPI at /docs)."""
        import uvicorn

        from isoflow.config import get_settings

        settings = get_settings()
        h, p = host or settings.host, port or settings.port
        print(f"isoflow on http://{h}:{p}/  (API docs at http://{h}:{p}/docs)")
        uvicorn.run("isoflow.api.app:create_app", factory=True, host=h, port=p,
                    log_level="info")
