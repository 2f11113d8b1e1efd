"""A project may name the settlements (KATO) and the SRS standard whose gap it closes; the gaps
travel in its events, where a consumer of the first contract version finds them optional."""
from datetime import datetime, timezone

import pytest

from services.common.errors import ValidationFailed
from services.common.events import build_event, parse_event
from services.investments.application.demo_data import example_project
from services.investments.contract import events  # noqa: F401  (registers the schemas)
from services.investments.domain import register_project

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)


def register(**fields):
    payload = {**example_project(), **fields}
    return register_project(payload, project_id="p-1", now=NOW, by="officer-1")


def kato_of(region_code: str, tail: str = "4430100") -> str:
    return region_code[3:] + tail


def test_gaps_are_stored_and_carried_in_the_registration_event():
    region = example_project()["region_code"]
    gaps = [{"kato": kato_of(region), "standard": "health"}]
    project, facts = register(srs_gaps=gaps)
    assert project["srs_gaps"] == gaps
    (event_type, payload), = [f[:2] for f in facts]
    envelope = build_event(event_type, payload, region_code=region)
    assert parse_event(envelope)["payload"]["srs_gaps"] == gaps


def test_a_project_without_gaps_has_none_and_older_payloads_still_load():
    project, facts = register()
    assert project["srs_gaps"] == []
    envelope = build_event(facts[0][0], facts[0][1], region_code=project["region_code"])
    del envelope["payload"]["srs_gaps"]  # as a publisher of the first version sent it
    assert parse_event(envelope)["payload"]["srs_gaps"] == []


@pytest.mark.parametrize("gaps,field", [
    ([{"kato": "12345", "standard": "health"}], "srs_gaps.0.kato"),
    ([{"kato": "354430100", "standard": "water"}], "srs_gaps.0.standard"),
    ([{"kato": "354430100"}], "srs_gaps.0"),
    ("health", "srs_gaps"),
])
def test_bad_gaps_name_the_field(gaps, field):
    with pytest.raises(ValidationFailed) as caught:
        register(srs_gaps=gaps)
    assert field in caught.value.details


def test_a_gap_must_be_in_the_projects_region_and_named_once():
    region = example_project()["region_code"]
    other = "KZ-10" if region != "KZ-10" else "KZ-11"
    with pytest.raises(ValidationFailed) as caught:
        register(srs_gaps=[{"kato": kato_of(other), "standard": "sport"}])
    assert "srs_gaps.0.kato" in caught.value.details
    twice = [{"kato": kato_of(region), "standard": "sport"}] * 2
    with pytest.raises(ValidationFailed) as caught:
        register(srs_gaps=twice)
    assert "srs_gaps.1" in caught.value.details
