"""Assumed rules: the dependency trajectory, the stall exemption for projects that report
progress, and the list of assumptions the hub shows."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.gateway.hub import rules
from services.gateway.hub.assumptions import (
    DependencyTrajectory,
    assumptions_named,
    autonomy_trajectory_proposal,
    hub_assumptions,
    trajectory_status,
)
from services.gateway.hub.rules import HubSettings


@pytest.mark.parametrize("year,expected", [(2025, "0.507"), (2026, "0.507"), (2027, "0.4185"),
                                           (2028, "0.33"), (2030, "0.33")])
def test_expected_dependency_follows_the_straight_line(year, expected):
    assert DependencyTrajectory().expected(year) == Decimal(expected)


def payload(dependency, year=2027, share="0.40"):
    return {"region_code": "KZ-62", "fiscal_year": year, "as_of_period": "FY",
            "transfer_dependency": dependency, "own_revenue_share": share}


def test_a_region_below_half_but_on_its_trajectory_opens_nothing():
    # own-revenue share 0.40 < 0.5 would have fired the old floor; dependency 0.41 is on track
    assert autonomy_trajectory_proposal(payload("0.4100"), date(2027, 5, 1)) is None


def test_a_region_above_its_trajectory_opens_an_initiative_naming_the_assumption():
    made = autonomy_trajectory_proposal(payload("0.6000", share="0.60"), date(2027, 5, 1))
    assert made.kind == rules.AUTONOMY
    assert made.cause_key == "autonomy_below_threshold:KZ-62:2027:FY"
    assert made.subject["expected_dependency"] == "0.4185"
    assert made.subject["assumption"] == "dependency_trajectory"
    assert made.due_date == date(2027, 7, 30)  # 90 days, the assumed due days for autonomy


def test_without_a_dependency_nothing_is_judged():
    assert autonomy_trajectory_proposal(payload(None), date(2027, 5, 1)) is None
    assert trajectory_status(None, 2027)["off_track"] is None


def test_tolerance_is_configurable():
    lenient = DependencyTrajectory(tolerance=Decimal("0.05"))
    assert autonomy_trajectory_proposal(payload("0.45"), date(2027, 5, 1)) is not None
    assert autonomy_trajectory_proposal(payload("0.45"), date(2027, 5, 1),
                                        trajectory=lenient) is None


@pytest.mark.parametrize("kwargs", [{"target_year": 2026}, {"target": Decimal("1.5")},
                                    {"tolerance": Decimal("-0.1")}])
def test_a_nonsense_trajectory_is_refused(kwargs):
    with pytest.raises(ValueError):
        DependencyTrajectory(**kwargs)


def building(last_progress_on=None, stage="under_implementation"):
    return {"project_id": "p-7", "title": "Water pipeline", "region_code": "KZ-35",
            "stage": stage, "stage_entered_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
            "last_progress_on": last_progress_on}


def test_a_project_under_implementation_that_reports_progress_is_not_stalled():
    today = date(2026, 12, 1)  # 334 days in the stage
    assert not rules.stalled_project_proposals([building("2026-10-15")], today)
    assert rules.stalled_project_proposals([building(None)], today)
    assert rules.stalled_project_proposals([building("2026-01-20")], today)  # report too old


def test_progress_does_not_spare_a_project_waiting_in_an_earlier_stage():
    assert rules.stalled_project_proposals([building("2026-11-20", stage="approved")],
                                           date(2026, 12, 1))


def test_the_progress_window_is_configurable():
    config = HubSettings(progress_window_days=30)
    assert rules.stalled_project_proposals([building("2026-10-15")], date(2026, 12, 1), config)
    with pytest.raises(ValueError):
        HubSettings(progress_window_days=0)


def test_every_assumption_has_a_value_a_rationale_and_where_it_applies():
    items = hub_assumptions(HubSettings(stall_days=120))
    keys = [a["key"] for a in items]
    assert keys == ["dependency_trajectory", "own_revenue_share_floor", "stall_days",
                    "stall_progress_exemption", "initiative_due_days",
                    "initiative_responsible_bodies", "report_deadline"]
    for item in items:
        assert item["rationale"] and item["applied_in"] and item["source"]
    by_key = {a["key"]: a for a in items}
    assert by_key["stall_days"]["value"] == 120
    assert by_key["dependency_trajectory"]["value"]["target"] == "0.33"
    assert "50.7%" in by_key["dependency_trajectory"]["rationale"]
    assert [a["key"] for a in assumptions_named({"stall_days"})] == ["stall_days"]


def test_the_hub_lists_every_services_assumed_setting_with_the_value_it_ships():
    from services.budgets.contract.assumptions import ASSUMED_SETTINGS as budgets_assumed
    from services.budgets.domain.settings import DEFAULT_SETTINGS as budgets
    from services.gateway.hub.service_assumptions import SHIPPED, service_assumptions
    from services.investments.contract.assumptions import ASSUMED_SETTINGS as investments_assumed
    from services.investments.domain.settings import DEFAULT_SETTINGS as investments
    from services.personnel.contract.assumptions import ASSUMED_SETTINGS as personnel_assumed
    from services.personnel.domain.settings import DEFAULT_SETTINGS as personnel
    shipped = {"budgets": budgets.forecast, "investments": investments, "personnel": personnel}
    for service, setting, value, _, _ in SHIPPED:
        actual = getattr(shipped[service], setting)
        assert (dict(actual) if hasattr(actual, "items") else actual) == value, setting
    listed = {(service, setting) for service, setting, *_ in SHIPPED}
    # the own-revenue floor is the hub's own entry (own_revenue_share_floor)
    assert listed | {("budgets", "min_own_revenue_share")} == (
        {("budgets", k) for k in budgets_assumed} | {("investments", k) for k in investments_assumed}
        | {("personnel", k) for k in personnel_assumed})
    keys = [a["key"] for a in service_assumptions()]
    assert "personnel.min_months_in_post" in keys and len(keys) == len(set(keys))
    assert "own_revenue_share_floor" in {a["key"] for a in hub_assumptions()}
