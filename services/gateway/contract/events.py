"""Payload schemas of the events the hub publishes (``gateway.events``): facts of the settlement
register, its SRS assessments, the 1 April report to the Ministry of National Economy and the
Concept Action Plan. Ministry systems bind their own queue to these as to any service's events;
the hub's own journal records them too, so the coordination journal shows who did what when.
"""
from marshmallow import Schema, fields, validate

from services.common.events import event_schema
from services.common.regions import REGION_CODES
from services.common.srs import KATO_PATTERN, SRS_STANDARDS

SOURCE = "gateway"
_PCT = {"type": "string", "format": "decimal", "description": "percent, 0..100"}


def _pct(**kwargs):
    return fields.Decimal(as_string=True, places=1, metadata=_PCT, **kwargs)


class _Source(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(("manual", "import", "event")))
    by = fields.Str(required=True, allow_none=True)
    reference = fields.Str(required=True, allow_none=True)
    import_id = fields.Str(required=True, allow_none=True)
    file_name = fields.Str(required=True, allow_none=True)


class _Coverage(Schema):
    """Coverage per standard, percent (null: not assessed)."""
    education = _pct(required=True, allow_none=True)
    health = _pct(required=True, allow_none=True)
    culture = _pct(required=True, allow_none=True)
    sport = _pct(required=True, allow_none=True)
    engineering = _pct(required=True, allow_none=True)
    transport = _pct(required=True, allow_none=True)


@event_schema("settlement_register_imported", source=SOURCE,
              description="A settlement register file (the Bureau's KATO classifier) was imported.")
class SettlementRegisterImported(Schema):
    import_id = fields.Str(required=True)
    file_name = fields.Str(required=True)
    rows_processed = fields.Int(required=True)
    units_inserted = fields.Int(required=True)
    units_updated = fields.Int(required=True)
    units_unchanged = fields.Int(required=True)
    rows_rejected = fields.Int(required=True)
    rows_skipped = fields.Int(required=True)
    region_codes = fields.List(fields.Str(validate=validate.OneOf(REGION_CODES)), required=True)
    imported_by = fields.Str(required=True)


@event_schema("settlement_srs_assessed", source=SOURCE,
              description="A settlement's SRS coverage for a year was recorded (or corrected).")
class SettlementSrsAssessed(Schema):
    kato = fields.Str(required=True, validate=validate.Regexp(KATO_PATTERN))
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    year = fields.Int(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(("town", "village")))
    coverage = fields.Nested(_Coverage, required=True)
    provision_pct = _pct(required=True)
    standards_missed = fields.List(fields.Str(validate=validate.OneOf(SRS_STANDARDS)),
                                   required=True)
    meets_srs = fields.Bool(required=True)
    source = fields.Nested(_Source, required=True)


# --- the Concept Action Plan --------------------------------------------------------------------

_LEVELS = ("central", "local")
_MEASURE_STATUSES = ("planned", "in_progress", "done", "cancelled")


class _EntrySource(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(("manual", "import", "event")))
    by = fields.Str(required=True, allow_none=True)
    reference = fields.Str(required=True, allow_none=True)
    file_name = fields.Str(required=True, allow_none=True)


class _Measure(Schema):
    measure_id = fields.Str(required=True)
    title = fields.Str(required=True)
    level = fields.Str(required=True, validate=validate.OneOf(_LEVELS))
    region_code = fields.Str(required=True, allow_none=True,
                             validate=validate.OneOf(REGION_CODES))
    responsible_body = fields.Str(required=True)
    deadline = fields.Date(required=True)
    completion_form = fields.Str(required=True)
    status = fields.Str(required=True, validate=validate.OneOf(_MEASURE_STATUSES))
    evidence_count = fields.Int(required=True)
    by = fields.Str(required=True, allow_none=True)


@event_schema("action_plan_measure_recorded", source=SOURCE,
              description="A measure of the Concept Action Plan was entered in the tracker.")
class ActionPlanMeasureRecorded(_Measure):
    pass


@event_schema("action_plan_measure_status_changed", source=SOURCE,
              description="An Action Plan measure changed status (with the evidence count).")
class ActionPlanMeasureStatusChanged(_Measure):
    pass


@event_schema("action_plan_indicator_recorded", source=SOURCE,
              description="A target indicator (baseline and targets) was entered in the tracker.")
class ActionPlanIndicatorRecorded(Schema):
    indicator_id = fields.Str(required=True)
    region_code = fields.Str(required=True, allow_none=True,
                             validate=validate.OneOf(REGION_CODES))
    baseline_year = fields.Int(required=True)
    baseline = fields.Str(required=True, metadata={"format": "decimal"})
    targets = fields.Dict(keys=fields.Str(), values=fields.Str(), required=True)
    by = fields.Str(required=True, allow_none=True)


@event_schema("action_plan_indicator_actual_recorded", source=SOURCE,
              description="The actual of a target indicator for a year was recorded and judged "
                          "against its expected value.")
class ActionPlanIndicatorActualRecorded(Schema):
    indicator_id = fields.Str(required=True)
    region_code = fields.Str(required=True, allow_none=True,
                             validate=validate.OneOf(REGION_CODES))
    year = fields.Int(required=True)
    value = fields.Str(required=True, metadata={"format": "decimal"})
    expected = fields.Str(required=True, allow_none=True, metadata={"format": "decimal"})
    off_track = fields.Bool(required=True, allow_none=True)
    source = fields.Nested(_EntrySource, required=True)


# --- the 1 April report to the Ministry of National Economy -------------------------------------

class _ReportStep(Schema):
    """A step of a 1 April report's workflow, whoever files it (a region or a central body)."""
    report_id = fields.Str(required=True)
    reporting_year = fields.Int(required=True)
    status = fields.Str(required=True, validate=validate.OneOf(
        ("drafted", "submitted", "acknowledged")))
    revision = fields.Int(required=True)
    by = fields.Str(required=True)
    at = fields.DateTime(required=True)
    submitted_on_time = fields.Bool(required=True, allow_none=True)


class _ConceptReport(_ReportStep):
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))


@event_schema("concept_report_drafted", source=SOURCE,
              description="A region's 1 April report was assembled (or re-assembled) as a draft.")
class ConceptReportDrafted(_ConceptReport):
    pass


@event_schema("concept_report_submitted", source=SOURCE,
              description="A region's 1 April report was submitted to the Ministry of National "
                          "Economy (on time or late against 1 April).")
class ConceptReportSubmitted(_ConceptReport):
    pass


@event_schema("concept_report_acknowledged", source=SOURCE,
              description="The Ministry of National Economy acknowledged a submitted report.")
class ConceptReportAcknowledged(_ConceptReport):
    pass


# --- a central executive body's own 1 April report ------------------------------------------------

class _CentralReport(_ReportStep):
    body_code = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z]{2,6}$"), metadata={
        "description": "code of the central executive body (gateway data/central_bodies.json)",
        "examples": ["MIC"]})


@event_schema("central_report_drafted", source=SOURCE,
              description="A central executive body's 1 April report on its Action Plan measures "
                          "was assembled (or re-assembled) as a draft.")
class CentralReportDrafted(_CentralReport):
    pass


@event_schema("central_report_submitted", source=SOURCE,
              description="A central executive body submitted its 1 April report to the Ministry "
                          "of National Economy (on time or late against 1 April).")
class CentralReportSubmitted(_CentralReport):
    pass


@event_schema("central_report_acknowledged", source=SOURCE,
              description="The Ministry of National Economy acknowledged a central body's "
                          "submitted report.")
class CentralReportAcknowledged(_CentralReport):
    pass


# every event this contract declares, for the processes that register it
EVENTS = (
    SettlementRegisterImported, SettlementSrsAssessed,
    ActionPlanMeasureRecorded, ActionPlanMeasureStatusChanged, ActionPlanIndicatorRecorded,
    ActionPlanIndicatorActualRecorded,
    ConceptReportDrafted, ConceptReportSubmitted, ConceptReportAcknowledged,
    CentralReportDrafted, CentralReportSubmitted, CentralReportAcknowledged,
)
