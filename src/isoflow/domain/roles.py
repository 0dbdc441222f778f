"""Roles, what each may do, and the acting user every use case receives.

Tenancy (DESIGN.md invariant 6): every actor belongs to one organisation and sees only its
rows; the single exception is a platform administrator (``org_id is None``), created by
``isoflow serve`` on a new database or by ``isoflow admin create-user`` without ``--org``,
who sets organisations up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from isoflow.errors import Forbidden, InvalidInput


class Role(StrEnum):
    ADMIN = "admin"
    SUPPLIER_SALES = "supplier_sales"
    SUPPLIER_LOGISTICS = "supplier_logistics"
    SUPPLIER_PRODUCTION = "supplier_production"
    RADIOPHARMACIST = "radiopharmacist"
    TECHNOLOGIST = "technologist"
    PHYSICIAN = "physician"
    RSO = "rso"
    VIEWER = "viewer"


ROLE_CODES: tuple[str, ...] = tuple(r.value for r in Role)


class Permission(StrEnum):
    READ = "read"
    MANAGE_ORGANISATION = "manage_organisation"  # sites, users
    MANAGE_LICENCES = "manage_licences"
    LEDGER_WRITE = "ledger_write"  # receipt, withdrawal, measurement, disposal
    LEDGER_CORRECT = "ledger_correct"
    READ_AUDIT = "read_audit"
    SIGN = "sign"
    # the department's day (issue #10)
    MANAGE_CATALOGUE = "manage_catalogue"  # procedures, kits, cameras, calibrators
    SCHEDULE = "schedule"  # patients, appointments
    PRESCRIBE = "prescribe"
    ELUTE = "elute"  # generator receipt and elution
    PREPARE = "prepare"  # kit preparation and its RCP test
    RELEASE = "release"  # release of a kit for use (signed)
    DISPENSE = "dispense"  # dose drawing and assay
    ADMINISTER = "administer"
    QUALITY = "quality"  # dose-calibrator QC, decay-in-storage waste, review of flags
    # the supplier's work (issue #11)
    SELL = "sell"  # customers, their licences and routes, contracts, orders
    PRODUCE = "produce"  # production batches and their allocation
    SHIP = "ship"  # shipments: classification, declaration, tracking


_HANDLERS = frozenset({Permission.READ, Permission.LEDGER_WRITE, Permission.SIGN})

#: Physicians prescribe; technologists elute, draw and administer; radiopharmacists elute,
#: prepare, release and draw; the radiation-safety officer owns QC, waste and the journals.
#: At a supplier, sales keep the catalogue, customers, contracts and orders; production runs
#: the batches and allocates them; logistics (the dangerous-goods staff) ship.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.RSO: frozenset({Permission.READ, Permission.MANAGE_LICENCES, Permission.LEDGER_WRITE,
                         Permission.LEDGER_CORRECT, Permission.READ_AUDIT, Permission.SIGN,
                         Permission.MANAGE_CATALOGUE, Permission.QUALITY, Permission.ELUTE}),
    Role.RADIOPHARMACIST: _HANDLERS | {Permission.LEDGER_CORRECT, Permission.MANAGE_CATALOGUE,
                                       Permission.SCHEDULE, Permission.ELUTE,
                                       Permission.PREPARE, Permission.RELEASE,
                                       Permission.DISPENSE},
    Role.TECHNOLOGIST: _HANDLERS | {Permission.SCHEDULE, Permission.ELUTE, Permission.DISPENSE,
                                    Permission.ADMINISTER},
    Role.SUPPLIER_LOGISTICS: _HANDLERS | {Permission.SHIP},
    Role.SUPPLIER_PRODUCTION: _HANDLERS | {Permission.PRODUCE},
    Role.SUPPLIER_SALES: frozenset({Permission.READ, Permission.SELL,
                                    Permission.MANAGE_CATALOGUE}),
    Role.PHYSICIAN: frozenset({Permission.READ, Permission.SIGN, Permission.SCHEDULE,
                               Permission.PRESCRIBE, Permission.ADMINISTER}),
    Role.VIEWER: frozenset({Permission.READ}),
}

ORGANISATION_KINDS: tuple[str, ...] = ("hospital", "supplier")


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}; one of: {', '.join(ROLE_CODES)}",
                           field="role") from None


def parse_organisation_kind(value: str) -> str:
    if value not in ORGANISATION_KINDS:
        raise InvalidInput(f"unknown organisation kind {value!r}; one of: "
                           f"{', '.join(ORGANISATION_KINDS)}", field="kind")
    return value


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the local command line (``user_id is None``)."""

    username: str
    role: Role
    org_id: int | None
    user_id: int | None = None

    @classmethod
    def command_line(cls, who: str) -> Actor:
        """The operator at the server's console: platform administrator rights."""
        return cls(username=f"cli:{who}", role=Role.ADMIN, org_id=None, user_id=None)

    @property
    def is_platform_admin(self) -> bool:
        return self.org_id is None and self.role is Role.ADMIN

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            action = permission.value.replace("_", " ")
            raise Forbidden(f"role {self.role.value!r} may not {action}")

    def sees(self, org_id: int) -> bool:
        """Tenancy: platform administrators see every organisation, others only their own."""
        return self.org_id is None or self.org_id == org_id
