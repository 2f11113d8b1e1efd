"""Answer shapes of the Action Plan tracker and the assumptions list (OpenAPI and dumping)."""
from marshmallow import Schema, fields, validate

from services.gateway.hub.action_plan import MEASURE_STATUSES

DECIMAL = {"type": "string", "format": "decimal"}


def _decimal(**kwargs):
    return fields.Decimal(as_string=True, metadata=DECIMAL, **kwargs)


class AssumptionSchema(Schema):
    key = fields.Str()
    value = fields.Raw(metadata={"description": "the value in force (number, text or mapping)"})
    unit = fields.Str()
    rationale = fields.Str()
    applied_in = fields.Str()
    source = fields.Str()


class AssumptionListSchema(Schema):
    items = fields.List(fields.Nested(AssumptionSchema))


class EntrySourceSchema(Schema):
    kind = fields.Str(validate=validate.OneOf(("manual", "import", "event")))
    by = fields.Str(allow_none=True)
    at = fields.DateTime(format="iso", allow_none=True)
    reference = fields.Str(allow_none=True)
    file_name = fields.Str(allow_none=True)


class EvidenceSchema(Schema):
    reference = fields.Str()
    url = fields.Str(allow_none=True)
    note = fields.Str()
    added_by = fields.Str()
    added_at = fields.DateTime(format="iso")


class MeasureHistorySchema(Schema):
    at = fields.DateTime(format="iso")
    by = fields.Str()
    to = fields.Str()
    comment = fields.Str()
    evidence_added = fields.Int()
    from_status = fields.Str(data_key="from", attribute="from", allow_none=True)


class MeasureSchema(Schema):
    measure_id = fields.Str()
    title = fields.Str()
    direction = fields.Str()
    level = fields.Str()
    responsible_body = fields.Str()
    region_code = fields.Str(allow_none=True)
    deadline = fields.Date()
    completion_form = fields.Str()
    status = fields.Str()
    overdue = fields.Bool()
    evidence = fields.List(fields.Nested(EvidenceSchema))
    history = fields.List(fields.Nested(MeasureHistorySchema))
    source = fields.Nested(EntrySourceSchema)
    demo = fields.Bool()
    version = fields.Int()


class MeasureQuery(Schema):
    status = fields.Str(validate=validate.OneOf(MEASURE_STATUSES))


class MeasureListSchema(Schema):
    today = fields.Date()
    items = fields.List(fields.Nested(MeasureSchema))


class IndicatorYearSchema(Schema):
    year = fields.Int()
    actual = _decimal()
    expected = _decimal(allow_none=True)
    off_track = fields.Bool(allow_none=True)
    source = fields.Nested(EntrySourceSchema)


class IndicatorSchema(Schema):
    key = fields.Str(metadata={"description": "<indicator id>|<region code or national>"})
    indicator_id = fields.Str()
    name = fields.Str()
    unit = fields.Str()
    region_code = fields.Str(allow_none=True)
    direction = fields.Str()
    baseline_year = fields.Int()
    baseline = _decimal()
    targets = fields.Dict(keys=fields.Str(), values=_decimal())
    years = fields.List(fields.Nested(IndicatorYearSchema))
    source = fields.Nested(EntrySourceSchema)
    demo = fields.Bool()
    version = fields.Int()


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema))
    assumptions = fields.List(fields.Nested(AssumptionSchema))


class ActionChecksSchema(Schema):
    today = fields.Date()
    overdue_measures = fields.Int()
    off_track_indicators = fields.Int()
    overdue_central_reports = fields.Int(metadata={
        "description": "central bodies with Action Plan measures whose 1 April report is late"})
    opened = fields.List(fields.Str())


class DemoSeedSchema(Schema):
    added = fields.List(fields.Str(), metadata={"description": "measure ids and indicator keys"})
