"""The Regional Initiatives Office's rules, pure: initiatives (what opens them, how their status may
move). Their tunables are ``settings.HubSettings``; the reporting calendar is in
``calendar``, read-model documents in ``documents``.

No nameko, no pymongo: the hub's service glue (``reactions``) feeds these functions plain
documents and stores what they return. Clocks come in as ``now`` / ``today``; tunables come in a
``HubSettings``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Iterable, Mapping

from services.common.clock import civil_date
from services.common.errors import RuleViolation, raise_if_problems, require
from services.common.regions import REGIONS
from services.gateway.hub.reference import (  # noqa: F401  (rules.AUTONOMY etc. read on)
    AUTOMATIC_KINDS,
    AUTONOMY,
    INDICATOR_OFF_TRACK,
    INITIATIVE_KINDS,
    MANUAL,
    MEASURE_OVERDUE,
    PIPELINE_STAGES,
    REPORT_OVERDUE,
    ROTATION_DUE,
    SRS_INDICATORS,
    SRS_TARGETS_2030,
    STALLED_PROJECT,
    SrsTarget,
)
from services.gateway.hub.settings import DEFAULT_SETTINGS, HubSettings

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

SYSTEM_ACTOR = "system:hub"
MAX_COMMENT_CHARS = 2000


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


def responsible_body(kind: str, region_code: str, config: HubSettings) -> str:
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

def due_after(kind: str, start: date, config: HubSettings) -> date:
    return start + timedelta(days=config.due_days[kind])


def autonomy_proposal(payload: Mapping, occurred_on: date,
                      config: HubSettings = DEFAULT_SETTINGS) -> InitiativeProposal:
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


def reports_progress(project: Mapping, today: date,
                     config: HubSettings = DEFAULT_SETTINGS) -> bool:
    """True for a project in an exempt stage whose last progress report (``last_progress_on``,
    the report's date) is at most ``config.progress_window_days`` old."""
    last = project.get("last_progress_on")
    if project.get("stage") not in config.progress_exempt_stages or not last:
        return False
    return (today - date.fromisoformat(str(last)[:10])).days <= config.progress_window_days


def stalled_project_proposals(projects: Iterable[Mapping], today: date,
                              config: HubSettings = DEFAULT_SETTINGS) -> list[InitiativeProposal]:
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
                          config: HubSettings = DEFAULT_SETTINGS) -> InitiativeProposal:
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
