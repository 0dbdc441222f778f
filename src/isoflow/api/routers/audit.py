"""/audit and /signatures: the audit trail and electronic signatures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import MAX_ID, Id, Note, Out, Password, Schema, error_responses
from isoflow.errors import InvalidInput
from isoflow.services import audit, signatures
from isoflow.services.audit import AuditEntryView
from isoflow.services.signatures import MEANINGS, SIGNABLE, SignatureView

router = APIRouter(tags=["audit"], responses=error_responses(401, 403, 404, 409, 422))


class AuditEntryOut(Out):
    seq: int
    at: datetime
    actor: str
    org_id: int | None
    entity_type: str
    entity_id: str
    action: str
    old: Any
    new: Any
    reason: str | None
    hash: str


class SignatureIn(Schema):
    entity_type: Literal[SIGNABLE]  # type: ignore[valid-type]
    entity_id: Id
    meaning: Literal[MEANINGS]  # type: ignore[valid-type]
    password: Password = Field(description="the signer's password, entered again")
    comment: Note | None = None


class SignatureOut(Out):
    id: int
    org_id: int
    entity_type: str
    entity_id: int
    meaning: str
    signer_username: str
    signer_name: str
    signed_at: datetime
    comment: str | None


@router.get("/audit", response_model=list[AuditEntryOut])
def list_audit(actor: CurrentActor, db: DB,
               entity: Annotated[str | None, Query(
                   max_length=100, pattern=r"^[a-z_]+(:[0-9A-Za-z_-]+)?$",
                   description="entity type, optionally with its id: 'container:12'")] = None,
               after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntryView]:
    """Audit entries of your organisation, oldest first (admins and RSOs)."""
    entity_type, _, entity_id = (entity or "").partition(":")
    if entity is not None and not entity_type:
        raise InvalidInput("entity is 'type' or 'type:id'", field="entity")
    return audit.list_entries(db, actor, entity_type=entity_type or None,
                              entity_id=entity_id or None, after_seq=after, limit=limit)


@router.post("/signatures", response_model=SignatureOut, status_code=201)
def sign(body: SignatureIn, actor: CurrentActor, db: DB) -> SignatureView:
    """Sign a record with a meaning ("released"...), re-entering your password."""
    return signatures.sign(db, actor, password=body.password, entity_type=body.entity_type,
                           entity_id=body.entity_id, meaning=body.meaning,
                           comment=body.comment)


@router.get("/signatures", response_model=list[SignatureOut])
def list_signatures(actor: CurrentActor, db: DB,
                    entity_type: Annotated[Literal[SIGNABLE], Query()],  # type: ignore[valid-type]
                    entity_id: Annotated[int, Query(ge=1, le=MAX_ID)]) -> list[SignatureView]:
    return signatures.list_signatures(db, actor, entity_type=entity_type, entity_id=entity_id)
