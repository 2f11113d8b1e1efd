"""Calendar arithmetic the personnel rules need (terms in months and years, ages)."""
import calendar
from datetime import date

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_length(year: int, month: int) -> int:
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months; a day missing in the target month clips to its last day."""
    year, month_zero = divmod(start.year * 12 + (start.month - 1) + months, 12)
    day = start.day
    if day > 28:
        day = min(day, month_length(year, month_zero + 1))
    return date(year, month_zero + 1, day)


def add_years(start: date, years: int) -> date:
    """``start`` moved by whole years; 29 February becomes 28 February in a common year."""
    return add_months(start, 12 * years)


def whole_years_between(earlier: date, later: date) -> int:
    """Completed years from ``earlier`` to ``later`` (an age, a length of service)."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years
