"""Tunables of the personnel service's periodic work, read from the environment once at import.

They come from ``services.common.config`` (the one inventory of settings) and are read at import,
because nameko's ``@timer`` needs its interval when the class is defined.

- ``ROTATION_DUE_SCAN_SECONDS`` (3600): how often the service looks for servants due for
  mandatory rotation and publishes ``rotation_due`` for new cases;
- ``PERSONNEL_RECONCILE_SECONDS`` (30): how often pending multi-document effects left behind by a
  crash are re-applied (also once at start);
- the civil-service calendar day is the platform's civil calendar (``services.common.clock``,
  UTC+5; ``PERSONNEL_UTC_OFFSET_HOURS`` still sets it when ``CIVIL_UTC_OFFSET_HOURS`` is unset).
"""
from datetime import date, datetime

from services.common import clock
from services.common.config import load_settings

_SETTINGS = load_settings()
ROTATION_DUE_SCAN_SECONDS = _SETTINGS.rotation_due_scan_seconds
RECONCILE_SECONDS = _SETTINGS.personnel_reconcile_seconds


def now() -> datetime:
    """The current instant at millisecond precision (the platform's clock)."""
    return clock.now_utc()


def local_date(instant: datetime) -> date:
    """The calendar day in Kazakhstan at ``instant``: business dates (``today``) come from it."""
    return clock.civil_date(instant)
