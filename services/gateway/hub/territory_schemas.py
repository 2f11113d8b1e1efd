"""Input and answer shapes of the agglomeration and mono-town routes (OpenAPI and dumping)."""
from marshmallow import Schema, fields, validate

from services.common.regions import REGION_CODES
from services.common.srs import KATO_PATTERN


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
