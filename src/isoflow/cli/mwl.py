"""``isoflow mwl serve``: the DICOM Modality Worklist SCP for the department's cameras.

Bad AE title or port: exit 2 with a one-line message. Ctrl-C (SIGINT) or SIGTERM stops the
server cleanly (associations in progress are closed, the listening socket released).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import typer

mwl_app = typer.Typer(no_args_is_help=True,
                      help="DICOM Modality Worklist (C-FIND) server for the gamma cameras.")


@mwl_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: every "
                             "interface, for cameras on the network)."),
    port: int = typer.Option(11112, help="TCP port (11112 is DICOM's registered "
                             "unprivileged port; 104 needs privileges)."),
    ae_title: str = typer.Option("ISOFLOW_MWL", "--ae-title",
                                 help="This server's AE title (the cameras' called AE)."),
    database_url: str = typer.Option(None, "--database-url",
                                     help="Database URL (default: ISOFLOW_DATABASE_URL)."),
    log_level: str = typer.Option("info", help="Logging level."),
) -> None:
    """Answer worklist C-FIND queries of the registered, active cameras (their AE titles)."""
    from isoflow.errors import InvalidInput
    from isoflow.interop import mwl
    from isoflow.store.db import database_for, default_database

    title = mwl.valid_ae_title(ae_title, "--ae-title")
    mwl.valid_port(port, "--port")
    level = getattr(logging, log_level.upper(), None)
    if not isinstance(level, int):
        raise InvalidInput(f"--log-level: not a logging level: {log_level!r}",
                           field="--log-level")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("pynetdicom").setLevel(max(level, logging.WARNING))
    db = database_for(database_url) if database_url else default_database()
    stop = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server = mwl.serve(db, host=host, port=port, ae_title=title, block=False)
    except OSError as exc:
        raise InvalidInput(f"--port: cannot listen on {host}:{port}: {exc.strerror}",
                           field="--port") from None
    print(f"isoflow MWL SCP {title} on {host}:{port}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        db.dispose()
        print("isoflow MWL SCP stopped", file=sys.stderr, flush=True)


def register(app: typer.Typer) -> None:
    app.add_typer(mwl_app, name="mwl")
