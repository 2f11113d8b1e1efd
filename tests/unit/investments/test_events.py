"""Facts emitted per command, and their payloads against the published schemas (the contract)."""
import json
from datetime import datetime, timezone

import pytest

import services.investments.contract.events  # noqa: F401 - registers the schemas
from services.common.errors import ValidationFailed
from services.common.events import EVENT_TYPES, build_event, parse_event
from services.investments.application.demo_data import advance, example_project
from services.investments.contract.events import PAYLOAD_SCHEMAS
from services.investments.domain import (
    STAGES,
    change_stage,
    register_project,
    report_progress,
    update_project,
)

NOW = datetime(2025, 9, 1, 4, 0, tzinfo=timezone.utc)
BY = "officer-1"
READ_MODEL = {"project_id", "region_code", "agglomeration", "sector", "project_type", "stage",
              "stage_entered_at", "cost_kzt", "jobs_planned", "jobs_created", "priority",
              "version"}


def over_the_wire(event_type: str, payload: dict) -> dict:
    """Publish as the service will (build_event), serialise, receive as a consumer will."""
    envelope = build_event(event_type, payload, region_code=payload["region_code"],
                           correlation_id="c-1", occurred_at=NOW)
    received = parse_event(json.loads(json.dumps(envelope)), expected_type=event_type)
    assert received["source"] == "investments"
    return envelope


def registered(**overrides):
    return register_project(example_project(**overrides), project_id="p-1", now=NOW, by=BY)


def test_every_event_is_registered_under_the_investments_source():
    assert set(PAYLOAD_SCHEMAS) == {"project_registered", "project_updated",
                                    "project_stage_changed", "project_progress_reported",
                                    "project_commissioned", "project_cancelled"}
    for name, schema in PAYLOAD_SCHEMAS.items():
        assert EVENT_TYPES[name].schema is schema
        assert EVENT_TYPES[name].source == "investments"
        assert EVENT_TYPES[name].exchange == "investments.events"
        assert EVENT_TYPES[name].description


def test_registration_emits_project_registered():
    project, events = registered(agglomeration=None)
    assert [e[0] for e in events] == ["project_registered"]
    payload = events[0][1]
    assert READ_MODEL <= set(payload)
    assert payload["stage"] == "proposed" and payload["version"] == 1
    assert payload["cost_kzt"] == "12500000000.00"
    assert payload["investor"] == {"name": "Tobyl Agro LLP", "country": "KZ",
                                   "bin": "250140000003"}
    wire = over_the_wire(*events[0])
    assert wire["region_code"] == "KZ-39"
    assert wire["payload"]["expected_annual_local_revenue_kzt"] == "310000000.00"


def test_update_emits_project_updated():
    project, _ = registered()
    _, events = update_project(project, {"expected_version": 1, "sector": "manufacturing"},
                               now=NOW, by=BY)
    assert [e[0] for e in events] == ["project_updated"]
    assert events[0][1]["sector"] == "manufacturing"
    assert events[0][1]["changed_fields"] == ["sector"]
    over_the_wire(*events[0])


def test_progress_report_emits_project_progress_reported():
    project, _ = registered()
    _, events = report_progress(project, {
        "expected_version": 1, "report_date": "2025-08-31", "invested_to_date_kzt": "10.00",
        "jobs_created_to_date": 2, "milestones": [{"name": "land allocated",
                                                   "date": "2025-07-01"}]}, now=NOW, by=BY)
    assert [e[0] for e in events] == ["project_progress_reported"]
    wire = over_the_wire(*events[0])
    assert wire["payload"]["milestones"] == [{"name": "land allocated", "date": "2025-07-01"}]
    assert wire["payload"]["jobs_created"] == 2


@pytest.mark.parametrize("target", STAGES)
def test_every_fact_on_the_way_to_each_stage_passes_its_schema(target):
    project, _ = registered()
    _, events = advance(project, target, now=NOW, by=BY)
    for event_type, payload in events:
        over_the_wire(event_type, payload)
        assert READ_MODEL <= set(payload)


def test_commissioning_emits_stage_changed_then_commissioned_with_contract_fields():
    project, _ = registered()
    project, _ = advance(project, "under_implementation", now=NOW, by=BY)
    project, _ = report_progress(project, {
        "expected_version": project["version"], "report_date": "2025-08-30",
        "invested_to_date_kzt": "9000000000.00", "jobs_created_to_date": 180}, now=NOW, by=BY)
    new, events = change_stage(project, {"stage": "commissioned",
                                         "expected_version": project["version"],
                                         "actual_commissioning": "2025-08-31"}, now=NOW, by=BY)
    assert [e[0] for e in events] == ["project_stage_changed", "project_commissioned"]
    commissioned = over_the_wire(*events[1])["payload"]
    assert commissioned["project_id"] == "p-1"
    assert commissioned["region_code"] == "KZ-39"
    assert commissioned["expected_annual_local_revenue_kzt"] == "310000000.00"
    assert isinstance(commissioned["expected_annual_local_revenue_kzt"], str)
    assert commissioned["actual_commissioning"] == "2025-08-31"
    assert commissioned["jobs_created"] == 180
    assert commissioned["cost_kzt"] == "12500000000.00"
    assert commissioned["stage"] == "commissioned" and commissioned["version"] == new["version"]
    stage_changed = events[0][1]
    assert stage_changed["from_stage"] == "under_implementation"
    assert stage_changed["to_stage"] == "commissioned"
    assert stage_changed["changed_by"] == BY


def test_commissioned_schema_refuses_a_missing_commissioning_date():
    project, _ = registered()
    project, events = advance(project, "commissioned", now=NOW, by=BY)
    payload = dict(events[-1][1], actual_commissioning=None)
    envelope = build_event("project_commissioned", events[-1][1], region_code="KZ-39")
    envelope["payload"] = payload
    with pytest.raises(ValidationFailed) as caught:
        parse_event(envelope)
    assert "actual_commissioning" in caught.value.details["payload"]


def test_cancelling_emits_stage_changed_then_cancelled():
    project, _ = registered()
    project, _ = advance(project, "approved", now=NOW, by=BY)
    _, events = change_stage(project, {"stage": "cancelled", "reason": "land dispute",
                                       "expected_version": project["version"]}, now=NOW, by=BY)
    assert [e[0] for e in events] == ["project_stage_changed", "project_cancelled"]
    cancelled = over_the_wire(*events[1])["payload"]
    assert cancelled["reason"] == "land dispute"
    assert cancelled["previous_stage"] == "approved"
    assert cancelled["project_id"] == "p-1" and cancelled["region_code"] == "KZ-39"


@pytest.mark.parametrize("target", ["appraised", "suspended"])
def test_plain_moves_emit_only_stage_changed(target):
    project, _ = registered()
    _, events = change_stage(project, {"stage": target, "expected_version": 1}, now=NOW, by=BY)
    assert [e[0] for e in events] == ["project_stage_changed"]
    assert events[0][1]["stage_entered_at"] == NOW.isoformat()


def test_payloads_are_json_ready_as_returned_by_the_domain():
    project, _ = registered()
    _, events = advance(project, "evaluated", now=NOW, by=BY)
    json.dumps(events)  # no Decimal, date or datetime objects
