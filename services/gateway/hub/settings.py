"""The hub's tunables: ``HubSettings`` (the initiative, scorecard and calendar rules),
``ActionPlanSettings`` (the Action Plan tracker's) and ``SrsAssessmentSettings``, with their
defaults; from the environment (defaults serve the Concept's
rules):

    HUB_STALL_DAYS               days in one pipeline stage before a project counts as stalled (180)
    HUB_FIRST_REPORTING_YEAR     first reporting year the calendar tracks (2025)
    HUB_CHECK_INTERVAL_SECONDS   how often the deadline checks run (3600)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from services.common.config import load_settings
from services.gateway.hub.reference import (
    AUTONOMY,
    INDICATOR_OFF_TRACK,
    MEASURE_OVERDUE,
    PIPELINE_STAGES,
    REPORT_OVERDUE,
    ROTATION_DUE,
    SRS_TARGETS_2030,
    STALLED_PROJECT,
    SrsTarget,
)


@dataclass(frozen=True)
class HubSettings:
    # (b) a project in one of these stages for more than stall_days opens an initiative
    stall_days: int = 180
    stall_stages: tuple[str, ...] = ("proposed", "appraised", "approved", "financed",
                                     "under_implementation", "suspended")
    # Assumption (hub/assumptions.py "stall_progress_exemption"): a project in one of these
    # stages that filed a progress report within progress_window_days is moving, not stalled.
    progress_exempt_stages: tuple[str, ...] = ("under_implementation",)
    progress_window_days: int = 180
    # scorecards: investment committed = cost of projects approved and beyond (a suspended one
    # counts where it was suspended from); commissioned = in operation
    committed_stages: tuple[str, ...] = ("approved", "financed", "under_implementation",
                                         "commissioned", "evaluated")
    commissioned_stages: tuple[str, ...] = ("commissioned", "evaluated")
    # reporting duty: by 1 April of the year after the reporting year
    report_deadline_month: int = 4
    report_deadline_day: int = 1
    first_reporting_year: int = 2025
    srs_targets: tuple[SrsTarget, ...] = SRS_TARGETS_2030
    # days from the cause to an automatically opened initiative's due date
    due_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({
        AUTONOMY: 90, STALLED_PROJECT: 30, ROTATION_DUE: 60, REPORT_OVERDUE: 14}))
    responsible_bodies: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({
        AUTONOMY: "Akimat of {region}: finance and budget planning department",
        STALLED_PROJECT: "Akimat of {region}: entrepreneurship and investment department",
        ROTATION_DUE: "Akimat of {region}: human resources service",
        REPORT_OVERDUE: "Akimat of {region}: economy and budget planning department",
    }))

    def __post_init__(self):
        if not (isinstance(self.stall_days, int) and self.stall_days >= 1):
            raise ValueError("stall_days must be a positive integer")
        if not (isinstance(self.progress_window_days, int) and self.progress_window_days >= 1):
            raise ValueError("progress_window_days must be a positive integer")
        unknown = (set(self.stall_stages) | set(self.progress_exempt_stages)) - set(PIPELINE_STAGES)
        if unknown:
            raise ValueError(f"unknown stages in stall_stages: {sorted(unknown)}")
        date(2000, self.report_deadline_month, self.report_deadline_day)  # a real calendar day

    def with_overrides(self, **changes) -> "HubSettings":
        return replace(self, **changes)


DEFAULT_SETTINGS = HubSettings()


@dataclass(frozen=True)
class ActionPlanSettings:
    """Assumptions of the tracker (listed by ``assumptions`` beside its answers)."""
    # days a responsible body gets to close an overdue measure / explain an off-track indicator
    due_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({
        MEASURE_OVERDUE: 30, INDICATOR_OFF_TRACK: 60}))
    # an indicator's actual may miss its expected value by this share of the expected value
    # before it counts as off track (0: any shortfall counts)
    off_track_tolerance: Decimal = Decimal("0")


DEFAULT_ACTION_PLAN_SETTINGS = ActionPlanSettings()


@dataclass(frozen=True)
class SrsAssessmentSettings:
    """Rules of the SRS assessment that no public source fixes (assumptions, named as such).

    ``standard_met_pct``: ASSUMED. The SRS methodology scores each standard as the share of its
    normative items a settlement has; the Concept does not say from which share a settlement
    counts as provided with the standard. 100 means "every item of the standard is there"."""
    standard_met_pct: Decimal = Decimal("100")


DEFAULT_SRS_SETTINGS = SrsAssessmentSettings()


def load_hub_settings() -> HubSettings:
    settings = load_settings()
    return DEFAULT_SETTINGS.with_overrides(stall_days=settings.hub_stall_days,
                                         first_reporting_year=settings.hub_first_reporting_year)


def check_interval_seconds() -> float:
    seconds = load_settings().hub_check_interval_seconds
    if seconds <= 0:
        raise ValueError("HUB_CHECK_INTERVAL_SECONDS must be positive")
    return seconds
