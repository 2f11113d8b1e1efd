"""Agglomeration and mono-town scorecards over HTTP (hub/territories.py).

- ``GET /api/v1/hub/agglomerations`` and ``/{code}``: per agglomeration, its member territories
  (with their source), the projects that name it, the register's units that belong to it and
  their SRS roll-up;
- ``GET /api/v1/hub/mono-towns`` (by region) and ``/{kato}``: anchor projects, diversification,
  transport access to the nearest growth centre;
- ``PUT /api/v1/hub/mono-towns/{kato}/transport-access``: that access as a manual entry (who,
  when, from what document), since the register holds no coordinates.

Region scope: an agglomeration is visible to a regional officer whose region it covers; a
mono-town to the officer of its region (first two KATO digits).
"""
from __future__ import annotations

from services.common import clock
from services.common.errors import NotFound, ValidationFailed
from services.common.loading import load, load_query
from services.common.regions import AGGLOMERATIONS, REGION_CODES
from services.common.srs import kato_region
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.hub.settlements import srs_rollup
from services.gateway.hub.territories import agglomeration_scorecard, mono_town_scorecard
from services.gateway.hub.territory_schemas import (
    AgglomerationCardSchema,
    AgglomerationListSchema,
    MonoTownCardSchema,
    MonoTownListSchema,
    RegionQuery,
    TransportAccessInSchema,
    TransportAccessSchema,
)

TAGS = ("hub", "territories")


def _kato(kato: str) -> str:
    if not (len(kato) == 9 and kato.isdigit()):
        raise ValidationFailed("invalid KATO code", {"kato": ["must be 9 digits"]})
    return kato


def _visible_agglomerations(principal) -> list[str]:
    allowed = policy.region_filter(principal, "hub")
    return [code for code, agg in sorted(AGGLOMERATIONS.items())
            if allowed is None or set(agg.region_codes) & set(allowed)]


# -- agglomerations -----------------------------------------------------------------------------
def _agglomeration_card(svc, code: str) -> dict:
    agg = AGGLOMERATIONS[code]
    units = [u for u in svc.settlements.of_regions(agg.region_codes)
             if u.get("agglomeration") == code]
    year = svc.srs_assessments.latest_year(agg.region_codes)
    rollup = None
    if year is not None and units:
        katos = {u["kato"] for u in units}
        assessed = [a for a in svc.srs_assessments.of_regions(agg.region_codes, year)
                    if a["kato"] in katos]
        rollup = srs_rollup(units, assessed, year=year)
    return agglomeration_scorecard(code, svc.project_reader.of_agglomeration(code), units, rollup)


def hub_agglomeration_cards(svc, request):
    return AgglomerationListSchema().dump({"items": [
        _agglomeration_card(svc, code) for code in _visible_agglomerations(request.principal)]})


def hub_agglomeration_card(svc, request, code):
    if code not in AGGLOMERATIONS:
        raise NotFound(f"no agglomeration {code}", {"code": code})
    if code not in _visible_agglomerations(request.principal):
        policy.authorize(request.principal, "hub", "read", AGGLOMERATIONS[code].region_codes[0])
    return AgglomerationCardSchema().dump(_agglomeration_card(svc, code))


# -- mono-towns -------------------------------------------------------------------------------
def _mono_town_card(svc, town: dict, units: list, projects: list) -> dict:
    year = svc.srs_assessments.latest_year([town["region_code"]])
    assessment = (svc.srs_assessments.get_assessment(town["kato"], year)
                  if year is not None else None)
    access = svc.mono_town_access.get_access(town["kato"])
    if access is not None:
        access["recorded"] = True
    centres = [u for u in units if "growth_centre" in (u.get("flags") or [])]
    return mono_town_scorecard(town, projects, centres, access, assessment)


def hub_mono_town_cards(svc, request):
    query = load_query(RegionQuery, request.args)
    allowed = policy.region_filter(request.principal, "hub")
    codes = sorted(allowed) if allowed is not None else list(REGION_CODES)
    if query.get("region"):
        policy.authorize(request.principal, "hub", "read", query["region"])
        codes = [query["region"]]
    units = svc.settlements.of_regions(codes)
    projects = svc.project_reader.of_regions(codes)
    items = []
    for town in units:
        if "mono_town" in (town.get("flags") or []):
            mine = [u for u in units if u["region_code"] == town["region_code"]]
            items.append(_mono_town_card(
                svc, town, mine, [p for p in projects if p["region_code"] == town["region_code"]]))
    return MonoTownListSchema().dump({"items": items})


def _town(svc, kato: str) -> dict:
    _kato(kato)
    town = svc.settlements.get_unit(kato)
    if town is None or "mono_town" not in (town.get("flags") or []):
        raise NotFound(f"no mono-town {kato} in the settlement register", {"kato": kato})
    return town


def hub_mono_town_card(svc, request, kato):
    policy.authorize(request.principal, "hub", "read", kato_region(_kato(kato)))
    town = _town(svc, kato)
    region = town["region_code"]
    return MonoTownCardSchema().dump(_mono_town_card(
        svc, town, svc.settlements.of_regions([region]), svc.project_reader.of_regions([region])))


def hub_put_mono_town_access(svc, request, kato):
    body = load(TransportAccessInSchema, read_json(request), message=INVALID_BODY)
    town = _town(svc, kato)
    policy.authorize(request.principal, "hub.srs", "write", town["region_code"])
    centre = svc.settlements.get_unit(body["growth_centre_kato"])
    if centre is None or "growth_centre" not in (centre.get("flags") or []):
        raise ValidationFailed("invalid transport access", {"growth_centre_kato": [
            "not a growth centre of the settlement register"]})
    entry = {"kato": kato, "growth_centre_kato": centre["kato"],
             "growth_centre_name": centre.get("name_ru"),
             "distance_km": str(body["distance_km"]),
             "travel_time_minutes": body["travel_time_minutes"],
             "road_surface": body["road_surface"],
             "source": {"kind": "manual", "by": request.principal.subject,
                        "at": clock.now_utc().isoformat(), "reference": body["reference"]}}
    stored = svc.mono_town_access.put(entry)
    return TransportAccessSchema().dump({**stored, "recorded": True})
