"""Schemas of the hub's routes: scorecards, SRS values, reporting calendar, initiatives, checks.

Input schemas validate (400 naming every bad field); output schemas shape the JSON and document it
in /openapi.json.
"""
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.money import Kzt
from services.common.pages import OFFSET, page_schema
from services.common.regions import REGION_CODES
from services.gateway.edge.schemas import PageQuery
from services.gateway.hub.calendar import REPORT_STATUSES
from services.gateway.hub.rules import (
    INITIATIVE_KINDS,
    INITIATIVE_STATUSES,
    MAX_COMMENT_CHARS,
    PIPELINE_STAGES,
    SRS_INDICATORS,
)

DECIMAL_STRING = {"type": "string", "format": "decimal"}


def _pct(**kwargs):
    return fields.Decimal(as_string=True, places=1, allow_nan=False,
                          validate=validate.Range(min=0, max=100),
                          metadata={**DECIMAL_STRING, "description": "percent, 0..100"}, **kwargs)


def _money(**kwargs):
    return Kzt(metadata={**DECIMAL_STRING, "description": "KZT, two decimals"}, **kwargs)


def _ratio(**kwargs):
    return fields.Str(allow_none=True, metadata={**DECIMAL_STRING, "description": "ratio 0..1"},
                      **kwargs)


# --- SRS ----------------------------------------------------------------------------------------

class SrsValuesSchema(Schema):
    """A region's current provision under the System of Regional Standards, with its source."""
    cities_pct = _pct(allow_none=True, load_default=None)
    rural_pct = _pct(allow_none=True, load_default=None)
    rural_population_pct = _pct(allow_none=True, load_default=None)
    source = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    as_of = fields.Date(required=True, metadata={"description": "date the values refer to"})

    @validates_schema
    def _some_value(self, data, **kwargs):
        if all(data.get(name) is None for name in SRS_INDICATORS):
            raise ValidationError("give at least one of " + ", ".join(SRS_INDICATORS),
                                  "cities_pct")


class SrsRecordSchema(SrsValuesSchema):
    region_code = fields.Str(required=True)
    recorded_by = fields.Str()
    recorded_at = fields.DateTime(format="iso")


class SrsRecordWithHistorySchema(SrsRecordSchema):
    history = fields.List(fields.Nested(SrsRecordSchema))


# --- scorecards ---------------------------------------------------------------------------------

class ScorecardProjectsSchema(Schema):
    total = fields.Int()
    by_stage = fields.Dict(keys=fields.Str(validate=validate.OneOf(PIPELINE_STAGES)),
                           values=fields.Int())
    investment_committed_kzt = _money()
    investment_commissioned_kzt = _money()
    invested_to_date_kzt = _money()
    jobs_planned = fields.Int()
    jobs_created = fields.Int()


class AutonomyAlertSchema(Schema):
    fiscal_year = fields.Int()
    as_of_period = fields.Str()
    own_revenue_share = _ratio()
    threshold = _ratio()
    occurred_at = fields.Str(metadata={"format": "date-time"})


class TrajectorySchema(Schema):
    fiscal_year = fields.Int()
    transfer_dependency = _ratio()
    expected_dependency = _ratio()
    off_track = fields.Bool(allow_none=True)
    assumption = fields.Str(metadata={"description": "key in GET /api/v1/hub/assumptions"})


class ScorecardFiscalSchema(Schema):
    fiscal_year = fields.Int(allow_none=True)
    as_of_period = fields.Str(allow_none=True)
    own_revenue_kzt = _money(allow_none=True)
    transfers_received_kzt = _money(allow_none=True)
    total_revenue_kzt = _money(allow_none=True)
    own_revenue_share = _ratio()
    transfer_dependency = _ratio()
    status = fields.Str(allow_none=True)
    population = fields.Int(allow_none=True)
    population_quality = fields.Str(allow_none=True, validate=validate.OneOf(("exact", "estimated")),
                                    metadata={"description": "quality of the population the "
                                              "per-resident figures divide by"})
    revenue_per_resident_kzt = _money(allow_none=True)
    subvention_per_resident_kzt = _money(allow_none=True)
    forecast_kzt = fields.Dict(keys=fields.Str(), values=_money(),
                               metadata={"description": "revenue forecast by year"})
    autonomy_alert = fields.Nested(AutonomyAlertSchema, allow_none=True)
    trajectory = fields.Nested(TrajectorySchema, allow_none=True)


class ScorecardMobilitySchema(Schema):
    rotations_out = fields.Int(metadata={"description": "under way, leaving the region"})
    rotations_in = fields.Int(metadata={"description": "under way, arriving in the region"})
    completed_cycles = fields.Int()
    requests_pending = fields.Int()
    due_now = fields.Int(metadata={"description": "rotations due and not started"})


class SrsTargetFigureSchema(Schema):
    indicator = fields.Str()
    label = fields.Str()
    target_pct = fields.Str()
    comparison = fields.Str(validate=validate.OneOf(("at_least", "more_than")))
    target_year = fields.Int()
    current_pct = fields.Str(allow_none=True)
    gap_pct = fields.Str(allow_none=True)
    met = fields.Bool(allow_none=True)


class SrsRecordedSchema(Schema):
    source = fields.Str()
    as_of = fields.Date()
    recorded_by = fields.Str()
    recorded_at = fields.Str(metadata={"format": "date-time"})


class SrsFiguresSchema(Schema):
    recorded = fields.Nested(SrsRecordedSchema, allow_none=True)
    targets_2030 = fields.List(fields.Nested(SrsTargetFigureSchema))


class InitiativeCountsSchema(Schema):
    active = fields.Int()
    by_status = fields.Dict(keys=fields.Str(), values=fields.Int())


class ProjectTotalsNoteSchema(Schema):
    computed_at = fields.Str(metadata={"format": "date-time", "description":
                                       "when the project figures were computed from the rows"})
    source = fields.Str(data_key="from", validate=validate.OneOf(("read_model", "rows")),
                        metadata={"description": "read_model: the region's totals document, "
                                                 "clean since computed_at; rows: computed now"})
    stale = fields.Bool(metadata={"description": "project events arrived after computed_at; "
                                                 "served only within HUB_TOTALS_MAX_STALENESS_SECONDS"})


class ScorecardSchema(Schema):
    region_code = fields.Str()
    region_name = fields.Str()
    projects = fields.Nested(ScorecardProjectsSchema)
    project_totals = fields.Nested(ProjectTotalsNoteSchema, allow_none=True)
    fiscal = fields.Nested(ScorecardFiscalSchema)
    mobility = fields.Nested(ScorecardMobilitySchema)
    srs = fields.Nested(SrsFiguresSchema)
    initiatives = fields.Nested(InitiativeCountsSchema)
    as_of = fields.Date()


class RollupSchema(Schema):
    scope = fields.Str(validate=validate.OneOf(("national", "regions")))
    region_codes = fields.List(fields.Str())
    projects = fields.Nested(ScorecardProjectsSchema)
    fiscal = fields.Dict(metadata={"description": "summed revenue of the latest fiscal year"})
    mobility = fields.Nested(ScorecardMobilitySchema)
    srs_2030 = fields.Dict()
    initiatives = fields.Nested(InitiativeCountsSchema)
    as_of = fields.Date()


class ScorecardListSchema(Schema):
    items = fields.List(fields.Nested(ScorecardSchema))
    rollup = fields.Nested(RollupSchema)


# --- reporting calendar -------------------------------------------------------------------------

class CalendarQuery(Schema):
    year = fields.Int(validate=validate.Range(min=2000, max=2100),
                      metadata={"description": "reporting year (default: last year)"})


class CalendarEntrySchema(Schema):
    region_code = fields.Str()
    region_name = fields.Str()
    reporting_year = fields.Int()
    due_date = fields.Date()
    status = fields.Str(validate=validate.OneOf(REPORT_STATUSES))
    report_id = fields.Str(allow_none=True)
    first_generated_at = fields.DateTime(format="iso", allow_none=True, metadata={
        "description": "budgets' fiscal report generated (shown; not a submission)"})
    last_generated_at = fields.DateTime(format="iso", allow_none=True)
    submitted_at = fields.DateTime(format="iso", allow_none=True, metadata={
        "description": "the 1 April report submitted (what the status is judged on)"})
    submitted_by = fields.Str(allow_none=True)
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)


class CalendarSchema(Schema):
    reporting_year = fields.Int()
    due_date = fields.Date()
    today = fields.Date()
    items = fields.List(fields.Nested(CalendarEntrySchema))
    by_status = fields.Dict(keys=fields.Str(), values=fields.Int())


# --- initiatives --------------------------------------------------------------------------------

class InitiativeQuery(PageQuery):
    region = fields.Str(validate=validate.OneOf(REGION_CODES))
    status = fields.Str(validate=validate.OneOf(INITIATIVE_STATUSES))
    kind = fields.Str(validate=validate.OneOf(INITIATIVE_KINDS))


class InitiativeCreateSchema(Schema):
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    description = fields.Str(load_default="", validate=validate.Length(max=5000))
    responsible_body = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    due_date = fields.Date(required=True)
    event_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50),
                            metadata={"description": "journal events the initiative is about"})


class InitiativeChangeSchema(Schema):
    status = fields.Str(validate=validate.OneOf(INITIATIVE_STATUSES))
    comment = fields.Str(required=True, validate=validate.Length(min=1, max=MAX_COMMENT_CHARS))
    due_date = fields.Date()
    responsible_body = fields.Str(validate=validate.Length(min=1, max=300))
    expected_version = fields.Int(validate=validate.Range(min=1),
                                  metadata={"description": "refuse (409) if it changed since"})


class InitiativeHistoryEntrySchema(Schema):
    at = fields.DateTime(format="iso")
    by = fields.Str()
    from_ = fields.Str(data_key="from", attribute="from", allow_none=True)
    to = fields.Str()
    comment = fields.Str()
    changes = fields.Dict()


class InitiativeSchema(Schema):
    id = fields.Str()
    kind = fields.Str(validate=validate.OneOf(INITIATIVE_KINDS))
    cause_key = fields.Str()
    region_code = fields.Str()
    title = fields.Str()
    description = fields.Str()
    responsible_body = fields.Str()
    status = fields.Str(validate=validate.OneOf(INITIATIVE_STATUSES))
    due_date = fields.Date()
    subject = fields.Dict()
    event_ids = fields.List(fields.Str(), metadata={"description": "events that caused it"})
    opened_at = fields.DateTime(format="iso")
    opened_by = fields.Str()
    updated_at = fields.DateTime(format="iso")
    version = fields.Int()
    history = fields.List(fields.Nested(InitiativeHistoryEntrySchema))


InitiativePageSchema = page_schema(InitiativeSchema, OFFSET, name="InitiativePageSchema")


class ChecksSchema(Schema):
    # bounded: the checks subtract years of days from it, and the Concept runs 2025-2030
    today = fields.Date(metadata={"description": "run as of this day (admin only; default today)"},
                        validate=validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31)))


class ChecksResultSchema(Schema):
    today = fields.Date()
    stall_days = fields.Int()
    stalled_projects = fields.Int()
    overdue_reports = fields.Int()
    opened = fields.List(fields.Str())
