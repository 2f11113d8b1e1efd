"""GET one project from the gateway's copy: when the copy answers, when the service does, that the
policy answers do not depend on which, and that a command's answer is stored before it is given
(routes/project_reads.py, reads/project_views.py). The store's own conditional writes are tested
against the real store in tests/integration/gateway/test_project_views.py."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from marshmallow import fields
from pymongo.errors import AutoReconnect

from services.common.errors import Forbidden, NotFound, StaleVersion
from services.gateway.access.principal import Principal
from services.gateway.edge.openapi import build_openapi
from services.gateway.reads import project_views
from services.gateway.reads.project_views import SHAPE, schema_shape, servable
from services.gateway.routes import project_reads
from services.investments.contract import ProjectOut
from tests.support.hub_events import full_gateway_class

STORED_AT = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)
PID = "p-1"


def project(version=1, region="KZ-35", **extra):
    return {"id": PID, "region_code": region, "title": "Plant", "version": version,
            "investor": {"name": "Investor LLP", "bin": "123456789012", "country": "KZ"}, **extra}


def copy(version=1, floor=0, shape=SHAPE, **extra):
    return {"_id": PID, "project": project(version, **extra), "version": version, "floor": floor,
            "shape": shape, "stored_at": STORED_AT}


class MemoryViews:
    """The repository's contract in memory: a copy never goes back, the floor only rises."""

    def __init__(self, doc=None, fail_read=False, fail_keep=False, fail_floor=False):
        self.docs = {PID: dict(doc)} if doc else {}
        self.fail_read, self.fail_keep, self.fail_floor = fail_read, fail_keep, fail_floor
        self.kept, self.floors = [], []

    def read(self, project_id):
        if self.fail_read:
            raise AutoReconnect("store away")
        return self.docs.get(project_id)

    def keep(self, out, now, shape=SHAPE):
        if self.fail_keep:
            raise StaleVersion("kept changing", {})
        doc = self.docs.setdefault(out["id"], {"_id": out["id"], "version": 0, "floor": 0})
        self.kept.append(out["version"])
        if doc["version"] < out["version"] or (doc["version"] == out["version"]
                                               and doc.get("shape") != shape):
            doc.update(project=out, version=out["version"], shape=shape, stored_at=now)
            return True
        return False

    def raise_floor(self, project_id, version):
        if self.fail_floor:
            raise AutoReconnect("store away")
        self.floors.append(version)
        doc = self.docs.setdefault(project_id, {"_id": project_id, "version": 0, "floor": 0})
        doc["floor"] = max(doc["floor"], version)


class Investments:
    def __init__(self, answer=None):
        self.answer = answer
        self.asked = 0

    def get(self, project_id):
        self.asked += 1
        if self.answer is None:
            raise NotFound(f"project {project_id} not found", {"id": project_id})
        return dict(self.answer)


def service(views, answer=None):
    return SimpleNamespace(project_views=views, investments=Investments(answer))


def principal(role="admin", region=None):
    return Principal(subject=f"{role}-user", role=role, region=region, credential_kind="jwt",
                     credential_id=f"{role}-{region}")


def get(svc, who=None):
    return project_reads.projects_get(svc, SimpleNamespace(principal=who or principal()), PID)


# -- when the copy may answer ------------------------------------------------------------------

def test_a_current_copy_is_served():
    assert servable(copy(3, floor=3)) == project(3)
    assert servable(copy(3, floor=2)) == project(3)


@pytest.mark.parametrize("doc", [
    None,
    {"_id": PID, "version": 0, "floor": 4},                       # only the hub's floor
    copy(3, floor=4),                                             # an event named a newer version
    copy(3, shape="0123456789abcdef"),                            # stored under another contract
    {**copy(3), "version": 4},                                    # copy and its version disagree
    {**copy(3), "project": None},
])
def test_a_copy_that_may_be_behind_or_malformed_is_not_served(doc):
    assert servable(doc) is None


def test_the_contract_shape_changes_when_a_field_is_added_or_retyped():
    class Added(ProjectOut):
        extra = fields.Str()

    class Retyped(ProjectOut):
        jobs_planned = fields.Str()

    base = schema_shape(ProjectOut())
    assert schema_shape(Added()) != base
    assert schema_shape(Retyped()) != base
    assert schema_shape(ProjectOut()) == base  # stable between processes
    assert "investor:{" in base  # nested schemas are part of the shape


# -- GET ------------------------------------------------------------------------------------------

def test_the_copy_answers_without_asking_the_service():
    svc = service(MemoryViews(copy(2, floor=2)), answer=project(2))
    status, headers, body = get(svc)
    assert (status, body) == (200, project(2))
    assert svc.investments.asked == 0
    assert headers == {"X-Read-Source": "read-model", "X-Read-As-Of": STORED_AT.isoformat()}


def test_a_miss_asks_the_service_and_stores_its_answer_for_the_next_read():
    views = MemoryViews()
    svc = service(views, answer=project(5))
    status, headers, body = get(svc)
    assert (status, body, svc.investments.asked) == (200, project(5), 1)
    assert headers["X-Read-Source"] == "investments"
    assert datetime.fromisoformat(headers["X-Read-As-Of"]).tzinfo is not None
    assert views.kept == [5]
    _, headers, body = get(svc)
    assert (headers["X-Read-Source"], body, svc.investments.asked) == ("read-model", project(5), 1)


def test_a_copy_behind_its_floor_asks_the_service():
    views = MemoryViews(copy(2, floor=3))
    svc = service(views, answer=project(3))
    _, headers, body = get(svc)
    assert (headers["X-Read-Source"], body["version"]) == ("investments", 3)
    assert servable(views.docs[PID]) == project(3)


def test_the_store_unreadable_or_unwritable_still_answers_from_the_service():
    for views in (MemoryViews(copy(2), fail_read=True), MemoryViews(fail_keep=True)):
        svc = service(views, answer=project(2))
        _, headers, body = get(svc)
        assert (headers["X-Read-Source"], body, svc.investments.asked) == (
            "investments", project(2), 1)


def test_a_store_that_did_not_answer_the_read_is_not_waited_for_again_to_store_the_answer():
    views = MemoryViews(fail_read=True)
    get(service(views, answer=project(2)))
    assert views.kept == []


def test_an_unknown_id_is_the_services_404_and_stores_nothing():
    views = MemoryViews()
    with pytest.raises(NotFound) as refused:
        get(service(views))
    assert refused.value.details == {"id": PID}
    assert views.docs == {}


@pytest.mark.parametrize("from_copy", [True, False])
def test_another_regions_officer_gets_the_unknown_id_404_from_either_source(from_copy):
    svc = service(MemoryViews(copy(1, region="KZ-61") if from_copy else None),
                  answer=project(1, region="KZ-61"))
    with pytest.raises(NotFound) as refused:
        get(svc, principal("regional_officer", "KZ-35"))
    assert (refused.value.message, refused.value.details) == (f"project {PID} not found",
                                                              {"id": PID})
    _, _, body = get(svc, principal("regional_officer", "KZ-61"))
    assert body["id"] == PID


def test_reach_refuses_a_write_to_a_reader_as_before():
    with pytest.raises(Forbidden):
        project_reads.reach(principal("ministry_analyst"), PID, project(1), "write")
    assert project_reads.reach(principal("ministry_analyst"), PID, project(1), "read") == project(1)


# -- commands and events ---------------------------------------------------------------------------

def test_a_commands_answer_is_stored_and_an_older_read_stored_late_does_not_replace_it():
    views = MemoryViews(copy(1))
    svc = service(views)
    project_reads.keep_written(svc, project(2, title="Renamed"))
    views.keep(project(1), STORED_AT)  # a read that asked the service before the command
    _, headers, body = get(svc)
    assert (headers["X-Read-Source"], body["version"], body["title"]) == ("read-model", 2, "Renamed")


def test_a_commands_answer_that_cannot_be_stored_raises_the_floor_so_the_old_copy_is_not_served():
    views = MemoryViews(copy(1), fail_keep=True)
    svc = service(views, answer=project(2))
    project_reads.keep_written(svc, project(2))
    assert views.floors == [2]
    _, headers, body = get(svc)
    assert (headers["X-Read-Source"], body["version"]) == ("investments", 2)


def test_when_neither_can_be_stored_the_command_fails_instead_of_answering_2xx():
    svc = service(MemoryViews(copy(1), fail_keep=True, fail_floor=True))
    with pytest.raises(AutoReconnect):
        project_reads.keep_written(svc, project(2))


def test_a_project_event_raises_the_floor_and_other_events_do_not():
    views = MemoryViews(copy(2))
    svc = service(views, answer=project(3))
    project_reads.note_event(svc, {"event_type": "indicators_recalculated",
                                   "payload": {"region_code": "KZ-35"}})
    assert views.floors == []
    project_reads.note_event(svc, {"event_type": "project_updated",
                                   "payload": {"project_id": PID, "version": 3}})
    assert views.floors == [3]
    _, headers, body = get(svc)
    assert (headers["X-Read-Source"], body["version"]) == ("investments", 3)


def test_the_openapi_document_states_both_headers_of_get_one_project():
    document = build_openapi(full_gateway_class())
    answer = document["paths"]["/api/v1/projects/{project_id}"]["get"]["responses"]["200"]
    assert set(answer["headers"]) == {"X-Read-Source", "X-Read-As-Of"}
    assert all(header["required"] for header in answer["headers"].values())
    assert answer["headers"]["X-Read-Source"]["schema"]["enum"] == [
        project_views.FROM_SERVICE, project_views.FROM_COPY]
    listing = document["paths"]["/api/v1/projects"]["get"]["responses"]["200"]
    assert "headers" not in listing
