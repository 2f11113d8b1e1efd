"""Region scorecards and their rollup, from read-model documents (pure)."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.population import PopulationTable
from services.gateway.hub.rollup import Weighted, weighted_share
from services.gateway.hub.rules import HubSettings
from services.gateway.hub.scorecards import (
    RegionFacts,
    fiscal_figures,
    mobility_figures,
    project_figures,
    region_scorecard,
    rollup,
    srs_figures,
)

TODAY = date(2026, 11, 26)


def p(stage, cost="100.00", planned=10, created=0, invested="0.00", suspended_from=None):
    return {"stage": stage, "cost_kzt": Decimal(cost), "jobs_planned": planned,
            "jobs_created": created, "invested_to_date_kzt": Decimal(invested),
            "suspended_from": suspended_from}


def test_project_figures_committed_commissioned_jobs():
    figures = project_figures([
        p("proposed", "1.00", 5), p("approved", "10.00", 7),
        p("under_implementation", "20.00", 3, 1, "5.50"),
        p("commissioned", "40.00", 4, 4, "40.00"), p("evaluated", "80.00", 2, 2, "80.00"),
        p("suspended", "160.00", 1, suspended_from="financed"),
        p("suspended", "320.00", 1, suspended_from="appraised"),
        p("cancelled", "640.00", 100, 9, "1.00")])
    assert figures["total"] == 8
    assert figures["by_stage"]["suspended"] == 2 and figures["by_stage"]["cancelled"] == 1
    assert figures["by_stage"]["financed"] == 0
    assert figures["investment_committed_kzt"] == Decimal("310.00")  # 10+20+40+80+160
    assert figures["investment_commissioned_kzt"] == Decimal("120.00")
    assert figures["invested_to_date_kzt"] == Decimal("125.50")
    assert (figures["jobs_planned"], figures["jobs_created"]) == (23, 7)


def test_committed_stages_are_configurable():
    config = HubSettings(committed_stages=("financed", "under_implementation"))
    figures = project_figures([p("approved", "10.00"), p("financed", "5.00")], config)
    assert figures["investment_committed_kzt"] == Decimal("5.00")


def ind(year, own, transfers, ord_="a", share=None):
    total = Decimal(own) + Decimal(transfers)
    return {"fiscal_year": year, "as_of_period": f"{year}-Q4", "own_revenue_kzt": Decimal(own),
            "transfers_received_kzt": Decimal(transfers), "total_revenue_kzt": total,
            "own_revenue_share": share or str(Decimal(own) / total),
            "transfer_dependency": str(Decimal(transfers) / total), "status": "recipient",
            "ord": ord_}


def test_fiscal_figures_use_the_latest_fiscal_year_and_its_alert():
    facts = RegionFacts("KZ-10", indicators=[ind(2025, "60", "40"), ind(2026, "25", "75")],
                        autonomy_alerts=[{"fiscal_year": 2025, "as_of_period": "2025-Q2",
                                          "own_revenue_share": "0.2", "threshold": "0.3",
                                          "ord": "b"},
                                         {"fiscal_year": 2026, "as_of_period": "2026-Q1",
                                          "own_revenue_share": "0.25", "threshold": "0.3",
                                          "ord": "c"}],
                        forecast={"totals_kzt": {"2027": "10.00", "2026": "5.00"}})
    fiscal = fiscal_figures(facts)
    assert fiscal["fiscal_year"] == 2026
    assert fiscal["own_revenue_share"] == Decimal("0.25")
    assert fiscal["transfer_dependency"] == Decimal("0.75")
    assert fiscal["autonomy_alert"]["fiscal_year"] == 2026
    assert list(fiscal["forecast_kzt"]) == ["2026", "2027"]
    # 0.75 in 2026 against the assumed trajectory's 0.507: off track, and the answer says so
    assert fiscal["trajectory"] == {"fiscal_year": 2026, "transfer_dependency": Decimal("0.75"),
                                    "expected_dependency": Decimal("0.507"), "off_track": True,
                                    "assumption": "dependency_trajectory"}


def test_fiscal_figures_without_data():
    fiscal = fiscal_figures(RegionFacts("KZ-10"))
    assert fiscal["fiscal_year"] is None and fiscal["own_revenue_share"] is None
    assert fiscal["forecast_kzt"] == {} and fiscal["autonomy_alert"] is None
    assert fiscal["trajectory"] is None


def test_mobility_counts():
    facts = RegionFacts(
        "KZ-35",
        rotations_from=[{"status": "started"}, {"status": "returning"}, {"status": "requested"},
                        {"status": "approved"}, {"status": "completed"}],
        rotations_to=[{"status": "started"}, {"status": "cancelled"}],
        rotations_home=[{"status": "completed", "cycle_completed": True},
                        {"status": "completed", "cycle_completed": False},
                        {"status": "started"}],
        due_items=[{"status": "due", "due_date": date(2026, 1, 1)},
                   {"status": "due", "due_date": date(2027, 1, 1)},
                   {"status": "started", "due_date": date(2026, 1, 1)}])
    assert mobility_figures(facts, TODAY) == {"rotations_out": 2, "rotations_in": 1,
                                              "completed_cycles": 1, "requests_pending": 2,
                                              "due_now": 1}


@pytest.mark.parametrize("indicator,value,gap,met", [
    ("cities_pct", "92.1", "3.9", False), ("cities_pct", "96.0", "0.0", True),
    ("rural_pct", "71.5", "-0.5", True), ("rural_population_pct", "90.0", "0.0", False)])
def test_srs_values_beside_the_2030_targets(indicator, value, gap, met):
    figures = srs_figures({indicator: value, "source": "Ministry of National Economy",
                           "as_of": date(2025, 12, 31)})
    row = next(t for t in figures["targets_2030"] if t["indicator"] == indicator)
    assert (row["current_pct"], row["gap_pct"], row["met"]) == (value, gap, met)
    assert figures["recorded"]["source"] == "Ministry of National Economy"
    assert figures["recorded"]["as_of"] == "2025-12-31"


def test_srs_targets_are_shown_without_recorded_values():
    figures = srs_figures(None)
    assert figures["recorded"] is None
    assert [(t["indicator"], t["target_pct"], t["comparison"]) for t in figures["targets_2030"]] \
        == [("cities_pct", "96", "at_least"), ("rural_pct", "71", "at_least"),
            ("rural_population_pct", "90", "more_than")]


def test_region_scorecard_is_json_ready():
    facts = RegionFacts("KZ-71", projects=[p("commissioned", "1234.5")],
                        indicators=[ind(2026, "1", "3")],
                        srs={"cities_pct": "89.3", "source": "stat", "as_of": date(2025, 1, 1),
                             "recorded_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
                        initiatives_by_status={"open": 2, "in_progress": 1, "resolved": 4})
    card = region_scorecard(facts, TODAY)
    assert card["region_name"] == "Astana"
    assert card["projects"]["investment_commissioned_kzt"] == "1234.50"
    assert card["fiscal"]["own_revenue_share"] == "0.2500"
    assert card["fiscal"]["total_revenue_kzt"] == "4.00"
    assert card["initiatives"]["active"] == 3
    assert card["srs"]["recorded"]["recorded_at"] == "2026-01-01T00:00:00+00:00"
    assert card["as_of"] == "2026-11-26"


def test_rollup_recomputes_shares_from_summed_revenue_of_the_latest_year():
    a = RegionFacts("KZ-10", indicators=[ind(2026, "10", "90")],
                    forecast={"totals_kzt": {"2027": "1.00"}},
                    srs={"cities_pct": "90.0", "rural_pct": "60.0"},
                    projects=[p("approved", "10.00")])
    b = RegionFacts("KZ-11", indicators=[ind(2026, "300", "100"), ind(2025, "1", "1")],
                    forecast={"totals_kzt": {"2027": "2.50", "2028": "4.00"}},
                    srs={"cities_pct": "95.0"}, projects=[p("commissioned", "5.00")],
                    rotations_from=[{"status": "started"}])
    c = RegionFacts("KZ-15", indicators=[ind(2025, "5", "5")])  # no 2026 data yet
    total = rollup([a, b, c], TODAY, national=False)
    fiscal = total["fiscal"]
    assert fiscal["fiscal_year"] == 2026 and fiscal["regions_reporting"] == 2
    # (10 + 300) / (100 + 400), not the mean of 0.1 and 0.75
    assert fiscal["own_revenue_share"] == "0.6200"
    assert fiscal["transfer_dependency"] == "0.3800"
    assert fiscal["forecast_kzt"] == {"2027": "3.50", "2028": "4.00"}
    assert total["projects"]["investment_committed_kzt"] == "15.00"
    assert total["mobility"]["rotations_out"] == 1
    # weighted by residents at 1 January 2025: (90 * 606,000 + 95 * 790,000) / 1,396,000 = 92.8
    # (the plain mean would be 92.5); both figures are the platform's estimates, and say so
    assert total["srs_2030"]["cities_pct"] == {
        "regions_recorded": 2, "weighted_pct": "92.8", "weighting": "population",
        "population_weighted": 1_396_000, "population_quality": "estimated",
        "regions_without_population": [], "target_pct": "96", "comparison": "at_least",
        "met": False}
    assert total["srs_2030"]["rural_pct"]["regions_recorded"] == 1
    assert total["scope"] == "regions" and total["region_codes"] == ["KZ-10", "KZ-11", "KZ-15"]


def test_rollup_without_any_data():
    total = rollup([RegionFacts("KZ-10")], TODAY, national=True)
    assert total["scope"] == "national"
    assert total["fiscal"] == {"fiscal_year": None, "regions_reporting": 0, "forecast_kzt": {}}
    assert total["projects"]["total"] == 0


def test_national_srs_is_weighted_by_population_not_a_plain_mean():
    almaty = RegionFacts("KZ-75", srs={"cities_pct": "92.1", "as_of": date(2025, 12, 31)})
    ulytau = RegionFacts("KZ-62", srs={"cities_pct": "59.0", "as_of": date(2025, 12, 31)})
    figure = rollup([almaty, ulytau], TODAY, national=True)["srs_2030"]["cities_pct"]
    # (92.1 * 2,292,333 + 59.0 * 221,000) / 2,513,333 = 89.19..., where the mean would be 75.6
    assert figure["weighted_pct"] == "89.2"
    assert figure["population_weighted"] == 2_292_333 + 221_000
    assert figure["population_quality"] == "estimated"  # Ulytau's figure is an estimate


def test_weights_of_exact_figures_give_an_exact_answer_and_missing_weights_are_listed():
    table = PopulationTable(date(2026, 1, 1), "test", {"KZ-10": 300, "KZ-11": 100},
                            {"KZ-10": "exact", "KZ-11": "exact"})
    a = RegionFacts("KZ-10", srs={"rural_pct": "60"})
    b = RegionFacts("KZ-11", srs={"rural_pct": "80"})
    c = RegionFacts("KZ-15", srs={"rural_pct": "10"})  # no population in the table given
    figure = rollup([a, b, c], TODAY, national=False, population=table)["srs_2030"]["rural_pct"]
    assert figure["weighted_pct"] == "65.0" and figure["population_quality"] == "exact"
    assert figure["regions_without_population"] == ["KZ-15"] and figure["regions_recorded"] == 2


def test_weighted_share_is_reusable_for_any_unit():
    share = weighted_share([Weighted("village-1", Decimal("100"), 900, "exact"),
                            Weighted("village-2", Decimal("0"), 100, "estimated"),
                            Weighted("village-3", None, 5000, "exact")])
    assert share == {"value": Decimal("90.0"), "units_counted": 2, "units_without_weight": [],
                     "weight_total": 1000, "population_quality": "estimated"}
    assert weighted_share([])["value"] is None


def test_per_resident_figures_carry_the_population_quality():
    doc = dict(ind(2026, "300", "100"), population=1000, population_quality="estimated",
               revenue_per_resident_kzt="0.40", subvention_per_resident_kzt=None)
    card = region_scorecard(RegionFacts("KZ-10", indicators=[doc]), TODAY)
    assert (card["fiscal"]["revenue_per_resident_kzt"], card["fiscal"]["population_quality"]) == (
        "0.40", "estimated")
    total = rollup([RegionFacts("KZ-10", indicators=[doc]),
                    RegionFacts("KZ-11", indicators=[dict(doc, population=3000,
                                                          population_quality="exact")])],
                   TODAY, national=False)["fiscal"]
    assert (total["population"], total["population_quality"]) == (4000, "estimated")
    assert total["revenue_per_resident_kzt"] == "0.20"  # (400 + 400) / 4000
