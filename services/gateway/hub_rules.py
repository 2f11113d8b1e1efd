"""The Regional Initiatives Office's rules, pure: initiatives (what opens them, how their status may
move) and the hub's configuration. The reporting calendar is in ``hub_calendar``, read-model
documents in ``hub_documents``.

No nameko, no pymongo: the hub's service glue (``hub_reactions``) feeds these functions plain
documents and stores what they return. Clocks come in as ``now`` / ``today``; tunables come in a
``HubConfig``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Iterable, Mapping

from services.common.clock import civil_date
from services.common.errors import RuleViolation, raise_if_problems, require
from services.common.regions import REGIONS

# --- initiatives ------------------------------------------------------------------------------

OPEN, IN_PROGRESS, RESOLVED, DISMISSED = "open", "in_progress", "resolved", "dismissed"
INITIATIVE_STATUSES: tuple[str, ...] = (OPEN, IN_PROGRESS, RESOLVED, DISMISSED)
ACTIVE_STATUSES: tuple[str, ...] = (OPEN, IN_PROGRESS)

# from → the statuses a person may move it to. Closed initiatives may be reopened (the problem
# came back, or was closed by mistake); nothing moves to the status it already has.
TRANSITIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    OPEN: (IN_PROGRESS, RESOLVED, DISMISSED),
    IN_PROGRESS: (OPEN, RESOLVED, DISMISSED),
    RESOLVED: (OPEN,),
    DISMISSED: (OPEN,),
})

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

SYSTEM_ACTOR = "system:hub"
MAX_COMMENT_CHARS = 2000


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


@dataclass(frozen=True)
class HubConfig:
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

    def with_overrides(self, **changes) -> "HubConfig":
        return replace(self, **changes)


DEFAULT_CONFIG = HubConfig()


@dataclass(frozen=True)
class InitiativeProposal:
    """What a rule wants opened; ``cause_key`` makes opening idempotent."""
    kind: str
    cause_key: str
    region_code: str
    title: str
    description: str
    responsible_body: str
    due_date: date
    subject: Mapping = field(default_factory=dict)


def region_name(region_code: str) -> str:
    region = REGIONS.get(region_code)
    return region.name if region else region_code


def responsible_body(kind: str, region_code: str, config: HubConfig) -> str:
    return config.responsible_bodies[kind].format(region=region_name(region_code))


def new_initiative(proposal: InitiativeProposal, *, initiative_id: str, now: datetime, by: str,
                   event_ids: Iterable[str] = (), comment: str | None = None) -> dict:
    """The document of a freshly opened initiative (version 1, one history entry)."""
    return {
        "id": initiative_id,
        "kind": proposal.kind,
        "cause_key": proposal.cause_key,
        "region_code": proposal.region_code,
        "title": proposal.title,
        "description": proposal.description,
        "responsible_body": proposal.responsible_body,
        "status": OPEN,
        "due_date": proposal.due_date,
        "subject": dict(proposal.subject),
        "event_ids": sorted(set(event_ids)),
        "opened_at": now,
        "opened_by": by,
        "updated_at": now,
        "version": 1,
        "history": [{"at": now, "by": by, "from": None, "to": OPEN,
                     "comment": comment or f"opened: {proposal.title}"}],
    }


def manual_proposal(body: Mapping, *, initiative_id: str) -> InitiativeProposal:
    """A coordinator's initiative (``body`` already validated by ``InitiativeCreateSchema``)."""
    return InitiativeProposal(
        kind=MANUAL, cause_key=f"{MANUAL}:{initiative_id}", region_code=body["region_code"],
        title=body["title"], description=body.get("description") or "",
        responsible_body=body["responsible_body"], due_date=body["due_date"],
        subject=dict(body.get("subject") or {}))


def _check_comment(comment, problems: dict) -> None:
    require(isinstance(comment, str) and bool(comment.strip())
            and len(comment) <= MAX_COMMENT_CHARS, "comment",
            f"a non-empty comment of at most {MAX_COMMENT_CHARS} characters is required",
            problems)


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, ())


def change_initiative(initiative: Mapping, *, by: str, now: datetime, comment: str,
                      status: str | None = None, due_date: date | None = None,
                      responsible_body: str | None = None) -> dict:
    """The initiative after a person's change: a status move and/or a new due date or body.

    Every change is one history entry (who, when, from, to, comment). A move the table does not
    allow is a ``RuleViolation`` (rule ``initiative_transition``).
    """
    problems: dict = {}
    _check_comment(comment, problems)
    require(status is None or status in INITIATIVE_STATUSES, "status",
            f"one of {', '.join(INITIATIVE_STATUSES)}", problems)
    require(any(v is not None for v in (status, due_date, responsible_body)), "status",
            "nothing to change: give status, due_date or responsible_body", problems)
    raise_if_problems(problems, "invalid initiative change")
    current = initiative["status"]
    if status is not None and status != current and not can_transition(current, status):
        raise RuleViolation(f"an initiative cannot move from {current} to {status}",
                            {"rule": "initiative_transition", "from": current, "to": status,
                             "allowed": list(TRANSITIONS[current])})
    if status == current:
        status = None  # only the other fields change
    changed = dict(initiative)
    entry = {"at": now, "by": by, "from": current, "to": status or current,
             "comment": comment.strip()}
    fields_changed = {}
    if due_date is not None and due_date != initiative.get("due_date"):
        changed["due_date"] = due_date
        fields_changed["due_date"] = due_date.isoformat()
    if responsible_body is not None and responsible_body != initiative.get("responsible_body"):
        changed["responsible_body"] = responsible_body
        fields_changed["responsible_body"] = responsible_body
    if status is None and not fields_changed:
        raise RuleViolation("the change leaves the initiative as it is",
                            {"rule": "initiative_no_change", "status": current})
    if fields_changed:
        entry["changes"] = fields_changed
    if status is not None:
        changed["status"] = status
    changed["history"] = [*initiative.get("history", []), entry]
    changed["updated_at"] = now
    return changed


def system_resolution_entry(from_status: str, *, now: datetime, comment: str) -> dict:
    """The history entry of an automatic resolution (the cause went away)."""
    return {"at": now, "by": SYSTEM_ACTOR, "from": from_status, "to": RESOLVED,
            "comment": comment}


# --- automatic rules ---------------------------------------------------------------------------

def due_after(kind: str, start: date, config: HubConfig) -> date:
    return start + timedelta(days=config.due_days[kind])


def autonomy_proposal(payload: Mapping, occurred_on: date,
                      config: HubConfig = DEFAULT_CONFIG) -> InitiativeProposal:
    """(a) ``autonomy_below_threshold``: one initiative per region, fiscal year and period (each
    crossing below the threshold is published once per period)."""
    region = payload["region_code"]
    share = Decimal(str(payload["own_revenue_share"]))
    threshold = Decimal(str(payload["threshold"]))
    return InitiativeProposal(
        kind=AUTONOMY,
        cause_key=f"{AUTONOMY}:{region}:{payload['fiscal_year']}:{payload['as_of_period']}",
        region_code=region,
        title=(f"Own-revenue share of {region_name(region)} fell to {share} "
               f"(threshold {threshold}) in {payload['fiscal_year']}"),
        description=("Widen the local tax base: review revenue collection and the investment "
                     f"pipeline of the region (as of {payload['as_of_period']})."),
        responsible_body=responsible_body(AUTONOMY, region, config),
        due_date=due_after(AUTONOMY, occurred_on, config),
        subject={"fiscal_year": payload["fiscal_year"], "as_of_period": payload["as_of_period"],
                 "own_revenue_share": str(share), "threshold": str(threshold)})


def _as_date(value) -> date:
    """The civil day (UTC+5) of an instant; a date stays as it is."""
    return civil_date(value)


def days_in_stage(project: Mapping, today: date) -> int:
    return (today - _as_date(project["stage_entered_at"])).days


def reports_progress(project: Mapping, today: date, config: HubConfig = DEFAULT_CONFIG) -> bool:
    """True for a project in an exempt stage whose last progress report (``last_progress_on``,
    the report's date) is at most ``config.progress_window_days`` old."""
    last = project.get("last_progress_on")
    if project.get("stage") not in config.progress_exempt_stages or not last:
        return False
    return (today - date.fromisoformat(str(last)[:10])).days <= config.progress_window_days


def stalled_project_proposals(projects: Iterable[Mapping], today: date,
                              config: HubConfig = DEFAULT_CONFIG) -> list[InitiativeProposal]:
    """(b) projects in one stage for more than ``config.stall_days`` days, except those under
    implementation that report progress (``reports_progress``).

    The cause is the project's stay in that stage (project, stage, entry instant): a project that
    moves on and stalls again elsewhere is a new cause.
    """
    proposals = []
    for project in projects:
        if project["stage"] not in config.stall_stages:
            continue
        days = days_in_stage(project, today)
        if days <= config.stall_days or reports_progress(project, today, config):
            continue
        entered = project["stage_entered_at"]
        entered_key = entered.isoformat() if hasattr(entered, "isoformat") else str(entered)
        region = project["region_code"]
        proposals.append(InitiativeProposal(
            kind=STALLED_PROJECT,
            cause_key=f"{STALLED_PROJECT}:{project['project_id']}:{project['stage']}:{entered_key}",
            region_code=region,
            title=(f"Project '{project.get('title') or project['project_id']}' has been "
                   f"{project['stage']} for {days} days"),
            description=(f"The project has not left stage {project['stage']} since "
                         f"{_as_date(entered).isoformat()} (limit {config.stall_days} days)."),
            responsible_body=responsible_body(STALLED_PROJECT, region, config),
            due_date=due_after(STALLED_PROJECT, today, config),
            subject={"project_id": project["project_id"], "stage": project["stage"],
                     "stage_entered_at": entered_key, "days_in_stage": days}))
    return proposals


def rotation_due_proposal(payload: Mapping,
                          config: HubConfig = DEFAULT_CONFIG) -> InitiativeProposal:
    """(c) ``rotation_due``: a servant reached the mandatory rotation date in the post."""
    region = payload["home_region"]
    due = _as_date(payload["due_date"])
    return InitiativeProposal(
        kind=ROTATION_DUE,
        cause_key=f"{ROTATION_DUE}:{payload['due_key']}",
        region_code=region,
        title=(f"Rotation due since {due.isoformat()} for servant {payload['servant_id']} "
               f"({payload['years_in_post']} years in post)"),
        description="Start the rotation or record the basis for keeping the servant in the post.",
        responsible_body=responsible_body(ROTATION_DUE, region, config),
        due_date=due_after(ROTATION_DUE, due, config),
        subject={"servant_id": payload["servant_id"], "due_key": payload["due_key"],
                 "position_id": payload["position_id"], "org_id": payload["org_id"],
                 "post_start": _as_date(payload["post_start"]).isoformat(),
                 "due_date": due.isoformat()})


def rotation_start_satisfies(due_subject: Mapping, rotation: Mapping) -> bool:
    """True when a started rotation takes the servant out of the post the due date was about."""
    start = rotation.get("start_date")
    return (rotation.get("servant_id") == due_subject.get("servant_id")
            and rotation.get("from_position_id") == due_subject.get("position_id")
            and start is not None
            and _as_date(start).isoformat() >= str(due_subject.get("post_start")))
