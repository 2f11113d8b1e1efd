"""Marshmallow schemas of the budgets service's RPC/HTTP input and output (its published contract).

Input schemas check types and closed vocabularies field by field; the service loads them with the
domain's cross-field rules added (``services.budgets.application.inputs``: district required for
district budgets, EBK code known in the year's edition, level allowed in the region), so the rules
live in one place and the fields the OpenAPI document shows are the fields that are loaded. Money
is :class:`services.common.money.Kzt` (decimal strings or integers in, decimal strings out).
"""
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from services.budgets.contract.vocabulary import (
    BUDGET_LEVELS,
    FIRST_FISCAL_YEAR,
    IMPORT_FORMATS,
    IMPORT_MODES,
    LAST_FISCAL_YEAR,
    PERIOD_CODES,
    PHASES,
)
from services.common.money import Kzt
from services.common.pages import NUMBERED, page_schema
from services.common.regions import REGION_CODES

MAX_BATCH_LINES = 10_000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

_YEARS = validate.Range(min=FIRST_FISCAL_YEAR, max=LAST_FISCAL_YEAR)


def _region(**kwargs):
    return fields.Str(validate=validate.OneOf(REGION_CODES), **kwargs)


def _year(**kwargs):
    return fields.Int(strict=True, validate=_YEARS, **kwargs)


# ---------------------------------------------------------------------------------------------
# Revenue lines

class RevenueLineSchema(Schema):
    """One revenue line (the service adds the domain's cross-field rules when it loads one)."""
    region_code = _region(required=True)
    budget_level = fields.Str(required=True, validate=validate.OneOf(BUDGET_LEVELS))
    district = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=120))
    fiscal_year = _year(required=True)
    period = fields.Str(required=True, validate=validate.OneOf(PERIOD_CODES))
    ebk_code = fields.Str(required=True, validate=validate.Regexp(
        r"^[1-5]\d{5}$", error="must be 6 digits: category(1) class(2) subclass(1) specifics(2)"))
    phase = fields.Str(required=True, validate=validate.OneOf(PHASES))
    amount_kzt = Kzt(required=True)


class RevenueBatchSchema(Schema):
    batch_id = fields.Str(load_default=None, validate=validate.Length(min=1, max=100))
    lines = fields.List(fields.Nested(RevenueLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_BATCH_LINES))


class RevenueLineOutSchema(Schema):
    region_code = fields.Str()
    budget_level = fields.Str()
    district = fields.Str(allow_none=True)
    fiscal_year = fields.Int()
    period = fields.Str()
    ebk_code = fields.Str()
    ebk_category = fields.Int()
    phase = fields.Str()
    amount_kzt = Kzt()


class RevenueQuerySchema(Schema):
    """Filters for listing revenue lines; ``page_size`` above the cap is lowered to the cap."""
    region_code = _region(load_default=None)
    budget_level = fields.Str(load_default=None, validate=validate.OneOf(BUDGET_LEVELS))
    district = fields.Str(load_default=None)
    fiscal_year = _year(load_default=None)
    period = fields.Str(load_default=None, validate=validate.OneOf(PERIOD_CODES))
    ebk_prefix = fields.Str(load_default=None, validate=validate.Regexp(
        r"^[1-5]\d{0,5}$", error="1 to 6 digits starting with the category (1-5)"))
    phase = fields.Str(load_default=None, validate=validate.OneOf(PHASES))
    # a page past the millionth is no listing anyone reads; an unbounded one overflows the store's skip
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Int(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1))

    @pre_load
    def _from_query_string(self, data, **kwargs):
        # Query strings carry every value as text; numbers are converted for the Int fields.
        data = dict(data)
        for name in ("fiscal_year", "page", "page_size"):
            if isinstance(data.get(name), str) and data[name].isdigit():
                data[name] = int(data[name])
        return data

    @post_load
    def _cap(self, data, **kwargs):
        data["page_size"] = min(data["page_size"], MAX_PAGE_SIZE)
        return data


PageSchema = page_schema(RevenueLineOutSchema, paging=NUMBERED)


# ---------------------------------------------------------------------------------------------
# Transfers

class TransfersSchema(Schema):
    region_code = _region(required=True)
    fiscal_year = _year(required=True)
    subventions_kzt = Kzt(load_default="0")
    withdrawals_kzt = Kzt(load_default="0")
    earmarked_kzt = Kzt(load_default="0")


class TransfersOutSchema(Schema):
    region_code = fields.Str()
    fiscal_year = fields.Int()
    subventions_kzt = Kzt()
    withdrawals_kzt = Kzt()
    earmarked_kzt = Kzt()


# ---------------------------------------------------------------------------------------------
# Indicators

class IndicatorsQuerySchema(Schema):
    region_code = _region(required=True)
    fiscal_year = _year(required=True)
    as_of_period = fields.Str(load_default="Y", validate=validate.OneOf(PERIOD_CODES))


class IndicatorsOutSchema(Schema):
    region_code = fields.Str()
    fiscal_year = fields.Int()
    as_of_period = fields.Str()
    by_category = fields.Dict(keys=fields.Str(), values=Kzt())
    own_revenue_kzt = Kzt()
    transfers_received_kzt = Kzt()
    total_revenue_kzt = Kzt()
    own_revenue_share = fields.Decimal(as_string=True, allow_none=True)
    transfer_dependency = fields.Decimal(as_string=True, allow_none=True)
    plan_phase = fields.Str(allow_none=True)
    plan_basis = fields.Str(allow_none=True)
    plan_kzt = Kzt(allow_none=True)
    execution_rate = fields.Decimal(as_string=True, allow_none=True)
    population = fields.Int(allow_none=True)
    population_quality = fields.Str(allow_none=True)  # exact | estimated: read per-resident with it
    population_as_of = fields.Str(allow_none=True)
    revenue_per_resident_kzt = Kzt(allow_none=True)
    subvention_per_resident_kzt = Kzt(allow_none=True)
    subventions_kzt = Kzt(allow_none=True)
    withdrawals_kzt = Kzt(allow_none=True)
    earmarked_kzt = Kzt(allow_none=True)
    status = fields.Str()
    stored = fields.Bool(metadata={"description": "read from the stored figures (not as of a period)"})
    computed_at = fields.Str(allow_none=True, metadata={"format": "date-time"})


# ---------------------------------------------------------------------------------------------
# Block budgets

class BlockTargetSchema(Schema):
    indicator = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    target_value = fields.Decimal(required=True, as_string=True, allow_nan=False)


class BlockLineInSchema(Schema):
    line_id = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    name = fields.Str(load_default=None, validate=validate.Length(max=200))
    allocated_kzt = Kzt(load_default="0")


class BlockCreateSchema(Schema):
    spending_body = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    region_code = _region(required=True)
    fiscal_year = _year(required=True)
    limit_kzt = Kzt(required=True)
    targets = fields.List(fields.Nested(BlockTargetSchema), load_default=list,
                          validate=validate.Length(max=50))
    lines = fields.List(fields.Nested(BlockLineInSchema), load_default=list,
                        validate=validate.Length(max=200))

    @post_load
    def _drop_empty_names(self, data, **kwargs):
        for line in data["lines"]:
            if line.get("name") is None:
                line.pop("name", None)
        return data


class BlockMoveSchema(Schema):
    block_id = fields.Str(required=True)
    from_line = fields.Str(required=True)
    to_line = fields.Str(required=True)
    amount_kzt = Kzt(required=True)
    move_id = fields.Str(load_default=None, validate=validate.Length(min=1, max=100))

    @validates_schema
    def _distinct(self, data, **kwargs):
        if data["from_line"] == data["to_line"]:
            raise ValidationError({"to_line": ["must differ from from_line"]})


class BlockAllocateSchema(Schema):
    block_id = fields.Str(required=True)
    line_id = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    name = fields.Str(load_default=None, validate=validate.Length(max=200))
    allocated_kzt = Kzt(required=True)


class BlockExecutionSchema(Schema):
    block_id = fields.Str(required=True)
    line_id = fields.Str(required=True)
    amount_kzt = Kzt(required=True)


class BlockCarryOverSchema(Schema):
    block_id = fields.Str(required=True)


class BlockLineOutSchema(Schema):
    line_id = fields.Str()
    name = fields.Str()
    allocated_kzt = fields.Str()
    executed_kzt = fields.Str()


class BlockOutSchema(Schema):
    """Shape of the block answers (already JSON-ready)."""
    block_id = fields.Str()
    spending_body = fields.Str()
    region_code = fields.Str()
    fiscal_year = fields.Int()
    limit_kzt = fields.Str()
    allocated_kzt = fields.Str()
    executed_kzt = fields.Str()
    unallocated_kzt = fields.Str()
    unspent_kzt = fields.Str()
    targets = fields.List(fields.Dict())
    lines = fields.List(fields.Nested(BlockLineOutSchema))
    carry_ins = fields.Dict(keys=fields.Str(), values=fields.Str())
    carried_over = fields.Dict(allow_none=True)


# ---------------------------------------------------------------------------------------------
# Annual report

class ReportRequestSchema(Schema):
    region_code = _region(required=True)
    reporting_year = _year(required=True)


class ReportOutSchema(Schema):
    """Top level of the annual report (already JSON-ready)."""
    report_id = fields.Str()
    addressee = fields.Str()
    region_code = fields.Str()
    region_name = fields.Str()
    reporting_year = fields.Int()
    due_date = fields.Str()
    generated_at = fields.Str()
    on_time = fields.Bool()
    indicators = fields.Dict(allow_none=True)
    transfers = fields.Dict(allow_none=True)
    block_budget = fields.Dict()
    forecast_vs_actual = fields.Dict()


# ---------------------------------------------------------------------------------------------
# Bulk imports and the forecast (shapes of answers, for the API description)

class ImportStartSchema(Schema):
    format = fields.Str(required=True, validate=validate.OneOf(IMPORT_FORMATS))
    mode = fields.Str(load_default="partial",
                      validate=validate.OneOf(IMPORT_MODES))
    datapackage = fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "the package descriptor (datapackage.json) of an OFDP import"})


class ImportFinishSchema(Schema):
    chunks = fields.Int(required=True, validate=validate.Range(min=0),
                        metadata={"description": "how many chunks were sent (seq 0..chunks-1)"})


class ImportRowErrorSchema(Schema):
    row = fields.Int(metadata={"description": "line number in the file (the header is line 1)"})
    field = fields.Str()
    reason = fields.Str()


class ImportStatusSchema(Schema):
    import_id = fields.Str()
    format = fields.Str()
    mode = fields.Str()
    state = fields.Str(metadata={"description": "receiving, queued, processing, completed, "
                                                "rejected, failed or abandoned"})
    phase = fields.Str(allow_none=True, metadata={
        "description": "validating, writing or recalculating while processing"})
    done = fields.Bool()
    scope_regions = fields.List(fields.Str(), allow_none=True)
    created_by = fields.Str(allow_none=True)
    chunks_received = fields.Int()
    chars_received = fields.Int()
    chunks_total = fields.Int(allow_none=True)
    chars_processed = fields.Int()
    rows_processed = fields.Int()
    rows_rejected = fields.Int()
    lines_inserted = fields.Int()
    lines_updated = fields.Int()
    lines_unchanged = fields.Int()
    errors = fields.List(fields.Nested(ImportRowErrorSchema))
    errors_total = fields.Int()
    errors_truncated = fields.Bool()
    region_codes = fields.List(fields.Str())
    fiscal_years = fields.List(fields.Int())
    failure = fields.Str(allow_none=True)
    created_at = fields.Str()
    updated_at = fields.Str()
    finished_at = fields.Str(allow_none=True)


class ContributionOutSchema(Schema):
    project_id = fields.Str()
    annual_kzt = fields.Str()
    commissioned_on = fields.Str()
    years = fields.List(fields.Int())


class AssumptionOutSchema(Schema):
    """An assumed rule an answer rests on (no law fixes it): its setting, value and why."""
    key = fields.Str()
    value = fields.Raw()
    unit = fields.Str()
    rationale = fields.Str()
    applied_in = fields.Str()


class ForecastOutSchema(Schema):
    region_code = fields.Str()
    base_kzt = fields.Dict(keys=fields.Str(), values=fields.Str())
    totals_kzt = fields.Dict(keys=fields.Str(), values=fields.Str())
    contributions = fields.List(fields.Nested(ContributionOutSchema))
    cancelled_projects = fields.List(fields.Str())
    assumptions = fields.List(fields.Nested(AssumptionOutSchema), metadata={
        "description": "the assumed rules the contributions rest on"})
