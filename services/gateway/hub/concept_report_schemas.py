"""Input and answer shapes of the 1 April report routes (OpenAPI and dumping)."""
from marshmallow import Schema, fields, validate


class ReportStepSchema(Schema):
    comment = fields.Str(load_default="", validate=validate.Length(max=2000))


class ReportWorkflowSchema(Schema):
    """What every 1 April report shows of its workflow, whoever files it."""
    report_id = fields.Str()
    reporting_year = fields.Int()
    reporting_body = fields.Str()
    status = fields.Str(validate=validate.OneOf(("drafted", "submitted", "acknowledged")))
    revision = fields.Int()
    drafted_by = fields.Str()
    drafted_at = fields.DateTime(format="iso")
    submitted_by = fields.Str(allow_none=True)
    submitted_at = fields.DateTime(format="iso", allow_none=True)
    submitted_on_time = fields.Bool(allow_none=True)
    acknowledged_by = fields.Str(allow_none=True)
    acknowledged_at = fields.DateTime(format="iso", allow_none=True)
    version = fields.Int()


class ConceptReportSummarySchema(ReportWorkflowSchema):
    region_code = fields.Str()


class ConceptReportSchema(ConceptReportSummarySchema):
    history = fields.List(fields.Dict())
    content = fields.Dict(metadata={"description": "infrastructure_srs, economic_potential, "
                                                   "institutions, action_plan, assumptions; "
                                                   "each section names its source"})


class ConceptReportListSchema(Schema):
    reporting_year = fields.Int()
    items = fields.List(fields.Nested(ConceptReportSummarySchema))


class CentralReportSummarySchema(ReportWorkflowSchema):
    body_code = fields.Str()


class CentralReportSchema(CentralReportSummarySchema):
    history = fields.List(fields.Dict())
    content = fields.Dict(metadata={"description": "the body's Action Plan measures with their "
                                                   "status, evidence and source, a summary by "
                                                   "status, the body list's source, assumptions"})


class CentralReportListSchema(Schema):
    reporting_year = fields.Int()
    items = fields.List(fields.Nested(CentralReportSummarySchema))
