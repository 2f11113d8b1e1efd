"""Deterministic demo data for the budgets service."""
from collections import defaultdict
from decimal import Decimal

from services.budgets.application.seed import NATIONAL_2026, seed_dataset, seed_transfers
from services.budgets.domain.indicators import compute_indicators
from services.budgets.domain.lines import natural_key
from services.budgets.domain.reference import default_population
from services.common.regions import REGIONS


def test_seed_is_deterministic_and_covers_every_region_and_year():
    first, second = seed_dataset(), seed_dataset()
    assert first == second
    assert seed_dataset(seed=7)["lines"] != first["lines"]
    covered = {(ln["region_code"], ln["fiscal_year"]) for ln in first["lines"]}
    assert covered == {(code, year) for code in REGIONS for year in (2025, 2026)}
    keys = [natural_key(ln) for ln in first["lines"]]
    assert len(keys) == len(set(keys))
    assert {ln["phase"] for ln in first["lines"]} == {"planned", "approved", "executed"}
    executed_2026 = {ln["period"] for ln in first["lines"]
                     if ln["fiscal_year"] == 2026 and ln["phase"] == "executed"}
    assert executed_2026 == {"M01", "M02", "M03", "M04", "M05", "M06"}


def test_donors_and_recipients():
    records = {t["region_code"]: t for t in seed_transfers([2026])}
    for donor in ("KZ-23", "KZ-71", "KZ-75"):
        assert records[donor]["withdrawals_kzt"] > 0 and records[donor]["subventions_kzt"] == 0
    recipients = [c for c in REGIONS if records[c]["subventions_kzt"] > 0]
    assert len(recipients) == 17
    assert max(recipients, key=lambda c: records[c]["subventions_kzt"]) == "KZ-61"
    total = sum(r["subventions_kzt"] for r in records.values())
    assert abs(total - NATIONAL_2026["subventions"]) < Decimal("1.00")


def test_seeded_indicators_look_like_the_country():
    data = seed_dataset()
    by_region = defaultdict(list)
    for ln in data["lines"]:
        by_region[(ln["region_code"], ln["fiscal_year"])].append(ln)
    transfers = {(t["region_code"], t["fiscal_year"]): t for t in data["transfers"]}
    population = default_population()
    results = {code: compute_indicators(code, 2025, by_region[(code, 2025)],
                                        transfers=transfers[(code, 2025)],
                                        population=population.get(code))
               for code in REGIONS}
    assert results["KZ-61"]["status"] == "recipient"
    assert results["KZ-75"]["status"] == "donor"
    assert results["KZ-61"]["own_revenue_share"] < Decimal("0.5") < \
        results["KZ-75"]["own_revenue_share"]
    assert all(Decimal("0.9") < r["execution_rate"] < Decimal("1.1") for r in results.values())
    own_2026 = sum(ln["amount_kzt"] for ln in data["lines"]
                   if ln["fiscal_year"] == 2026 and ln["phase"] == "approved"
                   and ln["period"] == "Y" and ln["ebk_category"] != 5)  # FY2026: transfers are 5
    assert abs(own_2026 - NATIONAL_2026["own"]) / NATIONAL_2026["own"] < Decimal("0.01")


def test_monthly_plan_adds_up_to_the_approved_year():
    lines = [ln for ln in seed_dataset()["lines"] if ln["phase"] == "approved"]
    yearly, monthly = defaultdict(Decimal), defaultdict(Decimal)
    for ln in lines:
        key = (ln["region_code"], ln["budget_level"], ln["district"], ln["fiscal_year"],
               ln["ebk_code"])
        (yearly if ln["period"] == "Y" else monthly)[key] += ln["amount_kzt"]
    assert yearly and yearly == monthly
