"""Marshmallow schemas: loading, error paths shared with the domain, and the output shape."""
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from services.common.errors import ValidationFailed
from services.common.loading import flatten_errors, load
from services.investments.application.demo_data import advance, example_project
from services.investments.application.reads import dump_project
from services.investments.contract import rpc as schemas
from services.investments.contract.rpc import (
    ProgressReport,
    ProjectCreate,
    ProjectOut,
    ProjectQuery,
    ProjectUpdate,
    StageChange,
)
from services.investments.domain import normalise_query, register_project

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)


def schema_problems(schema, data) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        load(schema, data)
    return caught.value.details


def domain_problems(data) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        register_project(data, project_id="p", now=NOW, by="u")
    return caught.value.details


def test_create_loads_typed_values():
    data = load(ProjectCreate, example_project())
    assert data["total_cost"]["amount"] == Decimal("12500000000.00")
    assert data["planned_start"] == date(2025, 4, 1)
    assert data["financing_sources"][0]["amount_kzt"] == Decimal("2500000000.00")
    project, _ = register_project(data, project_id="p", now=NOW, by="u")
    assert project["cost_kzt"] == Decimal("12500000000.00")


def test_flatten_errors():
    assert flatten_errors({"investor": {"bin": ["bad"]},
                           "financing_sources": {0: {"amount_kzt": ["x"]}, 2: {"_schema": ["y"]}},
                           "total_cost": {"_schema": ["z"]}, "_schema": ["top"],
                           "title": ["t"]}) == {
        "investor.bin": ["bad"], "financing_sources.0.amount_kzt": ["x"],
        "financing_sources.2": ["y"], "total_cost": ["z"], "_schema": ["top"], "title": ["t"]}


# Inputs both layers refuse; the field paths must be the same.
SHARED = [
    {"region_code": "KZ-99"},
    {"sector": "banking"},
    {"project_type": "greenfield"},
    {"title": ""},
    {"external_ref": "R" * 65},
    {"agglomeration": "almaty"},
    {"investor": {"name": "A", "country": "KZ", "bin": "1234"}},
    {"investor": {"name": "A", "country": "ZZ", "bin": "250140000003"}},
    {"investor": {"country": "KZ", "bin": "250140000003"}},
    {"total_cost": {"amount": "-1", "currency": "KZT"}},
    {"total_cost": {"amount": "1.001", "currency": "KZT"}},
    {"total_cost": {"amount": 100.5, "currency": "KZT"}},
    {"total_cost": {"amount": "1", "currency": "EUR"}},
    {"total_cost": {"amount": "1", "currency": "USD"}},
    {"total_cost": {"amount": "1", "currency": "KZT", "exchange_rate": "1"}},
    {"total_cost": {"amount": "1", "currency": "USD", "exchange_rate": 512.5}},
    {"total_cost": {"amount": "1", "currency": "USD", "exchange_rate": "-1"}},
    {"financing_sources": [{"source": "own_funds", "amount_kzt": "1"},
                           {"source": "lottery", "amount_kzt": "0"}]},
    {"jobs_planned": -1},
    {"jobs_planned": "12"},
    {"planned_start": "2026-02-01", "planned_commissioning": "2026-01-31"},
    {"planned_start": "01.02.2026"},
    {"expected_annual_local_revenue_kzt": "-0.01"},
    {"stage": "proposed"},
    # refused by the domain's readers before the schemas checked them too (no drift left)
    {"title": "two\nlines"},
    {"title": "   "},
    {"external_ref": " R-1"},
    {"planned_start": "2025-W01-1"},
    {"planned_start": "20250101"},
    {"planned_start": "1999-12-31"},
    {"investor": {"name": "A", "country": "KZ", "bin": "123456789012"}},
    {"total_cost": {"amount": "1", "currency": "USD", "exchange_rate": "1.0000001"}},
    {"srs_gaps": [{"kato": "394430100", "standard": "health"},
                  {"kato": "394430100", "standard": "health"}]},
    {"srs_gaps": [{"kato": "39101", "standard": "health"}]},
]


@pytest.mark.parametrize("change", SHARED, ids=[",".join(c) for c in SHARED])
def test_schema_and_domain_name_the_same_fields(change):
    payload = example_project(**change)
    assert set(schema_problems(ProjectCreate, payload)) == set(domain_problems(payload))


def test_schema_reports_nested_and_top_level_errors_together():
    details = schema_problems(ProjectCreate, example_project(
        region_code="KZ-00", investor={"name": "A", "country": "KZ", "bin": "x"},
        financing_sources=[{"source": "own_funds", "amount_kzt": "-5"}]))
    assert set(details) == {"region_code", "investor.bin", "financing_sources.0.amount_kzt"}


def test_missing_required_fields():
    details = schema_problems(ProjectCreate, {})
    assert set(details) == {"external_ref", "title", "region_code", "sector", "project_type",
                            "investor", "total_cost", "jobs_planned"}


def test_update_schema():
    data = load(ProjectUpdate, {"expected_version": 3, "title": "New", "agglomeration": None,
                                "actual_start": "2025-01-01"})
    assert data == {"expected_version": 3, "title": "New", "agglomeration": None,
                    "actual_start": date(2025, 1, 1)}
    assert schema_problems(ProjectUpdate, {"title": "x"}) == {"expected_version":
                                                              ["Missing data for required field."]}
    assert schema_problems(ProjectUpdate, {"expected_version": 1}) == {
        "_schema": ["no fields to update"]}
    assert "region_code" in schema_problems(ProjectUpdate, {"expected_version": 1,
                                                             "region_code": "KZ-71"})
    assert "expected_version" in schema_problems(ProjectUpdate, {"expected_version": "1",
                                                                  "title": "x"})


def test_stage_change_schema():
    data = load(StageChange, {"stage": "commissioned", "expected_version": 4,
                              "actual_commissioning": "2025-08-01"})
    assert data["actual_commissioning"] == date(2025, 8, 1)
    assert schema_problems(StageChange, {"stage": "cancelled", "expected_version": 4,
                                         "reason": " "}) == {"reason": ["required when cancelling"]}
    assert "stage" in schema_problems(StageChange, {"stage": "done", "expected_version": 1})


def test_progress_report_schema():
    data = load(ProgressReport, {"expected_version": 2, "report_date": "2025-08-01",
                                 "invested_to_date_kzt": "10.50", "jobs_created_to_date": 3})
    assert data["milestones"] == [] and data["invested_to_date_kzt"] == Decimal("10.50")
    details = schema_problems(ProgressReport, {
        "expected_version": 2, "report_date": "2025-08-01", "invested_to_date_kzt": 10.5,
        "jobs_created_to_date": 3, "milestones": [{"name": "x", "date": "soon"}]})
    assert set(details) == {"invested_to_date_kzt", "milestones.0.date"}


def test_query_schema_then_domain_normalisation():
    loaded = load(ProjectQuery, {"region_code": "KZ-71,KZ-11", "priority": "true",
                                 "min_cost_kzt": "100", "page_size": "500", "sort": "-cost_kzt"})
    query = normalise_query(loaded)
    assert query["filters"] == {"region_code": ["KZ-11", "KZ-71"], "priority": True,
                                "min_cost_kzt": Decimal("100.00")}
    assert query["page_size"] == 200 and query["sort"] == [("cost_kzt", -1), ("id", -1)]
    assert set(schema_problems(ProjectQuery, {"region_code": "KZ-00", "stage": "x",
                                              "owner": "me"})) == {"region_code", "stage",
                                                                    "owner"}


def test_project_out_shape():
    project, _ = register_project(example_project(total_cost={
        "amount": "1000.5", "currency": "USD", "exchange_rate": "500.25"},
        financing_sources=[]), project_id="p-1", now=NOW, by="u")
    project, _ = advance(project, "commissioned", now=NOW, by="u")
    out = dump_project(project)
    json.dumps(out)
    assert out["cost_kzt"] == "500500.13"  # 1000.50 * 500.25 = 500500.125, half-up
    assert out["total_cost"] == {"amount": "1000.50", "currency": "USD",
                                 "exchange_rate": "500.25"}
    assert out["expected_annual_local_revenue_kzt"] == "310000000.00"
    assert out["planned_start"] == "2025-04-01"
    assert out["created_at"] == "2025-09-01T04:00:00+00:00"
    assert out["stage_history"][0] == {"from": None, "to": "proposed",
                                       "at": "2025-09-01T04:00:00+00:00", "by": "u",
                                       "reason": None}
    assert out["stage_history"][-1]["from"] == "under_implementation"
    assert out["allowed_next_stages"] == ["evaluated"]
    assert out["priority_basis"]["mci_kzt"] == "3932.00"
    assert re.fullmatch(r"\d+\.\d{2}", out["progress_reports"][0]["invested_to_date_kzt"])
    assert out["progress_reports"][0]["report_date"] == project["last_report_date"].isoformat()
    assert set(out) == set(ProjectOut().fields)
    # Every key of the stored document is in the output: nothing is silently dropped.
    assert set(project) <= set(out)


def test_money_out_always_has_two_places():
    project, _ = register_project(example_project(
        total_cost={"amount": 5, "currency": "KZT"}, financing_sources=[]),
        project_id="p", now=NOW, by="u")
    assert dump_project(project)["cost_kzt"] == "5.00"
    assert dump_project(project)["invested_to_date_kzt"] == "0.00"


def test_load_accepts_a_schema_instance():
    assert load(schemas.StageChange(), {"stage": "appraised", "expected_version": 1}) == {
        "stage": "appraised", "expected_version": 1}
