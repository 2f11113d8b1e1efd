"""Fiscal autonomy indicators on hand-computed examples, and threshold crossing."""
from decimal import Decimal

import pytest

import services.budgets.contract.events  # noqa: F401  (registers the payload schemas)
from services.budgets.domain.indicators import (
    IndicatorSettings,
    amounts_to_date,
    compare_indicators,
    compute_indicators,
    fiscal_status,
)
from services.budgets.domain.lines import validate_revenue_line, validate_transfers
from services.common.events import build_event, parse_event

REGION = "KZ-61"


def line(level, code, phase, amount, period="Y", district=None, year=2025, region=REGION):
    if level in ("district", "rural_district") and district is None:
        district = "Sairam district" if level == "district" else "Karabulak rural okrug"
    return validate_revenue_line({"region_code": region, "budget_level": level,
                                  "district": district, "fiscal_year": year, "period": period,
                                  "ebk_code": code, "phase": phase, "amount_kzt": amount})


def transfers(subventions="0", withdrawals="0", earmarked="0", year=2025):
    return validate_transfers({"region_code": REGION, "fiscal_year": year,
                               "subventions_kzt": subventions, "withdrawals_kzt": withdrawals,
                               "earmarked_kzt": earmarked})


def example_lines():
    return [
        # executed own revenue: 600 + 150 + 50 = 800
        line("oblast", "101201", "executed", "600.00"),
        line("district", "104302", "executed", "150.00"),
        line("rural_district", "105430", "executed", "50.00"),
        # transfer from the republican budget counts: 1200
        line("oblast", "402103", "executed", "1200.00"),
        # transfer from the oblast to a district stays inside the region: left out
        line("district", "402203", "executed", "300.00"),
        # plans: approved 700 + 1400 = 2100 wins over planned
        line("oblast", "101201", "approved", "700.00"),
        line("oblast", "402103", "approved", "1400.00"),
        line("oblast", "101201", "planned", "3000.00"),
        # another region and another year never leak in
        line("oblast", "101201", "executed", "999.00", region="KZ-31"),
        line("oblast", "101201", "executed", "999.00", year=2026),
    ]


def test_hand_computed_full_year_indicators():
    result = compute_indicators(REGION, 2025, example_lines(), population=1000,
                                transfers=transfers(subventions="1500.00"))
    assert result["own_revenue_kzt"] == Decimal("800.00")
    assert result["transfers_received_kzt"] == Decimal("1200.00")
    assert result["total_revenue_kzt"] == Decimal("2000.00")
    assert result["own_revenue_share"] == Decimal("0.4000")
    assert result["transfer_dependency"] == Decimal("0.6000")
    assert (result["plan_phase"], result["plan_basis"]) == ("approved", "period")
    assert result["plan_kzt"] == Decimal("2100.00")
    assert result["execution_rate"] == Decimal("0.9524")  # 2000 / 2100 = 0.952380...
    assert result["revenue_per_resident_kzt"] == Decimal("2.00")
    assert result["subvention_per_resident_kzt"] == Decimal("1.50")
    assert result["status"] == "recipient"
    assert result["by_category"] == {"1": Decimal("800.00"), "2": Decimal("0.00"),
                                     "3": Decimal("0.00"), "4": Decimal("1200.00")}


def test_planned_phase_is_the_plan_when_nothing_is_approved():
    lines = [line("oblast", "101201", "executed", "90.00"),
             line("oblast", "101201", "planned", "120.00")]
    result = compute_indicators(REGION, 2025, lines, transfers=None, population=None)
    assert (result["plan_phase"], result["plan_kzt"]) == ("planned", Decimal("120.00"))
    assert result["execution_rate"] == Decimal("0.7500")
    assert result["own_revenue_share"] == Decimal("1.0000")
    assert result["revenue_per_resident_kzt"] is None
    assert result["status"] == "unknown"


def test_no_revenue_gives_no_ratios():
    result = compute_indicators(REGION, 2025, [], transfers=None, population=100)
    assert result["total_revenue_kzt"] == Decimal("0.00")
    assert result["own_revenue_share"] is None
    assert result["transfer_dependency"] is None
    assert result["execution_rate"] is None and result["plan_phase"] is None


def test_to_date_counts_periods_ended_by_the_as_of_period():
    lines = [line("oblast", "101201", "executed", "10.00", period=f"M{m:02d}") for m in range(1, 13)]
    lines += [line("oblast", "101201", "approved", "1200.00")]
    q2 = compute_indicators(REGION, 2025, lines, transfers=None, population=None, as_of="Q2")
    assert q2["total_revenue_kzt"] == Decimal("60.00")
    # only a yearly plan exists: execution to date is measured against the annual plan
    assert (q2["plan_basis"], q2["plan_kzt"], q2["execution_rate"]) == \
        ("annual", Decimal("1200.00"), Decimal("0.0500"))
    assert compute_indicators(REGION, 2025, lines, transfers=None, population=None,
                              as_of="M01")["total_revenue_kzt"] == Decimal("10.00")


def test_quarterly_plan_gives_a_period_basis():
    lines = [line("oblast", "101201", "approved", "100.00", period=q) for q in ("Q1", "Q2", "Q3")]
    lines += [line("oblast", "101201", "executed", "45.00", period="M02")]
    result = compute_indicators(REGION, 2025, lines, transfers=None, population=None, as_of="Q1")
    assert (result["plan_basis"], result["plan_kzt"]) == ("period", Decimal("100.00"))
    assert result["execution_rate"] == Decimal("0.4500")


def test_a_series_booked_at_two_granularities_is_counted_once():
    months = [line("oblast", "101201", "executed", "10.00", period=m) for m in ("M01", "M02", "M03")]
    quarter = [line("oblast", "101201", "executed", "30.00", period="Q1")]
    year = [line("oblast", "101201", "executed", "130.00", period="Y")]
    selected = amounts_to_date(months + quarter + year, "Q1")
    assert sum(a for _, a in selected) == Decimal("30.00")
    assert {ln["period"] for ln, _ in selected} == {"M01", "M02", "M03"}  # finest on a tie
    full = amounts_to_date(months + quarter + year, "Y")
    assert [ln["period"] for ln, _ in full] == ["Y"]  # the only one covering the whole year


def test_granularity_covering_most_of_the_span_wins():
    months = [line("oblast", "104101", "executed", "5.00", period=m) for m in ("M01", "M02")]
    quarters = [line("oblast", "104101", "executed", "40.00", period=q) for q in ("Q1", "Q2")]
    selected = amounts_to_date(months + quarters, "M06")
    assert sum(a for _, a in selected) == Decimal("80.00")


def test_consolidation_prefixes_are_configurable():
    lines = [line("district", "104302", "executed", "100.00"),
             line("district", "402203", "executed", "100.00")]
    default = compute_indicators(REGION, 2025, lines, transfers=None, population=None)
    assert default["total_revenue_kzt"] == Decimal("100.00")
    per_budget = compute_indicators(REGION, 2025, lines, transfers=None, population=None,
                                    config=IndicatorSettings(consolidation_excluded_prefixes=()))
    assert per_budget["total_revenue_kzt"] == Decimal("200.00")
    assert per_budget["transfer_dependency"] == Decimal("0.5000")


def test_ratios_round_to_configured_places():
    lines = [line("oblast", "101201", "executed", "1.00"),
             line("oblast", "402103", "executed", "2.00")]
    result = compute_indicators(REGION, 2025, lines, transfers=None, population=3)
    assert result["own_revenue_share"] == Decimal("0.3333")
    assert result["transfer_dependency"] == Decimal("0.6667")
    assert result["revenue_per_resident_kzt"] == Decimal("1.00")
    two = compute_indicators(REGION, 2025, lines, transfers=None, population=None,
                             config=IndicatorSettings(ratio_places=2))
    assert two["own_revenue_share"] == Decimal("0.33")


@pytest.mark.parametrize("subventions, withdrawals, status", [
    ("100.00", "0", "recipient"), ("100.00", "40.00", "recipient"), ("0", "50.00", "donor"),
    ("0", "0", "neutral"), ("40.00", "40.00", "neutral"), ("40.00", "100.00", "neutral")])
def test_donor_recipient_status(subventions, withdrawals, status):
    assert fiscal_status(transfers(subventions, withdrawals)) == status


def test_missing_transfer_record_is_unknown():
    assert fiscal_status(None) == "unknown"


# --- threshold crossing -------------------------------------------------------------------------

def indicators_with_share(own, transfer):
    lines = [line("oblast", "101201", "executed", own), line("oblast", "402103", "executed", transfer)]
    return compute_indicators(REGION, 2025, lines, transfers=transfers("10.00"), population=10)


@pytest.mark.parametrize("previous, new, emits", [
    (None, ("40.00", "60.00"), True),              # first calculation already below
    (("60.00", "40.00"), ("40.00", "60.00"), True),  # 0.6 -> 0.4 crosses
    (("50.00", "50.00"), ("4999.00", "5001.00"), True),  # 0.5 -> 0.4999 crosses
    (("45.00", "55.00"), ("40.00", "60.00"), False),  # already below: no repeat
    (("40.00", "60.00"), ("60.00", "40.00"), False),  # rising above is not this fact
    (("60.00", "40.00"), ("50.00", "50.00"), False),  # exactly at the threshold is not below
    (("0", "0"), ("40.00", "60.00"), True),          # from unknown share to below
])
def test_autonomy_below_threshold_only_on_crossing(previous, new, emits):
    before = indicators_with_share(*previous) if previous else None
    after = indicators_with_share(*new)
    facts = compare_indicators(before, after)
    kinds = [kind for kind, _ in facts]
    assert ("autonomy_below_threshold" in kinds) is emits
    assert "indicators_recalculated" in kinds


def test_threshold_is_configurable():
    before = indicators_with_share("70.00", "30.00")
    after = indicators_with_share("65.00", "35.00")
    assert [k for k, _ in compare_indicators(before, after)] == ["indicators_recalculated"]
    facts = compare_indicators(before, after, IndicatorSettings(min_own_revenue_share=Decimal("0.66")))
    below = dict(facts)["autonomy_below_threshold"]
    assert below == {"region_code": REGION, "fiscal_year": 2025, "as_of_period": "Y",
                     "own_revenue_share": "0.6500", "previous_share": "0.7000",
                     "threshold": "0.66", "transfer_dependency": "0.3500", "status": "recipient"}


def test_unchanged_recalculation_emits_nothing():
    same = indicators_with_share("40.00", "60.00")
    assert compare_indicators(same, indicators_with_share("40.00", "60.00")) == []


def test_sequence_below_above_below_emits_twice():
    shares = [("40.00", "60.00"), ("41.00", "59.00"), ("70.00", "30.00"), ("30.00", "70.00"),
              ("31.00", "69.00")]
    previous, emitted = None, 0
    for own, transfer in shares:
        current = indicators_with_share(own, transfer)
        emitted += sum(k == "autonomy_below_threshold" for k, _ in compare_indicators(previous, current))
        previous = current
    assert emitted == 2


def test_facts_match_the_published_event_schemas():
    after = compute_indicators(REGION, 2025, example_lines(), population=1000,
                               transfers=transfers(subventions="1500.00"))
    for kind, payload in compare_indicators(None, after):
        envelope = build_event(kind, payload, region_code=REGION)
        assert parse_event(envelope)["event_type"] == kind
        if kind == "indicators_recalculated":
            assert envelope["payload"]["own_revenue_share"] == "0.4000"
            assert envelope["payload"]["total_revenue_kzt"] == "2000.00"
