"""The stall rule against the real store: a project under implementation that files progress
reports is not stalled; one that stops reporting is (assumption ``stall_progress_exemption``)."""
import uuid
from datetime import date, datetime, timezone

import pytest

from services.common.mongo import get_client
from services.gateway.hub import rules
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import HubReadModels
from services.gateway.hub.reactions import HubReactions
from tests.support.hub_events import envelope, project_event, project_snapshot, received

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)


@pytest.fixture
def hub(db_prefix):
    client = get_client()
    db = client[f"{db_prefix}_hubprogress_{uuid.uuid4().hex[:6]}"]
    HubReadModels.ensure_indexes(db)
    InitiativeRepository.ensure_indexes(db)
    yield HubReactions(HubReadModels(db), InitiativeRepository(db),
                       rules.HubSettings(first_reporting_year=2030), clock=lambda: NOW)
    client.drop_database(db.name)


def deliver(hub, *wires):
    for wire in wires:
        hub.on_event(received(wire))


def test_progress_reports_keep_a_building_project_out_of_the_stall_rule(hub):
    pid = str(uuid.uuid4())
    entered = datetime(2026, 1, 10, tzinfo=timezone.utc)
    snapshot = project_snapshot(pid, stage="under_implementation", stage_entered_at=entered)
    deliver(hub, envelope(*project_event("project_registered", snapshot)))
    later = project_snapshot(pid, stage="under_implementation", stage_entered_at=entered,
                             version=2)
    deliver(hub, envelope(*project_event("project_progress_reported", later,
                                         report_date="2026-06-30")))
    # an older report delivered late does not move the date back
    deliver(hub, envelope(*project_event("project_progress_reported", later,
                                         report_date="2026-03-31")))
    assert hub.models.project(pid)["last_progress_on"] == "2026-06-30"
    assert hub.run_checks(date(2026, 12, 1))["opened"] == []     # 154 days since the report
    later_check = hub.run_checks(date(2027, 1, 20))               # 204 days: silent too long
    assert later_check["stalled_projects"] == 1 and len(later_check["opened"]) == 1
