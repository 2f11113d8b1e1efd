"""Payloads of the facts (events) the investment commands emit.

Payloads are JSON-ready: money as decimal strings with two places, dates ``YYYY-MM-DD``, instants
ISO 8601 UTC. Every payload starts with the project snapshot, which is everything the hub's read
model keeps per project (stage, sector, cost, jobs, agglomeration, when the stage was entered) plus
``version``, so a consumer can upsert from any event and drop one older than what it holds.
The schemas are in ``services.investments.contract.events``.
"""
from services.common.money import money_str
from services.investments.domain.priority import priority_basis_json
from services.investments.domain.values import iso

PROJECT_REGISTERED = "project_registered"
PROJECT_UPDATED = "project_updated"
PROJECT_STAGE_CHANGED = "project_stage_changed"
PROJECT_PROGRESS_REPORTED = "project_progress_reported"
PROJECT_COMMISSIONED = "project_commissioned"
PROJECT_CANCELLED = "project_cancelled"


def snapshot(project: dict) -> dict:
    return {
        "project_id": project["id"],
        "external_ref": project["external_ref"],
        "title": project["title"],
        "region_code": project["region_code"],
        "district": project["district"],
        "agglomeration": project["agglomeration"],
        "sector": project["sector"],
        "project_type": project["project_type"],
        "stage": project["stage"],
        "stage_entered_at": iso(project["stage_entered_at"]),
        "suspended_from": project["suspended_from"],
        "priority": project["priority"],
        "cost_kzt": money_str(project["cost_kzt"]),
        "jobs_planned": project["jobs_planned"],
        "jobs_created": project["jobs_created"],
        "invested_to_date_kzt": money_str(project["invested_to_date_kzt"]),
        "expected_annual_local_revenue_kzt": money_str(
            project["expected_annual_local_revenue_kzt"]),
        "planned_start": iso(project["planned_start"]),
        "planned_commissioning": iso(project["planned_commissioning"]),
        "actual_start": iso(project["actual_start"]),
        "actual_commissioning": iso(project["actual_commissioning"]),
        "version": project["version"],
        "updated_at": iso(project["updated_at"]),
        "srs_gaps": [dict(g) for g in project.get("srs_gaps") or []],
    }


def registered(project: dict) -> tuple[str, dict]:
    investor = project["investor"]
    cost = project["total_cost"]
    return PROJECT_REGISTERED, {
        **snapshot(project),
        "investor": {"name": investor["name"], "country": investor["country"],
                     "bin": investor["bin"]},
        "total_cost": {"amount": money_str(cost["amount"]), "currency": cost["currency"],
                       "exchange_rate": None if cost["exchange_rate"] is None
                       else str(cost["exchange_rate"])},
        "priority_basis": priority_basis_json(project["priority_basis"]),
        "registered_by": project["created_by"],
    }


def updated(project: dict, changed_fields: list[str]) -> tuple[str, dict]:
    return PROJECT_UPDATED, {
        **snapshot(project),
        "changed_fields": sorted(changed_fields),
        "priority_basis": priority_basis_json(project["priority_basis"]),
        "updated_by": project["updated_by"],
    }


def stage_changed(project: dict, entry: dict) -> tuple[str, dict]:
    return PROJECT_STAGE_CHANGED, {
        **snapshot(project),
        "from_stage": entry["from"],
        "to_stage": entry["to"],
        "reason": entry["reason"],
        "changed_at": iso(entry["at"]),
        "changed_by": entry["by"],
    }


def commissioned(project: dict) -> tuple[str, dict]:
    # The budgets service raises the region's expected tax base from this fact: the revenue figure,
    # the commissioning date and the cost are the contract fields.
    return PROJECT_COMMISSIONED, snapshot(project)


def cancelled(project: dict, entry: dict) -> tuple[str, dict]:
    return PROJECT_CANCELLED, {
        **snapshot(project),
        "reason": entry["reason"],
        "previous_stage": entry["from"],
        "cancelled_at": iso(entry["at"]),
        "cancelled_by": entry["by"],
    }


def progress_reported(project: dict, report: dict, invested_change, jobs_change: int
                      ) -> tuple[str, dict]:
    return PROJECT_PROGRESS_REPORTED, {
        **snapshot(project),
        "report_no": report["report_no"],
        "report_date": iso(report["report_date"]),
        "invested_to_date_kzt": money_str(report["invested_to_date_kzt"]),
        "jobs_created_to_date": report["jobs_created_to_date"],
        "invested_change_kzt": money_str(invested_change),
        "jobs_change": jobs_change,
        "milestones": [{"name": m["name"], "date": iso(m["date"])} for m in report["milestones"]],
        "correction_reason": report["correction_reason"],
        "reported_at": iso(report["reported_at"]),
        "reported_by": report["reported_by"],
    }
