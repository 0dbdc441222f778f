"""``isoflow serve``: migrate the database, make sure someone can sign in, serve the app."""

from __future__ import annotations

import typer

from isoflow.config import get_settings


def prepare_database() -> tuple[str, str] | None:
    """Migrate to the newest schema; on a new database create the first administrator.
    Returns (username, one-time password) when one was created."""
    from isoflow.services import auth
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    migrate.upgrade(db)
    return auth.create_first_admin(db)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (default 8000)."),
        log_level: str = typer.Option("info", help="uvicorn log level"),
        workers: int = typer.Option(1, min=1, help="worker processes (one per CPU core "
                                                   "serves more clients)"),
    ) -> None:
        """Serve the web UI and the REST API (OpenAPI at /docs); migrates the database first."""
        import uvicorn

        settings = get_settings()
        h, p = host or settings.host, port or settings.port
        first = prepare_database()
        if first is not None:
            user, password = first
            print("=" * 72)
            print("A new database: the first administrator account was created.")
            print(f"  sign in as   {user}")
            print(f"  password     {password}   (one-time: you must change it at first "
                  "sign-in)")
            print(f"  API:  POST http://{h}:{p}/api/v1/auth/token, then "
                  "POST /api/v1/auth/password")
            print("=" * 72, flush=True)
        print(f"isoflow on http://{h}:{p}/  (API docs at http://{h}:{p}/docs)", flush=True)
        uvicorn.run("isoflow.api.app:create_app", factory=True, host=h, port=p,
                    log_level=log_level, workers=workers)
