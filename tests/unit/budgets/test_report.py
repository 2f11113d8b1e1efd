"""Annual report to the Ministry of National Economy."""
import json
from datetime import datetime, timezone

import pytest

import services.budgets.contract.events  # noqa: F401
from services.budgets.domain.blocks import create_block, record_execution
from services.budgets.domain.forecast import apply_commissioned_project, set_base_forecast
from services.budgets.domain.indicators import compute_indicators
from services.budgets.domain.lines import validate_revenue_line, validate_transfers
from services.budgets.domain.report import (
    ReportSettings,
    annual_report_generated_fact,
    build_annual_report,
    due_date,
)
from services.common.events import build_event, parse_event

GENERATED = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc)


def inputs():
    lines = [validate_revenue_line({"region_code": "KZ-61", "budget_level": "oblast",
                                    "district": None, "fiscal_year": 2025, "period": "Y",
                                    "ebk_code": code, "phase": phase, "amount_kzt": amount})
             for code, phase, amount in (("101201", "executed", "900.00"),
                                         ("402103", "executed", "2100.00"),
                                         ("101201", "approved", "1000.00"),
                                         ("402103", "approved", "2000.00"))]
    transfers = validate_transfers({"region_code": "KZ-61", "fiscal_year": 2025,
                                    "subventions_kzt": "2100.00"})
    indicators = compute_indicators("KZ-61", 2025, lines, transfers=transfers, population=100)
    block, _ = create_block({"spending_body": "Health department", "region_code": "KZ-61",
                             "fiscal_year": 2025, "limit_kzt": "500.00",
                             "targets": [{"indicator": "clinics_opened", "target_value": "3"}],
                             "lines": [{"line_id": "clinics", "allocated_kzt": "400.00"}]},
                            GENERATED)
    block, _ = record_execution(block, "clinics", "300.00")
    other_year, _ = create_block({"spending_body": "Health department", "region_code": "KZ-61",
                                  "fiscal_year": 2026, "limit_kzt": "999.00"}, GENERATED)
    forecast, _ = set_base_forecast(None, "KZ-61", 2025, "1000.00")
    forecast, _ = apply_commissioned_project(forecast, {
        "project_id": "P-1", "region_code": "KZ-61", "commissioned_on": "2024-06-01",
        "expected_annual_local_revenue_kzt": "50.00"})
    return indicators, transfers, [block, other_year], forecast


def build(now=GENERATED, **config):
    indicators, transfers, blocks, forecast = inputs()
    return build_annual_report("KZ-61", 2025, indicators=indicators, transfers=transfers,
                               blocks=blocks, forecast_doc=forecast, now=now,
                               config=ReportSettings(**config))


def test_report_shape_and_figures():
    report = build()
    assert set(report) == {"report_id", "addressee", "region_code", "region_name",
                           "reporting_year", "due_date", "generated_at", "on_time", "indicators",
                           "transfers", "block_budget", "forecast_vs_actual"}
    assert report["due_date"] == "2026-04-01"
    assert report["generated_at"] == "2026-03-15T08:30:00+00:00"
    assert report["region_name"] == "Turkistan region"
    assert "Ministry of National Economy" in report["addressee"]
    assert report["indicators"]["own_revenue_share"] == "0.3000"
    assert report["indicators"]["status"] == "recipient"
    assert report["transfers"]["subventions_kzt"] == "2100.00"
    blocks = report["block_budget"]
    assert len(blocks["blocks"]) == 1  # the 2026 block is not part of the 2025 report
    assert blocks["totals"] == {"limit_kzt": "500.00", "allocated_kzt": "400.00",
                                "executed_kzt": "300.00", "unspent_kzt": "200.00",
                                "execution_rate": "0.6000"}
    assert blocks["blocks"][0]["targets"] == [{"indicator": "clinics_opened", "target_value": "3"}]
    assert report["forecast_vs_actual"] == {
        "forecast_own_revenue_kzt": "1050.00", "actual_own_revenue_kzt": "900.00",
        "baseline_kzt": "1000.00", "baseline_basis": report["forecast_vs_actual"][
            "baseline_basis"],
        "variance_kzt": "-150.00", "actual_to_forecast": "0.8571", "projects_counted": 1,
        "projects_expected_kzt": "50.00"}
    json.dumps(report)  # JSON-ready throughout


@pytest.mark.parametrize("now, on_time", [
    # the due day is a civil day (UTC+5): 1 April ends at 19:00 UTC
    (datetime(2026, 4, 1, 18, 59, tzinfo=timezone.utc), True),
    (datetime(2026, 4, 1, 19, 1, tzinfo=timezone.utc), False),
    (datetime(2026, 4, 1, 23, 59, tzinfo=timezone.utc), False)])
def test_on_time_against_the_due_date(now, on_time):
    assert build(now=now)["on_time"] is on_time


def test_due_date_is_configurable():
    assert due_date(2025) == datetime(2026, 4, 1).date()
    assert build(due_month=3, due_day=15)["due_date"] == "2026-03-15"


def test_variance_is_shown_only_against_a_stated_baseline():
    indicators, _, _, _ = inputs()
    projects_only, _ = apply_commissioned_project(None, {
        "project_id": "P-1", "region_code": "KZ-61", "commissioned_on": "2024-06-01",
        "expected_annual_local_revenue_kzt": "50.00"})
    report = build_annual_report("KZ-61", 2025, indicators=indicators, transfers=None,
                                 blocks=[], forecast_doc=projects_only, now=GENERATED)
    figures = report["forecast_vs_actual"]
    assert figures["forecast_own_revenue_kzt"] == "50.00"      # projects only, no base
    assert figures["baseline_kzt"] is None
    assert figures["variance_kzt"] is None and figures["actual_to_forecast"] is None
    assert "no baseline" in figures["baseline_basis"]


def test_report_without_data_still_has_every_section():
    report = build_annual_report("KZ-62", 2025, indicators=None, transfers=None, blocks=[],
                                 forecast_doc=None, now=GENERATED)
    assert report["indicators"] is None and report["transfers"] is None
    assert report["block_budget"]["totals"]["execution_rate"] is None
    assert report["forecast_vs_actual"]["variance_kzt"] is None


def test_generated_fact_matches_its_schema():
    kind, payload = annual_report_generated_fact(build())
    envelope = build_event(kind, payload, region_code="KZ-61")
    parsed = parse_event(envelope)
    assert parsed["payload"]["due_date"].isoformat() == "2026-04-01"
    assert envelope["payload"]["on_time"] is True
