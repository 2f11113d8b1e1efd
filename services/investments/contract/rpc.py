"""Marshmallow schemas of the investments RPC/HTTP contract: inputs and the project output shape.

Schemas check shape, types and closed lists; the domain checks the rest (BIN check digit, financing
total, stage and version rules) and both report the same dotted field paths:
``services.common.loading.load`` flattens marshmallow's nested messages into ``investor.bin`` and
``financing_sources.0.amount_kzt``, the keys of ``ValidationFailed.details`` everywhere. The service
loads every RPC input through these schemas, and the gateway documents its API with them, so what
is published is what is accepted.
Money goes in and out as decimal strings (a JSON number is refused: a binary float has already
lost precision); dates are ISO ``YYYY-MM-DD``, instants ISO 8601 with offset.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.money import DECIMAL_STRING, Kzt
from services.common.regions import AGGLOMERATIONS, REGION_CODES, agglomeration_in_region
from services.common.srs import KATO_PATTERN, SRS_STANDARDS
from services.investments.contract import limits
from services.investments.contract.codes import (
    CANCELLED,
    COUNTRY_CODES,
    CURRENCIES,
    DATE_TARGETS,
    FINANCING_SOURCES,
    PROJECT_TYPES,
    SECTORS,
    STAGES,
)
from services.investments.contract.fields import (
    CodeList,
    Day,
    DecimalIn,
    ExternalRef,
    MoneyIn,
    bin_number,
    one_of,
    rate_places,
    text,
)

# ---- inputs --------------------------------------------------------------------------------------

class InvestorIn(Schema):
    name = text(limits.MAX_INVESTOR_NAME_LENGTH, required=True)
    country = fields.Str(required=True, validate=one_of(COUNTRY_CODES))
    bin = fields.Str(required=True, validate=bin_number, metadata={
        "pattern": "^[0-9]{12}$", "description": "12 digits, the last a check digit"})


class TotalCostIn(Schema):
    amount = MoneyIn(required=True, positive=True)
    currency = fields.Str(required=True, validate=validate.OneOf(CURRENCIES))
    exchange_rate = DecimalIn(allow_none=True, load_default=None,
                              metadata={**DECIMAL_STRING, "example": "512.35"},
                              validate=[validate.Range(min=0, min_inclusive=False,
                                                       error="must be positive"),
                                        validate.Range(max=limits.MAX_EXCHANGE_RATE,
                                                       error=f"must not exceed "
                                                             f"{limits.MAX_EXCHANGE_RATE}"),
                                        rate_places])

    @validates_schema
    def rate_goes_with_usd(self, data, **kwargs):
        if data["currency"] == "USD" and data.get("exchange_rate") is None:
            raise ValidationError("required when currency is USD", "exchange_rate")
        if data["currency"] == "KZT" and data.get("exchange_rate") is not None:
            raise ValidationError("only for amounts in USD", "exchange_rate")


class FinancingSourceIn(Schema):
    source = fields.Str(required=True, validate=one_of(FINANCING_SOURCES))
    amount_kzt = MoneyIn(required=True, positive=True)


class SrsGapIn(Schema):
    kato = fields.Str(required=True, validate=validate.Regexp(
        KATO_PATTERN, error="must be a 9-digit KATO code"))
    standard = fields.Str(required=True, validate=validate.OneOf(SRS_STANDARDS))


def _jobs(**kwargs):
    return fields.Int(strict=True, validate=validate.Range(min=0, max=limits.MAX_JOBS), **kwargs)


class _ProjectFields(Schema):
    """Descriptive fields shared by create and update (optional here)."""
    title = text(limits.MAX_TITLE_LENGTH)
    description = text(limits.MAX_DESCRIPTION_LENGTH, blank=True, single_line=False)
    district = text(limits.MAX_DISTRICT_LENGTH, blank=True)
    agglomeration = fields.Str(allow_none=True, validate=one_of(AGGLOMERATIONS))
    sector = fields.Str(validate=one_of(SECTORS))
    project_type = fields.Str(validate=one_of(PROJECT_TYPES))
    investor = fields.Nested(InvestorIn)
    total_cost = fields.Nested(TotalCostIn)
    financing_sources = fields.List(fields.Nested(FinancingSourceIn),
                                    validate=validate.Length(max=limits.MAX_FINANCING_SOURCES))
    jobs_planned = _jobs()
    planned_start = Day(allow_none=True)
    planned_commissioning = Day(allow_none=True)
    expected_annual_local_revenue_kzt = MoneyIn()
    srs_gaps = fields.List(fields.Nested(SrsGapIn),
                           validate=validate.Length(max=limits.MAX_SRS_GAPS),
                           metadata={"description": "settlements (KATO) and the SRS standard "
                                                    "whose gap the project closes"})

    @validates_schema
    def gaps_named_once(self, data, **kwargs):
        seen, twice = [], {}
        for i, gap in enumerate(data.get("srs_gaps") or []):
            if gap in seen:
                twice[i] = ["named twice"]
            seen.append(gap)
        if twice:
            raise ValidationError(twice, "srs_gaps")

    @validates_schema
    def planned_dates_in_order(self, data, **kwargs):
        start, end = data.get("planned_start"), data.get("planned_commissioning")
        if start and end and end < start:
            raise ValidationError("must not be before planned_start", "planned_commissioning")


class ProjectCreate(_ProjectFields):
    external_ref = ExternalRef(limits.MAX_EXTERNAL_REF_LENGTH, required=True, single_line=True)
    title = text(limits.MAX_TITLE_LENGTH, required=True)
    region_code = fields.Str(required=True, validate=validate.OneOf(REGION_CODES))
    sector = fields.Str(required=True, validate=one_of(SECTORS))
    project_type = fields.Str(required=True, validate=one_of(PROJECT_TYPES))
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
    actual_start = Day(allow_none=True)
    actual_commissioning = Day(allow_none=True)

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not set(data) - {"expected_version"}:
            raise ValidationError("no fields to update")


class StageChange(Schema):
    stage = fields.Str(required=True, validate=validate.OneOf(STAGES))
    expected_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    reason = fields.Str(allow_none=True, validate=validate.Length(max=limits.MAX_REASON_LENGTH))
    actual_start = Day(allow_none=True)
    actual_commissioning = Day(allow_none=True)

    @validates_schema
    def dates_go_with_their_move(self, data, **kwargs):
        for key, targets in DATE_TARGETS.items():
            if data.get(key) is not None and data.get("stage") not in (None, *targets):
                raise ValidationError(f"only accepted when moving to {' or '.join(targets)}", key)

    @validates_schema
    def cancelling_needs_reason(self, data, **kwargs):
        if data.get("stage") == CANCELLED and not (data.get("reason") or "").strip():
            raise ValidationError("required when cancelling", "reason")


class MilestoneIn(Schema):
    name = text(limits.MAX_MILESTONE_NAME_LENGTH, required=True)
    date = Day(required=True)


class ProgressReport(Schema):
    expected_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    report_date = Day(required=True)
    invested_to_date_kzt = MoneyIn(required=True)
    jobs_created_to_date = _jobs(required=True)
    milestones = fields.List(fields.Nested(MilestoneIn), load_default=list,
                             validate=validate.Length(max=limits.MAX_MILESTONES_PER_REPORT))
    note = fields.Str(allow_none=True, validate=validate.Length(max=limits.MAX_NOTE_LENGTH))
    correction_reason = fields.Str(allow_none=True,
                                   validate=validate.Length(max=limits.MAX_REASON_LENGTH))


    @validates_schema
    def milestones_not_after_report(self, data, **kwargs):
        report_date, late = data.get("report_date"), {}
        for i, milestone in enumerate(data.get("milestones") or []):
            if report_date and milestone["date"] > report_date:
                late[i] = {"date": ["must not be after report_date"]}
        if late:
            raise ValidationError(late, "milestones")


class ProjectQuery(Schema):
    """List query parameters (strings as an HTTP query gives them, or typed values over RPC).
    Load, then pass to ``domain.normalise_query`` for defaults, sort and page-size capping."""
    region_code = CodeList(REGION_CODES)
    agglomeration = CodeList(AGGLOMERATIONS)
    sector = CodeList(SECTORS)
    stage = CodeList(STAGES)
    project_type = CodeList(PROJECT_TYPES)
    priority = fields.Bool()
    min_cost_kzt = Kzt()
    max_cost_kzt = Kzt()
    text = fields.Str(validate=validate.Length(max=limits.MAX_TEXT_QUERY_LENGTH))
    sort = fields.Str()
    page_size = fields.Int(validate=validate.Range(min=1))
    cursor = fields.Str(allow_none=True, validate=validate.Length(max=limits.MAX_CURSOR_LENGTH))


class SeedBatch(Schema):
    """One batch of the demo seed (``load_seed``): projects ``start .. start+count-1`` of a seed
    of ``total`` projects made from ``seed``."""
    seed = fields.Int(required=True, strict=True, validate=validate.Range(min=0))
    total = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    start = fields.Int(required=True, strict=True, validate=validate.Range(min=0))
    count = fields.Int(required=True, strict=True,
                       validate=validate.Range(min=1, max=limits.MAX_SEED_BATCH))

    @validates_schema
    def start_within_total(self, data, **kwargs):
        if data["start"] >= data["total"]:
            raise ValidationError("must be below total", "start")


# ---- output --------------------------------------------------------------------------------------

class InvestorOut(Schema):
    name = fields.Str()
    country = fields.Str()
    bin = fields.Str()


class TotalCostOut(Schema):
    amount = Kzt()
    currency = fields.Str()
    exchange_rate = fields.Decimal(as_string=True, allow_none=True, metadata=DECIMAL_STRING)


class FinancingSourceOut(Schema):
    source = fields.Str()
    amount_kzt = Kzt()


# the assumed setting a priority verdict rests on, by its basis (investments domain/settings.py
# ASSUMED_SETTINGS, listed with their values at GET /api/v1/hub/assumptions)
PRIORITY_ASSUMPTION_BY_BASIS = {"sector": "priority_threshold_mci_by_sector",
                                "project_type": "priority_threshold_mci_by_type",
                                "not_eligible": "priority_threshold_mci_by_type"}


class PriorityBasisOut(Schema):
    basis = fields.Str()
    threshold_mci = fields.Int(allow_none=True)
    mci_year = fields.Int()
    mci_kzt = Kzt()
    threshold_kzt = Kzt(allow_none=True)
    assumption = fields.Method("_assumption", metadata={
        "description": "the assumed setting the threshold comes from (no law read by the "
                       "platform fixes it)"})

    @staticmethod
    def _assumption(basis) -> str | None:
        return PRIORITY_ASSUMPTION_BY_BASIS.get(basis.get("basis") if isinstance(basis, dict)
                                                else getattr(basis, "basis", None))


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
    invested_to_date_kzt = Kzt()
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
    cost_kzt = Kzt()
    financing_sources = fields.List(fields.Nested(FinancingSourceOut))
    jobs_planned = fields.Int()
    jobs_created = fields.Int()
    invested_to_date_kzt = Kzt()
    expected_annual_local_revenue_kzt = Kzt()
    planned_start = fields.Date(allow_none=True)
    planned_commissioning = fields.Date(allow_none=True)
    actual_start = fields.Date(allow_none=True)
    actual_commissioning = fields.Date(allow_none=True)
    stage = fields.Str()
    stage_entered_at = fields.AwareDateTime(format="iso")
    suspended_from = fields.Str(allow_none=True)
    cancellation_reason = fields.Str(allow_none=True)
    allowed_next_stages = fields.List(fields.Str(), metadata={
        "description": "the stages the project may move to next"})
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
