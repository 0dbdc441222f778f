"""Electronic signatures: a signer re-enters their password and the signature records their
name, the time and what it means ("prepared", "released"...) — 21 CFR 11.50, 11.70, 11.200;
EU GMP Annex 11 §14. Signatures are appended and audited like every record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from isoflow.domain.roles import Actor, Permission
from isoflow.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from isoflow.services import audit
from isoflow.services.auth import password_matches
from isoflow.services.clock import now
from isoflow.store.db import Database
from isoflow.store.models import Container, LedgerEvent, Signature, User

MEANINGS: tuple[str, ...] = ("prepared", "checked", "released", "received", "administered",
                             "disposed", "reviewed", "approved")
SIGNABLE: tuple[str, ...] = ("container", "ledger_event")


@dataclass(frozen=True)
class SignatureView:
    id: int
    org_id: int
    entity_type: str
    entity_id: int
    meaning: str
    signer_username: str
    signer_name: str
    signed_at: datetime
    comment: str | None


def _view(x: Signature) -> SignatureView:
    return SignatureView(id=x.id, org_id=x.org_id, entity_type=x.entity_type,
                         entity_id=x.entity_id, meaning=x.meaning,
                         signer_username=x.signer_username, signer_name=x.signer_name,
                         signed_at=x.signed_at, comment=x.comment)


def _entity_org(s: Session, actor: Actor, entity_type: str, entity_id: int) -> int:
    if entity_type not in SIGNABLE:
        raise InvalidInput(f"cannot sign a {entity_type!r}; one of: {', '.join(SIGNABLE)}",
                           field="entity_type")
    row: Container | LedgerEvent | None = (
        s.get(Container, entity_id) if entity_type == "container"
        else s.get(LedgerEvent, entity_id))
    org_id = None if row is None else row.org_id
    if org_id is None or not actor.sees(org_id):
        raise NotFound(f"no {entity_type} {entity_id}", field="entity_id")
    return org_id


def sign(db: Database, actor: Actor, *, password: str, entity_type: str, entity_id: int,
         meaning: str, comment: str | None = None) -> SignatureView:
    """Sign a record with a stated meaning, re-authenticating with the password."""
    actor.require(Permission.SIGN)
    if meaning not in MEANINGS:
        raise InvalidInput(f"unknown meaning {meaning!r}; one of: {', '.join(MEANINGS)}",
                           field="meaning")
    if actor.user_id is None:
        raise Forbidden("only a signed-in user can sign")
    with db.read() as s:
        user = s.get(User, actor.user_id)
        if user is None or not user.active:
            raise Unauthenticated("the user is deactivated")
        password_hash = user.password_hash
    if not password_matches(password_hash, password):
        raise Unauthenticated("wrong password; a signature needs the signer's own password")
    with db.write() as s:
        org_id = _entity_org(s, actor, entity_type, entity_id)
        user = s.get(User, actor.user_id)
        assert user is not None
        sig = Signature(org_id=org_id, user_id=user.id, signer_username=user.username,
                        signer_name=user.full_name, entity_type=entity_type,
                        entity_id=entity_id, meaning=meaning, signed_at=now(),
                        comment=(comment or None))
        s.add(sig)
        s.flush()
        audit.record(s, actor, org_id=org_id, entity_type="signature", entity_id=sig.id,
                     action="signed", new={"entity_type": entity_type, "entity_id": entity_id,
                                           "meaning": meaning, "signer": user.full_name,
                                           "signed_at": sig.signed_at, "comment": comment})
        return _view(sig)


def list_signatures(db: Database, actor: Actor, *, entity_type: str,
                    entity_id: int) -> list[SignatureView]:
    actor.require(Permission.READ)
    with db.read() as s:
        _entity_org(s, actor, entity_type, entity_id)
        return [_view(x) for x in s.scalars(
            select(Signature).where(Signature.entity_type == entity_type,
                                    Signature.entity_id == entity_id).order_by(Signature.id))]
