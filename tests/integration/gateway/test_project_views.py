"""The gateway's copies of projects against the real store: a copy never goes back (a late,
older answer changes nothing), the hub's floor only rises and hides an older copy, a copy of
another contract shape is replaced at the same version, and concurrent writers of one copy end
on the newest version (reads/project_views_repository.py)."""
import uuid
from datetime import datetime, timezone

import eventlet
import pytest

from services.common.mongo import get_client
from services.gateway.reads.project_views import SHAPE, servable
from services.gateway.reads.project_views_repository import ProjectViewRepository
from tests.support.gateway_harness import gateway  # noqa: F401  (fixture)
from tests.support.hub_events import envelope, forecast_payload, project_event, project_snapshot

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)


@pytest.fixture
def views(db_prefix):
    client = get_client()
    db = client[f"{db_prefix}_views_{uuid.uuid4().hex[:6]}"]
    yield ProjectViewRepository(db)
    client.drop_database(db.name)


def out(project_id, version, **extra):
    return {"id": project_id, "region_code": "KZ-35", "title": f"v{version}", "version": version,
            "stage_history": [{"to_stage": "proposed", "at": "2026-01-15T09:00:00+00:00"}],
            "cost_kzt": "1000000.00", **extra}


def served(views, project_id):
    return servable(views.read(project_id))


def test_a_copy_is_stored_read_back_whole_and_never_goes_back(views):
    assert views.keep(out("a", 1), NOW) is True
    assert served(views, "a") == out("a", 1)
    assert views.read("a")["stored_at"] == NOW
    assert views.keep(out("a", 3), NOW) is True
    assert views.keep(out("a", 2), NOW) is False  # a read that asked the service before
    assert views.keep(out("a", 3, title="again"), NOW) is False  # as new: kept as it is
    assert served(views, "a") == out("a", 3)


def test_the_floor_hides_an_older_copy_until_a_copy_that_new_is_stored(views):
    views.keep(out("b", 2), NOW)
    views.raise_floor("b", 3)
    assert served(views, "b") is None
    views.raise_floor("b", 1)  # an older event delivered late lowers nothing
    assert views.read("b")["floor"] == 3
    assert views.keep(out("b", 3), NOW) is True
    assert served(views, "b") == out("b", 3)


def test_an_event_before_any_copy_leaves_a_floor_that_an_older_read_cannot_pass(views):
    views.raise_floor("c", 4)
    assert served(views, "c") is None
    assert views.keep(out("c", 3), NOW) is True  # stored, but behind the floor: not served
    assert served(views, "c") is None
    assert views.keep(out("c", 4), NOW) is True
    assert served(views, "c") == out("c", 4)


def test_a_copy_of_another_shape_is_replaced_at_the_same_version(views):
    views.keep(out("d", 2), NOW, shape="old-contract")
    assert served(views, "d") is None
    assert views.keep(out("d", 2), NOW) is True
    assert views.read("d")["shape"] == SHAPE
    assert served(views, "d") == out("d", 2)


def test_concurrent_writers_of_one_copy_end_on_the_newest_version(views):
    # commands' answers, late service reads and hub floors at once, as replicas would write them
    pool = eventlet.GreenPool(12)
    for version in (5, 1, 3, 2, 4, 6, 2, 1):
        pool.spawn(views.keep, out("e", version), NOW)
    for version in (3, 6, 1):
        pool.spawn(views.raise_floor, "e", version)
    pool.waitall()
    doc = views.read("e")
    # the floor of 6 may be left unwritten: the copy was at 6 already, and a copy never goes back
    assert doc["version"] == 6 and doc["floor"] <= 6
    assert served(views, "e") == out("e", 6)


def test_a_new_projects_copy_is_one_insert_and_its_own_event_writes_nothing(views):
    assert views.keep(out("f", 1), NOW) is True
    views.raise_floor("f", 1)  # the registration's event, handled by the hub after the answer
    doc = views.read("f")
    # no update reached the copy: every update bumps the storage revision (guarded.py)
    assert doc.get("_rev", 0) == 0 and doc["floor"] == 0
    assert served(views, "f") == out("f", 1)
    views.raise_floor("f", 2)  # a change made elsewhere: the copy at 1 is no longer served
    assert views.read("f")["_rev"] == 1
    assert served(views, "f") is None


def test_a_new_projects_event_handled_before_its_copy_writes_nothing(views):
    views.raise_floor("g", 1)
    assert views.read("g") is None  # no copy older than version 1 can exist to be refused
    assert views.keep(out("g", 1), NOW) is True
    assert served(views, "g") == out("g", 1)
    assert views.keep(out("g", 1), NOW) is False


def test_a_new_projects_copy_stored_after_a_later_floor_is_kept_and_not_served(views):
    views.raise_floor("h", 2)  # its second version's event, handled before any copy
    assert views.keep(out("h", 1), NOW) is True  # the insert meets the floor's document
    assert views.read("h")["version"] == 1
    assert served(views, "h") is None
    assert views.keep(out("h", 2), NOW) is True
    assert served(views, "h") == out("h", 2)


def test_the_hubs_project_events_raise_the_floor_of_the_gateways_copy(gateway):  # noqa: F811
    """The hub's hook on the gateway alone (no investments): a copy the gateway stored at version
    2 stops being served once an event naming version 3 is handled; a redelivered older event
    and other events change nothing; an event of a project without a copy leaves a floor."""
    copies = ProjectViewRepository(gateway.db)
    project_id = str(uuid.uuid4())
    copies.keep(out(project_id, 2), NOW)
    older = envelope(*project_event("project_updated", project_snapshot(project_id, version=1)))
    gateway.publish(older, envelope("forecast_updated",
                                    forecast_payload("KZ-35", {"2027": "100.00"})))
    gateway.wait_handled()
    assert served(copies, project_id) == out(project_id, 2)
    newer = envelope(*project_event("project_updated", project_snapshot(project_id, version=3)))
    gateway.publish(newer, newer)  # a redelivery too
    gateway.wait_handled()
    assert copies.read(project_id)["floor"] == 3
    assert served(copies, project_id) is None
    unseen = str(uuid.uuid4())  # events before any copy: a floor for the first read to pass
    gateway.publish(envelope(*project_event("project_registered", project_snapshot(unseen))))
    gateway.wait_handled()
    assert copies.read(unseen) is None  # version 1: no older copy can exist, nothing to store
    gateway.publish(envelope(*project_event("project_updated",
                                            project_snapshot(unseen, version=2))))
    gateway.wait_handled()
    assert copies.read(unseen)["floor"] == 2 and served(copies, unseen) is None
