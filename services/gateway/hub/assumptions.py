"""Rules the platform applies that no law or decree fixes: each is a named assumption with its
value, its rationale and where it is applied, so an answer that shows a number derived from one can
list it (``assumptions`` in the answer) and an operator can see what to question.

Pure: no nameko, no pymongo.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

from services.gateway.hub.rules import (
    AUTONOMY,
    DEFAULT_SETTINGS,
    HubSettings,
    InitiativeProposal,
    due_after,
    region_name,
    responsible_body,
)

FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class DependencyTrajectory:
    """The path a region's transfer dependency (transfers / total revenue) is expected to follow.

    Rationale: a fixed floor of 0.5 for the own-revenue share flags nearly every subsidised region
    every year and says nothing about progress. The republican budget law for 2026-2028 plans the
    dependency of local budgets on transfers to fall from 50.7% (2026) to 33% (2028); a region is
    flagged when its dependency lies above the straight line between those two points (plus a
    tolerance), i.e. when it is off the trajectory, not merely below 0.5.
    """
    baseline_year: int = 2026
    baseline: Decimal = Decimal("0.507")
    target_year: int = 2028
    target: Decimal = Decimal("0.33")
    # dependency points tolerated above the line before the region counts as off track
    tolerance: Decimal = Decimal("0")
    source: str = ("Law of the Republic of Kazakhstan on the republican budget for 2026-2028 "
                   "(dependency of local budgets on transfers 50.7% -> 33%)")

    def __post_init__(self):
        if self.target_year <= self.baseline_year:
            raise ValueError("target_year must come after baseline_year")
        if not (Decimal(0) <= self.target <= Decimal(1) and Decimal(0) <= self.baseline <= 1):
            raise ValueError("baseline and target are ratios between 0 and 1")
        if self.tolerance < 0:
            raise ValueError("tolerance must not be negative")

    def expected(self, fiscal_year: int) -> Decimal:
        """The dependency expected in ``fiscal_year`` (the baseline before it, the target after)."""
        if fiscal_year <= self.baseline_year:
            return self.baseline
        if fiscal_year >= self.target_year:
            return self.target
        step = (self.target - self.baseline) / (self.target_year - self.baseline_year)
        value = self.baseline + step * (fiscal_year - self.baseline_year)
        return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)

    def off_track(self, dependency: Decimal | None, fiscal_year: int) -> bool | None:
        if dependency is None:
            return None
        return dependency > self.expected(fiscal_year) + self.tolerance


DEFAULT_TRAJECTORY = DependencyTrajectory()


def trajectory_status(dependency, fiscal_year: int,
                      trajectory: DependencyTrajectory = DEFAULT_TRAJECTORY) -> dict:
    """What a scorecard shows beside a region's dependency: the expected value and the verdict."""
    value = None if dependency is None else Decimal(str(dependency))
    return {"fiscal_year": fiscal_year, "transfer_dependency": value,
            "expected_dependency": trajectory.expected(fiscal_year),
            "off_track": trajectory.off_track(value, fiscal_year),
            "assumption": "dependency_trajectory"}


def autonomy_trajectory_proposal(payload: Mapping, occurred_on: date,
                                 config: HubSettings = DEFAULT_SETTINGS,
                                 trajectory: DependencyTrajectory = DEFAULT_TRAJECTORY
                                 ) -> InitiativeProposal | None:
    """The fiscal-autonomy initiative, only for a region off its dependency trajectory.

    Fed by ``indicators_recalculated`` and ``autonomy_below_threshold`` alike (both carry the
    region's ``transfer_dependency``); the cause key is the region, fiscal year and period, so the
    two events of one recalculation open one initiative. None: on track, or no dependency known.
    """
    raw = payload.get("transfer_dependency")
    if raw is None:
        return None
    dependency = Decimal(str(raw))
    year = int(payload["fiscal_year"])
    if not trajectory.off_track(dependency, year):
        return None
    region = payload["region_code"]
    expected = trajectory.expected(year)
    period = payload.get("as_of_period") or "FY"
    return InitiativeProposal(
        kind=AUTONOMY, cause_key=f"{AUTONOMY}:{region}:{year}:{period}", region_code=region,
        title=(f"Transfer dependency of {region_name(region)} is {dependency} in {year}, above "
               f"its trajectory ({expected})"),
        description=("Widen the local tax base: review revenue collection and the investment "
                     f"pipeline of the region (as of {period}). Trajectory: "
                     f"{trajectory.baseline} in {trajectory.baseline_year} to {trajectory.target} "
                     f"in {trajectory.target_year} ({trajectory.source})."),
        responsible_body=responsible_body(AUTONOMY, region, config),
        due_date=due_after(AUTONOMY, occurred_on, config),
        subject={"fiscal_year": year, "as_of_period": period,
                 "transfer_dependency": str(dependency), "expected_dependency": str(expected),
                 "own_revenue_share": (None if payload.get("own_revenue_share") is None
                                       else str(payload["own_revenue_share"])),
                 "assumption": "dependency_trajectory"})


@dataclass(frozen=True)
class Assumption:
    key: str
    value: object
    unit: str
    rationale: str
    applied_in: str
    source: str = "platform assumption (no legal act fixes this value)"


def hub_assumptions(config: HubSettings = DEFAULT_SETTINGS,
                    trajectory: DependencyTrajectory = DEFAULT_TRAJECTORY) -> list[dict]:
    """Every assumed rule the hub applies, with the values in force."""
    items = [
        Assumption("dependency_trajectory",
                   {"baseline_year": trajectory.baseline_year, "baseline": str(trajectory.baseline),
                    "target_year": trajectory.target_year, "target": str(trajectory.target),
                    "tolerance": str(trajectory.tolerance)}, "ratio",
                   DependencyTrajectory.__doc__.split("\n\n")[1].strip().replace("\n    ", " "),
                   "fiscal-autonomy initiatives, scorecards, the 1 April report",
                   source=trajectory.source),
        Assumption("own_revenue_share_floor", "0.5", "ratio",
                   "Kept only as the signal budgets publishes (autonomy_below_threshold); the hub "
                   "opens no initiative on it alone, only when the region is also off its "
                   "dependency trajectory.", "budgets IndicatorSettings.min_own_revenue_share"),
        Assumption("stall_days", config.stall_days, "days",
                   "A project that stays in one pipeline stage longer than this is reviewed by "
                   "the Office; half a year is one budget planning cycle.",
                   "stalled-project initiatives (HUB_STALL_DAYS)"),
        Assumption("stall_progress_exemption",
                   {"stages": list(config.progress_exempt_stages),
                    "window_days": config.progress_window_days}, "days",
                   "Building takes longer than any stage limit: a project under implementation "
                   "that filed a progress report within the window is moving, not stalled.",
                   "stalled-project initiatives"),
        Assumption("initiative_due_days", dict(config.due_days), "days",
                   "Time the responsible body gets to act on an automatic initiative: a quarter "
                   "for fiscal measures, a month for a stalled project, two months for a "
                   "rotation, two weeks for a missing report.", "automatic initiatives"),
        Assumption("initiative_responsible_bodies", dict(config.responsible_bodies), "text",
                   "The akimat department that usually holds the matter; a coordinator can "
                   "reassign any initiative.", "automatic initiatives"),
        Assumption("report_deadline", f"{config.report_deadline_month:02d}-"
                   f"{config.report_deadline_day:02d}", "month-day",
                   "Progress on the Concept reaches the Ministry of National Economy by 1 April "
                   "of the year after the reporting year.", "reporting calendar, 1 April report",
                   source="Regional Development Concept 2025-2030, monitoring section"),
    ]
    return [{"key": a.key, "value": a.value, "unit": a.unit, "rationale": a.rationale,
             "applied_in": a.applied_in, "source": a.source} for a in items]


def assumptions_named(keys, config: HubSettings = DEFAULT_SETTINGS,
                      trajectory: DependencyTrajectory = DEFAULT_TRAJECTORY) -> list[dict]:
    """The entries of ``keys`` only, for the ``assumptions`` list of one answer."""
    wanted = set(keys)
    return [a for a in hub_assumptions(config, trajectory) if a["key"] in wanted]
