"""Demo data: deterministic, valid for the schemas and the domain, and spread across the country."""
from collections import Counter
from datetime import datetime, timezone

import pytest

from services.common.loading import load
from services.common.regions import AGGLOMERATIONS, REGION_CODES, agglomeration_in_region
from services.investments.application.demo_data import (
    advance,
    demo_steps,
    example_project,
    generate_projects,
    stage_path,
)
from services.investments.contract.rpc import ProgressReport, ProjectCreate, StageChange
from services.investments.domain import STAGES, is_valid_bin, register_project

NOW = datetime(2025, 11, 3, 6, 0, tzinfo=timezone.utc)
PROJECTS = generate_projects(120)


def test_deterministic_and_seed_dependent():
    assert generate_projects(30, seed=7) == generate_projects(30, seed=7)
    assert generate_projects(30, seed=7) != generate_projects(30, seed=8)
    assert generate_projects(10) == PROJECTS[:10]  # a prefix does not depend on n
    assert generate_projects(0) == []


def test_every_payload_passes_the_schema_and_registers():
    projects = []
    for i, payload in enumerate(PROJECTS):
        data = load(ProjectCreate, payload)
        project, _ = register_project(data, project_id=f"p-{i}", now=NOW, by="seed")
        raw_project, _ = register_project(payload, project_id=f"p-{i}", now=NOW, by="seed")
        assert raw_project == project  # wire form and loaded form give the same document
        projects.append(project)
    assert len({p["external_ref"] for p in projects}) == len(projects)
    assert all(len(p["external_ref"]) <= 64 for p in projects)


def test_coverage_of_regions_agglomerations_sectors_types():
    first20 = generate_projects(20)
    assert {p["region_code"] for p in first20} == set(REGION_CODES)
    assert {p["agglomeration"] for p in first20} - {None} == set(AGGLOMERATIONS)
    assert len({p["sector"] for p in PROJECTS}) >= 9
    assert {p["project_type"] for p in PROJECTS} == {
        "new_production", "expansion", "modernisation", "single_industry_town_anchor",
        "infrastructure"}
    for p in PROJECTS:
        if p["agglomeration"]:
            assert agglomeration_in_region(p["agglomeration"], p["region_code"])


def test_realistic_mix_of_money_priority_and_investors():
    registered = [register_project(p, project_id="p", now=NOW, by="seed")[0] for p in PROJECTS]
    priority = sum(p["priority"] for p in registered)
    assert 0.1 * len(PROJECTS) <= priority <= 0.8 * len(PROJECTS)
    currencies = Counter(p["total_cost"]["currency"] for p in PROJECTS)
    assert currencies["USD"] > 0 and currencies["KZT"] > currencies["USD"]
    countries = Counter(p["investor"]["country"] for p in PROJECTS)
    assert countries["KZ"] > len(PROJECTS) / 2 and len(countries) >= 4
    assert all(is_valid_bin(p["investor"]["bin"]) for p in PROJECTS)
    costs = sorted(p["cost_kzt"] for p in registered)
    assert costs[0] < 10**10 < costs[-1]  # from hundreds of millions to tens of billions


def test_example_project_overrides():
    assert example_project(title="X")["title"] == "X"
    assert example_project()["title"] != "X"


@pytest.mark.parametrize("target,path", [
    ("proposed", []),
    ("appraised", ["appraised"]),
    ("commissioned", ["appraised", "approved", "financed", "under_implementation",
                      "commissioned"]),
    ("evaluated", ["appraised", "approved", "financed", "under_implementation", "commissioned",
                   "evaluated"]),
    ("suspended", ["appraised", "approved", "financed", "under_implementation", "suspended"]),
    ("cancelled", ["appraised", "approved", "financed", "under_implementation", "cancelled"]),
])
def test_stage_path(target, path):
    assert stage_path(target) == path


def test_stage_path_interrupted_elsewhere_and_unknown():
    assert stage_path("cancelled", interrupted_at="proposed") == ["cancelled"]
    assert stage_path("suspended", interrupted_at="approved") == ["appraised", "approved",
                                                                  "suspended"]
    with pytest.raises(ValueError):
        stage_path("launched")


@pytest.mark.parametrize("target", STAGES)
def test_demo_steps_pass_the_schemas_and_reach_the_stage(target):
    for i, payload in enumerate(PROJECTS[:20]):
        steps = demo_steps(target, today=NOW.date(), seed=i)
        for kind, command in steps:
            schema = StageChange if kind == "change_stage" else ProgressReport
            load(schema, {**command, "expected_version": 1})
        project, _ = register_project(payload, project_id="p", now=NOW, by="seed")
        project, events = advance(project, target, now=NOW, by="seed", seed=i)
        assert project["stage"] == target
        assert project["version"] == 1 + len(steps)
        if target in ("commissioned", "evaluated"):
            assert project["jobs_created"] > 0 and project["actual_commissioning"] <= NOW.date()
            assert project["invested_to_date_kzt"] <= project["cost_kzt"]


def test_advance_needs_a_fresh_project():
    project, _ = register_project(example_project(), project_id="p", now=NOW, by="seed")
    project, _ = advance(project, "approved", now=NOW, by="seed")
    with pytest.raises(ValueError):
        advance(project, "financed", now=NOW, by="seed")
