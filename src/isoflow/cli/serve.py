"""``isoflow serve``: migrate the database, make sure someone can sign in, serve the app.

With ``--workers N`` (N > 1) every worker process listens on a socket of its own bound with
``SO_REUSEPORT`` (Linux, BSD), so the kernel spreads new connections evenly over the workers.
With one socket shared by all workers (uvicorn's default), whichever worker wakes first
accepts most of a burst of connections (39 and 47 of 50 keep-alive connections went to one of
two workers when measured), and its clients wait while the other worker idles. A worker that
dies takes its socket with it, so no connection waits in the queue of a dead process.

The event loop is asyncio's, not uvloop's: libuv accepts one connection per loop iteration
(libuv PR #3696), so while a worker is busy, each new client waits a whole iteration for every
client queued before it (first replies 0.3-0.8 s late in 4 of 6 trials measured with 50 new
connections; asyncio accepts the backlog at once: under 0.1 s in every trial). The CPU per
request measured the same with both.
"""

from __future__ import annotations

import socket
from typing import Any

import typer

from isoflow.config import get_settings

APP = "isoflow.api.app:create_app"
LOOP = "asyncio"  # not uvloop: see above


def prepare_database() -> tuple[str, str] | None:
    """Migrate to the newest schema; on a new database create the first administrator.
    Returns (username, one-time password) when one was created."""
    from isoflow.services import auth
    from isoflow.store import migrate
    from isoflow.store.db import default_database

    db = default_database()
    migrate.upgrade(db)
    return auth.create_first_admin(db)


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def bind_reuse_port(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, not yet listening. Its protocol
    is given as TCP, not left 0: asyncio only sets TCP_NODELAY on the connections of a socket
    that says so, and without it a response written in two parts (uvicorn writes the head,
    then the body) waits for the client's delayed ACK (~40 ms a request, measured)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _own_sockets(host: str, port: int) -> list[socket.socket]:
    return [bind_reuse_port(host, port)]


class OwnSocketPerWorker(list):  # type: ignore[type-arg]
    """The ``sockets`` uvicorn hands to each worker process it spawns (or respawns): pickled
    for the new process, it unpickles there as a fresh socket of that worker's own, bound
    with SO_REUSEPORT. The parent process itself holds no listening socket."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return _own_sockets, (self.host, self.port)


def run_workers(host: str, port: int, workers: int, log_level: str) -> None:
    """Serve with ``workers`` processes, one SO_REUSEPORT socket each (uvicorn's supervisor
    restarts a worker that dies)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    bind_reuse_port(host, port).close()  # the address is free (fail here, not per worker)
    config = uvicorn.Config(APP, factory=True, host=host, port=port, log_level=log_level,
                            workers=workers, loop=LOOP)
    Multiprocess(config, sockets=OwnSocketPerWorker(host, port)).run()


def _load_demo(host: str, port: int) -> bool:
    from isoflow.cli.demo import load_on_new_database

    return load_on_new_database(host, port)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1)."),
        port: int = typer.Option(None, help="Port (default 8000)."),
        log_level: str = typer.Option("info", help="uvicorn log level"),
        workers: int = typer.Option(1, min=1, help="worker processes (up to one per CPU "
                                                   "core serves more clients)"),
        demo: bool = typer.Option(False, "--demo", help="on a new database, load the demo "
                                  "world and print its sign-ins (instead of creating the "
                                  "first administrator)"),
    ) -> None:
        """Serve the web UI and the REST API (OpenAPI at /docs); migrates the database first."""
        import uvicorn

        settings = get_settings()
        h, p = host or settings.host, port or settings.port
        first = None
        if not demo or not _load_demo(h, p):
            first = prepare_database()
        if first is not None:
            user, password = first
            print("=" * 72)
            print("A new database: the first administrator account was created.")
            print(f"  sign in as   {user}")
            print(f"  password     {password}   (one-time: you must change it at first "
                  "sign-in)")
            print(f"  browser: http://{h}:{p}/login  (you are asked for a new password)")
            print(f"  API:     POST http://{h}:{p}/api/v1/auth/token, then "
                  "POST /api/v1/auth/password")
            print("=" * 72, flush=True)
        print(f"isoflow on http://{h}:{p}/  (API docs at http://{h}:{p}/docs)"
              + (f"  [{workers} worker processes]" if workers > 1 else ""), flush=True)
        if workers > 1 and reuse_port_supported():
            run_workers(h, p, workers, log_level)
        else:
            uvicorn.run(APP, factory=True, host=h, port=p, log_level=log_level,
                        workers=workers, loop=LOOP)
