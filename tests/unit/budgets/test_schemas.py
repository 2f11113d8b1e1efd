"""Marshmallow input/output schemas and event payload schemas of the budgets service."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from marshmallow import ValidationError

import services.budgets.contract.events  # noqa: F401
from services.budgets.application.inputs import RevenueBatchInput, RevenueLineInput, TransfersInput
from services.budgets.contract.rpc import (
    MAX_BATCH_LINES,
    MAX_PAGE_SIZE,
    BlockCreateSchema,
    BlockMoveSchema,
    IndicatorsQuerySchema,
    ReportRequestSchema,
    RevenueLineOutSchema,
    RevenueQuerySchema,
    TransfersOutSchema,
)
from services.budgets.domain.lines import revenue_batch_imported_fact
from services.common.events import EVENT_TYPES, build_event

LINE = {"region_code": "KZ-61", "budget_level": "oblast", "fiscal_year": 2025, "period": "Q1",
        "ebk_code": "101202", "phase": "approved", "amount_kzt": "1000.5"}


def test_line_loads_to_the_domain_document():
    line = RevenueLineInput().load(LINE)
    assert line["amount_kzt"] == Decimal("1000.50") and line["district"] is None
    assert line["ebk_category"] == 1
    assert RevenueLineOutSchema().dump(line)["amount_kzt"] == "1000.50"


@pytest.mark.parametrize("changes, field", [
    ({"amount_kzt": 1000.5}, "amount_kzt"), ({"amount_kzt": "NaN"}, "amount_kzt"),
    ({"amount_kzt": "1.001"}, "amount_kzt"), ({"amount_kzt": "ten"}, "amount_kzt"),
    ({"fiscal_year": "2025"}, "fiscal_year"), ({"period": "H1"}, "period"),
    ({"ebk_code": "10120"}, "ebk_code"), ({"ebk_code": "101299"}, "ebk_code"),
    ({"budget_level": "district"}, "district"), ({"region_code": "KZ-75"}, "budget_level"),
])
def test_line_errors_name_the_field(changes, field):
    with pytest.raises(ValidationError) as exc:
        RevenueLineInput().load(dict(LINE, **changes))
    assert field in exc.value.messages


def test_batch_limits():
    loaded = RevenueBatchInput().load({"lines": [LINE, dict(LINE, period="Q2")]})
    assert len(loaded["lines"]) == 2 and loaded["batch_id"] is None
    with pytest.raises(ValidationError) as exc:
        RevenueBatchInput().load({"lines": []})
    assert "lines" in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        RevenueBatchInput().load({"lines": [LINE, dict(LINE, amount_kzt=1.5)]})
    assert list(exc.value.messages["lines"]) == [1]  # the second line alone is refused
    assert MAX_BATCH_LINES == 10_000


@pytest.mark.parametrize("given, expected", [(None, 100), ("20", 20), (500, 500),
                                             (10_000, MAX_PAGE_SIZE)])
def test_query_page_size_is_capped(given, expected):
    data = {} if given is None else {"page_size": given}
    assert RevenueQuerySchema().load(data)["page_size"] == expected


def test_query_filters():
    query = RevenueQuerySchema().load({"region_code": "KZ-61", "fiscal_year": "2025",
                                       "ebk_prefix": "104", "phase": "executed"})
    assert query["fiscal_year"] == 2025 and query["page"] == 1
    with pytest.raises(ValidationError) as exc:
        RevenueQuerySchema().load({"ebk_prefix": "9", "page": 0, "page_size": 0})
    assert set(exc.value.messages) == {"ebk_prefix", "page", "page_size"}


def test_transfers_schema():
    record = TransfersInput().load({"region_code": "KZ-23", "fiscal_year": 2026,
                                     "withdrawals_kzt": "230000000000"})
    assert record["subventions_kzt"] == Decimal("0.00")
    assert TransfersOutSchema().dump(record)["withdrawals_kzt"] == "230000000000.00"
    with pytest.raises(ValidationError) as exc:
        TransfersInput().load({"region_code": "KZ-23", "fiscal_year": 2026,
                                "subventions_kzt": 1e9})
    assert "subventions_kzt" in exc.value.messages


def test_block_schemas():
    block = BlockCreateSchema().load({
        "spending_body": "Education department", "region_code": "KZ-61", "fiscal_year": 2025,
        "limit_kzt": "100", "targets": [{"indicator": "schools", "target_value": "3"}],
        "lines": [{"line_id": "a", "allocated_kzt": "50"}]})
    assert block["limit_kzt"] == Decimal("100.00") and "name" not in block["lines"][0]
    with pytest.raises(ValidationError) as exc:
        BlockMoveSchema().load({"block_id": "b", "from_line": "a", "to_line": "a",
                                "amount_kzt": "1"})
    assert exc.value.messages == {"to_line": ["must differ from from_line"]}


def test_query_and_report_requests():
    assert IndicatorsQuerySchema().load({"region_code": "KZ-61", "fiscal_year": 2025}) == \
        {"region_code": "KZ-61", "fiscal_year": 2025, "as_of_period": "Y"}
    with pytest.raises(ValidationError):
        ReportRequestSchema().load({"region_code": "KZ-61", "reporting_year": 2019})


def test_every_budgets_event_is_registered():
    names = {n for n, spec in EVENT_TYPES.items() if spec.source == "budgets"}
    assert names == {"revenue_batch_imported", "indicators_recalculated",
                     "autonomy_below_threshold", "forecast_updated", "block_move_rejected",
                     "annual_report_generated"}
    assert all(EVENT_TYPES[n].exchange == "budgets.events" for n in names)


def test_batch_imported_fact_matches_its_schema():
    kind, payload = revenue_batch_imported_fact(
        batch_id="b-1", source_format="csv", rows_read=10, lines_inserted=6, lines_updated=1,
        lines_unchanged=1, rows_rejected=2, region_codes=["KZ-61", "KZ-61", "KZ-10"],
        fiscal_years=[2025, 2026, 2025], imported_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    assert payload["region_codes"] == ["KZ-10", "KZ-61"] and payload["fiscal_years"] == [2025, 2026]
    assert build_event(kind, payload, region_code=None)["payload"]["rows_rejected"] == 2
    with pytest.raises(ValueError):
        revenue_batch_imported_fact(batch_id="b", source_format="xlsx", rows_read=0,
                                    lines_inserted=0, lines_updated=0, lines_unchanged=0,
                                    rows_rejected=0, region_codes=[], fiscal_years=[],
                                    imported_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
