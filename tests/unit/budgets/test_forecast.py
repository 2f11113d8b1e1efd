"""Tax base expansion: commissioned projects raise the region's forecast, once."""
import copy
from decimal import Decimal

import pytest

import services.budgets.contract.events  # noqa: F401
from services.budgets.domain.forecast import (
    ForecastSettings,
    apply_commissioned_project,
    forecast_for_year,
    new_forecast,
    reverse_cancelled_project,
    set_base_forecast,
)
from services.common.errors import ValidationFailed
from services.common.events import build_event


def commissioned(project_id="P-1", amount="1000000.00", on="2026-05-10", region="KZ-61"):
    return {"project_id": project_id, "region_code": region, "commissioned_on": on,
            "expected_annual_local_revenue_kzt": amount}


def cancelled(project_id="P-1", region="KZ-61"):
    return {"project_id": project_id, "region_code": region, "cancelled_on": "2027-02-01"}


def test_project_adds_to_years_after_commissioning_through_the_horizon():
    doc, facts = apply_commissioned_project(None, commissioned())
    assert doc["totals_kzt"] == {str(y): Decimal("1000000.00") for y in (2027, 2028, 2029, 2030)}
    assert doc["contributions"]["P-1"]["years"] == [2027, 2028, 2029, 2030]
    [(kind, payload)] = facts
    assert kind == "forecast_updated"
    assert payload["change"] == "project_added"
    assert payload["years"] == [2027, 2028, 2029, 2030]
    assert payload["totals_kzt"]["2027"] == "1000000.00"
    assert build_event(kind, payload, region_code="KZ-61")["payload"]["annual_kzt"] == "1000000.00"


def test_redelivered_event_changes_nothing():
    doc, _ = apply_commissioned_project(None, commissioned())
    again, facts = apply_commissioned_project(doc, commissioned())
    assert facts == []
    assert again == doc


def test_investments_payload_as_parsed_from_the_bus():
    """Field names and types of investments' project_commissioned / project_cancelled payloads."""
    from datetime import date, datetime, timezone
    doc, facts = apply_commissioned_project(None, {
        "project_id": "P-7", "region_code": "KZ-47", "actual_commissioning": date(2027, 9, 1),
        "expected_annual_local_revenue_kzt": Decimal("1200000.00"), "jobs_created": 300})
    assert doc["totals_kzt"] == {y: Decimal("1200000.00") for y in ("2028", "2029", "2030")}
    assert doc["contributions"]["P-7"]["commissioned_on"] == "2027-09-01"
    doc, facts = reverse_cancelled_project(doc, {
        "project_id": "P-7", "region_code": "KZ-47",
        "cancelled_at": datetime(2028, 2, 1, 10, 0, tzinfo=timezone.utc)})
    assert doc["cancelled"] == {"P-7": "2028-02-01"} and doc["totals_kzt"] == {}
    assert facts[0][1]["years"] == [2028, 2029, 2030]


def test_envelope_and_alias_field_names_are_accepted():
    envelope = {"event_type": "project_commissioned", "region_code": "KZ-61",
                "payload": {"project_id": "P-9", "actual_commissioning_date": "2028-01-15",
                            "expected_annual_tax_revenue_kzt": "250.50"}}
    doc, facts = apply_commissioned_project(None, envelope)
    assert doc["totals_kzt"] == {"2029": Decimal("250.50"), "2030": Decimal("250.50")}
    assert len(facts) == 1


def test_projects_add_up_and_a_corrected_amount_replaces_the_old_one():
    doc, _ = apply_commissioned_project(None, commissioned("P-1", "100.00", "2026-01-01"))
    doc, _ = apply_commissioned_project(doc, commissioned("P-2", "50.00", "2028-06-30"))
    assert doc["totals_kzt"] == {"2027": Decimal("100.00"), "2028": Decimal("100.00"),
                                 "2029": Decimal("150.00"), "2030": Decimal("150.00")}
    doc, facts = apply_commissioned_project(doc, commissioned("P-2", "80.00", "2028-06-30"))
    assert facts[0][1]["change"] == "project_updated"
    assert forecast_for_year(doc, 2030) == Decimal("180.00")


def test_cancellation_removes_the_contribution_once_and_for_good():
    doc, _ = apply_commissioned_project(None, commissioned("P-1", "100.00"))
    doc, _ = apply_commissioned_project(doc, commissioned("P-2", "10.00"))
    doc, facts = reverse_cancelled_project(doc, cancelled("P-1"))
    assert facts[0][1]["change"] == "project_removed"
    assert facts[0][1]["annual_kzt"] == "100.00"
    assert forecast_for_year(doc, 2028) == Decimal("10.00")
    assert "P-1" not in doc["contributions"]
    again, facts = reverse_cancelled_project(doc, cancelled("P-1"))
    assert facts == [] and again == doc
    # a late redelivery of the commissioning cannot bring the project back
    revived, facts = apply_commissioned_project(doc, commissioned("P-1", "100.00"))
    assert facts == [] and revived["contributions"] == doc["contributions"]


def test_cancelling_an_unknown_project_changes_no_totals():
    doc, _ = apply_commissioned_project(None, commissioned("P-1", "100.00"))
    after, facts = reverse_cancelled_project(doc, cancelled("P-404"))
    assert facts == []
    assert after["totals_kzt"] == doc["totals_kzt"]


@pytest.mark.parametrize("horizon, on, years", [
    (2030, "2026-12-31", [2027, 2028, 2029, 2030]), (2028, "2026-03-01", [2027, 2028]),
    (2030, "2029-07-01", [2030]), (2030, "2030-01-01", []), (2035, "2033-05-05", [2034, 2035])])
def test_horizon_is_configurable(horizon, on, years):
    doc, facts = apply_commissioned_project(None, commissioned(on=on),
                                            ForecastSettings(horizon_end_year=horizon))
    assert sorted(int(y) for y in doc["totals_kzt"]) == years
    assert bool(facts) is bool(years)


def test_input_document_is_not_mutated():
    doc, _ = apply_commissioned_project(None, commissioned("P-1"))
    snapshot = copy.deepcopy(doc)
    apply_commissioned_project(doc, commissioned("P-2"))
    reverse_cancelled_project(doc, cancelled("P-1"))
    assert doc == snapshot


def test_base_forecast_and_contributions_add_up():
    doc, facts = set_base_forecast(None, "KZ-61", 2027, "5000.00")
    assert facts[0][1]["change"] == "base_updated" and facts[0][1]["project_id"] is None
    doc, _ = apply_commissioned_project(doc, commissioned(amount="100.00"))
    assert forecast_for_year(doc, 2027) == Decimal("5100.00")
    assert forecast_for_year(doc, 2031) is None
    same, facts = set_base_forecast(doc, "KZ-61", 2027, "5000.00")
    assert facts == [] and same == doc


def test_other_region_and_bad_payloads_are_refused():
    doc = new_forecast("KZ-61")
    with pytest.raises(ValidationFailed) as exc:
        apply_commissioned_project(doc, commissioned(region="KZ-31"))
    assert "region_code" in exc.value.details
    with pytest.raises(ValidationFailed) as exc:
        apply_commissioned_project(doc, {"project_id": "", "region_code": "KZ-61",
                                         "commissioned_on": "10.05.2026",
                                         "expected_annual_local_revenue_kzt": 1.5})
    assert set(exc.value.details) == {"project_id", "commissioned_on", "annual_kzt"}
    with pytest.raises(ValidationFailed) as exc:
        apply_commissioned_project(doc, {"project_id": "P", "region_code": "KZ-61",
                                         "expected_annual_local_revenue_kzt": "1"})
    assert exc.value.details == {"commissioned_on": ["required"]}


def test_the_forecast_answer_names_the_assumed_year_of_first_revenue():
    from services.budgets.contract.assumptions import ASSUMED_SETTINGS
    from services.budgets.domain.forecast import forecast_as_output
    from services.budgets.domain.settings import DEFAULT_SETTINGS
    out = forecast_as_output(None, "KZ-35")
    assert out["assumptions"] == [{
        "key": "years_after_commissioning",
        "value": DEFAULT_SETTINGS.forecast.years_after_commissioning, "unit": "years",
        "rationale": ASSUMED_SETTINGS["years_after_commissioning"],
        "applied_in": "contributions of commissioned projects"}]
