"""Indicators of one region and year as of the end of every month, from one pass over its lines.

Twelve :class:`IndicatorAccumulator` (``M01`` … ``M12``) fed the same lines give the same figures,
but cost twelve additions a line. Here a line is added once, under the month its period ends in;
the figures as of month ``m`` are then the sums over the months up to ``m``. Everything else an
accumulator keeps (the plan over the whole year, the phases seen) does not depend on the month.
"""
import copy

from services.budgets.domain.indicators import (
    DEFAULT_INDICATOR_SETTINGS,
    IndicatorAccumulator,
    IndicatorSettings,
    _SeriesTotals,
)
from services.budgets.domain.periods import MONTH_CODES, is_full_year, parse_period


class MonthlyIndicatorAccumulator:
    def __init__(self, region_code: str, fiscal_year: int,
                 config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS):
        # as of M01 (not a full year): it keeps the annual plan the months before M12 fall back on
        self._common = IndicatorAccumulator(region_code, fiscal_year, MONTH_CODES[0], config)
        # (series, kind) -> {last month of the period: [amount, months mask]}
        self._by_end: dict[tuple, dict[int, list]] = {}

    @property
    def lines_seen(self) -> int:
        return self._common.lines_seen

    @property
    def series_count(self) -> int:
        """How many series and granularities are held (what the memory grows with)."""
        return len(self._by_end) + len(self._common._plan_annual.by_series)

    def add(self, line: dict) -> None:
        admitted = self._common._admit(line)
        if admitted is None:
            return
        series, period, amount, mask = admitted
        ends = self._by_end.setdefault((series, period.kind), {})
        slot = ends.get(period.last_month)
        if slot is None:
            ends[period.last_month] = [amount, mask]
        else:
            slot[0] += amount
            slot[1] |= mask

    def results(self, *, transfers: dict | None, population) -> list[dict]:
        """``[indicators as of M01, …, as of M12]``, as ``IndicatorAccumulator.result`` gives them."""
        out = []
        for as_of in MONTH_CODES:
            month = parse_period(as_of).last_month
            to_date = _SeriesTotals()
            for (series, kind), ends in self._by_end.items():
                for end in sorted(ends):
                    if end <= month:
                        to_date.add(series, kind, *ends[end])
            accumulator = copy.copy(self._common)
            accumulator.as_of = as_of
            accumulator._span_end = month
            accumulator._full_year = is_full_year(as_of)
            accumulator._to_date = to_date
            out.append(accumulator.result(transfers=transfers, population=population))
        return out
