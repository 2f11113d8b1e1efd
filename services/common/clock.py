"""The platform's one clock: instants in UTC, business days on Kazakhstan's civil calendar.

Kazakhstan has kept one time zone, UTC+5, since 1 March 2024 (``CIVIL_UTC_OFFSET_HOURS``,
default 5; ``PERSONNEL_UTC_OFFSET_HOURS`` is read when it is not set). Every deadline the
platform checks (the 1 April report, initiative due dates, rotation due dates, "not in the future"
checks of project dates) is a civil day: 23:30 UTC on 1 April is already 2 April in Astana, so a
report generated then is late. Instants are stored in UTC at millisecond precision, as BSON keeps
them, so a document read back compares equal to the one written.
"""
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from services.common.config import load_settings


@lru_cache(maxsize=1)
def civil_timezone() -> timezone:
    hours = load_settings().civil_utc_offset_hours
    return timezone(timedelta(hours=hours), f"UTC{hours:+g}")


def now_utc() -> datetime:
    """The current instant, UTC, truncated to the millisecond."""
    instant = datetime.now(timezone.utc)
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def civil_date(instant: datetime | date) -> date:
    """The civil calendar day at ``instant`` (a naive datetime is taken as UTC; a date is kept)."""
    if not isinstance(instant, datetime):
        return instant
    aware = instant if instant.tzinfo else instant.replace(tzinfo=timezone.utc)
    return aware.astimezone(civil_timezone()).date()


def civil_today(now: datetime | None = None) -> date:
    return civil_date(now if now is not None else now_utc())


def civil_start_of_day(day: date) -> datetime:
    """The UTC instant at which civil day ``day`` begins (e.g. 2026-04-02 → 2026-04-01T19:00Z)."""
    start = datetime(day.year, day.month, day.day, tzinfo=civil_timezone())
    return start.astimezone(timezone.utc)
