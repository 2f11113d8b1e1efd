"""The RPC entrypoints load their input through the contract schemas (the ones the OpenAPI document
is built from) before the domain sees it, and hand the loaded, typed values on."""
from datetime import date, datetime, timezone
from decimal import Decimal
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from services.common.errors import ValidationFailed
from services.investments.application.demo_data import example_project
from services.investments.domain import register_project
from services.investments.service import InvestmentsService

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)


def stored_project():
    project, _ = register_project(example_project(), project_id="p-1", now=NOW, by="u")
    return project


def test_register_refuses_with_the_schemas_messages_and_touches_no_store():
    service = worker_factory(InvestmentsService)
    with pytest.raises(ValidationFailed) as caught:
        service.register(example_project(jobs_planned="12", planned_start="2025-W14-2"), "u")
    # marshmallow's wording: the schema, not the domain's field readers, refused it
    assert caught.value.details == {"jobs_planned": ["Not a valid integer."],
                                    "planned_start": ["must be an ISO date YYYY-MM-DD"]}
    service.projects.save_new.assert_not_called()


def test_update_needs_expected_version_as_the_schema_says():
    service = worker_factory(InvestmentsService)
    with pytest.raises(ValidationFailed) as caught:
        service.update("p-1", {"title": "New"}, "u")
    assert caught.value.details == {"expected_version": ["Missing data for required field."]}
    service.projects.get.assert_not_called()


def test_a_body_that_is_not_an_object_is_refused_as_body():
    service = worker_factory(InvestmentsService)
    with pytest.raises(ValidationFailed) as caught:
        service.report_progress("p-1", ["not", "an", "object"], "u")
    assert caught.value.details == {"_body": ["must be an object"]}


def test_the_domain_gets_loaded_values():
    service = worker_factory(InvestmentsService)
    project = stored_project()
    service.projects.get.return_value = project
    service.projects.save_versioned.side_effect = lambda new, version, facts: new
    out = service.report_progress("p-1", {"expected_version": 1, "report_date": "2025-08-01",
                                          "invested_to_date_kzt": "10.5",
                                          "jobs_created_to_date": 3}, "u")
    saved = service.projects.save_versioned.call_args.args[0]
    assert saved["invested_to_date_kzt"] == Decimal("10.50")
    assert saved["last_report_date"] == date(2025, 8, 1)
    assert out["invested_to_date_kzt"] == "10.50" and out["version"] == 2


def test_query_loads_the_query_schema():
    service = worker_factory(InvestmentsService)
    with pytest.raises(ValidationFailed) as caught:
        service.query({"stage": "done", "owner": "me"})
    assert set(caught.value.details) == {"stage", "owner"}
    service.projects.query.assert_not_called()
    service.projects.stored_first_page.return_value = None  # not a stored region + stage page
    service.projects.query.return_value = {"items": [stored_project()], "next_cursor": None}
    page = service.query({"region_code": "KZ-39", "page_size": "5"})
    normalised = service.projects.query.call_args.args[0]
    assert normalised["filters"] == {"region_code": ["KZ-39"]} and normalised["page_size"] == 5
    assert page["items"][0]["allowed_next_stages"] == ["appraised", "cancelled", "suspended"]


def test_a_stored_first_page_is_the_answer_without_reading_the_projects():
    service = worker_factory(InvestmentsService)
    stored = {"items": [{"id": "p-1"}], "next_cursor": "abc"}
    service.projects.stored_first_page.return_value = stored
    assert service.query({"region_code": "KZ-39", "stage": "proposed"}) == stored
    normalised = service.projects.stored_first_page.call_args.args[0]
    assert normalised["filters"] == {"region_code": ["KZ-39"], "stage": ["proposed"]}
    service.projects.query.assert_not_called()


def test_export_page_takes_the_largest_page_and_checks_the_format():
    service = worker_factory(InvestmentsService, projects=MagicMock())
    service.projects.query.return_value = {"items": [stored_project()], "next_cursor": None}
    page = service.export_page({"region_code": "KZ-39"}, "csv")
    assert service.projects.query.call_args.args[0]["page_size"] == 200
    assert page["rows"][0][0] == "id" and page["rows"][1][0] == "p-1"
    with pytest.raises(ValidationFailed) as caught:
        service.export_page({}, "xlsx")
    assert set(caught.value.details) == {"format"}
