"""Payload schemas of the events the budgets service publishes (exchange ``budgets.events``).

Money and ratios travel as decimal strings (``"1250.00"``, ``"0.4731"``), dates as ISO strings.
Domain rules build these payloads already in that JSON-ready form, so a fact can sit in the outbox
as it is and the schemas below validate it on the way out and on receipt.
"""
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from services.common.events import event_schema
from services.common.regions import REGION_CODES

SOURCE = "budgets"


class IsoDate(fields.Date):
    """A date that may already be an ISO string in the payload (facts are JSON-ready)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValidationError("not an ISO date") from None
        return super()._serialize(value, attr, obj, **kwargs)


class IsoDateTime(fields.AwareDateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = self._deserialize(value, attr, obj)
        return super()._serialize(value, attr, obj, **kwargs)


def Money(**kwargs):  # noqa: N802 - reads like a field type
    return fields.Decimal(as_string=True, places=2, allow_nan=False, **kwargs)


def Ratio(**kwargs):  # noqa: N802
    return fields.Decimal(as_string=True, allow_nan=False, **kwargs)


def Region(**kwargs):  # noqa: N802
    return fields.Str(validate=validate.OneOf(REGION_CODES), **kwargs)


Year = fields.Int


@event_schema("revenue_batch_imported", source=SOURCE,
              description="A bulk import of revenue lines finished (API batch, CSV or OFDP).")
class RevenueBatchImportedPayload(Schema):
    batch_id = fields.Str(required=True)
    source_format = fields.Str(required=True, validate=validate.OneOf(("api", "csv", "ofdp")))
    rows_read = fields.Int(required=True)
    lines_inserted = fields.Int(required=True)
    lines_updated = fields.Int(required=True)
    lines_unchanged = fields.Int(required=True)
    rows_rejected = fields.Int(required=True)
    region_codes = fields.List(Region(), required=True)
    fiscal_years = fields.List(Year(), required=True)
    imported_at = IsoDateTime(required=True, format="iso")


@event_schema("indicators_recalculated", source=SOURCE,
              description="A region's fiscal autonomy indicators changed after a recalculation.")
class IndicatorsRecalculatedPayload(Schema):
    region_code = Region(required=True)
    fiscal_year = Year(required=True)
    as_of_period = fields.Str(required=True)
    by_category = fields.Dict(keys=fields.Str(), values=Money(), required=True)
    own_revenue_kzt = Money(required=True)
    transfers_received_kzt = Money(required=True)
    total_revenue_kzt = Money(required=True)
    own_revenue_share = Ratio(required=True, allow_none=True)
    transfer_dependency = Ratio(required=True, allow_none=True)
    plan_phase = fields.Str(required=True, allow_none=True)
    plan_basis = fields.Str(required=True, allow_none=True)
    plan_kzt = Money(required=True, allow_none=True)
    execution_rate = Ratio(required=True, allow_none=True)
    population = fields.Int(required=True, allow_none=True)
    # exact (Bureau of National Statistics) or estimated (platform): per-resident figures carry it
    population_quality = fields.Str(load_default=None, allow_none=True,
                                    validate=validate.OneOf(("exact", "estimated")))
    population_as_of = fields.Str(load_default=None, allow_none=True)
    revenue_per_resident_kzt = Money(required=True, allow_none=True)
    subvention_per_resident_kzt = Money(required=True, allow_none=True)
    subventions_kzt = Money(required=True, allow_none=True)
    withdrawals_kzt = Money(required=True, allow_none=True)
    earmarked_kzt = Money(required=True, allow_none=True)
    status = fields.Str(required=True,
                        validate=validate.OneOf(("recipient", "donor", "neutral", "unknown")))


@event_schema("autonomy_below_threshold", source=SOURCE,
              description="A region's own-revenue share fell below the configured threshold.")
class AutonomyBelowThresholdPayload(Schema):
    region_code = Region(required=True)
    fiscal_year = Year(required=True)
    as_of_period = fields.Str(required=True)
    own_revenue_share = Ratio(required=True)
    previous_share = Ratio(required=True, allow_none=True)
    threshold = Ratio(required=True)
    transfer_dependency = Ratio(required=True, allow_none=True)
    status = fields.Str(required=True)


@event_schema("forecast_updated", source=SOURCE,
              description="A region's local revenue forecast changed (project added, updated or "
                          "removed, or a new baseline).")
class ForecastUpdatedPayload(Schema):
    region_code = Region(required=True)
    change = fields.Str(required=True, validate=validate.OneOf(
        ("project_added", "project_updated", "project_removed", "base_updated")))
    project_id = fields.Str(required=True, allow_none=True)
    annual_kzt = Money(required=True, allow_none=True)
    years = fields.List(Year(), required=True)
    totals_kzt = fields.Dict(keys=fields.Str(), values=Money(), required=True)


@event_schema("block_move_rejected", source=SOURCE,
              description="A move of funds inside a block budget was refused by a rule.")
class BlockMoveRejectedPayload(Schema):
    block_id = fields.Str(required=True)
    spending_body = fields.Str(required=True)
    region_code = Region(required=True)
    fiscal_year = Year(required=True)
    from_line = fields.Str(required=True, allow_none=True)
    to_line = fields.Str(required=True, allow_none=True)
    amount_kzt = fields.Str(required=True)
    rule = fields.Str(required=True,
                      validate=validate.OneOf(("block_limit", "insufficient_line_balance")))
    reason = fields.Str(required=True)
    details = fields.Dict(keys=fields.Str(), values=fields.Raw(), required=True)


@event_schema("annual_report_generated", source=SOURCE,
              description="The annual report of a region for the Ministry of National Economy "
                          "was generated.")
class AnnualReportGeneratedPayload(Schema):
    report_id = fields.Str(required=True)
    region_code = Region(required=True)
    reporting_year = Year(required=True)
    due_date = IsoDate(required=True)
    generated_at = IsoDateTime(required=True, format="iso")
    on_time = fields.Bool(required=True)


# ---------------------------------------------------------------------------------------------
# Inbound contract: the finance ministry publishes executed revenue lines on the exchange
# ``ministry.inbound`` with routing key ``finance.revenue_executed`` (same envelope, source
# "finance"). The envelope and this shape are checked on receipt; the handler checks the line
# against the budget rules, and a line they refuse is dead-lettered at once, never retried
# (services.common.consuming).

@event_schema("revenue_executed", source="finance",
              description="The finance ministry reports an executed (cash received) revenue line "
                          "of a local budget; applied idempotently on the line's natural key.")
class RevenueExecutedPayload(Schema):
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    region_code = Region(required=True)
    budget_level = fields.Str(required=True)
    district = fields.Str(load_default=None, allow_none=True)
    fiscal_year = Year(required=True, strict=True)
    period = fields.Str(required=True)
    ebk_code = fields.Str(required=True)
    phase = fields.Str(required=True, validate=validate.Equal("executed"))
    # a decimal string such as "125000.50": a JSON number would arrive as a binary float
    amount_kzt = fields.Str(required=True)


# every event this contract declares, for the processes that register it
EVENTS = (
    RevenueBatchImportedPayload, IndicatorsRecalculatedPayload, AutonomyBelowThresholdPayload,
    ForecastUpdatedPayload, BlockMoveRejectedPayload, AnnualReportGeneratedPayload,
    RevenueExecutedPayload,
)
