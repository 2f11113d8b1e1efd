"""An import's running indicator totals are used only when it provably wrote the pair alone."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from services.budgets.application.recalculation import FreshPairs
from services.budgets.domain.indicators import compute_indicators
from services.budgets.domain.lines import validate_revenue_line
from services.budgets.domain.periods import MONTH_CODES

PAIR = ("KZ-61", 2025)


class Counters:
    """A stand-in for the repository's pair counters."""

    def __init__(self, lines=0, gen=0):
        self.lines, self.gen = lines, gen

    def pair_counter(self, region_code, fiscal_year):
        return self.lines, self.gen


def line(period, amount, code="101202"):
    return validate_revenue_line({"region_code": "KZ-61", "budget_level": "oblast",
                                  "district": None, "fiscal_year": 2025, "period": period,
                                  "ebk_code": code, "phase": "executed", "amount_kzt": amount})


def write(tracker, counters, batch, results, previous):
    """What the job does around one ``write_batch`` (counters move as the repository moves them)."""
    tracker.before_batch(batch)
    counters.gen += 1
    counters.lines += results.count("inserted")
    tracker.after_batch(batch, SimpleNamespace(results=results, previous=previous))


def test_totals_of_a_pair_filled_alone_equal_reading_it_back():
    counters = Counters()
    tracker = FreshPairs(counters)
    first = [line("M01", "10.00"), line("M02", "20.00")]
    write(tracker, counters, first, ["inserted", "inserted"], [None, None])
    correction = [line("M01", "15.00"), line("Y", "100.00", code="402103")]
    write(tracker, counters, correction, ["updated", "inserted"], [1000, None])
    accumulator = tracker.accumulated(PAIR)
    assert accumulator is not None
    stored = [line("M01", "15.00"), line("M02", "20.00"), line("Y", "100.00", code="402103")]
    expected = compute_indicators("KZ-61", 2025, stored, transfers=None, population=None)
    assert accumulator.result(transfers=None, population=None) == expected
    assert expected["own_revenue_kzt"] == Decimal("35.00")
    # and month by month, as the read model is kept
    by_month = tracker.accumulated_by_month(PAIR).results(transfers=None, population=None)
    assert by_month == [compute_indicators("KZ-61", 2025, stored, transfers=None, population=None,
                                           as_of=month) for month in MONTH_CODES]
    assert [m["own_revenue_kzt"] for m in by_month[:3]] == [Decimal("15.00"), Decimal("35.00"),
                                                            Decimal("35.00")]


@pytest.mark.parametrize("case", ["lines_before", "other_writer_inserted", "other_writer_batch",
                                  "resumed_job"])
def test_any_doubt_sends_the_pair_back_to_the_store(case):
    counters = Counters(lines=3 if case == "lines_before" else 0, gen=1)
    tracker = FreshPairs(counters, trusted=case != "resumed_job")
    write(tracker, counters, [line("M01", "10.00")], ["inserted"], [None])
    if case == "other_writer_inserted":
        counters.lines += 1
        counters.gen += 1
    if case == "other_writer_batch":  # an update by someone else: no new line, one more batch
        counters.gen += 1
    assert tracker.accumulated(PAIR) is None and tracker.accumulated_by_month(PAIR) is None


def test_totals_are_dropped_beyond_the_memory_bound():
    counters = Counters()
    tracker = FreshPairs(counters, max_series=1)
    batch = [line("M01", "1.00", code="101202"), line("M01", "1.00", code="104302")]
    write(tracker, counters, batch, ["inserted", "inserted"], [None, None])
    assert tracker.accumulators == {} and tracker.accumulated(PAIR) is None
    assert tracker.by_month == {} and tracker.accumulated_by_month(PAIR) is None
