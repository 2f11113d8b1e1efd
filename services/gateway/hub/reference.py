"""Reference lists the hub's rules and their settings share: the kinds of initiative, the
investment pipeline's stages and the Concept's 2030 targets for SRS provision."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

AUTONOMY = "autonomy_below_threshold"
STALLED_PROJECT = "project_stalled"
ROTATION_DUE = "rotation_due"
REPORT_OVERDUE = "annual_report_overdue"
MANUAL = "manual"
# the Concept Action Plan tracker's rules (hub/action_plan.py)
MEASURE_OVERDUE = "action_plan_measure_overdue"
INDICATOR_OFF_TRACK = "action_plan_indicator_off_track"
AUTOMATIC_KINDS: tuple[str, ...] = (AUTONOMY, STALLED_PROJECT, ROTATION_DUE, REPORT_OVERDUE,
                                    MEASURE_OVERDUE, INDICATOR_OFF_TRACK)
INITIATIVE_KINDS: tuple[str, ...] = AUTOMATIC_KINDS + (MANUAL,)


@dataclass(frozen=True)
class SrsTarget:
    """One of the Concept's 2030 targets for provision under the System of Regional Standards."""
    indicator: str        # key of the region's recorded SRS values
    label: str
    target_pct: Decimal
    comparison: str       # "at_least" (value >= target) or "more_than" (value > target)

    def met(self, value: Decimal | None) -> bool | None:
        if value is None:
            return None
        if self.comparison == "at_least":
            return value >= self.target_pct
        return value > self.target_pct


SRS_TARGETS_2030: tuple[SrsTarget, ...] = (
    SrsTarget("cities_pct", "SRS provision of cities", Decimal("96"), "at_least"),
    SrsTarget("rural_pct", "SRS provision of rural settlements", Decimal("71"), "at_least"),
    SrsTarget("rural_population_pct", "Rural population whose quality of life meets SRS",
              Decimal("90"), "more_than"),
)
SRS_INDICATORS: tuple[str, ...] = tuple(t.indicator for t in SRS_TARGETS_2030)

PIPELINE_STAGES: tuple[str, ...] = (
    "proposed", "appraised", "approved", "financed", "under_implementation", "commissioned",
    "evaluated", "suspended", "cancelled")
