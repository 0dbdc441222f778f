"""/products: the supplier's catalogue (issue #11). Activities in Bq (a product sold in 6-day
Ci - bulk Mo-99 only - states its sizes at the end of processing, and also in 6-day Ci), shelf
life in s, prices in ``currency``. Sales and administrators write; another organisation's ids
answer 404. A change needs a reason (audited); the code never changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from isoflow.api.deps import DB, CurrentActor
from isoflow.api.fields import (
    Flag,
    Name,
    Note,
    NuclideName,
    Out,
    Reason,
    Schema,
    error_responses,
    path_id,
)
from isoflow.domain import supply_catalogue as rules
from isoflow.errors import InvalidInput
from isoflow.services import products
from isoflow.services.products import ProductView

router = APIRouter(prefix="/products", tags=["products"],
                   responses=error_responses(401, 403, 404, 409, 422))
ProductId = Annotated[int, path_id("product id")]

Code = Annotated[str, Field(strict=True, min_length=1, max_length=rules.CODE_MAX,
                            pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", examples=["MO99-BULK"],
                            description="letters, digits, '_', '-', '.'; unique in the "
                                        "organisation; never changes")]
Form = Literal["liquid", "solid", "special_form", "generator", "cold_kit"]
Calibration = Literal["reference_time", "six_day_ci"]
_CURRENCIES = list(rules.currency_codes())


def _currency(value: str) -> str:
    if value not in _CURRENCIES:
        raise PydanticCustomError("currency", "an ISO 4217 currency code such as USD")
    return value


Currency = Annotated[str, Field(strict=True, json_schema_extra={"enum": _CURRENCIES},
                                description="ISO 4217 currency code"),
                     AfterValidator(_currency)]
SizeBq = Annotated[float, Field(strict=True, gt=0, le=rules.SIZE_MAX_BQ, allow_inf_nan=False)]
Sizes = Annotated[list[SizeBq], Field(max_length=rules.SIZES_MAX, description=(
    "the activity sizes sold [Bq] (a 6-day Ci product: at the end of processing); "
    "sorted ascending, repeats dropped; empty: any activity"))]
SixDayCi = Annotated[float, Field(strict=True, gt=0, le=5e6, allow_inf_nan=False,
                                  description="6-day Ci (at most 5e6: 1e18 Bq at the end of "
                                              "processing)")]
SizesSixDay = Annotated[list[SixDayCi], Field(max_length=rules.SIZES_MAX, description=(
    "the sizes in 6-day Ci, instead of sizes_bq, for a Mo-99 product sold in 6-day Ci "
    "(stored as the activity at the end of processing)"))]
ShelfLife = Annotated[float, Field(strict=True, gt=0, le=rules.SHELF_LIFE_MAX_S,
                                   allow_inf_nan=False, description="shelf life [s]")]
Price = Annotated[float, Field(strict=True, ge=0, le=rules.PRICE_MAX, allow_inf_nan=False)]
Procedures = Annotated[float, Field(strict=True, gt=0, le=1e6, allow_inf_nan=False,
                                    description="Tc-99m procedures one unit enables")]


class ProductIn(Schema):
    code: Code
    name: Name
    nuclide: NuclideName
    form: Form
    sizes_bq: Sizes = Field(default_factory=list)
    sizes_six_day_ci: SizesSixDay | None = None
    calibration: Calibration = Field("reference_time", description="six_day_ci: Mo-99 only")
    shelf_life_s: ShelfLife | None = None
    unit_price: Price = 0.0
    price_per_gbq: Price = 0.0
    currency: Currency = "USD"
    procedures_per_unit: Procedures | None = None
    note: Note | None = None


class ProductPatch(Schema):
    """Only the fields sent change; null clears an optional one (shelf life, procedures,
    note)."""

    name: Name | None = None
    nuclide: NuclideName | None = None
    form: Form | None = None
    sizes_bq: Sizes | None = None
    sizes_six_day_ci: SizesSixDay | None = None
    calibration: Calibration | None = None
    shelf_life_s: ShelfLife | None = None
    unit_price: Price | None = None
    price_per_gbq: Price | None = None
    currency: Currency | None = None
    procedures_per_unit: Procedures | None = None
    note: Note | None = None
    active: Flag | None = None
    reason: Reason


class ProductOut(Out):
    id: int
    org_id: int
    code: str
    name: str
    nuclide: str
    form: str
    sizes_bq: list[float]
    sizes_six_day_ci: list[float] = Field(description="the sizes in 6-day Ci (a product sold "
                                                      "that way; else empty)")
    calibration: str
    shelf_life_s: float | None
    unit_price: float
    price_per_gbq: float
    currency: str
    procedures_per_unit: float | None
    active: bool
    note: str | None
    created_at: datetime


_OPTIONAL = frozenset({"shelf_life_s", "procedures_per_unit", "note"})


def _sizes(sent: dict[str, Any]) -> dict[str, Any]:
    """``sizes_six_day_ci`` as texts the service reads ("1000 6-day Ci"), in ``sizes_bq``."""
    six = sent.pop("sizes_six_day_ci", None)
    if six is not None:
        if sent.get("sizes_bq"):
            raise InvalidInput("give the sizes in Bq or in 6-day Ci, not both",
                               field="sizes_six_day_ci")
        sent["sizes_bq"] = [f"{x!r} 6-day Ci" for x in six]
    return sent


def _changes(body: ProductPatch) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    sent.pop("reason", None)
    return _sizes({k: v for k, v in sent.items() if v is not None or k in _OPTIONAL})


@router.get("", response_model=list[ProductOut])
def list_products(actor: CurrentActor, db: DB, active_only: bool = False) -> list[ProductView]:
    return products.list_products(db, actor, active_only=active_only)


@router.post("", response_model=ProductOut, status_code=201)
def create_product(body: ProductIn, actor: CurrentActor, db: DB) -> ProductView:
    """A product of the organisation's catalogue. 422 besides the schema: an unknown
    nuclide, 6-day Ci for a nuclide other than Mo-99 (or sizes in 6-day Ci for a product
    not sold that way; sizes in both units), a platform administrator (who acts for
    no organisation); 409 if the code is taken."""
    return products.create_product(db, actor, **_sizes(body.model_dump()))


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: ProductId, actor: CurrentActor, db: DB) -> ProductView:
    return products.get_product(db, actor, product_id)


@router.patch("/{product_id}", response_model=ProductOut)
def update_product(product_id: ProductId, body: ProductPatch, actor: CurrentActor,
                   db: DB) -> ProductView:
    """Change the fields sent, with a reason (``active: false`` stops selling it); the rules
    of a new product on the result (422: unknown nuclide, 6-day Ci not Mo-99)."""
    return products.update_product(db, actor, product_id, reason=body.reason,
                                   **_changes(body))
