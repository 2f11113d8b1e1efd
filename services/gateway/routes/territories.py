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

from marshmallow import Schema, fields, validate

from services.common import clock
from services.common.errors import NotFound, ValidationFailed
from services.common.mongo import Store
from services.common.regions import AGGLOMERATIONS, REGION_CODES
from services.common.srs import KATO_PATTERN, kato_region
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.gateway.hub.concept_report_repository import MonoTownAccessRepository
from services.gateway.hub.territories import agglomeration_scorecard, mono_town_scorecard
from services.gateway.hub_settlements import srs_rollup
from services.gateway.schemas import load_body, load_query

TAGS = ("hub", "territories")


class TransportAccessInSchema(Schema):
    growth_centre_kato = fields.Str(required=True, validate=validate.Regexp(KATO_PATTERN))
    distance_km = fields.Decimal(required=True, as_string=True, places=1, allow_nan=False,
                                 validate=validate.Range(min=0, max=5000))
    travel_time_minutes = fields.Int(required=True, validate=validate.Range(min=0, max=6000))
    road_surface = fields.Str(required=True, validate=validate.OneOf(
        ("paved_all_season", "paved_partly", "unpaved", "rail_only")))
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=300))


class TransportAccessSchema(Schema):
    kato = fields.Str()
    growth_centre_kato = fields.Str()
    growth_centre_name = fields.Str(allow_none=True)
    distance_km = fields.Decimal(as_string=True)
    travel_time_minutes = fields.Int()
    road_surface = fields.Str()
    recorded = fields.Bool()
    source = fields.Dict()


class RegionQuery(Schema):
    region = fields.Str(validate=validate.OneOf(REGION_CODES))


class AgglomerationCardSchema(Schema):
    code = fields.Str()
    name = fields.Str()
    level = fields.Int()
    region_codes = fields.List(fields.Str())
    members = fields.List(fields.Dict())
    projects = fields.Dict()
    register = fields.Dict()
    srs = fields.Dict(allow_none=True)


class AgglomerationListSchema(Schema):
    items = fields.List(fields.Nested(AgglomerationCardSchema))


class MonoTownCardSchema(Schema):
    kato = fields.Str()
    name_ru = fields.Str(allow_none=True)
    region_code = fields.Str()
    population = fields.Int()
    population_year = fields.Int(allow_none=True)
    register_source = fields.Dict(allow_none=True)
    anchor_projects = fields.List(fields.Dict())
    diversification = fields.Dict()
    transport_access = fields.Dict()
    srs_transport_coverage_pct = fields.Decimal(as_string=True, allow_none=True)


class MonoTownListSchema(Schema):
    items = fields.List(fields.Nested(MonoTownCardSchema))


def _kato(kato: str) -> str:
    if not (len(kato) == 9 and kato.isdigit()):
        raise ValidationFailed("invalid KATO code", {"kato": ["must be 9 digits"]})
    return kato


def _visible_agglomerations(principal) -> list[str]:
    allowed = policy.region_filter(principal, "hub")
    return [code for code, agg in sorted(AGGLOMERATIONS.items())
            if allowed is None or set(agg.region_codes) & set(allowed)]


class TerritoryRoutes(GatewayBase):
    mono_town_access = Store(MonoTownAccessRepository)

    def _agglomeration_card(self, code: str) -> dict:
        agg = AGGLOMERATIONS[code]
        units = [u for u in self.settlements.of_regions(agg.region_codes)
                 if u.get("agglomeration") == code]
        year = self.srs_assessments.latest_year(agg.region_codes)
        rollup = None
        if year is not None and units:
            katos = {u["kato"] for u in units}
            assessed = [a for a in self.srs_assessments.of_regions(agg.region_codes, year)
                        if a["kato"] in katos]
            rollup = srs_rollup(units, assessed, year=year)
        return agglomeration_scorecard(code, self.project_reader.of_agglomeration(code), units,
                                       rollup)

    @api("GET", "/api/v1/hub/agglomerations", permission=("hub", "read"), tags=TAGS,
         response=AgglomerationListSchema,
         summary="Scorecards of the agglomerations covering the caller's regions")
    def hub_agglomeration_cards(self, request):
        return AgglomerationListSchema().dump({"items": [
            self._agglomeration_card(code) for code in _visible_agglomerations(request.principal)]})

    @api("GET", "/api/v1/hub/agglomerations/<string:code>", permission=("hub", "read"),
         tags=TAGS, response=AgglomerationCardSchema,
         summary="One agglomeration's scorecard over its member territories")
    def hub_agglomeration_card(self, request, code):
        if code not in AGGLOMERATIONS:
            raise NotFound(f"no agglomeration {code}", {"code": code})
        if code not in _visible_agglomerations(request.principal):
            policy.authorize(request.principal, "hub", "read", AGGLOMERATIONS[code].region_codes[0])
        return AgglomerationCardSchema().dump(self._agglomeration_card(code))

    # -- mono-towns -------------------------------------------------------------------------------
    def _mono_town_card(self, town: dict, units: list, projects: list) -> dict:
        year = self.srs_assessments.latest_year([town["region_code"]])
        assessment = (self.srs_assessments.get_assessment(town["kato"], year)
                      if year is not None else None)
        access = self.mono_town_access.get_access(town["kato"])
        if access is not None:
            access["recorded"] = True
        centres = [u for u in units if "growth_centre" in (u.get("flags") or [])]
        return mono_town_scorecard(town, projects, centres, access, assessment)

    @api("GET", "/api/v1/hub/mono-towns", permission=("hub", "read"), tags=TAGS,
         query=RegionQuery, response=MonoTownListSchema,
         summary="Scorecards of the register's mono-towns in the caller's regions")
    def hub_mono_town_cards(self, request):
        query = load_query(RegionQuery(), request.args)
        allowed = policy.region_filter(request.principal, "hub")
        codes = sorted(allowed) if allowed is not None else list(REGION_CODES)
        if query.get("region"):
            policy.authorize(request.principal, "hub", "read", query["region"])
            codes = [query["region"]]
        units = self.settlements.of_regions(codes)
        projects = self.project_reader.of_regions(codes)
        items = []
        for town in units:
            if "mono_town" in (town.get("flags") or []):
                mine = [u for u in units if u["region_code"] == town["region_code"]]
                items.append(self._mono_town_card(
                    town, mine, [p for p in projects if p["region_code"] == town["region_code"]]))
        return MonoTownListSchema().dump({"items": items})

    def _town(self, kato: str) -> dict:
        _kato(kato)
        town = self.settlements.get_unit(kato)
        if town is None or "mono_town" not in (town.get("flags") or []):
            raise NotFound(f"no mono-town {kato} in the settlement register", {"kato": kato})
        return town

    @api("GET", "/api/v1/hub/mono-towns/<string:kato>", permission=("hub", "read"), tags=TAGS,
         response=MonoTownCardSchema,
         summary="One mono-town: anchor projects, diversification, access to a growth centre")
    def hub_mono_town_card(self, request, kato):
        policy.authorize(request.principal, "hub", "read", kato_region(_kato(kato)))
        town = self._town(kato)
        region = town["region_code"]
        return MonoTownCardSchema().dump(self._mono_town_card(
            town, self.settlements.of_regions([region]), self.project_reader.of_regions([region])))

    @api("PUT", "/api/v1/hub/mono-towns/<string:kato>/transport-access",
         permission=("hub.srs", "write"), tags=TAGS, body=TransportAccessInSchema,
         response=TransportAccessSchema,
         summary="Record a mono-town's transport access to its nearest growth centre (manual)",
         responses={400: "invalid input; details name each bad field",
                    404: "no such mono-town or growth centre"})
    def hub_put_mono_town_access(self, request, kato):
        body = load_body(TransportAccessInSchema(), read_json(request))
        town = self._town(kato)
        policy.authorize(request.principal, "hub.srs", "write", town["region_code"])
        centre = self.settlements.get_unit(body["growth_centre_kato"])
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
        stored = self.mono_town_access.put(entry)
        return TransportAccessSchema().dump({**stored, "recorded": True})
