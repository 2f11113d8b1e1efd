"""Reporting periods inside a fiscal year (the fiscal year is the calendar year in Kazakhstan).

Encoding, one string per revenue line:

* ``"M01"`` … ``"M12"`` — one calendar month (zero-padded, so strings sort in time order);
* ``"Q1"`` … ``"Q4"`` — one calendar quarter (Q1 = January–March);
* ``"Y"`` — the whole fiscal year.

A line carries the amount *for* that period, not a running total. "To date" questions (indicators as
of June, say) are answered with :func:`ends_by`: a line counts toward "as of P" when its period ends
no later than P ends.
"""
from dataclasses import dataclass

from services.budgets.contract.vocabulary import MONTH_CODES, PERIOD_CODES, QUARTER_CODES, YEAR_CODE  # noqa: F401

# Coarser periods last so that "finest first" is a sort by this rank.
GRANULARITY_RANK = {"month": 0, "quarter": 1, "year": 2}


@dataclass(frozen=True)
class Period:
    code: str
    kind: str  # "month", "quarter" or "year"
    first_month: int
    last_month: int

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)


def _build() -> dict[str, Period]:
    table = {code: Period(code, "month", m, m) for m, code in enumerate(MONTH_CODES, start=1)}
    for q, code in enumerate(QUARTER_CODES, start=1):
        table[code] = Period(code, "quarter", 3 * q - 2, 3 * q)
    table[YEAR_CODE] = Period(YEAR_CODE, "year", 1, 12)
    return table


_PERIODS = _build()


def period_problems(raw) -> list[str]:
    """Reasons why ``raw`` is not a period code (empty list when it is one)."""
    if not isinstance(raw, str):
        return ["must be a string such as M01..M12, Q1..Q4 or Y"]
    if raw not in _PERIODS:
        return [f"unknown period {raw!r}: use M01..M12 (month), Q1..Q4 (quarter) or Y (year)"]
    return []


def is_period(raw) -> bool:
    return not period_problems(raw)


def parse_period(code: str) -> Period:
    """The :class:`Period` for a valid code; ``ValueError`` otherwise."""
    problems = period_problems(code)
    if problems:
        raise ValueError(problems[0])
    return _PERIODS[code]


def ends_by(code: str, as_of: str) -> bool:
    """Whether period ``code`` has ended when period ``as_of`` ends (both in the same year)."""
    return parse_period(code).last_month <= parse_period(as_of).last_month


def is_full_year(as_of: str) -> bool:
    return parse_period(as_of).last_month == 12
