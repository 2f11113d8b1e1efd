"""Population-weighted roll-up of shares (pure), for any unit: regions into the country, or
settlements into a region.

A national SRS provision is the share of people covered, so each unit's percentage counts with
its residents: Σ(pctᵢ · popᵢ) ÷ Σ popᵢ. A plain mean of regions would let Ulytau (≈ 0.2 million)
weigh as much as Almaty city (≈ 2.3 million). Callers choose the weight: the region's residents,
or (with a settlement register) the urban population for a cities' figure and the rural
population for a rural one. A weight that is an estimate makes the result an estimate: the
``population_quality`` of the answer is ``estimated`` as soon as one weight used is.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

ZERO = Decimal("0")


@dataclass(frozen=True)
class Weighted:
    """One unit's value with its weight (residents) and the weight's quality."""
    unit: str
    value: Decimal | None
    weight: int | None
    quality: str | None = "exact"  # "exact" | "estimated" | None (unknown)


def weighted_share(items: Iterable[Weighted], places: Decimal = Decimal("0.1")) -> dict:
    """``{value, units_counted, units_without_weight, weight_total, population_quality}``.

    Units without a value are not counted; units with a value but no weight are listed in
    ``units_without_weight`` and left out (never counted with weight 1), so the answer says how
    complete it is.
    """
    total_weight, weighted, counted, unweighted, estimated = 0, ZERO, [], [], False
    for item in items:
        if item.value is None:
            continue
        if not item.weight:
            unweighted.append(item.unit)
            continue
        total_weight += item.weight
        weighted += Decimal(str(item.value)) * item.weight
        counted.append(item.unit)
        estimated = estimated or item.quality != "exact"
    value = (weighted / total_weight).quantize(places) if total_weight else None
    return {"value": value, "units_counted": len(counted),
            "units_without_weight": sorted(unweighted), "weight_total": total_weight,
            "population_quality": None if not counted else ("estimated" if estimated else "exact")}
