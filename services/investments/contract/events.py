"""Payload schemas of the events the investments service publishes (``investments.events``).

Every payload starts with the project snapshot (``ProjectSnapshot``): what the hub's read model
keeps per project, plus ``version`` so a consumer can drop an event older than its copy.
``project_commissioned`` is the contract the budgets service consumes: ``project_id``,
``region_code``, ``expected_annual_local_revenue_kzt`` (decimal string), ``actual_commissioning``,
``jobs_created`` and ``cost_kzt`` are always present and non-null there.

The domain builds payloads already in wire form (decimal strings, ISO dates); the date fields here
also dump such strings unchanged, so ``build_event`` accepts domain payloads as they are.
"""
from datetime import date, datetime

from marshmallow import Schema, fields, validate

from services.common.events import event_schema
from services.common.regions import AGGLOMERATIONS, REGION_CODES
from services.common.srs import KATO_PATTERN, SRS_STANDARDS
from services.investments.contract.codes import COUNTRY_CODES, CURRENCIES, PROJECT_TYPES, SECTORS, STAGES

SOURCE = "investments"


class WireDate(fields.Date):
    """A date that also dumps an ISO ``YYYY-MM-DD`` string (checked, returned unchanged)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return date.fromisoformat(value).isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


class WireDateTime(fields.AwareDateTime):
    """An aware instant that also dumps an ISO 8601 string (checked, returned unchanged)."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(f"{attr}: instant without a time zone")
            return parsed.isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


def Money(**kwargs):  # noqa: N802 - a field factory reads like a field class
    return fields.Decimal(as_string=True, places=2,
                          metadata={"type": "string", "format": "decimal"}, **kwargs)


class PriorityBasisPayload(Schema):
    basis = fields.Str(required=True,
                       validate=validate.OneOf(("sector", "project_type", "not_eligible")))
    threshold_mci = fields.Int(required=True, allow_none=True)
    mci_year = fields.Int(required=True)
    mci_kzt = Money(required=True)
    threshold_kzt = Money(required=True, allow_none=True)


class SrsGapPayload(Schema):
    kato = fields.Str(required=True, validate=validate.Regexp(KATO_PATTERN))
    standard = fields.Str(required=True, validate=validate.OneOf(SRS_STANDARDS))


class ProjectSnapshot(Schema):
    project_id = fields.Str(required=True)
    external_ref = fields.Str(required=True)
    title = fields.Str(required=True)
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    district = fields.Str(required=True)
    agglomeration = fields.Str(required=True, allow_none=True,
                               validate=validate.OneOf(tuple(AGGLOMERATIONS)))
    sector = fields.Str(required=True, validate=validate.OneOf(tuple(SECTORS)))
    project_type = fields.Str(required=True, validate=validate.OneOf(tuple(PROJECT_TYPES)))
    stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    stage_entered_at = WireDateTime(required=True)
    suspended_from = fields.Str(required=True, allow_none=True, validate=validate.OneOf(STAGES))
    priority = fields.Bool(required=True)
    cost_kzt = Money(required=True)
    jobs_planned = fields.Int(required=True)
    jobs_created = fields.Int(required=True)
    invested_to_date_kzt = Money(required=True)
    expected_annual_local_revenue_kzt = Money(required=True)
    planned_start = WireDate(required=True, allow_none=True)
    planned_commissioning = WireDate(required=True, allow_none=True)
    actual_start = WireDate(required=True, allow_none=True)
    actual_commissioning = WireDate(required=True, allow_none=True)
    version = fields.Int(required=True, validate=validate.Range(min=1))
    updated_at = WireDateTime(required=True)
    # optional, so a consumer of the first contract version reads these events unchanged
    srs_gaps = fields.List(fields.Nested(SrsGapPayload), load_default=list, metadata={
        "description": "settlements (KATO) and the SRS standard whose gap the project closes"})


class InvestorPayload(Schema):
    name = fields.Str(required=True)
    country = fields.Str(required=True, validate=validate.OneOf(sorted(COUNTRY_CODES)))
    bin = fields.Str(required=True, validate=validate.Regexp(r"^\d{12}$"))


class TotalCostPayload(Schema):
    amount = Money(required=True)
    currency = fields.Str(required=True, validate=validate.OneOf(CURRENCIES))
    exchange_rate = fields.Decimal(as_string=True, required=True, allow_none=True,
                                   metadata={"type": "string", "format": "decimal"})


@event_schema("project_registered", source=SOURCE,
              description="A project entered the pipeline at stage proposed.")
class ProjectRegistered(ProjectSnapshot):
    investor = fields.Nested(InvestorPayload, required=True)
    total_cost = fields.Nested(TotalCostPayload, required=True)
    priority_basis = fields.Nested(PriorityBasisPayload, required=True)
    registered_by = fields.Str(required=True)


@event_schema("project_updated", source=SOURCE,
              description="Descriptive fields of a project changed (cost, sector, dates, ...).")
class ProjectUpdated(ProjectSnapshot):
    changed_fields = fields.List(fields.Str(), required=True)
    priority_basis = fields.Nested(PriorityBasisPayload, required=True)
    updated_by = fields.Str(required=True)


@event_schema("project_stage_changed", source=SOURCE,
              description="A project moved from one pipeline stage to another.")
class ProjectStageChanged(ProjectSnapshot):
    from_stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    to_stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    reason = fields.Str(required=True, allow_none=True)
    changed_at = WireDateTime(required=True)
    changed_by = fields.Str(required=True)


@event_schema("project_commissioned", source=SOURCE,
              description="A project went into operation; budgets raises the region's expected "
                          "tax base by expected_annual_local_revenue_kzt.")
class ProjectCommissioned(ProjectSnapshot):
    actual_commissioning = WireDate(required=True)  # never null here
    expected_annual_local_revenue_kzt = Money(required=True)


@event_schema("project_cancelled", source=SOURCE,
              description="A project left the pipeline for good; reason and previous stage given.")
class ProjectCancelled(ProjectSnapshot):
    reason = fields.Str(required=True)
    previous_stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    cancelled_at = WireDateTime(required=True)
    cancelled_by = fields.Str(required=True)


class MilestonePayload(Schema):
    name = fields.Str(required=True)
    date = WireDate(required=True)


@event_schema("project_progress_reported", source=SOURCE,
              description="A cumulative progress report (investment and jobs to date) was filed.")
class ProjectProgressReported(ProjectSnapshot):
    report_no = fields.Int(required=True, validate=validate.Range(min=1))
    report_date = WireDate(required=True)
    jobs_created_to_date = fields.Int(required=True)
    invested_change_kzt = Money(required=True)
    jobs_change = fields.Int(required=True)
    milestones = fields.List(fields.Nested(MilestonePayload), required=True)
    correction_reason = fields.Str(required=True, allow_none=True)
    reported_at = WireDateTime(required=True)
    reported_by = fields.Str(required=True)


PAYLOAD_SCHEMAS = {
    "project_registered": ProjectRegistered,
    "project_updated": ProjectUpdated,
    "project_stage_changed": ProjectStageChanged,
    "project_commissioned": ProjectCommissioned,
    "project_cancelled": ProjectCancelled,
    "project_progress_reported": ProjectProgressReported,
}


# every event this contract declares, for the processes that register it
EVENTS = (
    ProjectRegistered, ProjectUpdated, ProjectStageChanged, ProjectCommissioned,
    ProjectCancelled, ProjectProgressReported,
)
