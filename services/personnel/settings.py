"""Tunables of the personnel service's periodic work, read from the environment once at import.

They come from ``services.common.config`` (the one inventory of settings) and are read at import,
because nameko's ``@timer`` needs its interval when the class is defined.

- ``ROTATION_DUE_SCAN_SECONDS`` (3600): how often the service looks for servants due for
  mandatory rotation and publishes ``rotation_due`` for new cases;
- ``PERSONNEL_RECONCILE_SECONDS`` (30): how often pending multi-document effects left behind by a
  crash are re-applied (also once at start);
- ``PERSONNEL_UTC_OFFSET_HOURS`` (5): the offset of the civil-service calendar day; Kazakhstan has
  kept one time zone, UTC+5, since 1 March 2024.
"""
from datetime import date, datetime, timedelta, timezone

from services.common.config import load_settings

_SETTINGS = load_settings()
ROTATION_DUE_SCAN_SECONDS = _SETTINGS.rotation_due_scan_seconds
RECONCILE_SECONDS = _SETTINGS.personnel_reconcile_seconds
UTC_OFFSET = timedelta(hours=_SETTINGS.personnel_utc_offset_hours)


def now() -> datetime:
    """The current instant at millisecond precision, as the store keeps it (BSON datetimes are
    milliseconds), so a document compared after a round trip equals the one written."""
    instant = datetime.now(timezone.utc)
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def local_date(instant: datetime) -> date:
    """The calendar day in Kazakhstan at ``instant``: business dates (``today``) come from it."""
    return (instant.astimezone(timezone.utc) + UTC_OFFSET).date()
