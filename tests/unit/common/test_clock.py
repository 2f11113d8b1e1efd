"""One civil calendar (UTC+5) for every deadline; instants in UTC to the millisecond."""
from datetime import date, datetime, timedelta, timezone

from services.budgets.domain.report import build_annual_report
from services.common import clock
from services.gateway.hub import calendar as hub_calendar
from services.gateway.hub.rules import days_in_stage
from services.investments.domain.values import local_today
from services.personnel.application.queries import PersonnelQueries

LATE_EVENING_UTC = datetime(2026, 4, 1, 19, 30, tzinfo=timezone.utc)  # 00:30 on 2 April in Astana


def test_civil_day_is_utc_plus_five():
    assert clock.civil_date(LATE_EVENING_UTC) == date(2026, 4, 2)
    assert clock.civil_date(datetime(2026, 4, 1, 18, 59, tzinfo=timezone.utc)) == date(2026, 4, 1)
    assert clock.civil_date(datetime(2026, 4, 1, 19, 30)) == date(2026, 4, 2)  # naive = UTC
    assert clock.civil_date(date(2026, 4, 1)) == date(2026, 4, 1)
    assert clock.civil_start_of_day(date(2026, 4, 2)) == datetime(2026, 4, 1, 19,
                                                                  tzinfo=timezone.utc)


def test_now_is_utc_to_the_millisecond():
    now = clock.now_utc()
    assert now.utcoffset() == timedelta(0) and now.microsecond % 1000 == 0


def test_every_service_reads_the_same_day_at_the_same_instant():
    day = clock.civil_date(LATE_EVENING_UTC)
    personnel = PersonnelQueries(organisations=None, positions=None, servants=None, rotations=None,
                                 clock=lambda: LATE_EVENING_UTC)
    assert personnel.today() == day
    assert local_today(LATE_EVENING_UTC) == day
    assert hub_calendar.report_status(2025, LATE_EVENING_UTC, date(2026, 5, 1)) == hub_calendar.LATE
    report = build_annual_report("KZ-61", 2025, indicators=None, transfers=None, blocks=[],
                                 forecast_doc=None, now=LATE_EVENING_UTC)
    assert report["on_time"] is False  # the hub and the report agree: 2 April, late
    project = {"stage_entered_at": datetime(2025, 10, 3, 20, tzinfo=timezone.utc)}  # 4 Oct civil
    assert days_in_stage(project, date(2026, 4, 2)) == 180


def test_offset_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CIVIL_UTC_OFFSET_HOURS", "6")
    clock.civil_timezone.cache_clear()
    try:
        assert clock.civil_date(datetime(2026, 4, 1, 18, 30, tzinfo=timezone.utc)) == date(2026, 4, 2)
    finally:
        monkeypatch.delenv("CIVIL_UTC_OFFSET_HOURS")
        clock.civil_timezone.cache_clear()
