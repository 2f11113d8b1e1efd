"""Mobility figures per region, computed from plain iterables of rotations and servants.

Flows count rotations that actually started (started, returning, completed) and are placed by
where the move went: ``out_to_centre`` by ``from_region``, ``in_from_centre`` by ``to_region``.
Cycle figures and due counts belong to the servant's ``home_region`` (the region of every
personnel event envelope).
"""
from datetime import date

from services.common.regions import REGION_CODES
from services.personnel.domain.rotation_states import PRE_START_STATUSES
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings
from services.personnel.domain.terms import due_rotations

MOVED_STATUSES = ("started", "returning", "completed")
AWAY_STATUSES = ("started", "returning")


def _empty() -> dict:
    return {"out_to_centre": 0, "in_from_centre": 0, "out_to_regions": 0, "in_from_regions": 0,
            "currently_away": 0, "pending": 0, "completed_rotations": 0, "completed_cycles": 0,
            "completed_duration_days": 0, "average_duration_days": None, "due_now": 0}


def _in_year(day: date | None, year: int | None) -> bool:
    return year is None or (day is not None and day.year == year)


def mobility_statistics(rotations, servants, today: date, *, year: int | None = None,
                        settings: PersonnelSettings = DEFAULT_SETTINGS) -> dict[str, dict]:
    """``{region_code: figures}`` for all 20 regions.

    With ``year`` set, flows count rotations started that year and completions those that ended
    that year; ``currently_away``, ``pending`` and ``due_now`` are always as of ``today``.
    ``average_duration_days`` is over completed rotations (start to taking the return post),
    None when there are none; ``completed_cycles`` counts completed region→centre→region cycles.
    """
    figures = {code: _empty() for code in REGION_CODES}

    def bump(region, key):
        if region in figures:
            figures[region][key] += 1

    for rotation in rotations:
        status, direction = rotation["status"], rotation["direction"]
        home = rotation["home_region"]
        if status in PRE_START_STATUSES:
            bump(home, "pending")
        if status in AWAY_STATUSES:
            bump(home, "currently_away")
        if status in MOVED_STATUSES and _in_year(rotation.get("actual_start"), year):
            if direction == "region_to_centre":
                bump(rotation["from_region"], "out_to_centre")
            elif direction == "centre_to_region":
                bump(rotation["to_region"], "in_from_centre")
            else:
                bump(rotation["from_region"], "out_to_regions")
                bump(rotation["to_region"], "in_from_regions")
        if status == "completed" and _in_year(rotation.get("actual_end"), year):
            bump(home, "completed_rotations")
            if direction == "region_to_centre":
                bump(home, "completed_cycles")
            if home in figures:
                figures[home]["completed_duration_days"] += (
                    rotation["actual_end"] - rotation["actual_start"]).days

    for due in due_rotations(servants, today, settings):
        bump(due.home_region, "due_now")
    for region_figures in figures.values():
        _set_average(region_figures)
    return figures


def _set_average(region_figures: dict) -> None:
    if region_figures["completed_rotations"]:
        region_figures["average_duration_days"] = round(
            region_figures["completed_duration_days"] / region_figures["completed_rotations"], 1)


def national_totals(figures: dict[str, dict]) -> dict:
    """Sums over regions; the average is recomputed from the summed days."""
    totals = _empty()
    for region_figures in figures.values():
        for key, value in region_figures.items():
            if key != "average_duration_days":
                totals[key] += value
    _set_average(totals)
    return totals
