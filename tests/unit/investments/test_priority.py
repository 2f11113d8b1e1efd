"""Priority flag from MCI thresholds: boundaries per type and sector, MCI year choice, config."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from services.investments.application.demo_data import example_project
from services.investments.domain import assess_priority, mci_for_year, register_project
from services.investments.domain.settings import InvestmentSettings

TIYN = Decimal("0.01")
MCI = {2025: Decimal(3932), 2026: Decimal(4325)}
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)

# (project_type, sector, threshold in MCI, basis)
ELIGIBLE = [
    ("new_production", "manufacturing", 2_000_000, "project_type"),
    ("new_production", "agro_processing", 2_000_000, "project_type"),
    ("expansion", "mining_metallurgy", 5_000_000, "project_type"),
    ("new_production", "food_light_industry", 1_000_000, "sector"),
    ("expansion", "food_light_industry", 1_000_000, "sector"),
    ("new_production", "tourism", 200_000, "sector"),
    ("expansion", "tourism", 200_000, "sector"),
]


@pytest.mark.parametrize("year", [2025, 2026])
@pytest.mark.parametrize("project_type,sector,threshold_mci,basis", ELIGIBLE)
def test_threshold_boundary(project_type, sector, threshold_mci, basis, year):
    threshold_kzt = threshold_mci * MCI[year]
    at = assess_priority(project_type, sector, threshold_kzt, year, InvestmentSettings())
    under = assess_priority(project_type, sector, threshold_kzt - TIYN, year, InvestmentSettings())
    assert at.priority is True and under.priority is False
    assert at.threshold_kzt == threshold_kzt and at.threshold_mci == threshold_mci
    assert at.basis == basis and at.mci_year == year and at.mci_kzt == MCI[year]


def test_known_threshold_values():
    assert assess_priority("new_production", "energy", Decimal("7864000000.00"), 2025,
                           InvestmentSettings()).priority
    assert not assess_priority("new_production", "energy", Decimal("7863999999.99"), 2025,
                               InvestmentSettings()).priority
    assert assess_priority("expansion", "energy", Decimal("21625000000.00"), 2026,
                           InvestmentSettings()).priority
    assert assess_priority("new_production", "tourism", Decimal("786400000.00"), 2025,
                           InvestmentSettings()).priority


@pytest.mark.parametrize("project_type", ["modernisation", "single_industry_town_anchor",
                                          "infrastructure"])
@pytest.mark.parametrize("sector", ["tourism", "food_light_industry", "energy"])
def test_other_types_are_not_priority_eligible(project_type, sector):
    result = assess_priority(project_type, sector, Decimal("1e14"), 2025, InvestmentSettings())
    assert result.priority is False and result.basis == "not_eligible"
    assert result.threshold_kzt is None and result.threshold_mci is None


def test_config_can_make_another_type_eligible_and_change_the_mci():
    config = InvestmentSettings(
        mci_kzt_by_year={2025: Decimal("4000")},
        priority_threshold_mci_by_type={"modernisation": 1_000})
    assert assess_priority("modernisation", "energy", Decimal("4000000"), 2025, config).priority
    assert not assess_priority("modernisation", "energy", Decimal("3999999.99"), 2025,
                               config).priority
    assert assess_priority("new_production", "energy", Decimal("1e14"), 2025,
                           config).basis == "not_eligible"


@pytest.mark.parametrize("year,used", [(2025, 2025), (2026, 2026), (2027, 2026), (2031, 2026),
                                       (2024, 2025), (2010, 2025)])
def test_mci_year_fallback(year, used):
    assert mci_for_year(year, InvestmentSettings()) == (used, MCI[used])


def test_mci_table_with_a_gap_uses_latest_year_not_after():
    config = InvestmentSettings(mci_kzt_by_year={2024: 3692, 2026: 4325})
    assert mci_for_year(2025, config) == (2024, Decimal(3692))


def register(now=NOW, **overrides):
    project, events = register_project(example_project(**overrides), project_id="p", now=now,
                                       by="u")
    return project, events


def test_priority_uses_the_year_of_planned_start():
    # 8,000,000,000 KZT is above 2,000,000 MCI of 2025 (7,864,000,000) but below 2026's
    # (8,650,000,000).
    common = {"total_cost": {"amount": "8000000000.00", "currency": "KZT"},
              "financing_sources": [], "planned_commissioning": None}
    in_2025, _ = register(planned_start="2025-12-31", **common)
    in_2026, _ = register(planned_start="2026-01-01", **common)
    assert in_2025["priority"] is True and in_2025["priority_basis"]["mci_year"] == 2025
    assert in_2026["priority"] is False and in_2026["priority_basis"]["mci_year"] == 2026
    assert in_2026["priority_basis"] == {"basis": "project_type", "threshold_mci": 2_000_000,
                                         "mci_year": 2026, "mci_kzt": Decimal(4325),
                                         "threshold_kzt": Decimal("8650000000.00")}


def test_without_planned_start_the_local_registration_year_is_used():
    common = {"total_cost": {"amount": "8000000000.00", "currency": "KZT"},
              "financing_sources": [], "planned_start": None, "planned_commissioning": None}
    # 31 Dec 2025 19:30 UTC is already 00:30 on 1 Jan 2026 in Kazakhstan (UTC+5).
    new_year, _ = register(now=datetime(2025, 12, 31, 19, 30, tzinfo=timezone.utc), **common)
    old_year, _ = register(now=datetime(2025, 12, 31, 18, 30, tzinfo=timezone.utc), **common)
    assert new_year["priority_basis"]["mci_year"] == 2026 and new_year["priority"] is False
    assert old_year["priority_basis"]["mci_year"] == 2025 and old_year["priority"] is True


def test_registration_flag_exactly_at_and_one_tiyn_under_the_threshold():
    at, events = register(total_cost={"amount": "7864000000.00", "currency": "KZT"},
                          financing_sources=[])
    under, _ = register(total_cost={"amount": "7863999999.99", "currency": "KZT"},
                        financing_sources=[])
    assert at["priority"] is True and under["priority"] is False
    assert events[0][1]["priority"] is True
    assert events[0][1]["priority_basis"]["threshold_kzt"] == "7864000000.00"


def test_usd_cost_is_compared_in_kzt():
    # 15,728,000 USD at 500 KZT = 7,864,000,000 KZT: exactly at the threshold.
    at, _ = register(total_cost={"amount": "15728000.00", "currency": "USD",
                                 "exchange_rate": "500"}, financing_sources=[])
    under, _ = register(total_cost={"amount": "15727999.99", "currency": "USD",
                                    "exchange_rate": "500"}, financing_sources=[])
    assert at["priority"] is True and under["priority"] is False


@pytest.mark.parametrize("basis, setting", [("sector", "priority_threshold_mci_by_sector"),
                                            ("project_type", "priority_threshold_mci_by_type"),
                                            ("not_eligible", "priority_threshold_mci_by_type")])
def test_a_projects_priority_basis_names_the_assumed_setting(basis, setting):
    from services.investments.contract.assumptions import ASSUMED_SETTINGS
    from services.investments.contract.rpc import PriorityBasisOut
    out = PriorityBasisOut().dump({"basis": basis, "threshold_mci": None, "mci_year": 2026,
                                   "mci_kzt": Decimal("4325"), "threshold_kzt": None})
    assert out["assumption"] == setting and setting in ASSUMED_SETTINGS
