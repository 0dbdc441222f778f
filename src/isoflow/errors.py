"""The typed errors every layer raises for a user's mistake or a rule that says no.

Each carries a stable machine ``code``, a human ``message`` that names the value and the
rule, and optionally the ``field`` it concerns. The API maps them to 4xx JSON
``{"error": code, "message": ..., "field": ...}``; the CLI prints the message and exits 2.
Anything else that escapes is a bug, never a user's fault.
"""

from __future__ import annotations

from typing import Any


class IsoflowError(Exception):
    """Base of all user-facing errors."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "message": self.message, "field": self.field}
        if self.details:
            out["details"] = self.details
        return out


class InvalidInput(IsoflowError):
    """A value that does not parse or breaks a rule of form (unit, range, time zone...)."""

    code = "invalid_input"
    http_status = 422


class LimitExceeded(IsoflowError):
    """A regulatory or physical limit would be exceeded (licence, breakthrough, overdraw)."""

    code = "limit_exceeded"
    http_status = 409


class NotFound(IsoflowError):
    """The object does not exist — or exists in another tenant, which looks the same."""

    code = "not_found"
    http_status = 404


class Forbidden(IsoflowError):
    """The user is known but their role does not allow the action."""

    code = "forbidden"
    http_status = 403


class Conflict(IsoflowError):
    """The action clashes with the current state (duplicate name, stale correction...)."""

    code = "conflict"
    http_status = 409


class Unauthenticated(IsoflowError):
    """No valid credentials: a wrong password, or a missing, expired or revoked token."""

    code = "unauthenticated"
    http_status = 401


class PasswordChangeRequired(Forbidden):
    """Signed in with a one-time password that must be changed before anything else."""

    code = "password_change_required"


class TooManyAttempts(IsoflowError):
    """Too many failed sign-ins for a username or a client address: wait ``retry_after_s``."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None,
                 locked: bool = False, wait_s: float | None = None, **details: Any) -> None:
        super().__init__(message, field=field, retry_after_s=retry_after_s, locked=locked,
                         **details)
        self.retry_after_s = retry_after_s
        #: a lock (until an administrator unlocks or it runs out), not a slow-down window
        self.locked = locked
        #: the exact wait [s] (``retry_after_s`` is it rounded up to whole seconds)
        self.wait_s = float(retry_after_s) if wait_s is None else wait_s
