"""The overdue-report gauge judges as the hub's overdue-report rule does: on submissions (not on
generated reports), by the civil day, against the hub's reporting calendar."""
from datetime import date

from services.common.regions import REGION_CODES
from services.gateway.hub.gauges import overdue_reports
from services.gateway.hub.rules import HubSettings


def test_nothing_is_overdue_up_to_and_on_the_deadline():
    assert overdue_reports(set(), date(2026, 3, 31)) == 0
    assert overdue_reports(set(), date(2026, 4, 1)) == 0


def test_after_the_deadline_every_region_without_a_submission_counts():
    assert overdue_reports(set(), date(2026, 4, 2)) == len(REGION_CODES)
    assert overdue_reports({"KZ-35", "KZ-10"}, date(2026, 4, 2)) == len(REGION_CODES) - 2


def test_the_deadline_is_the_calendar_setting_not_a_fixed_day():
    later = HubSettings(report_deadline_month=5, report_deadline_day=15)
    assert overdue_reports(set(), date(2026, 4, 2), later) == 0
    assert overdue_reports(set(), date(2026, 5, 16), later) == len(REGION_CODES)
