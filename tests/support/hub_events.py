"""Domain events as the services publish them, for the hub's tests: payload factories (validated by
``build_event`` against the published schemas), envelopes with a chosen ``occurred_at``, and a
publisher to the ``<source>.events`` exchanges."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from services.common.events import build_event, parse_event
from services.gateway.hub import contracts  # noqa: F401  (registers every event schema)

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc)


def at(days: float = 0, base: datetime = T0) -> datetime:
    return base + timedelta(days=days)


# --- investments ------------------------------------------------------------------------------

def project_snapshot(project_id: str, region: str = "KZ-35", *, stage: str = "proposed",
                     version: int = 1, stage_entered_at: datetime = T0, cost: str = "1000000.00",
                     jobs_planned: int = 10, jobs_created: int = 0, invested: str = "0.00",
                     suspended_from: str | None = None, **overrides) -> dict:
    snapshot = {
        "project_id": project_id, "external_ref": f"EXT-{project_id[:8]}",
        "title": f"Project {project_id[:8]}", "region_code": region, "district": "Central district",
        "agglomeration": None, "sector": "manufacturing", "project_type": "new_production",
        "stage": stage, "stage_entered_at": stage_entered_at.isoformat(),
        "suspended_from": suspended_from, "priority": False, "cost_kzt": cost,
        "jobs_planned": jobs_planned, "jobs_created": jobs_created,
        "invested_to_date_kzt": invested, "expected_annual_local_revenue_kzt": "50000.00",
        "planned_start": "2026-03-01", "planned_commissioning": "2027-12-01",
        "actual_start": None, "actual_commissioning": None, "version": version,
        "updated_at": stage_entered_at.isoformat(),
    }
    snapshot.update(overrides)
    return snapshot


_PRIORITY = {"basis": "not_eligible", "threshold_mci": None, "mci_year": 2026,
             "mci_kzt": "3932.00", "threshold_kzt": None}


def project_event(event_type: str, snapshot: dict, **extra) -> tuple[str, dict]:
    payload = dict(snapshot)
    when = snapshot["stage_entered_at"]
    if event_type == "project_registered":
        payload.update(investor={"name": "Investor LLP", "country": "KZ", "bin": "123456789012"},
                       total_cost={"amount": snapshot["cost_kzt"], "currency": "KZT",
                                   "exchange_rate": None},
                       priority_basis=_PRIORITY, registered_by="officer")
    elif event_type == "project_updated":
        payload.update(changed_fields=["title"], priority_basis=_PRIORITY, updated_by="officer")
    elif event_type == "project_stage_changed":
        payload.update(from_stage=extra.pop("from_stage", "proposed"), to_stage=snapshot["stage"],
                       reason=None, changed_at=when, changed_by="officer")
    elif event_type == "project_cancelled":
        payload.update(reason="withdrawn", previous_stage=extra.pop("previous_stage", "proposed"),
                       cancelled_at=when, cancelled_by="officer")
    elif event_type == "project_progress_reported":
        payload.update(report_no=1, report_date="2026-02-01",
                       jobs_created_to_date=snapshot["jobs_created"], invested_change_kzt="0.00",
                       jobs_change=0, milestones=[], correction_reason=None, reported_at=when,
                       reported_by="officer")
    payload.update(extra)
    return event_type, payload


# --- budgets ----------------------------------------------------------------------------------

def indicators_payload(region: str, year: int, own: str, transfers: str, *,
                       period: str = "2026-Q1", status: str = "recipient") -> dict:
    from decimal import Decimal
    total = Decimal(own) + Decimal(transfers)
    share = (Decimal(own) / total).quantize(Decimal("0.0001")) if total else None
    dependency = (Decimal(transfers) / total).quantize(Decimal("0.0001")) if total else None
    return {"region_code": region, "fiscal_year": year, "as_of_period": period,
            "by_category": {"1": own, "4": transfers}, "own_revenue_kzt": own,
            "transfers_received_kzt": transfers, "total_revenue_kzt": f"{total:.2f}",
            "own_revenue_share": None if share is None else str(share),
            "transfer_dependency": None if dependency is None else str(dependency),
            "plan_phase": None, "plan_basis": None, "plan_kzt": None, "execution_rate": None,
            "population": None, "revenue_per_resident_kzt": None,
            "subvention_per_resident_kzt": None, "subventions_kzt": None,
            "withdrawals_kzt": None, "earmarked_kzt": None, "status": status}


def autonomy_payload(region: str, year: int, share: str, *, threshold: str = "0.3000",
                     period: str = "2026-Q1") -> dict:
    return {"region_code": region, "fiscal_year": year, "as_of_period": period,
            "own_revenue_share": share, "previous_share": None, "threshold": threshold,
            "transfer_dependency": "0.7500", "status": "recipient"}


def forecast_payload(region: str, totals: dict[str, str], *, change: str = "base_updated") -> dict:
    return {"region_code": region, "change": change, "project_id": None, "annual_kzt": None,
            "years": sorted(int(y) for y in totals), "totals_kzt": totals}


def report_payload(region: str, year: int, generated_at: datetime) -> dict:
    due = date(year + 1, 4, 1)
    return {"report_id": f"report-{region}-{year}", "region_code": region,
            "reporting_year": year, "due_date": due.isoformat(),
            "generated_at": generated_at.isoformat(), "on_time": generated_at.date() <= due}


# --- personnel --------------------------------------------------------------------------------

def rotation_payload(event_type: str, rotation_id: str, servant_id: str, *,
                     from_region: str | None = "KZ-35", to_region: str | None = None,
                     home_region: str = "KZ-35", direction: str = "region_to_centre",
                     from_position_id: str = "pos-1", status: str | None = None,
                     start_date: str = "2026-02-01", **extra) -> dict:
    statuses = {"rotation_requested": "requested", "rotation_approved": "approved",
                "rotation_started": "started", "rotation_extended": "started",
                "rotation_completed": "completed", "rotation_cancelled": "cancelled",
                "rotation_rejected": "rejected"}
    payload = {"rotation_id": rotation_id, "servant_id": servant_id, "direction": direction,
               "home_region": home_region, "from_region": from_region, "to_region": to_region,
               "from_org_id": "org-a", "to_org_id": "org-b",
               "from_position_id": from_position_id, "to_position_id": "pos-central",
               "status": status or statuses[event_type]}
    if event_type == "rotation_requested":
        payload.update(planned_start=start_date, planned_end="2028-02-01", requested_by="hr",
                       return_position_id=from_position_id)
    elif event_type == "rotation_approved":
        payload.update(approvals=[{"side": "sending", "by": "hr-a", "at": T0},
                                  {"side": "receiving", "by": "hr-b", "at": T0}])
    elif event_type == "rotation_started":
        payload.update(start_date=start_date, planned_end="2028-02-01", by="hr")
    elif event_type == "rotation_extended":
        payload.update(previous_end="2028-02-01", new_end="2029-02-01", basis="order 1", by="hr")
    elif event_type == "rotation_completed":
        payload.update(start_date=start_date, end_date="2028-02-01", duration_days=730,
                       return_position_id=from_position_id, return_org_id="org-a",
                       return_region=home_region, cycle_completed=True,
                       career_credit_awarded=True, by="hr")
    elif event_type in ("rotation_cancelled", "rotation_rejected"):
        payload.update(from_status="requested", reason="withdrawn", by="hr")
    payload.update(extra)
    return _personnel_dates(payload)


_PERSONNEL_DATES = ("planned_start", "planned_end", "start_date", "end_date", "previous_end",
                    "new_end", "post_start", "due_date", "service_start")


def _personnel_dates(payload: dict) -> dict:
    """Personnel schemas dump ``date`` objects (their domain hands them over that way)."""
    return {k: (date.fromisoformat(v) if k in _PERSONNEL_DATES and isinstance(v, str) else v)
            for k, v in payload.items()}


def rotation_due_payload(servant_id: str, *, home_region: str = "KZ-35",
                         position_id: str = "pos-1", post_start: str = "2022-01-10",
                         due_date: str = "2026-01-10") -> dict:
    return _personnel_dates({
        "servant_id": servant_id, "due_key": f"{servant_id}:{position_id}:{post_start}",
        "home_region": home_region, "post_region": home_region, "org_id": "org-a",
        "position_id": position_id, "post_start": post_start, "due_date": due_date,
        "years_in_post": 4, "extended": False})


# --- envelopes --------------------------------------------------------------------------------

def envelope(event_type: str, payload: dict, *, region_code: str | None = None,
             occurred_at: datetime | None = None, correlation_id: str | None = None) -> dict:
    """The envelope as published (JSON types); ``region_code`` defaults to the payload's."""
    region = region_code or payload.get("region_code") or payload.get("home_region")
    return build_event(event_type, payload, region_code=region, occurred_at=occurred_at or T0,
                       correlation_id=correlation_id or str(uuid.uuid4()))


def received(wire: dict) -> dict:
    """The envelope as a subscriber hands it to the handler (payload loaded by its schema)."""
    return parse_event(wire)


def publish(amqp_uri: str, *wires: dict) -> None:
    from kombu import Connection, Exchange
    with Connection(amqp_uri) as conn:
        producer = conn.Producer()
        for wire in wires:
            producer.publish(wire, exchange=Exchange(f"{wire['source']}.events", type="topic",
                                                     durable=True),
                             routing_key=wire["event_type"], serializer="json",
                             delivery_mode=2)


def full_gateway_class():
    """The gateway service: one class declares every hub and admin route."""
    from services.gateway.service import GatewayService
    return GatewayService
