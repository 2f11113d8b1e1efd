"""Indicators of one region and year as of every month, from one pass over its lines.

The same figures as ``compute_as_of`` for ``M01`` … ``M12`` (one accumulator per month, fed from
the same cursor), so a month-by-month chart costs one read of the lines instead of twelve.
"""
from services.budgets.application.recalculation import Stores, _result
from services.budgets.domain.indicators import (
    DEFAULT_INDICATOR_SETTINGS,
    IndicatorAccumulator,
    IndicatorSettings,
)
from services.budgets.domain.periods import MONTH_CODES


def indicators_by_month(stores: Stores, region_code: str, fiscal_year: int,
                        config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS) -> list[dict]:
    """``[indicators as of M01, …, as of M12]`` (year-to-date figures at the end of each month)."""
    pair = (region_code, int(fiscal_year))
    accumulators = [IndicatorAccumulator(region_code, fiscal_year, month, config)
                    for month in MONTH_CODES]
    for line in stores.lines.stream_pairs([pair]):
        for accumulator in accumulators:
            accumulator.add(line)
    return [_result(pair, accumulator, stores) for accumulator in accumulators]
