"""Paediatric administered activity by the EANM dosage card (2016 edition, version 5.7.2016).

    A = max(baseline × multiple(weight, class), minimum)                      [MBq → Bq here]

The multiples are the card's weight-class table (classes A, B, C; weight bands 3, 4, 6 … 50 kg
in 2 kg steps, then 52–54, 56–58, 60–62, 64–66 and 68 kg). Sources, as in
``../shared/reference/clinical-data.md`` §a: class A printed in the Swiss MAG3 Fachinformation
(ROTOP, EANM 2014); class B from Frejustedev/RADCALC-PRO ``constants.ts`` checked against three
printed SmPC tables (HDP, DMSA, Ceretec); class C from RADCALC-PRO only (unverified). A weight
between two bands takes the lower band (the card's rows are "from" weights); a weight above
68 kg takes the 68 kg row — the card's last — and a child that heavy is normally dosed as an
adult, which the prescriber decides.
"""

from __future__ import annotations

import math

from isoflow.errors import InvalidInput

#: (weight from [kg], class A, class B, class C)
EANM_TABLE: tuple[tuple[float, float, float, float], ...] = (
    (3, 1.0, 1.0, 1.0), (4, 1.12, 1.14, 1.33), (6, 1.47, 1.71, 2.00), (8, 1.71, 2.14, 3.00),
    (10, 1.94, 2.71, 3.67), (12, 2.18, 3.14, 4.67), (14, 2.35, 3.57, 5.67),
    (16, 2.53, 4.00, 6.33), (18, 2.71, 4.43, 7.33), (20, 2.88, 4.86, 8.33),
    (22, 3.06, 5.29, 9.33), (24, 3.18, 5.71, 10.00), (26, 3.35, 6.14, 11.00),
    (28, 3.47, 6.43, 12.00), (30, 3.65, 6.86, 13.00), (32, 3.77, 7.29, 14.00),
    (34, 3.88, 7.72, 15.00), (36, 4.00, 8.00, 16.00), (38, 4.18, 8.43, 17.00),
    (40, 4.29, 8.86, 18.00), (42, 4.41, 9.14, 19.00), (44, 4.53, 9.57, 20.00),
    (46, 4.65, 10.00, 21.00), (48, 4.77, 10.29, 22.00), (50, 4.88, 10.71, 23.00),
    (52, 5.00, 11.29, 24.67), (56, 5.24, 12.00, 26.67), (60, 5.47, 12.71, 28.67),
    (64, 5.65, 13.43, 31.00), (68, 5.77, 14.00, 32.33),
)
EANM_CLASSES: tuple[str, ...] = ("A", "B", "C")
SOURCE = ("EANM paediatric dosage card 2016 (v5.7.2016); class A verified (Swiss MAG3 "
          "Fachinformation), class B checked against printed SmPC tables, class C unverified "
          "(RADCALC-PRO)")
#: weights a patient may have [kg]; outside is a typing error
MIN_WEIGHT_KG = 0.3
MAX_WEIGHT_KG = 350.0


def check_weight(weight_kg: float, *, field: str = "weight_kg") -> float:
    """A patient's weight [kg], refused (InvalidInput naming ``field``) unless a finite number
    in [0.3, 350] kg: 0 kg or 500 kg is a typing error, not a patient."""
    if isinstance(weight_kg, bool) or not isinstance(weight_kg, int | float):
        raise InvalidInput(f"weight {weight_kg!r} is not a number", field=field)
    w = float(weight_kg)
    if not math.isfinite(w) or not MIN_WEIGHT_KG <= w <= MAX_WEIGHT_KG:
        raise InvalidInput(f"weight {weight_kg!r} kg is not a patient's weight; give a value "
                           f"from {MIN_WEIGHT_KG:g} to {MAX_WEIGHT_KG:g} kg", field=field)
    return w


def multiple(weight_kg: float, eanm_class: str) -> float:
    """The card's multiple for ``weight_kg`` in class A, B or C (the band the weight is in;
    below 3 kg the 3 kg row)."""
    w = check_weight(weight_kg)
    if eanm_class not in EANM_CLASSES:
        raise InvalidInput(f"unknown EANM class {eanm_class!r}; one of A, B, C",
                           field="eanm_class")
    column = 1 + EANM_CLASSES.index(eanm_class)
    row = EANM_TABLE[0]
    for candidate in EANM_TABLE:
        if w + 1e-9 >= candidate[0]:
            row = candidate
    return row[column]


def eanm_activity_bq(weight_kg: float, eanm_class: str, baseline_bq: float,
                     minimum_bq: float) -> float:
    """The card's activity [Bq]: baseline × multiple, never below the minimum."""
    for name, value in (("eanm_baseline_bq", baseline_bq), ("eanm_min_bq", minimum_bq)):
        if not math.isfinite(value) or value <= 0:
            raise InvalidInput(f"{name} must be a positive activity", field=name)
    return max(baseline_bq * multiple(weight_kg, eanm_class), minimum_bq)
