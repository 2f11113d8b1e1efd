"""Agglomeration and mono-town scorecards, pure.

- An agglomeration's scorecard covers its member territories (data/agglomerations.json, each with
  its source): the projects that name the agglomeration, the register's units flagged as its
  members, their population and SRS roll-up.
- A mono-town's scorecard: its anchor projects (projects naming the town's KATO in the SRS gaps
  they close, or whose district is the town), the diversification of the projects around it
  (sectors, 1 - sum of squared cost shares), and its transport access to the nearest growth centre
  (a manual entry: which centre, distance, travel time, who recorded it from what document; the
  register holds no coordinates, so the hub does not guess a distance).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterable, Mapping

from services.common.regions import AGGLOMERATIONS

ZERO = Decimal("0")



def sector_breakdown(projects: Iterable[Mapping]) -> dict:
    """Projects, cost and jobs per sector (cancelled projects left out), with a diversification
    index: 1 - sum of squared cost shares (0: one sector, towards 1: many even sectors)."""
    sectors: dict = defaultdict(lambda: {"projects": 0, "cost_kzt": ZERO, "jobs_planned": 0,
                                         "jobs_created": 0})
    for p in projects:
        if p.get("stage") == "cancelled":
            continue
        s = sectors[p.get("sector") or "unknown"]
        s["projects"] += 1
        s["cost_kzt"] += Decimal(str(p.get("cost_kzt") or 0))
        s["jobs_planned"] += int(p.get("jobs_planned") or 0)
        s["jobs_created"] += int(p.get("jobs_created") or 0)
    total = sum((s["cost_kzt"] for s in sectors.values()), ZERO)
    index = None
    if total > 0:
        index = (Decimal(1) - sum(((s["cost_kzt"] / total) ** 2 for s in sectors.values()),
                                  ZERO)).quantize(Decimal("0.0001"))
    return {"by_sector": {k: {**v, "cost_kzt": str(v["cost_kzt"])}
                          for k, v in sorted(sectors.items())},
            "diversification_index": None if index is None else str(index),
            "sectors": len(sectors)}


def _population(unit: Mapping) -> int:
    return int(unit.get("urban_population") or 0) + int(unit.get("rural_population") or 0)


def _project_summary(projects: Iterable[Mapping]) -> dict:
    live = [p for p in projects if p.get("stage") != "cancelled"]
    return {"projects": len(live),
            "commissioned": sum(p.get("stage") in ("commissioned", "evaluated") for p in live),
            "jobs_planned": sum(int(p.get("jobs_planned") or 0) for p in live),
            "jobs_created": sum(int(p.get("jobs_created") or 0) for p in live)}


def agglomeration_scorecard(code: str, projects: list, settlements: list,
                            srs_rollup: Mapping | None = None) -> dict:
    agg = AGGLOMERATIONS[code]
    mine = [p for p in projects if p.get("agglomeration") == code]
    units = [u for u in settlements if u.get("agglomeration") == code]
    return {
        "code": code, "name": agg.name, "level": agg.level,
        "region_codes": list(agg.region_codes),
        "members": [dict(m) for m in agg.member_details],
        "projects": {**_project_summary(mine), **sector_breakdown(mine),
                     "source": {"kind": "event", "note": "projects naming the agglomeration "
                                                         "(investments' project events)"}},
        "register": {"units": len(units), "population": sum(_population(u) for u in units),
                     "source": {"kind": "import", "note": "settlement register units whose "
                                                          "agglomeration column names it"}},
        "srs": srs_rollup,
    }


def agglomerations_of_region(region_code: str, projects: list, settlements: list) -> list[dict]:
    """The 1 April report's view: each agglomeration touching the region, its part in it."""
    out = []
    for code, agg in sorted(AGGLOMERATIONS.items()):
        if region_code not in agg.region_codes:
            continue
        mine = [p for p in projects if p.get("agglomeration") == code]
        out.append({"code": code, "name": agg.name,
                    "members_in_region": [m["name"] for m in agg.member_details
                                          if m.get("region_code") == region_code],
                    **_project_summary(mine)})
    return out


def anchor_projects(town: Mapping, projects: Iterable[Mapping]) -> list[dict]:
    names = {n.lower() for n in (town.get("name_ru"), town.get("name_kk")) if n}
    anchors = []
    for p in projects:
        if p.get("stage") == "cancelled":
            continue
        names_town = any(g.get("kato") == town["kato"] for g in (p.get("srs_gaps") or []))
        in_district = (p.get("district") or "").lower() in names
        if names_town or in_district:
            anchors.append({"project_id": p["project_id"], "title": p.get("title"),
                            "sector": p.get("sector"), "stage": p.get("stage"),
                            "jobs_planned": p.get("jobs_planned"),
                            "linked_by": "srs_gaps" if names_town else "district"})
    return anchors


def mono_town_scorecard(town: Mapping, projects: list, growth_centres: list,
                        access: Mapping | None, assessment: Mapping | None) -> dict:
    anchors = anchor_projects(town, projects)
    anchor_ids = {a["project_id"] for a in anchors}
    diversification = sector_breakdown([p for p in projects if p["project_id"] in anchor_ids])
    return {
        "kato": town["kato"], "name_ru": town.get("name_ru"),
        "region_code": town["region_code"], "population": _population(town),
        "population_year": town.get("population_year"),
        "register_source": town.get("source"),
        "anchor_projects": anchors,
        "diversification": {**diversification, "note": "sectors of the anchor projects by cost"},
        "transport_access": access or {"recorded": False,
                                       "growth_centres_in_region": [
                                           {"kato": g["kato"], "name_ru": g.get("name_ru")}
                                           for g in growth_centres]},
        "srs_transport_coverage_pct": (None if not assessment
                                       else assessment["coverage"].get("transport")),
    }


def mono_towns_of_region(settlements: Iterable[Mapping], projects: list) -> list[dict]:
    """The 1 April report's short view of the region's mono-towns."""
    return [{"kato": u["kato"], "name_ru": u.get("name_ru"), "population": _population(u),
             "anchor_projects": len(anchor_projects(u, projects))}
            for u in settlements if "mono_town" in (u.get("flags") or [])]
