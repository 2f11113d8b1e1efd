"""What the hub does with each domain event and on each deadline check: update the read models,
open initiatives whose cause appeared, resolve those whose cause went away.

Everything here is idempotent, because the same event may arrive twice and two gateway instances
may run the same check: read models ignore older news (``projections_repository``), initiatives open once
per cause key (``initiatives_repository``), resolutions only touch active initiatives.

Races between a cause and its cure (a ``rotation_due`` handled while the rotation's
``rotation_started`` is handled by another worker) are closed by ordering: the cure writes its read
model before resolving, and the cause re-checks that read model after opening, so whichever runs
second sees the other's write.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from services.common.clock import civil_date
from services.common.mongo import utcnow
from services.common.regions import REGION_CODES
from services.gateway.hub import rules
from services.gateway.hub.assumptions import autonomy_trajectory_proposal
from services.gateway.hub.calendar import overdue_report_proposals, overdue_reporting_years
from services.gateway.hub.documents import UNDER_WAY
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import HubReadModels

log = logging.getLogger(__name__)

PROJECT_EVENTS = ("project_registered", "project_updated", "project_stage_changed",
                  "project_commissioned", "project_cancelled", "project_progress_reported")
STAGE_EVENTS = ("project_stage_changed", "project_commissioned", "project_cancelled")
ROTATION_EVENTS = ("rotation_requested", "rotation_approved", "rotation_started",
                   "rotation_extended", "rotation_completed", "rotation_cancelled",
                   "rotation_rejected")


def _iso_instant(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class HubReactions:
    def __init__(self, models: HubReadModels, initiatives: InitiativeRepository,
                 config: rules.HubSettings = rules.DEFAULT_SETTINGS,
                 clock: Callable[[], datetime] = utcnow):
        self.models = models
        self.initiatives = initiatives
        self.config = config
        self.clock = clock

    # -- events ----------------------------------------------------------------------------------
    def on_event(self, envelope: dict) -> None:
        event_type = envelope["event_type"]
        payload = envelope["payload"]
        event_id = envelope["event_id"]
        occurred_at = envelope["occurred_at"]
        if event_type in PROJECT_EVENTS:
            written = self.models.apply_project(payload)
            if event_type == "project_progress_reported":
                self.models.note_progress(payload["project_id"], payload["report_date"])
            if event_type in STAGE_EVENTS:
                self._resolve_moved_on(payload["project_id"], event_id, written)
        elif event_type == "indicators_recalculated":
            self.models.apply_indicators(payload, occurred_at, event_id)
            self._on_dependency(payload, occurred_at, event_id)
        elif event_type == "autonomy_below_threshold":
            self.models.apply_autonomy_alert(payload, occurred_at, event_id)
            self._on_dependency(payload, occurred_at, event_id)
        elif event_type == "forecast_updated":
            self.models.apply_forecast(payload, occurred_at, event_id)
        elif event_type == "annual_report_generated":
            self._on_report(payload, event_id)
        elif event_type in ROTATION_EVENTS:
            self.models.apply_rotation(payload, occurred_at, event_id)
            if payload.get("start_date") is not None and payload["status"] in (
                    *UNDER_WAY, "completed"):
                self._on_rotation_started(payload, event_id)
        elif event_type == "rotation_due":
            self._on_rotation_due(payload, occurred_at, event_id)

    def _on_dependency(self, payload: dict, occurred_at: datetime, event_id: str) -> None:
        """(a) fiscal autonomy: an initiative only for a region off its dependency trajectory
        (an assumption, hub/assumptions.py), not for every share below 0.5."""
        proposal = autonomy_trajectory_proposal(payload, civil_date(occurred_at), self.config)
        if proposal is not None:
            self.initiatives.open(proposal, now=self.clock(), by=rules.SYSTEM_ACTOR,
                                  event_ids=[event_id])

    def _resolve_moved_on(self, project_id: str, event_id: str | None,
                          written: dict | None) -> None:
        """(b) a stalled project that left the stage it stalled in: its initiative is resolved.
        ``written``: the row this event just stored, if it stored one (else a newer one is read)."""
        current = written if written is not None else self.models.project(project_id)
        if current is None:
            return
        entered = _iso_instant(current["stage_entered_at"])
        self.initiatives.resolve_where(
            {"kind": rules.STALLED_PROJECT, "subject.project_id": project_id,
             "subject.stage_entered_at": {"$ne": entered}},
            now=self.clock(), event_id=event_id,
            comment=f"the project moved on to stage {current['stage']}")

    def _on_report(self, payload: dict, event_id: str) -> None:
        """Budgets generated its fiscal annual report: shown in the calendar, but it is not a
        submission, so the overdue initiative stays until the 1 April report is submitted."""
        self.models.record_report(payload, event_id)

    def _on_rotation_started(self, rotation: dict, event_id: str) -> None:
        """(c) the servant left the post: due items and their initiatives are settled."""
        start = rotation["start_date"]
        self.models.mark_due_started(rotation["servant_id"], rotation["from_position_id"], start,
                                     rotation["rotation_id"])
        self._resolve_due_initiatives(rotation, event_id)

    def _resolve_due_initiatives(self, rotation: dict, event_id: str | None) -> None:
        start = rotation["start_date"]
        flt = {"kind": rules.ROTATION_DUE, "subject.servant_id": rotation["servant_id"],
               "subject.position_id": rotation["from_position_id"],
               "subject.post_start": {"$lte": start.isoformat()}}
        self.initiatives.resolve_where(
            flt, now=self.clock(), event_id=event_id,
            comment=f"rotation {rotation['rotation_id']} started on {start.isoformat()}")

    def _on_rotation_due(self, payload: dict, occurred_at: datetime, event_id: str) -> None:
        due = self.models.record_rotation_due(payload, occurred_at, event_id)
        subject = {"servant_id": payload["servant_id"], "position_id": payload["position_id"]}
        started = self.models.started_rotation_for(payload["servant_id"], payload["position_id"],
                                                   payload["post_start"])
        if started is not None:  # the cure arrived before the cause: nothing to open
            self.models.mark_due_started(subject["servant_id"], subject["position_id"],
                                         started["start_date"], started["rotation_id"])
            return
        if due.get("status") != "due":
            return
        self.initiatives.open(rules.rotation_due_proposal(payload, self.config), now=self.clock(),
                              by=rules.SYSTEM_ACTOR, event_ids=[event_id])
        started = self.models.started_rotation_for(payload["servant_id"], payload["position_id"],
                                                   payload["post_start"])
        if started is not None:  # started while we were opening
            self.models.mark_due_started(subject["servant_id"], subject["position_id"],
                                         started["start_date"], started["rotation_id"])
            self._resolve_due_initiatives(started, None)

    # -- deadline checks -------------------------------------------------------------------------
    def run_checks(self, today: date) -> dict:
        """(b) stalled projects and (d) overdue annual reports, as of ``today``."""
        now = self.clock()
        stalled_opened, stalled_seen = self._check_stalled(today, now)
        reports_opened, reports_seen = self._check_reports(today, now)
        return {"today": today, "stall_days": self.config.stall_days,
                "stalled_projects": stalled_seen, "overdue_reports": reports_seen,
                "opened": stalled_opened + reports_opened}

    def _check_stalled(self, today: date, now: datetime) -> tuple[list[str], int]:
        cutoff = datetime.combine(today - timedelta(days=self.config.stall_days), time(0),
                                  tzinfo=timezone.utc)
        projects = self.models.projects_entered_before(self.config.stall_stages, cutoff)
        for project in projects:
            project.setdefault("project_id", project.get("_id"))
        opened = []
        proposals = rules.stalled_project_proposals(projects, today, self.config)
        for proposal in proposals:
            initiative, created = self.initiatives.open(proposal, now=now, by=rules.SYSTEM_ACTOR)
            if created:
                opened.append(initiative["id"])
                # the project may have moved on while we were opening
                self._resolve_moved_on(proposal.subject["project_id"], None, None)
        return opened, len(proposals)

    def _check_reports(self, today: date, now: datetime) -> tuple[list[str], int]:
        years = overdue_reporting_years(today, self.config)
        submitted = self.models.submissions_for_years(years)
        proposals = overdue_report_proposals(REGION_CODES, submitted, today, self.config)
        opened = []
        for proposal in proposals:
            initiative, created = self.initiatives.open(proposal, now=now, by=rules.SYSTEM_ACTOR)
            if created:
                opened.append(initiative["id"])
                region, year = proposal.region_code, proposal.subject["reporting_year"]
                if self.models.submissions_for_years([year]).get((region, year)):
                    self.initiatives.resolve_where(
                        {"cause_key": proposal.cause_key}, now=self.clock(),
                        comment="the report was submitted while the check ran")
        return opened, len(proposals)
