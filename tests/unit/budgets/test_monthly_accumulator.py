"""One pass for twelve months gives exactly what twelve accumulators, one per month, give."""
import random
from decimal import Decimal

import pytest

from services.budgets.domain.indicators import IndicatorAccumulator
from services.budgets.domain.monthly import MonthlyIndicatorAccumulator
from services.budgets.domain.periods import MONTH_CODES
from tests.unit.budgets.test_accumulator import REGION, random_lines

TRANSFERS = {"subventions_kzt": Decimal("500.00"), "withdrawals_kzt": Decimal("0.00"),
             "earmarked_kzt": Decimal("20.00")}


def month_by_month(lines, **context):
    accumulators = [IndicatorAccumulator(REGION, 2025, month) for month in MONTH_CODES]
    for line in lines:
        for accumulator in accumulators:
            accumulator.add(line)
    return [accumulator.result(**context) for accumulator in accumulators]


@pytest.mark.parametrize("seed", range(40))
def test_one_pass_matches_an_accumulator_per_month(seed):
    rng = random.Random(seed)
    lines = random_lines(rng, rng.choice([0, 5, 60, 200]))
    context = {"transfers": rng.choice([None, TRANSFERS]), "population": rng.choice([None, 750_000])}
    monthly = MonthlyIndicatorAccumulator(REGION, 2025)
    for line in lines:
        monthly.add(line)
    assert monthly.results(**context) == month_by_month(lines, **context)


def test_a_correction_added_as_a_difference_moves_every_month_from_its_end_on():
    line = {"region_code": REGION, "budget_level": "oblast", "district": None, "fiscal_year": 2025,
            "period": "M03", "ebk_code": "101202", "phase": "executed", "amount_kzt": Decimal("100.00")}
    monthly = MonthlyIndicatorAccumulator(REGION, 2025)
    monthly.add(line)
    monthly.add(dict(line, amount_kzt=Decimal("-40.00")))
    own = [m["own_revenue_kzt"] for m in monthly.results(transfers=None, population=None)]
    assert own == [Decimal("0.00")] * 2 + [Decimal("60.00")] * 10
    assert monthly.lines_seen == 2
