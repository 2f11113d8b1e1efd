"""The streaming indicator accumulator gives exactly what the line-list definition gives."""
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from services.budgets.domain.ebk import classification_for_year
from services.budgets.domain.indicators import IndicatorAccumulator, amounts_to_date, compute_indicators
from services.budgets.domain.periods import PERIOD_CODES, is_full_year, parse_period
from services.common.money import ZERO, money

REGION = "KZ-61"
CODES = ("101202", "104302", "201504", "402103", "402203", "402303", "303101")


def reference_totals(lines, as_of):
    """Executed sums by category and the plan amount, straight from ``amounts_to_date``."""
    excluded = classification_for_year(2025).info.consolidation_excluded_prefixes
    by_phase = defaultdict(list)
    for line in lines:
        if line["region_code"] == REGION and line["fiscal_year"] == 2025 \
                and not line["ebk_code"].startswith(excluded):
            by_phase[line["phase"]].append(line)
    executed = {c: ZERO for c in (1, 2, 3, 4)}
    for line, amount in amounts_to_date(by_phase["executed"], as_of):
        executed[int(line["ebk_code"][0])] += amount
    plan_phase = ("approved" if by_phase["approved"]
                  else "planned" if by_phase["planned"] else None)
    plan = None
    if plan_phase:
        plan_lines = by_phase[plan_phase]
        plan = money(sum((a for _, a in amounts_to_date(plan_lines, as_of)), ZERO))
        if not is_full_year(as_of) and all(parse_period(ln["period"]).kind == "year"
                                           for ln in plan_lines):
            plan = money(sum((a for _, a in amounts_to_date(plan_lines, "Y")), ZERO))
    return {str(c): money(v) for c, v in executed.items()}, plan


def random_lines(rng, count):
    lines = {}
    for _ in range(count):
        line = {"region_code": rng.choice([REGION, REGION, "KZ-75"]),
                "budget_level": "district", "district": rng.choice(["A", "B"]),
                "fiscal_year": rng.choice([2025, 2025, 2026]),
                "period": rng.choice(PERIOD_CODES), "ebk_code": rng.choice(CODES),
                "phase": rng.choice(["planned", "approved", "executed", "executed"]),
                "amount_kzt": Decimal(rng.randint(0, 10_000_00)) / 100}
        lines[tuple(line[k] for k in ("region_code", "district", "fiscal_year", "period",
                                      "ebk_code", "phase"))] = line
    return list(lines.values())


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("as_of", ["M01", "M05", "Q2", "M09", "Q4", "Y"])
def test_accumulator_matches_the_line_list_definition(seed, as_of):
    lines = random_lines(random.Random(seed), 60)
    result = compute_indicators(REGION, 2025, lines, transfers=None, population=None, as_of=as_of)
    by_category, plan = reference_totals(lines, as_of)
    assert result["by_category"] == by_category
    assert result["plan_kzt"] == plan


def test_accumulator_reads_a_cursor_once_and_counts_only_its_region_and_year():
    lines = random_lines(random.Random(7), 200)
    accumulator = IndicatorAccumulator(REGION, 2025)
    for line in iter(lines):
        accumulator.add(line)
    expected = sum(1 for ln in lines if ln["region_code"] == REGION and ln["fiscal_year"] == 2025
                   and not ln["ebk_code"].startswith(("401", "4022", "4023")))
    assert accumulator.lines_seen == expected
    assert accumulator.result(transfers=None, population=None) == compute_indicators(
        REGION, 2025, lines, transfers=None, population=None)
