"""Mobility figures per region from plain iterables of rotations and servants."""
from datetime import date

from services.common.regions import REGION_CODES
from services.personnel import domain as d
from tests.support.personnel_world import TODAY, World


def rotation(rotation_id, status, direction, home, from_region, to_region, start=None, end=None):
    return {"rotation_id": rotation_id, "status": status, "direction": direction, "home_region": home,
            "from_region": from_region, "to_region": to_region, "actual_start": start, "actual_end": end}


ROTATIONS = [
    rotation("r1", "completed", "region_to_centre", "KZ-35", "KZ-35", None, date(2022, 1, 10), date(2024, 1, 10)),
    rotation("r2", "completed", "region_to_centre", "KZ-35", "KZ-35", None, date(2023, 2, 1), date(2024, 2, 1)),
    rotation("r3", "started", "region_to_centre", "KZ-35", "KZ-35", None, date(2025, 1, 1)),
    rotation("r4", "returning", "region_to_centre", "KZ-10", "KZ-10", None, date(2023, 6, 1)),
    rotation("r5", "completed", "centre_to_region", "KZ-71", None, "KZ-35", date(2023, 1, 1), date(2024, 1, 1)),
    rotation("r6", "started", "region_to_region", "KZ-10", "KZ-10", "KZ-35", date(2025, 3, 1)),
    rotation("r7", "requested", "region_to_centre", "KZ-35", "KZ-35", None),
    rotation("r8", "approved", "region_to_centre", "KZ-35", "KZ-35", None),
    rotation("r9", "cancelled", "region_to_centre", "KZ-35", "KZ-35", None),
    rotation("r10", "rejected", "region_to_centre", "KZ-10", "KZ-10", None),
]


def servant(servant_id, home, post_start, **extra):
    doc = {"servant_id": servant_id, "status": "active", "open_rotation_id": None, "home_region": home,
           "post_region": home, "org_id": "o", "position_id": "p", "post_start": post_start,
           "date_of_birth": date(1985, 1, 1), "sex": "female", "rotation_extensions": []}
    doc.update(extra)
    return doc


SERVANTS = [servant("a", "KZ-35", date(2019, 1, 1)), servant("b", "KZ-35", date(2020, 1, 1)),
            servant("c", "KZ-10", date(2024, 1, 1)), servant("d", "KZ-10", date(2018, 1, 1), status="seconded")]


def test_all_twenty_regions_are_reported():
    figures = d.mobility_statistics([], [], TODAY)
    assert sorted(figures) == sorted(REGION_CODES)
    assert all(f["out_to_centre"] == 0 and f["average_duration_days"] is None for f in figures.values())


def test_figures_per_region():
    figures = d.mobility_statistics(ROTATIONS, SERVANTS, TODAY)
    karaganda, abai, astana = figures["KZ-35"], figures["KZ-10"], figures["KZ-71"]
    assert karaganda["out_to_centre"] == 3  # r1, r2, r3 (requested / approved / cancelled did not go)
    assert karaganda["in_from_centre"] == 1  # r5
    assert karaganda["in_from_regions"] == 1 and abai["out_to_regions"] == 1  # r6
    assert karaganda["completed_cycles"] == 2
    assert karaganda["completed_rotations"] == 2
    assert karaganda["average_duration_days"] == 547.5  # 730 and 365 days
    assert karaganda["currently_away"] == 1 and abai["currently_away"] == 2
    assert karaganda["pending"] == 2
    assert karaganda["due_now"] == 2 and abai["due_now"] == 0  # d is seconded, c is fresh
    assert abai["out_to_centre"] == 1 and abai["completed_cycles"] == 0
    assert astana["completed_rotations"] == 1 and astana["completed_cycles"] == 0  # not a region→centre cycle
    assert astana["average_duration_days"] == 365.0


def test_year_filter_counts_starts_and_completions_of_that_year():
    figures = d.mobility_statistics(ROTATIONS, SERVANTS, TODAY, year=2024)
    assert figures["KZ-35"]["out_to_centre"] == 0
    assert figures["KZ-35"]["completed_cycles"] == 2
    figures = d.mobility_statistics(ROTATIONS, SERVANTS, TODAY, year=2025)
    assert figures["KZ-35"]["out_to_centre"] == 1 and figures["KZ-35"]["completed_cycles"] == 0
    assert figures["KZ-35"]["currently_away"] == 1  # as of today whatever the year


def test_national_totals():
    totals = d.national_totals(d.mobility_statistics(ROTATIONS, SERVANTS, TODAY))
    assert totals["out_to_centre"] == 4 and totals["completed_rotations"] == 3
    assert totals["average_duration_days"] == 486.7  # (730 + 365 + 365) / 3


def test_statistics_from_documents_of_a_real_cycle():
    world = World()
    world.drive("completed")
    figures = d.mobility_statistics(world.rotations.values(), world.servants.values(), date(2028, 1, 1))
    assert figures["KZ-35"]["completed_cycles"] == 1 and figures["KZ-35"]["out_to_centre"] == 1
    assert figures["KZ-35"]["average_duration_days"] == world.rotations["rot-1"]["duration_days"]
