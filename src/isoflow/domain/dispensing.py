"""Pure rules of the hot lab's last steps (issue #10): a kit labelled from an eluate, a dose
drawn from the kit vial (or the eluate) for a planned time, and what the patient received.

Times are aware UTC, activities in Bq, volumes in mL, durations in s, decay constants in 1/s.
Every limit comes from the kit's catalogue row or the site's jurisdiction profile
(DESIGN.md invariant 5). A refusal is an InvalidInput naming the field the user can change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from isoflow.domain.ledger import decay_factor
from isoflow.errors import InvalidInput


def _hours(seconds: float) -> str:
    return f"{seconds / 3600.0:g} h"


# ------------------------------------------------------------------ kits
def eluate_expiry(eluted_at: datetime, eluate_expiry_s: float | None) -> datetime | None:
    """When an eluate expires (None: the profile sets no expiry for the nuclide)."""
    if eluate_expiry_s is None:
        return None
    return eluted_at + timedelta(seconds=eluate_expiry_s)


def kit_expiry(prepared_at: datetime, shelf_life_s: float, eluted_at: datetime,
               eluate_expiry_s: float | None) -> datetime:
    """A labelled kit expires at its shelf life after labelling, or with its eluate if that
    is sooner."""
    own = prepared_at + timedelta(seconds=shelf_life_s)
    eluate = eluate_expiry(eluted_at, eluate_expiry_s)
    return own if eluate is None else min(own, eluate)


@dataclass(frozen=True)
class KitLimits:
    """A kit's labelling limits (from its catalogue row) and the profile's carrier rule."""

    name: str
    max_activity_bq: float
    max_volume_ml: float
    max_eluate_age_s: float | None
    carrier_sensitive: bool
    eluate_expiry_s: float | None
    carrier_max_eluate_age_s: float | None
    carrier_previous_elution_s: float | None


def check_kit_preparation(limits: KitLimits, *, prepared_at: datetime, eluted_at: datetime,
                          activity_bq: float, volume_ml: float,
                          previous_elution_at: datetime | None,
                          elution_known: bool) -> None:
    """Refuse a labelling outside the kit's limits: the eluate expired or too old for the kit
    (or, for a carrier-sensitive kit, older than the profile allows, or from a generator not
    eluted within the profile's window before), above the most activity or volume per vial."""
    if prepared_at < eluted_at:
        raise InvalidInput("prepared_at is before the elution", field="prepared_at")
    age = (prepared_at - eluted_at).total_seconds()
    expiry = eluate_expiry(eluted_at, limits.eluate_expiry_s)
    if expiry is not None and prepared_at > expiry:
        raise InvalidInput(f"the eluate expired at {expiry.isoformat()} "
                           f"({_hours(limits.eluate_expiry_s or 0.0)} after elution)",
                           field="eluate_container_id")
    if limits.max_eluate_age_s is not None and age > limits.max_eluate_age_s:
        raise InvalidInput(f"the eluate is {_hours(age)} old; {limits.name} needs an eluate "
                           f"at most {_hours(limits.max_eluate_age_s)} old",
                           field="eluate_container_id")
    if limits.carrier_sensitive:
        if limits.carrier_max_eluate_age_s is not None and age > limits.carrier_max_eluate_age_s:
            raise InvalidInput(f"{limits.name} is carrier-sensitive: the eluate is "
                               f"{_hours(age)} old, at most "
                               f"{_hours(limits.carrier_max_eluate_age_s)} allowed",
                               field="eluate_container_id")
        window = limits.carrier_previous_elution_s
        if window is not None:
            if not elution_known:
                raise InvalidInput(f"{limits.name} is carrier-sensitive: the eluate has no "
                                   "recorded elution, so the generator's previous elution "
                                   "cannot be checked", field="eluate_container_id")
            if previous_elution_at is None or \
                    (eluted_at - previous_elution_at).total_seconds() > window:
                raise InvalidInput(f"{limits.name} is carrier-sensitive: the generator must "
                                   f"have been eluted within {_hours(window)} before this "
                                   "elution", field="eluate_container_id")
    if activity_bq > limits.max_activity_bq:
        raise InvalidInput(f"{limits.name} takes at most {limits.max_activity_bq / 1e6:g} MBq "
                           "per vial", field="activity_bq")
    if volume_ml > limits.max_volume_ml:
        raise InvalidInput(f"{limits.name} takes at most {limits.max_volume_ml:g} mL per vial",
                           field="volume_ml")


def rcp_passed(rcp_fraction: float, rcp_min: float) -> bool:
    """A radiochemical purity test passes at or above the kit's minimum."""
    return rcp_fraction >= rcp_min


# ------------------------------------------------------------------ doses
def activity_to_draw(wanted_bq: float, decay_constant_per_s: float, drawn_at: datetime,
                     planned_at: datetime) -> float:
    """The activity to draw at ``drawn_at`` so that ``wanted_bq`` is left at ``planned_at``."""
    if planned_at < drawn_at:
        raise InvalidInput("planned_at is before the dose is drawn", field="planned_at")
    return wanted_bq / decay_factor(decay_constant_per_s,
                                    (planned_at - drawn_at).total_seconds(), field="planned_at")


def volume_to_draw(wanted_bq: float, decay_constant_per_s: float, drawn_at: datetime,
                   planned_at: datetime, concentration_bq_per_ml: float) -> float:
    """Volume [mL] = wanted at planned time × exp(λ(planned − drawn)) / concentration at
    the draw."""
    if not concentration_bq_per_ml > 0:
        raise InvalidInput("the source holds no activity per mL", field="source_container_id")
    return activity_to_draw(wanted_bq, decay_constant_per_s, drawn_at,
                            planned_at) / concentration_bq_per_ml


def net_administered(decay_constant_per_s: float, *, assay_bq: float, assayed_at: datetime,
                     residual_bq: float, residual_at: datetime,
                     administered_at: datetime) -> float:
    """Assay decayed to the administration minus the residual decayed to it."""
    t = administered_at
    return (assay_bq * decay_factor(decay_constant_per_s, (t - assayed_at).total_seconds())
            - residual_bq * decay_factor(decay_constant_per_s,
                                         (t - residual_at).total_seconds()))


def deviation(net_bq: float, prescribed_bq: float) -> float:
    """net / prescribed − 1."""
    return net_bq / prescribed_bq - 1.0


def outside_prescription(net_bq: float, prescribed_bq: float, *, min_bq: float | None,
                         max_bq: float | None, tolerance: float) -> bool:
    """A range prescription: outside [min, max]; a value: |net / rx − 1| > tolerance."""
    if min_bq is not None and max_bq is not None:
        return not (min_bq <= net_bq <= max_bq)
    return abs(deviation(net_bq, prescribed_bq)) > tolerance


def particles_per_dose(particles_per_vial: float, dose_volume_ml: float,
                       vial_volume_ml: float) -> float:
    """MAA particles in a dose: the vial's particles × dose volume / vial volume."""
    return particles_per_vial * dose_volume_ml / vial_volume_ml


def particles_within(particles: float, min_particles: float | None,
                     max_particles: float | None) -> bool:
    return (min_particles is None or particles >= min_particles) and \
        (max_particles is None or particles <= max_particles)
