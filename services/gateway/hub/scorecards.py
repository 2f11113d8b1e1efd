"""Region scorecards, pure: computed from the hub's own per-aggregate read-model documents (one per
project, rotation, due date, region-year of indicators, ...), never from other services.

Inputs are documents as the read models return them (money ``Decimal``, dates ``date`` /
``datetime``); the output is JSON-ready (money and ratios as decimal strings, dates ISO).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Iterable, Mapping

from services.common.clock import civil_date
from services.common.money import ZERO, money, money_str
from services.common.population import PopulationTable, population_for_year
from services.gateway.hub.assumptions import trajectory_status
from services.gateway.hub.documents import PRE_START, UNDER_WAY
from services.gateway.hub.region_totals import buckets_from_rows, figures_from_buckets
from services.gateway.hub.rollup import Weighted, weighted_share
from services.gateway.hub.rules import (
    ACTIVE_STATUSES,
    DEFAULT_SETTINGS,
    PIPELINE_STAGES,
    HubSettings,
    region_name,
)

RATIO = Decimal("0.0001")


@dataclass
class RegionFacts:
    """Everything the hub knows about one region, as read-model documents."""
    region_code: str
    projects: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)    # one per fiscal year
    autonomy_alerts: list[dict] = field(default_factory=list)
    forecast: dict | None = None
    rotations_from: list[dict] = field(default_factory=list)  # from_region == region
    rotations_to: list[dict] = field(default_factory=list)    # to_region == region
    rotations_home: list[dict] = field(default_factory=list)  # home_region == region
    due_items: list[dict] = field(default_factory=list)
    srs: dict | None = None
    initiatives_by_status: Mapping[str, int] = field(default_factory=dict)
    # the projects as the region's totals document (hub/region_totals_repository.py), which the
    # figures are computed from instead of ``projects`` when present
    project_totals: dict | None = None

    def project_buckets(self) -> list[dict]:
        if self.project_totals is not None:
            return self.project_totals["buckets"]
        return buckets_from_rows(self.projects)

    def totals_note(self) -> dict | None:
        """When the project figures were computed, from what (``read_model`` or ``rows``), and
        whether project events arrived since (``stale``, only within the configured bound)."""
        if self.project_totals is None:
            return None
        return {"computed_at": self.project_totals.get("computed_at"),
                "from": self.project_totals.get("from"),
                "stale": bool(self.project_totals.get("stale", False))}


def _money(value) -> Decimal:
    return ZERO if value is None else money(str(value))


def _ratio_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(RATIO, rounding=ROUND_HALF_EVEN))


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _is_committed(project: Mapping, config: HubSettings) -> bool:
    stage = project["stage"]
    if stage == "suspended":
        stage = project.get("suspended_from") or stage
    return stage in config.committed_stages


def project_figures(projects: Iterable[Mapping], config: HubSettings = DEFAULT_SETTINGS) -> dict:
    by_stage = {stage: 0 for stage in PIPELINE_STAGES}
    committed = commissioned = invested = ZERO
    jobs_planned = jobs_created = total = 0
    for project in projects:
        total += 1
        by_stage[project["stage"]] = by_stage.get(project["stage"], 0) + 1
        if project["stage"] == "cancelled":
            continue  # a cancelled project commits no money and plans no jobs any more
        cost = _money(project.get("cost_kzt"))
        if _is_committed(project, config):
            committed += cost
        if project["stage"] in config.commissioned_stages:
            commissioned += cost
        invested += _money(project.get("invested_to_date_kzt"))
        jobs_planned += int(project.get("jobs_planned") or 0)
        jobs_created += int(project.get("jobs_created") or 0)
    return {"total": total, "by_stage": by_stage,
            "investment_committed_kzt": committed, "investment_commissioned_kzt": commissioned,
            "invested_to_date_kzt": invested, "jobs_planned": jobs_planned,
            "jobs_created": jobs_created}


def _latest(docs: Iterable[Mapping], key: str) -> Mapping | None:
    best = None
    for doc in docs:
        if best is None or (doc[key], doc.get("ord", "")) > (best[key], best.get("ord", "")):
            best = doc
    return best


def fiscal_figures(facts: RegionFacts) -> dict:
    latest = _latest(facts.indicators, "fiscal_year")
    alert = None
    if latest is not None:
        alerts = [a for a in facts.autonomy_alerts if a["fiscal_year"] == latest["fiscal_year"]]
        alert = _latest(alerts, "fiscal_year")
    else:
        alert = _latest(facts.autonomy_alerts, "fiscal_year")
    forecast = facts.forecast
    return {
        "fiscal_year": latest["fiscal_year"] if latest else None,
        "as_of_period": latest.get("as_of_period") if latest else None,
        "own_revenue_kzt": _money(latest["own_revenue_kzt"]) if latest else None,
        "transfers_received_kzt": _money(latest["transfers_received_kzt"]) if latest else None,
        "total_revenue_kzt": _money(latest["total_revenue_kzt"]) if latest else None,
        "own_revenue_share": _decimal(latest.get("own_revenue_share")) if latest else None,
        "transfer_dependency": _decimal(latest.get("transfer_dependency")) if latest else None,
        "status": latest.get("status") if latest else None,
        # per-resident figures always come with the quality of the population they divide by
        "population": latest.get("population") if latest else None,
        "population_quality": latest.get("population_quality") if latest else None,
        "revenue_per_resident_kzt": (_optional_money(latest.get("revenue_per_resident_kzt"))
                                     if latest else None),
        "subvention_per_resident_kzt": (_optional_money(latest.get("subvention_per_resident_kzt"))
                                        if latest else None),
        "forecast_kzt": ({year: _money(v) for year, v in sorted(forecast["totals_kzt"].items())}
                         if forecast else {}),
        "autonomy_alert": ({"fiscal_year": alert["fiscal_year"],
                            "as_of_period": alert["as_of_period"],
                            "own_revenue_share": _decimal(alert["own_revenue_share"]),
                            "threshold": _decimal(alert["threshold"]),
                            "occurred_at": alert.get("occurred_at")} if alert else None),
        # the dependency beside its expected value on the trajectory (an assumption, named)
        "trajectory": (trajectory_status(latest.get("transfer_dependency"),
                                         latest["fiscal_year"]) if latest else None),
    }


def _optional_money(value) -> Decimal | None:
    return None if value is None else _money(value)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def mobility_figures(facts: RegionFacts, today: date) -> dict:
    return {
        "rotations_out": sum(1 for r in facts.rotations_from if r["status"] in UNDER_WAY),
        "rotations_in": sum(1 for r in facts.rotations_to if r["status"] in UNDER_WAY),
        "completed_cycles": sum(1 for r in facts.rotations_home
                                if r["status"] == "completed" and r.get("cycle_completed")),
        "requests_pending": sum(1 for r in facts.rotations_from if r["status"] in PRE_START),
        "due_now": sum(1 for d in facts.due_items
                       if d["status"] == "due" and _as_date(d["due_date"]) <= today),
    }


def _as_date(value) -> date:
    return civil_date(value)


def srs_figures(srs: Mapping | None, config: HubSettings = DEFAULT_SETTINGS) -> dict:
    targets = []
    for target in config.srs_targets:
        current = _decimal(srs.get(target.indicator)) if srs else None
        targets.append({
            "indicator": target.indicator, "label": target.label,
            "target_pct": str(target.target_pct), "comparison": target.comparison,
            "target_year": 2030,
            "current_pct": None if current is None else str(current),
            "gap_pct": None if current is None else str(target.target_pct - current),
            "met": target.met(current),
        })
    recorded = None
    if srs:
        recorded = {"source": srs.get("source"), "as_of": _iso(srs.get("as_of")),
                    "recorded_by": srs.get("recorded_by"),
                    "recorded_at": _iso(srs.get("recorded_at"))}
    return {"recorded": recorded, "targets_2030": targets}


def region_scorecard(facts: RegionFacts, today: date, config: HubSettings = DEFAULT_SETTINGS) -> dict:
    return _jsonable({
        "region_code": facts.region_code,
        "region_name": region_name(facts.region_code),
        "projects": figures_from_buckets(facts.project_buckets(), config),
        "project_totals": facts.totals_note(),
        "fiscal": fiscal_figures(facts),
        "mobility": mobility_figures(facts, today),
        "srs": srs_figures(facts.srs, config),
        "initiatives": {"active": sum(facts.initiatives_by_status.get(s, 0)
                                      for s in ACTIVE_STATUSES),
                        "by_status": dict(facts.initiatives_by_status)},
        "as_of": today,
    })


def _srs_population(facts: RegionFacts, population: PopulationTable | None) -> PopulationTable:
    if population is not None:
        return population
    as_of = facts.srs.get("as_of") if facts.srs else None
    return population_for_year(_as_date(as_of).year if as_of else 2025)


def srs_rollup(all_facts: list[RegionFacts], config: HubSettings = DEFAULT_SETTINGS,
               population: PopulationTable | None = None) -> dict:
    """Each 2030 SRS target over the regions given, weighted by residents (the population table
    at 1 January of the year the region's values refer to, unless ``population`` is given)."""
    srs = {}
    for target in config.srs_targets:
        items = []
        for facts in all_facts:
            value = facts.srs.get(target.indicator) if facts.srs else None
            table = _srs_population(facts, population)
            items.append(Weighted(facts.region_code, _decimal(value), table.get(facts.region_code),
                                  table.quality(facts.region_code)))
        share = weighted_share(items)
        srs[target.indicator] = {
            "regions_recorded": share["units_counted"],
            "weighted_pct": None if share["value"] is None else str(share["value"]),
            "weighting": "population",
            "population_weighted": share["weight_total"],
            "population_quality": share["population_quality"],
            "regions_without_population": share["units_without_weight"],
            "target_pct": str(target.target_pct),
            "comparison": target.comparison,
            "met": target.met(share["value"]),
        }
    return srs


def rollup(all_facts: list[RegionFacts], today: date, national: bool,
           config: HubSettings = DEFAULT_SETTINGS, population: PopulationTable | None = None) -> dict:
    """Totals over the regions given: sums of counts and money; fiscal shares recomputed from the
    summed revenue of the latest fiscal year any region reported (never averaged); revenue per
    resident from the summed revenue and residents, flagged estimated when any figure is; SRS
    values weighted by residents (:func:`srs_rollup`), never a plain mean of regions."""
    projects = figures_from_buckets([b for f in all_facts for b in f.project_buckets()], config)
    mobility = {key: 0 for key in ("rotations_out", "rotations_in", "completed_cycles",
                                   "requests_pending", "due_now")}
    for facts in all_facts:
        for key, value in mobility_figures(facts, today).items():
            mobility[key] += value
    years = [d["fiscal_year"] for f in all_facts for d in f.indicators]
    fiscal: dict = {"fiscal_year": None, "regions_reporting": 0}
    if years:
        year = max(years)
        rows = [d for f in all_facts for d in f.indicators if d["fiscal_year"] == year]
        own = sum((_money(d["own_revenue_kzt"]) for d in rows), ZERO)
        transfers = sum((_money(d["transfers_received_kzt"]) for d in rows), ZERO)
        total = sum((_money(d["total_revenue_kzt"]) for d in rows), ZERO)
        fiscal = {"fiscal_year": year, "regions_reporting": len(rows), "own_revenue_kzt": own,
                  "transfers_received_kzt": transfers, "total_revenue_kzt": total,
                  "own_revenue_share": own / total if total else None,
                  "transfer_dependency": transfers / total if total else None,
                  **_per_resident(rows)}
    forecast: dict[str, Decimal] = {}
    for facts in all_facts:
        for year, value in (facts.forecast or {}).get("totals_kzt", {}).items():
            forecast[year] = forecast.get(year, ZERO) + _money(value)
    fiscal["forecast_kzt"] = dict(sorted(forecast.items()))
    srs = srs_rollup(all_facts, config, population)
    initiatives: dict[str, int] = {}
    for facts in all_facts:
        for status, count in facts.initiatives_by_status.items():
            initiatives[status] = initiatives.get(status, 0) + count
    return _jsonable({
        "scope": "national" if national else "regions",
        "region_codes": sorted(f.region_code for f in all_facts),
        "projects": projects, "fiscal": fiscal, "mobility": mobility, "srs_2030": srs,
        "initiatives": {"active": sum(initiatives.get(s, 0) for s in ACTIVE_STATUSES),
                        "by_status": initiatives},
        "as_of": today,
    })


def _per_resident(rows: list[Mapping]) -> dict:
    """Revenue per resident over regions that all report a population (else None)."""
    residents = [d.get("population") for d in rows]
    if not rows or any(not r for r in residents):
        return {"population": None, "population_quality": None, "revenue_per_resident_kzt": None}
    population = sum(residents)
    quality = ("exact" if all(d.get("population_quality") == "exact" for d in rows)
               else "estimated")
    total = sum((_money(d["total_revenue_kzt"]) for d in rows), ZERO)
    return {"population": population, "population_quality": quality,
            "revenue_per_resident_kzt": total / population}


def _jsonable(value, key: str = ""):
    if isinstance(value, dict):
        return {k: _jsonable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v, key) for v in value]
    if isinstance(value, Decimal):
        return money_str(value) if key.endswith("_kzt") or key.isdigit() else _ratio_str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
