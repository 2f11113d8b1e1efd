"""The 1 April report to the Ministry of National Economy, pure: its content, assembled per
reporting body (a region's akimat) and year from the hub's read models along the Concept's three
directions, and its workflow drafted -> submitted -> acknowledged (who and when at each step).

"Generated" is not "submitted": a draft can be re-assembled any number of times; only a person's
submission counts against the 1 April deadline, and only the Ministry acknowledges it.

Every section carries ``source``: the events, imports or manual entries its figures come from.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Mapping

from services.common.errors import RuleViolation
from services.gateway.hub.assumptions import assumptions_named, trajectory_status
from services.gateway.hub.calendar import reporting_deadline
from services.gateway.hub.rules import DEFAULT_SETTINGS, HubSettings, region_name
from services.gateway.hub.territories import (  # noqa: F401  (sector_breakdown read on)
    agglomerations_of_region,
    mono_towns_of_region,
    sector_breakdown,
)

DRAFTED, SUBMITTED, ACKNOWLEDGED = "drafted", "submitted", "acknowledged"
REPORT_STATUSES = (DRAFTED, SUBMITTED, ACKNOWLEDGED)
NEXT = {DRAFTED: SUBMITTED, SUBMITTED: ACKNOWLEDGED}
ZERO = Decimal("0")


def report_id(region_code: str, year: int) -> str:
    return f"{region_code}|{year}"


def reporting_body(region_code: str) -> str:
    return f"Akimat of {region_name(region_code)}"


def _event_source(event_types: Iterable[str], note: str) -> dict:
    return {"kind": "event", "event_types": sorted(set(event_types)), "note": note}


def _fiscal_of_year(indicators: Iterable[Mapping], year: int) -> Mapping | None:
    for doc in indicators:
        if doc.get("fiscal_year") == year:
            return doc
    return None


def fiscal_section(indicators: Iterable[Mapping], year: int, blocks: Mapping | None,
                   mobility: Mapping, forecast: Mapping | None) -> dict:
    doc = _fiscal_of_year(indicators, year)
    fiscal = None
    if doc is not None:
        fiscal = {k: (None if doc.get(k) is None else str(doc.get(k))) for k in (
            "as_of_period", "own_revenue_kzt", "transfers_received_kzt", "total_revenue_kzt",
            "own_revenue_share", "transfer_dependency", "population", "population_quality",
            "population_as_of", "revenue_per_resident_kzt", "subvention_per_resident_kzt")}
        fiscal["population_estimated"] = doc.get("population_quality") == "estimated"
        fiscal["source"] = {"kind": "event", "event_types": ["indicators_recalculated"],
                            "event_id": doc.get("event_id")}
    return {
        "fiscal": fiscal,
        "trajectory": trajectory_status(doc.get("transfer_dependency") if doc else None, year),
        "forecast": None if not forecast else {
            "totals_kzt": forecast.get("totals_kzt"),
            "baseline": "the base forecast set from the budget law (forecast_updated events)",
            "source": _event_source(["forecast_updated"], "latest forecast of the region")},
        "block_budget": blocks,
        "mobility": {**mobility, "source": _event_source(
            ["rotation_requested", "rotation_started", "rotation_completed", "rotation_due"],
            "rotations from, into and of staff at home in the region")},
    }


def block_budget_summary(listing: Mapping | None, error: str | None, at: datetime) -> dict:
    """The region's block budgets of the year from budgets (by RPC at drafting time)."""
    source = {"kind": "rpc", "call": "budgets.list_blocks", "at": at.isoformat()}
    if listing is None:
        return {"available": False, "reason": error or "budgets did not answer", "source": source}
    allocated = executed = ZERO
    blocks = []
    for b in listing.get("items", []):
        b_alloc = sum((Decimal(ln["allocated_kzt"]) for ln in b.get("lines", [])), ZERO)
        b_exec = sum((Decimal(ln["executed_kzt"]) for ln in b.get("lines", [])), ZERO)
        allocated, executed = allocated + b_alloc, executed + b_exec
        blocks.append({"block_id": b["block_id"], "spending_body": b["spending_body"],
                       "lines": b.get("lines", [])})
    return {"available": True, "blocks": blocks, "allocated_kzt": str(allocated),
            "executed_kzt": str(executed), "source": source}


def assemble_content(region_code: str, year: int, *, scorecard: Mapping, projects: list,
                     indicators: list, forecast: Mapping | None, srs_rollup: Mapping,
                     gaps: Mapping, settlements: list, measures: list, indicators_plan: list,
                     blocks: Mapping, today: date, config: HubSettings = DEFAULT_SETTINGS) -> dict:
    """The report's content: three directions plus the Action Plan's progress."""
    return {
        "region_code": region_code, "region_name": region_name(region_code),
        "reporting_body": reporting_body(region_code), "reporting_year": year,
        "deadline": reporting_deadline(year, config).isoformat(),
        "as_of": today.isoformat(),
        "infrastructure_srs": {
            "rollup": srs_rollup, "targets_2030": scorecard.get("srs"),
            "gaps": {"settlements_with_gaps": gaps.get("settlements_with_gaps", 0),
                     "settlements_not_assessed": gaps.get("settlements_not_assessed", 0),
                     "by_standard": _gaps_by_standard(gaps.get("items", []))},
            "source": {"kind": "manual_and_import",
                       "note": "settlement register imports (file per unit) and SRS "
                               "assessments (manual entries: who, when, document)"}},
        "economic_potential": {
            "investments": scorecard.get("projects"),
            "sectors": sector_breakdown(projects),
            "agglomerations": agglomerations_of_region(region_code, projects, settlements),
            "mono_towns": mono_towns_of_region(settlements, projects),
            "source": _event_source(["project_registered", "project_stage_changed",
                                     "project_progress_reported", "project_commissioned"],
                                    "the hub's project read model")},
        "institutions": fiscal_section(indicators, year, blocks, scorecard.get("mobility", {}),
                                       forecast),
        "action_plan": {
            "measures": [{k: m.get(k) for k in ("measure_id", "title", "level", "deadline",
                                                "status", "completion_form")}
                         | {"evidence": len(m.get("evidence", [])),
                            "deadline": m["deadline"].isoformat()} for m in measures],
            "indicators": indicators_plan,
            "source": {"kind": "manual", "note": "Action Plan tracker entries (who, when, "
                                                 "document per entry)"}},
        "assumptions": assumptions_named({"dependency_trajectory", "report_deadline"}, config),
    }


def _gaps_by_standard(items: Iterable[Mapping]) -> dict:
    counts: dict = defaultdict(int)
    for item in items:
        for gap in item.get("gaps", []):
            counts[gap["standard"]] += 1
    return dict(sorted(counts.items()))


# --- workflow -----------------------------------------------------------------------------------

def new_draft(region_code: str, year: int, content: Mapping, *, by: str, now: datetime,
              previous: Mapping | None = None) -> dict:
    """A (re-)assembled draft; a submitted or acknowledged report is not re-drafted."""
    return drafted_report({"report_id": report_id(region_code, year), "region_code": region_code,
                           "reporting_year": year, "reporting_body": reporting_body(region_code)},
                          content, by=by, now=now, previous=previous)


def drafted_report(identity: Mapping, content: Mapping, *, by: str, now: datetime,
                   previous: Mapping | None = None) -> dict:
    """``identity`` (id, year, filer) as a new draft revision of ``previous``; a report past
    drafting (submitted or acknowledged) is frozen. Both the regions' and the central bodies'
    reports are drafted this way."""
    if previous is not None and previous["status"] != DRAFTED:
        raise RuleViolation(f"the report is {previous['status']}: it is no longer drafted",
                            {"rule": "report_frozen", "status": previous["status"]})
    revision = (previous or {}).get("revision", 0) + 1
    entry = {"at": now, "by": by, "to": DRAFTED, "revision": revision}
    return {**identity, "status": DRAFTED, "revision": revision, "content": dict(content),
            "drafted_by": by, "drafted_at": now, "submitted_by": None, "submitted_at": None,
            "submitted_on_time": None, "acknowledged_by": None, "acknowledged_at": None,
            "history": [*(previous or {}).get("history", []), entry],
            "version": (previous or {}).get("version", 0)}


def advance(report: Mapping, to: str, *, by: str, now: datetime, submitted_on: date | None = None,
            config: HubSettings = DEFAULT_SETTINGS, comment: str = "") -> dict:
    """drafted -> submitted (on time or late against 1 April by the civil day) -> acknowledged."""
    if NEXT.get(report["status"]) != to:
        raise RuleViolation(f"a {report['status']} report cannot become {to}",
                            {"rule": "report_transition", "from": report["status"], "to": to,
                             "allowed": [NEXT[report["status"]]] if report["status"] in NEXT
                             else []})
    changed = dict(report)
    changed["status"] = to
    changed[f"{to}_by"], changed[f"{to}_at"] = by, now
    if to == SUBMITTED:
        deadline = reporting_deadline(report["reporting_year"], config)
        changed["submitted_on_time"] = (submitted_on or now.date()) <= deadline
    changed["history"] = [*report.get("history", []),
                          {"at": now, "by": by, "to": to, "revision": report["revision"],
                           "comment": comment}]
    return changed


# --- Open Fiscal Data Package of the fiscal part ------------------------------------------------

FISCAL_RESOURCE = "data/fiscal-indicators.csv"
BLOCK_RESOURCE = "data/block-budget.csv"
FISCAL_COLUMNS = ("region_code", "fiscal_year", "as_of_period", "own_revenue_kzt",
                  "transfers_received_kzt", "total_revenue_kzt", "population",
                  "population_quality", "source")
BLOCK_COLUMNS = ("region_code", "fiscal_year", "block_id", "spending_body", "line_id", "name",
                 "allocated_kzt", "executed_kzt", "source")


def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def ofdp_package(report: Mapping) -> dict[str, str | dict]:
    """``{"datapackage.json": descriptor, path: csv text, ...}`` for the report's fiscal part:
    revenue (own, transfers, total) and the block budget (allocated, executed)."""
    content = report["content"]
    region, year = report["region_code"], report["reporting_year"]
    fiscal = content["institutions"]["fiscal"]
    fiscal_rows = []
    if fiscal:
        fiscal_rows.append({"region_code": region, "fiscal_year": year, **fiscal,
                            "source": f"event {fiscal['source'].get('event_id')}"})
    blocks = content["institutions"]["block_budget"]
    block_rows = [{"region_code": region, "fiscal_year": year, "block_id": b["block_id"],
                   "spending_body": b["spending_body"], "line_id": ln["line_id"],
                   "name": ln["name"], "allocated_kzt": ln["allocated_kzt"],
                   "executed_kzt": ln["executed_kzt"], "source": "rpc budgets.list_blocks"}
                  for b in (blocks.get("blocks") or []) for ln in b["lines"]]

    def measure(column, resource, direction, phase):
        return {"source": column, "resource": resource, "currency": "KZT", "factor": 1,
                "direction": direction, "phase": phase}
    descriptor = {
        "profile": "fiscal-data-package", "profiles": {"fiscal": "*", "tabular": "*"},
        "name": f"concept-report-{region.lower()}-{year}",
        "title": f"1 April report {year}, {region_name(region)}: fiscal part",
        "countryCode": "KZ", "granularity": "aggregated",
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "status": report["status"], "revision": report["revision"],
        "resources": [
            {"name": "fiscal-indicators", "path": FISCAL_RESOURCE, "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8",
             "schema": {"fields": [{"name": c, "type": "number" if c.endswith("_kzt")
                                    else "string"} for c in FISCAL_COLUMNS]}},
            {"name": "block-budget", "path": BLOCK_RESOURCE, "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8",
             "schema": {"fields": [{"name": c, "type": "number" if c.endswith("_kzt")
                                    else "string"} for c in BLOCK_COLUMNS]}}],
        "model": {
            "measures": {
                "own_revenue_kzt": measure("own_revenue_kzt", "fiscal-indicators", "revenue",
                                           "executed"),
                "transfers_received_kzt": measure("transfers_received_kzt", "fiscal-indicators",
                                                  "revenue", "executed"),
                "total_revenue_kzt": measure("total_revenue_kzt", "fiscal-indicators",
                                             "revenue", "executed"),
                "allocated_kzt": measure("allocated_kzt", "block-budget", "expenditure",
                                         "approved"),
                "executed_kzt": measure("executed_kzt", "block-budget", "expenditure",
                                        "executed")},
            "dimensions": {
                "location": {"dimensionType": "location", "primaryKey": ["region_code"],
                             "attributes": {"region_code": {"source": "region_code"}}},
                "date": {"dimensionType": "datetime", "primaryKey": ["fiscal_year"],
                         "attributes": {"fiscal_year": {"source": "fiscal_year"}}},
                "spending-body": {"dimensionType": "entity", "primaryKey": ["spending_body"],
                                  "attributes": {"spending_body": {"source": "spending_body"}}}}},
    }
    return {"datapackage.json": descriptor, FISCAL_RESOURCE: _csv(FISCAL_COLUMNS, fiscal_rows),
            BLOCK_RESOURCE: _csv(BLOCK_COLUMNS, block_rows)}
