"""Marshmallow schemas of the investments RPC/HTTP contract: inputs and the project output shape.

Schemas check shape, types and closed lists; the domain checks the rest (BIN check digit, financing
total, stage and version rules) and both report the same dotted field paths: ``load`` flattens
marshmallow's nested messages (``{"investor": {"bin": [...]}}``,
``{"financing_sources": {0: {"amount_kzt": [...]}}}``) into ``investor.bin`` and
``financing_sources.0.amount_kzt``, the keys of ``ValidationFailed.details`` everywhere.
Money goes in and out as decimal strings (a JSON number is refused: a binary float has already
lost precision); dates are ISO ``YYYY-MM-DD``, instants ISO 8601 with offset.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.errors import ValidationFailed
from services.common.regions import AGGLOMERATIONS, REGION_CODES, agglomeration_in_region
from services.common.srs import KATO_PATTERN, SRS_STANDARDS
from services.investments.config import DEFAULT_CONFIG as _C
from services.investments.pipeline import allowed_next_stages
from services.investments.reference import (
    CANCELLED, COUNTRY_CODES, CURRENCIES, FINANCING_SOURCES, PROJECT_TYPES, SECTORS, STAGES)


def flatten_errors(messages, prefix: str = "") -> dict:
    """marshmallow's nested error messages as ``{dotted.path: [reasons]}``."""
    flat: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema" and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, reasons in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(reasons)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for item in messages:
            for sub_path, reasons in flatten_errors(item, prefix).items():
                flat.setdefault(sub_path, []).extend(reasons)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def load(schema: Schema | type[Schema], data, *, message: str = "invalid input", **kwargs) -> dict:
    """``schema.load(data)``, raising ``ValidationFailed`` with flattened field paths."""
    if isinstance(schema, type):
        schema = schema()
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed(message, flatten_errors(exc.messages))


# How the OpenAPI document shows decimal strings (apispec reads field metadata).
DECIMAL_STRING = {"type": "string", "format": "decimal", "example": "1250000.00"}


class DecimalIn(fields.Decimal):
    """A decimal given as a string (or an integer); a JSON float or a boolean is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", DECIMAL_STRING)
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (float, bool)):
            raise ValidationError("must be a decimal string, not a binary float")
        return super()._deserialize(value, attr, data, **kwargs)


class MoneyIn(DecimalIn):
    """An amount: at most two decimal places, not negative (``positive``: above zero)."""

    def __init__(self, *, positive: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.positive = positive

    def _deserialize(self, value, attr, data, **kwargs):
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount.as_tuple().exponent < -2:
            raise ValidationError("at most 2 decimal places")
        if self.positive and amount <= 0:
            raise ValidationError("must be positive")
        if amount < 0:
            raise ValidationError("must not be negative")
        if amount > _C.max_amount_kzt:
            raise ValidationError(f"must not exceed {_C.max_amount_kzt}")
        return amount


def MoneyOut(**kwargs):  # noqa: N802 - a field factory reads like a field class
    return fields.Decimal(as_string=True, places=2, metadata=DECIMAL_STRING, **kwargs)


def _one_of(choices):
    return validate.OneOf(sorted(choices))


def _text(max_length: int, *, required: bool = False, blank: bool = False, **kwargs):
    return fields.Str(required=required,
                      validate=validate.Length(min=0 if blank else 1, max=max_length), **kwargs)


class CodeList(fields.Field):
    """One code, a comma-separated string or a list of codes (query parameters)."""

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("metadata", {
            "type": "string", "example": sorted(choices)[0],
            "description": "one code, or several separated by commas, of: "
                           + ", ".join(sorted(choices))})
        super().__init__(**kwargs)
        self.choices = frozenset(choices)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            values = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            values = [v.strip() for v in value]
        else:
            raise ValidationError("must be a code, a comma-separated list or a list of codes")
        if not values:
            raise ValidationError("must name at least one value")
        unknown = sorted(set(values) - self.choices)
        if unknown:
            raise ValidationError(f"unknown: {', '.join(unknown)}")
        return sorted(set(values))


# ---- inputs --------------------------------------------------------------------------------------

class InvestorIn(Schema):
    name = _text(_C.max_investor_name_length, required=True)
    country = fields.Str(required=True, validate=_one_of(COUNTRY_CODES))
    bin = fields.Str(required=True, validate=validate.Regexp(r"^[0-9]{12}$",
                                                             error="must be 12 digits"))


class TotalCostIn(Schema):
    amount = MoneyIn(required=True, positive=True)
    currency = fields.Str(required=True, validate=validate.OneOf(CURRENCIES))
    exchange_rate = DecimalIn(allow_none=True, load_default=None,
                              metadata={**DECIMAL_STRING, "example": "512.35"},
                              validate=validate.Range(min=0, min_inclusive=False,
                                                      max=_C.max_exchange_rate))

    @validates_schema
    def rate_goes_with_usd(self, data, **kwargs):
        if data["currency"] == "USD" and data.get("exchange_rate") is None:
            raise ValidationError("required when currency is USD", "exchange_rate")
        if data["currency"] == "KZT" and data.get("exchange_rate") is not None:
            raise ValidationError("only for amounts in USD", "exchange_rate")


class FinancingSourceIn(Schema):
    source = fields.Str(required=True, validate=_one_of(FINANCING_SOURCES))
    amount_kzt = MoneyIn(required=True, positive=True)


class SrsGapIn(Schema):
    kato = fields.Str(required=True, validate=validate.Regexp(KATO_PATTERN))
    standard = fields.Str(required=True, validate=validate.OneOf(SRS_STANDARDS))


def _jobs(**kwargs):
    return fields.Int(strict=True, validate=validate.Range(min=0, max=_C.max_jobs), **kwargs)


class _ProjectFields(Schema):
    """Descriptive fields shared by create and update (optional here)."""
    title = _text(_C.max_title_length)
    description = _text(_C.max_description_length, blank=True)
    district = _text(_C.max_district_length, blank=True)
    agglomeration = fields.Str(allow_none=True, validate=_one_of(AGGLOMERATIONS))
    sector = fields.Str(validate=_one_of(SECTORS))
    project_type = fields.Str(validate=_one_of(PROJECT_TYPES))
    investor = fields.Nested(InvestorIn)
    total_cost = fields.Nested(TotalCostIn)
    financing_sources = fields.List(fields.Nested(FinancingSourceIn),
                                    validate=validate.Length(max=_C.max_financing_sources))
    jobs_planned = _jobs()
    planned_start = fields.Date(allow_none=True)
    planned_commissioning = fields.Date(allow_none=True)
    expected_annual_local_revenue_kzt = MoneyIn()
    srs_gaps = fields.List(fields.Nested(SrsGapIn), validate=validate.Length(max=50),
                           metadata={"description": "settlements (KATO) and the SRS standard "
                                                    "whose gap the project closes"})

    @validates_schema
    def planned_dates_in_order(self, data, **kwargs):
        start, end = data.get("planned_start"), data.get("planned_commissioning")
        if start and end and end < start:
            raise ValidationError("must not be before planned_start", "planned_commissioning")


class ProjectCreate(_ProjectFields):
    external_ref = _text(_C.max_external_ref_length, required=True)
    title = _text(_C.max_title_length, required=True)
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    sector = fields.Str(required=True, validate=_one_of(SECTORS))
    project_type = fields.Str(required=True, validate=_one_of(PROJECT_TYPES))
    investor = fields.Nested(InvestorIn, required=True)
    total_cost = fields.Nested(TotalCostIn, required=True)
    jobs_planned = _jobs(required=True)

    @validates_schema
    def agglomeration_in_its_region(self, data, **kwargs):
        agglomeration, region = data.get("agglomeration"), data.get("region_code")
        if agglomeration and region and not agglomeration_in_region(agglomeration, region):
            raise ValidationError(f"not part of region {region}", "agglomeration")


class ProjectUpdate(_ProjectFields):
    """Partial update: any descriptive field, plus actual dates; ``expected_version`` required.
    ``region_code`` and ``external_ref`` never change (an unknown field here)."""
    expected_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    actual_start = fields.Date(allow_none=True)
    actual_commissioning = fields.Date(allow_none=True)

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not set(data) - {"expected_version"}:
            raise ValidationError("no fields to update")


class StageChange(Schema):
    stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    expected_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    reason = fields.Str(allow_none=True, validate=validate.Length(max=_C.max_reason_length))
    actual_start = fields.Date(allow_none=True)
    actual_commissioning = fields.Date(allow_none=True)

    @validates_schema
    def cancelling_needs_reason(self, data, **kwargs):
        if data.get("stage") == CANCELLED and not (data.get("reason") or "").strip():
            raise ValidationError("required when cancelling", "reason")


class MilestoneIn(Schema):
    name = _text(_C.max_milestone_name_length, required=True)
    date = fields.Date(required=True)


class ProgressReport(Schema):
    expected_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    report_date = fields.Date(required=True)
    invested_to_date_kzt = MoneyIn(required=True)
    jobs_created_to_date = _jobs(required=True)
    milestones = fields.List(fields.Nested(MilestoneIn), load_default=list,
                             validate=validate.Length(max=_C.max_milestones_per_report))
    note = fields.Str(allow_none=True, validate=validate.Length(max=_C.max_note_length))
    correction_reason = fields.Str(allow_none=True,
                                   validate=validate.Length(max=_C.max_reason_length))


class ProjectQuery(Schema):
    """List query parameters (strings as an HTTP query gives them, or typed values over RPC).
    Load, then pass to ``domain.normalise_query`` for defaults, sort and page-size capping."""
    region_code = CodeList(REGION_CODES)
    agglomeration = CodeList(AGGLOMERATIONS)
    sector = CodeList(SECTORS)
    stage = CodeList(STAGES)
    project_type = CodeList(PROJECT_TYPES)
    priority = fields.Bool()
    min_cost_kzt = DecimalIn(validate=validate.Range(min=0))
    max_cost_kzt = DecimalIn(validate=validate.Range(min=0))
    text = fields.Str(validate=validate.Length(max=_C.max_text_query_length))
    sort = fields.Str()
    page_size = fields.Int(validate=validate.Range(min=1))
    cursor = fields.Str(allow_none=True, validate=validate.Length(max=_C.max_cursor_length))


# ---- output --------------------------------------------------------------------------------------

class InvestorOut(Schema):
    name = fields.Str()
    country = fields.Str()
    bin = fields.Str()


class TotalCostOut(Schema):
    amount = MoneyOut()
    currency = fields.Str()
    exchange_rate = fields.Decimal(as_string=True, allow_none=True, metadata=DECIMAL_STRING)


class FinancingSourceOut(Schema):
    source = fields.Str()
    amount_kzt = MoneyOut()


class PriorityBasisOut(Schema):
    basis = fields.Str()
    threshold_mci = fields.Int(allow_none=True)
    mci_year = fields.Int()
    mci_kzt = MoneyOut()
    threshold_kzt = MoneyOut(allow_none=True)


class StageHistoryEntryOut(Schema):
    from_ = fields.Str(attribute="from", data_key="from", allow_none=True)
    to = fields.Str()
    at = fields.AwareDateTime(format="iso")
    by = fields.Str()
    reason = fields.Str(allow_none=True)


class MilestoneOut(Schema):
    name = fields.Str()
    date = fields.Date()


class ProgressReportOut(Schema):
    report_no = fields.Int()
    report_date = fields.Date()
    invested_to_date_kzt = MoneyOut()
    jobs_created_to_date = fields.Int()
    milestones = fields.List(fields.Nested(MilestoneOut))
    note = fields.Str(allow_none=True)
    correction_reason = fields.Str(allow_none=True)
    reported_at = fields.AwareDateTime(format="iso")
    reported_by = fields.Str()


class ProjectOut(Schema):
    """A project as the API returns it: money as decimal strings, dates ISO."""
    id = fields.Str()
    external_ref = fields.Str()
    title = fields.Str()
    description = fields.Str()
    region_code = fields.Str()
    district = fields.Str()
    agglomeration = fields.Str(allow_none=True)
    srs_gaps = fields.List(fields.Nested(SrsGapIn))
    sector = fields.Str()
    project_type = fields.Str()
    investor = fields.Nested(InvestorOut)
    total_cost = fields.Nested(TotalCostOut)
    cost_kzt = MoneyOut()
    financing_sources = fields.List(fields.Nested(FinancingSourceOut))
    jobs_planned = fields.Int()
    jobs_created = fields.Int()
    invested_to_date_kzt = MoneyOut()
    expected_annual_local_revenue_kzt = MoneyOut()
    planned_start = fields.Date(allow_none=True)
    planned_commissioning = fields.Date(allow_none=True)
    actual_start = fields.Date(allow_none=True)
    actual_commissioning = fields.Date(allow_none=True)
    stage = fields.Str()
    stage_entered_at = fields.AwareDateTime(format="iso")
    suspended_from = fields.Str(allow_none=True)
    cancellation_reason = fields.Str(allow_none=True)
    allowed_next_stages = fields.Method("_allowed_next_stages")
    priority = fields.Bool()
    priority_basis = fields.Nested(PriorityBasisOut)
    stage_history = fields.List(fields.Nested(StageHistoryEntryOut))
    progress_reports = fields.List(fields.Nested(ProgressReportOut))
    last_report_date = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime(format="iso")
    created_by = fields.Str()
    updated_at = fields.AwareDateTime(format="iso")
    updated_by = fields.Str()
    version = fields.Int()

    def _allowed_next_stages(self, project):
        return allowed_next_stages(project["stage"], project.get("suspended_from"))


def dump_project(project: dict) -> dict:
    # One schema instance for every call: building ProjectOut builds its nested schemas and
    # deep-copies their fields, which was ~15% of the investments process's time on the
    # register path (py-spy). dump keeps no state on the instance, so sharing it is safe.
    global _PROJECT_OUT
    if _PROJECT_OUT is None:
        _PROJECT_OUT = ProjectOut()
    return _PROJECT_OUT.dump(project)


_PROJECT_OUT = None

