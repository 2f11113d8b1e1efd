"""Partial updates: merged validation, immutable identity fields, repricing, versions, closed
projects, corrections of actual dates."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation, StaleVersion, ValidationFailed
from services.investments.application.demo_data import advance, example_project
from services.investments.domain import register_project, update_project

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2025, 6, 3, 9, 0, tzinfo=timezone.utc)
BY = "analyst-2"


def new_project(**overrides):
    project, _ = register_project(example_project(**overrides), project_id="p-9", now=NOW,
                                  by="officer-1")
    return project


def update(project, **changes):
    changes.setdefault("expected_version", project["version"])
    return update_project(project, changes, now=LATER, by=BY)


def test_update_changes_fields_bumps_version_and_stamps():
    project = new_project()
    new, events = update(project, title="Grain plant, phase 2", jobs_planned=300)
    assert new["title"] == "Grain plant, phase 2" and new["jobs_planned"] == 300
    assert new["version"] == 2
    assert new["updated_at"] == LATER and new["updated_by"] == BY
    assert new["created_at"] == NOW and new["created_by"] == "officer-1"
    assert new["description"] == project["description"]
    assert events == [("project_updated", events[0][1])]
    assert events[0][1]["changed_fields"] == ["jobs_planned", "title"]
    assert events[0][1]["version"] == 2


def test_unchanged_values_are_not_listed_as_changed_but_still_bump():
    project = new_project()
    new, events = update(project, title=project["title"])
    assert new["version"] == 2
    assert events[0][1]["changed_fields"] == []


def test_cost_change_recomputes_cost_kzt_and_priority():
    project = new_project()
    assert project["priority"] is True
    new, events = update(project, total_cost={"amount": "1000000", "currency": "USD",
                                              "exchange_rate": "500"}, financing_sources=[])
    assert new["cost_kzt"] == Decimal("500000000.00")
    assert new["priority"] is False
    assert events[0][1]["cost_kzt"] == "500000000.00" and events[0][1]["priority"] is False
    assert events[0][1]["changed_fields"] == ["financing_sources", "total_cost"]


def test_sector_change_can_make_a_project_priority():
    project = new_project(total_cost={"amount": "5000000000.00", "currency": "KZT"},
                          financing_sources=[])
    assert project["priority"] is False  # below 2,000,000 MCI
    new, _ = update(project, sector="food_light_industry")
    assert new["priority"] is True  # above 1,000,000 MCI
    assert new["priority_basis"]["basis"] == "sector"


@pytest.mark.parametrize("field", ["region_code", "external_ref", "jobs_created",
                                   "invested_to_date_kzt", "stage", "version", "id"])
def test_identity_and_derived_fields_cannot_be_updated(field):
    project = new_project()
    with pytest.raises(ValidationFailed) as caught:
        update(project, **{field: project.get(field)})
    assert caught.value.details == {field: ["unknown field"]}


def test_update_needs_a_change():
    with pytest.raises(ValidationFailed) as caught:
        update_project(new_project(), {"expected_version": 1}, now=LATER, by=BY)
    assert caught.value.details == {"_schema": ["no fields to update"]}


def test_update_needs_expected_version():
    with pytest.raises(ValidationFailed) as caught:
        update_project(new_project(), {"title": "x"}, now=LATER, by=BY)
    assert caught.value.details == {"expected_version": ["required"]}


def test_stale_version():
    project = new_project()
    new, _ = update(project, title="first writer")
    with pytest.raises(StaleVersion) as caught:
        update(new, title="second writer", expected_version=1)
    assert caught.value.details == {"expected": 1, "actual": 2}


def test_merged_document_is_validated():
    project = new_project()
    with pytest.raises(ValidationFailed) as caught:
        update(project, planned_start="2028-01-01")  # after the stored planned_commissioning
    assert caught.value.details == {"planned_commissioning": ["must not be before planned_start"]}
    with pytest.raises(ValidationFailed) as caught:
        update(project, agglomeration="karaganda")
    assert caught.value.details == {"agglomeration": ["not part of region KZ-39"]}
    with pytest.raises(ValidationFailed) as caught:
        update(project, total_cost={"amount": "1000.00", "currency": "KZT"})
    assert list(caught.value.details) == ["financing_sources"]


def test_every_bad_field_at_once():
    with pytest.raises(ValidationFailed) as caught:
        update(new_project(), title="", jobs_planned=-1, sector="x", investor={"name": "A"})
    assert set(caught.value.details) == {"title", "jobs_planned", "sector", "investor.country",
                                         "investor.bin"}


def test_nullable_fields_can_be_cleared():
    new, _ = update(new_project(), planned_start=None, planned_commissioning=None)
    assert new["planned_start"] is None and new["planned_commissioning"] is None
    with pytest.raises(ValidationFailed) as caught:
        update(new_project(), title=None)
    assert list(caught.value.details) == ["title"]


def test_actual_start_can_be_corrected_but_not_into_the_future():
    project, _ = advance(new_project(), "under_implementation", now=LATER, by=BY)
    new, _ = update(project, actual_start="2025-05-01")
    assert new["actual_start"] == date(2025, 5, 1)
    with pytest.raises(ValidationFailed) as caught:
        update(project, actual_start="2025-06-04")
    assert caught.value.details == {"actual_start": ["must not be in the future"]}


def test_actual_commissioning_only_on_a_commissioned_project():
    project, _ = advance(new_project(), "under_implementation", now=LATER, by=BY)
    with pytest.raises(ValidationFailed) as caught:
        update(project, actual_commissioning="2025-06-01")
    assert list(caught.value.details) == ["actual_commissioning"]
    commissioned, _ = advance(new_project(), "commissioned", now=LATER, by=BY)
    day = commissioned["actual_commissioning"]
    new, _ = update(commissioned, actual_commissioning=day.isoformat())
    assert new["actual_commissioning"] == day
    with pytest.raises(ValidationFailed) as caught:
        update(commissioned, actual_commissioning=None)
    assert caught.value.details == {
        "actual_commissioning": ["cannot be cleared on a commissioned project"]}


@pytest.mark.parametrize("stage", ["cancelled", "evaluated"])
def test_closed_projects_refuse_updates(stage):
    project, _ = advance(new_project(), stage, now=LATER, by=BY)
    with pytest.raises(RuleViolation) as caught:
        update(project, title="late edit")
    assert caught.value.details == {"rule": "project_closed", "stage": stage}


@pytest.mark.parametrize("stage", ["suspended", "commissioned", "financed"])
def test_open_and_commissioned_projects_accept_updates(stage):
    project, _ = advance(new_project(), stage, now=LATER, by=BY)
    new, _ = update(project, expected_annual_local_revenue_kzt="400000000.00")
    assert new["expected_annual_local_revenue_kzt"] == Decimal("400000000.00")
    assert new["stage"] == stage


def test_update_keeps_the_original_untouched():
    project = new_project()
    before = repr(project)
    update(project, investor={"name": "New Owner LLP", "country": "KZ", "bin": "250140000003"})
    assert repr(project) == before
