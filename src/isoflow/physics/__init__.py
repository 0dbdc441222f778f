"""The physics core: nuclide data, the exact batched decay engine, units. Pure numpy."""

from isoflow.physics.decay import (
    Inventory,
    batch_activities,
    decay_factor,
    precalibrated_activity_bq,
    time_to_decay_to_s,
    time_until_below,
)
from isoflow.physics.nuclides import Nuclide, get_nuclide

__all__ = [
    "Inventory",
    "Nuclide",
    "batch_activities",
    "decay_factor",
    "get_nuclide",
    "precalibrated_activity_bq",
    "time_to_decay_to_s",
    "time_until_below",
]
