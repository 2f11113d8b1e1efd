"""Schemas of the settlement register routes: imports and their per-row report, units, SRS
assessments, roll-ups and gap lists."""
from marshmallow import Schema, fields, validate

from services.common.pages import OFFSET, page_schema
from services.common.regions import REGION_CODES
from services.common.srs import KATO_PATTERN, SRS_STANDARDS
from services.gateway.edge.schemas import PageQuery
from services.gateway.hub.settlements import FLAGS, UNIT_KINDS

PCT = {"type": "string", "format": "decimal", "description": "percent, 0..100"}


def _pct(**kwargs):
    return fields.Decimal(as_string=True, places=1, allow_nan=False,
                          validate=validate.Range(min=0, max=100), metadata=PCT, **kwargs)


class ImportQuery(Schema):
    file_name = fields.Str(load_default="register.csv",
                           validate=validate.Regexp(r"^[\w.\- ]{1,200}$"),
                           metadata={"description": "name of the file as the Bureau published "
                                                    "it; a name ending in .xlsx reads the body as "
                                                    "an XLSX workbook (its first sheet)"})


class RowErrorSchema(Schema):
    row = fields.Int()
    field = fields.Str()
    reason = fields.Str()


class RegisterImportSchema(Schema):
    import_id = fields.Str()
    file_name = fields.Str()
    state = fields.Str(validate=validate.OneOf(("processing", "completed", "failed")))
    imported_by = fields.Str()
    started_at = fields.DateTime(format="iso")
    finished_at = fields.DateTime(format="iso", allow_none=True)
    rows_processed = fields.Int()
    units_inserted = fields.Int()
    units_updated = fields.Int()
    units_unchanged = fields.Int()
    rows_rejected = fields.Int()
    rows_skipped = fields.Int()
    region_codes = fields.List(fields.Str())
    errors = fields.List(fields.Nested(RowErrorSchema))
    errors_total = fields.Int()
    errors_truncated = fields.Bool()


class UnitSourceSchema(Schema):
    kind = fields.Str()
    import_id = fields.Str(allow_none=True)
    file_name = fields.Str(allow_none=True)
    row = fields.Int(allow_none=True)
    by = fields.Str(allow_none=True)
    at = fields.DateTime(format="iso", allow_none=True)
    reference = fields.Str(allow_none=True)


class SettlementSchema(Schema):
    kato = fields.Str()
    region_code = fields.Str()
    kind = fields.Str(validate=validate.OneOf(UNIT_KINDS))
    name_ru = fields.Str()
    name_kk = fields.Str(allow_none=True)
    parent_kato = fields.Str(allow_none=True)
    urban_population = fields.Int(allow_none=True)
    rural_population = fields.Int(allow_none=True)
    population_year = fields.Int(allow_none=True)
    population_source = fields.Str(allow_none=True)
    flags = fields.List(fields.Str(validate=validate.OneOf(FLAGS)))
    agglomeration = fields.Str(allow_none=True)
    source = fields.Nested(UnitSourceSchema, metadata={
        "description": "where the unit's figures come from: the import and its file"})


class SettlementQuery(PageQuery):
    region = fields.Str(validate=validate.OneOf(REGION_CODES))
    kind = fields.Str(validate=validate.OneOf(UNIT_KINDS))
    flag = fields.Str(validate=validate.OneOf(FLAGS))
    parent = fields.Str(validate=validate.Regexp(KATO_PATTERN),
                        metadata={"description": "villages of this rural district"})


SettlementPageSchema = page_schema(SettlementSchema, OFFSET, name="SettlementPageSchema")


class CoverageSchema(Schema):
    education = _pct(allow_none=True)
    health = _pct(allow_none=True)
    culture = _pct(allow_none=True)
    sport = _pct(allow_none=True)
    engineering = _pct(allow_none=True)
    transport = _pct(allow_none=True)


class AssessmentInSchema(Schema):
    """One settlement's SRS coverage in one year, per standard (left out: not assessed)."""
    coverage = fields.Nested(CoverageSchema, required=True)
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "the document the figures come from"})


class AssessmentSchema(Schema):
    kato = fields.Str()
    region_code = fields.Str()
    kind = fields.Str()
    year = fields.Int()
    coverage = fields.Nested(CoverageSchema)
    provision_pct = _pct()
    standards_missed = fields.List(fields.Str(validate=validate.OneOf(SRS_STANDARDS)))
    meets_srs = fields.Bool()
    complete = fields.Bool(metadata={"description": "every standard assessed"})
    population = fields.Int()
    population_year = fields.Int(allow_none=True)
    source = fields.Nested(UnitSourceSchema)
    recorded_by = fields.Str(allow_none=True)
    recorded_at = fields.DateTime(format="iso")


class SettlementWithAssessmentsSchema(SettlementSchema):
    assessments = fields.List(fields.Nested(AssessmentSchema))


class YearQuery(Schema):
    year = fields.Int(validate=validate.Range(min=2000, max=2100),
                      metadata={"description": "assessment year (default: the latest assessed)"})


class GapQuery(YearQuery):
    standard = fields.Str(validate=validate.OneOf(SRS_STANDARDS))


class RollupBasisSchema(Schema):
    towns_registered = fields.Int()
    towns_assessed = fields.Int()
    villages_registered = fields.Int()
    villages_assessed = fields.Int()
    population_registered = fields.Int()
    population_assessed = fields.Int()
    weighting = fields.Str()
    source = fields.Str()


class SrsRollupSchema(Schema):
    scope = fields.Str(metadata={"description": "a region code, 'national' or 'regions'"})
    year = fields.Int(allow_none=True)
    cities_pct = _pct(allow_none=True)
    rural_pct = _pct(allow_none=True)
    rural_population_pct = _pct(allow_none=True)
    basis = fields.Nested(RollupBasisSchema)


class SrsRollupListSchema(Schema):
    items = fields.List(fields.Nested(SrsRollupSchema))
    total = fields.Nested(SrsRollupSchema)


class GapProjectSchema(Schema):
    project_id = fields.Str()
    title = fields.Str(allow_none=True)
    stage = fields.Str(allow_none=True)


class GapSchema(Schema):
    standard = fields.Str()
    coverage_pct = _pct()
    projects = fields.List(fields.Nested(GapProjectSchema))


class GapItemSchema(Schema):
    kato = fields.Str()
    name_ru = fields.Str(allow_none=True)
    kind = fields.Str()
    population = fields.Int()
    flags = fields.List(fields.Str())
    provision_pct = _pct()
    gaps = fields.List(fields.Nested(GapSchema))


class GapListSchema(Schema):
    region_code = fields.Str()
    year = fields.Int(allow_none=True)
    items = fields.List(fields.Nested(GapItemSchema))
    settlements_with_gaps = fields.Int()
    settlements_not_assessed = fields.Int()
