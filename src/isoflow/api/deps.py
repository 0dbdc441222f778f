"""Request dependencies: the database and the signed-in actor (bearer token).

The bearer token is checked against the database on every request (a revoked token stops
working at once). That check runs on the event loop, not in the thread pool: it is one indexed
lookup that never waits for a lock (PostgreSQL's MVCC and SQLite's WAL readers do not block),
cheaper than the hand-off to a worker thread it would otherwise need, twice per request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from isoflow.config import get_settings
from isoflow.domain.roles import Actor
from isoflow.errors import PasswordChangeRequired, Unauthenticated
from isoflow.services import auth
from isoflow.store.db import Database, default_database

bearer = HTTPBearer(auto_error=False, description="a token from POST /api/v1/auth/token")


def limit_threads() -> None:
    """Run at most ``api_threads`` blocking handlers at once (anyio's default is 40): beyond
    the cores, more threads only contend for the GIL and the database, and every request
    waits longer. Called once in the event loop at start-up."""
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().api_threads


def database_of(app: Any) -> Database:
    """The app's database (``app.state.isoflow_db`` if set, else ISOFLOW_DATABASE_URL)."""
    db = getattr(app.state, "isoflow_db", None)
    return db if db is not None else default_database()


async def get_db(request: Request) -> Database:
    """The request's database (:func:`database_of` its app). Async (it does no I/O) so
    FastAPI does not hand it to the thread pool."""
    return database_of(request.app)


def _unauthenticated(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


async def bearer_token(credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> str:
    if credentials is None or not credentials.credentials:
        raise _unauthenticated("sign in: send 'Authorization: Bearer <token>' with a token from "
                               "POST /api/v1/auth/token")
    return credentials.credentials


def _authenticate(db: Database, token: str) -> auth.Authenticated:
    try:
        return auth.authenticate(db, token)
    except Unauthenticated as exc:
        raise _unauthenticated(exc.message) from None


async def signed_in(db: Annotated[Database, Depends(get_db)],
                    token: Annotated[str, Depends(bearer_token)]) -> Actor:
    """The actor, even with a one-time password still to change (for /auth endpoints)."""
    return _authenticate(db, token).actor


async def current_actor(db: Annotated[Database, Depends(get_db)],
                        token: Annotated[str, Depends(bearer_token)]) -> Actor:
    """The actor of every tenant endpoint; refused until a one-time password is changed."""
    who = _authenticate(db, token)
    if who.password_change_required:
        raise PasswordChangeRequired("change your one-time password first: POST "
                                     "/api/v1/auth/password")
    return who.actor


DB = Annotated[Database, Depends(get_db)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
SignedIn = Annotated[Actor, Depends(signed_in)]
Token = Annotated[str, Depends(bearer_token)]
