"""The periodic "rotation due" job, the inbound organisation changes of the civil service agency
and the demo seed loader, against the real broker and store."""
import io
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import eventlet
import pytest

from services.common import deadletters
from services.common.errors import RuleViolation
from services.personnel import cli
from services.personnel.application.demo_data import generate_seed
from tests.support import wait_until
from tests.support.personnel_harness import TODAY, personnel, world  # noqa: F401

pytestmark = pytest.mark.integration

ROUTING_KEY = "civil_service.organisation_changed"


def _due_events(personnel):
    return [e for e in personnel.published() if e["event_type"] == "rotation_due"]


def test_due_scan_publishes_once_per_case(personnel, world):
    due = world.servant(world.post(world.kz35, "D-3"), post_start=date(2019, 3, 1))
    world.servant(world.post(world.kz35, "D-3"), post_start=TODAY - timedelta(days=400))
    world.servant(world.post(world.kz35, "D-3"), post_start=date(2018, 1, 1),
                  birth=date(1964, 1, 1))  # near retirement: exempt
    personnel.published()  # drop the registrations

    first = personnel.rpc.scan_due_rotations()
    assert (first["due"], first["published"]) == (1, 1)
    again = personnel.rpc.scan_due_rotations(TODAY.isoformat())
    assert (again["due"], again["published"]) == (1, 0)
    # two instances scanning at once still publish nothing new
    calls = [personnel.rpc.scan_due_rotations.call_async() for _ in range(2)]
    assert sum(c.result()["published"] for c in calls) == 0

    [event] = wait_until(lambda: _due_events(personnel), message="rotation_due published")
    payload = event["payload"]
    assert (payload["servant_id"], payload["due_date"], payload["home_region"]) == (
        due["servant_id"], "2023-03-01", "KZ-35")
    assert personnel.doc("servants", due["servant_id"])["last_rotation_due_key"] == \
        payload["due_key"]
    eventlet.sleep(0.5)
    assert _due_events(personnel) == []

    # an extension makes a new case once its date comes
    personnel.rpc.extend_mandatory_term(due["servant_id"], {
        "authority": "head_of_body", "until": "2025-03-01", "basis": "order No. 12"}, "head-kz35")
    assert personnel.rpc.scan_due_rotations()["published"] == 1
    [renewed] = wait_until(lambda: _due_events(personnel), message="second case")
    assert renewed["payload"]["due_date"] == "2025-03-01" and renewed["payload"]["extended"]
    with pytest.raises(RuleViolation) as beyond:
        personnel.rpc.extend_mandatory_term(due["servant_id"], {
            "authority": "head_of_body", "until": "2026-03-01", "basis": "order No. 13"},
            "head-kz35")
    assert beyond.value.details["rule"] == "term_limit"

    listed = personnel.rpc.due_rotations({"region": "KZ-35"})
    assert [c["servant_id"] for c in listed["items"]] == [due["servant_id"]]
    assert personnel.rpc.due_rotations({}, ["KZ-10"])["total"] == 0
    figures = personnel.rpc.mobility_statistics({"region": "KZ-35"})
    assert figures["regions"]["KZ-35"]["due_now"] == 1


def _change(org_id, change, name="Ministry of Digital Development", kind="central", region=None):
    return {"org_id": org_id, "name": name, "kind": kind, "region_code": region, "change": change}


def test_agency_organisation_changes_apply_once_and_in_order(personnel):
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)

    def send(change, at, **kwargs):
        return personnel.publish_inbound("organisation_changed", _change("org-mdai", change, **kwargs),
                                         ROUTING_KEY, occurred_at=at.isoformat())

    created = send("created", t0)
    org = wait_until(lambda: personnel.doc("organisations", "org-mdai"), message="created")
    assert (org["name"], org["status"], org["version"]) == (
        "Ministry of Digital Development", "active", 1)
    personnel.publish_inbound("organisation_changed", created["payload"], ROUTING_KEY,
                              event_id=created["event_id"], occurred_at=created["occurred_at"])
    send("renamed", t0 + timedelta(hours=2), name="Ministry of Artificial Intelligence")
    wait_until(lambda: personnel.doc("organisations", "org-mdai")["version"] == 2,
               message="renamed")
    send("renamed", t0 + timedelta(hours=1), name="An older name")  # arrives late: ignored
    send("closed", t0 + timedelta(days=30), name="Ministry of Artificial Intelligence")
    closed = wait_until(lambda: (lambda d: d if d["status"] == "closed" else None)(
        personnel.doc("organisations", "org-mdai")), message="closed")
    assert (closed["name"], closed["version"]) == ("Ministry of Artificial Intelligence", 3)
    with pytest.raises(RuleViolation) as refused:
        personnel.rpc.create_position({"org_id": "org-mdai", "title": "Expert", "corps": "B",
                                       "category": "C-5"}, "hr-admin")
    assert refused.value.details["rule"] == "organisation_closed"


def test_malformed_agency_change_is_dead_lettered(personnel):
    personnel.publish_inbound("organisation_changed", _change("org-x", "created"), ROUTING_KEY,
                              payload={**_change("org-x", "created"), "region_code": "KZ-35"})
    letters = wait_until(lambda: deadletters.list_dead_letters(personnel.config["AMQP_URI"]),
                         message="dead letter")
    assert letters[0]["reason"] == "invalid_message"
    assert "region_code" in letters[0]["details"]
    assert personnel.doc("organisations", "org-x") is None


def test_seed_loads_through_the_service_once(personnel):
    out = io.StringIO()
    kwargs = dict(seed=7, servants=120, rotations=36, today=date(2026, 6, 1), batch_size=50)
    first = cli.load(personnel.rpc, out=out, **kwargs)
    assert first["organisations"] == {"stored": 88, "existing": 0}
    assert first["servants"]["stored"] == 120 and first["rotations"]["stored"] > 20
    statuses = Counter(r["status"] for r in personnel.db.rotations.find({}, {"status": 1}))
    assert {"completed", "started", "requested", "rejected", "cancelled"} <= set(statuses)
    seed_events = len(generate_seed(**{k: v for k, v in kwargs.items() if k != "batch_size"}).events)
    published = []
    wait_until(lambda: published.extend(personnel.published()) or len(published) >= seed_events,
               message="seed events")

    again = cli.load(personnel.rpc, out=out, **{**kwargs, "today": None})  # the recorded day
    assert again["today"] == "2026-06-01"
    assert all(again[k]["stored"] == 0 for k in ("organisations", "positions", "servants",
                                                 "rotations"))
    eventlet.sleep(0.5)
    published.extend(personnel.published())
    assert len(published) == seed_events  # each once, none again on the second load
    assert Counter(e["event_type"] for e in published)["civil_servant_registered"] == 120
    assert len({e["event_id"] for e in published}) == len(published)
    figures = personnel.rpc.mobility_statistics({"today": "2026-06-01"})
    assert figures["national"]["completed_rotations"] == statuses["completed"]
    page = personnel.rpc.list_rotations({"status": "started"})
    assert page["total"] == statuses["started"]
