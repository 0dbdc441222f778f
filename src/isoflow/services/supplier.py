"""What every supplier use case checks first: the organisation it acts for is a supplier (a
hospital keeps no product catalogue, customers or production), and a platform administrator
names it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from isoflow.domain.roles import Actor
from isoflow.errors import Forbidden, InvalidInput, NotFound
from isoflow.store.models import Organisation


def require_supplier(s: Session, org_id: int) -> None:
    """Forbidden unless organisation ``org_id`` is a supplier."""
    org = s.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}", field="org_id")
    if org.kind != "supplier":
        raise Forbidden(f"{org.name} is a {org.kind}; only a supplier keeps products, "
                        "customers and production")


def supplier_org(s: Session, actor: Actor, org_id: int | None = None) -> int:
    """The supplier the actor acts for: its own organisation (``org_id``, if given, must be
    it: another's is a 404), or for a platform administrator the one it names."""
    if actor.org_id is not None:
        if org_id is not None and org_id != actor.org_id:
            raise NotFound(f"no organisation {org_id}", field="org_id")
        org_id = actor.org_id
    if org_id is None:
        raise InvalidInput("a platform administrator acts for an organisation: name it",
                           field="org_id")
    require_supplier(s, org_id)
    return org_id
