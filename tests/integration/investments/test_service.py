"""The investments service in a real container (fresh RabbitMQ vhost per test, real store), driven
over RPC: indexes, external_ref uniqueness with nothing half-written, stale versions, and the
events of every command as a non-nameko consumer sees them on ``investments.events``.
"""
from decimal import Decimal

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ServiceRpcProxy

from services.common import remote_errors  # noqa: F401  (errors cross RPC as their own types)
from services.common.errors import DuplicateKey, NotFound, RuleViolation, StaleVersion, ValidationFailed
from services.common.events import parse_event
from services.investments.application.demo_data import example_project
from services.investments.repository import ProjectRepository
from services.investments.stage_pages import PAGES_COLLECTION
from services.investments.totals_repository import TOTALS_COLLECTION
from tests.support import wait_until

pytestmark = pytest.mark.integration

TAP_QUEUE = "test.investments-events-tap"


@pytest.fixture
def rpc(service, nameko_config):
    with ServiceRpcProxy("investments", nameko_config) as proxy:
        yield proxy


class EventTap:
    """A durable-exchange subscriber of our own: what any ministry system would bind."""

    def __init__(self, amqp_uri: str):
        self.connection = Connection(amqp_uri)
        self.queue = Queue(TAP_QUEUE, Exchange("investments.events", type="topic", durable=True),
                           routing_key="#", durable=False, auto_delete=False)(
            self.connection.channel())
        self.queue.declare()
        self.received: list[dict] = []

    def drain(self) -> list[dict]:
        while (message := self.queue.get(no_ack=True)) is not None:
            self.received.append({"body": message.payload, "routing_key":
                                  message.delivery_info["routing_key"],
                                  "persistent": message.properties.get("delivery_mode") == 2})
        return self.received

    def wait_for(self, count: int, timeout: float = 20) -> list[dict]:
        return wait_until(lambda: len(self.drain()) >= count and self.received, timeout=timeout,
                          message=f"{count} events on investments.events")

    def of(self, project_id: str) -> list[dict]:
        return [m["body"] for m in self.drain() if m["body"]["payload"]["project_id"] == project_id]


@pytest.fixture
def tap(service, nameko_config):
    tap = EventTap(nameko_config["AMQP_URI"])
    yield tap
    tap.connection.release()


def test_indexes_are_created_at_start(service, store):
    indexes = {tuple(ix["key"].items()): ix for ix in store.projects.list_indexes()}
    for keys, options in ProjectRepository.indexes:
        found = indexes.get(tuple((name, direction) for name, direction in keys))
        assert found is not None, keys
        assert bool(found.get("unique")) == bool(options.get("unique"))
    assert indexes[(("external_ref", 1),)]["unique"]
    assert [ix["key"] for ix in store.outbox_pointers.list_indexes()
            if "created_at" in ix["key"]]


def test_second_registration_of_an_external_ref_is_refused_and_nothing_is_half_written(
        rpc, store, tap):
    first = rpc.register(example_project(), "officer-39")
    with pytest.raises(DuplicateKey) as caught:
        rpc.register(example_project(title="Same reference, another project"), "officer-39")
    assert caught.value.details == {"fields": ["external_ref"]}
    other = rpc.register(example_project(external_ref="KZINVEST-2025-000124"), "officer-39")
    # the refused registration left no document, no pending event and no outbox pointer
    assert store.projects.count_documents({"external_ref": "KZINVEST-2025-000123"}) == 1
    assert store.projects.count_documents({}) == 2
    wait_until(lambda: store.outbox_pointers.count_documents({}) == 0, message="pointers gone")
    assert all(doc.get("_outbox") == [] for doc in store.projects.find())
    # and published nothing: the event after it arrives, the refused one never did
    tap.wait_for(2)
    assert [(m["body"]["event_type"], m["body"]["payload"]["project_id"]) for m in tap.received] \
        == [("project_registered", first["id"]), ("project_registered", other["id"])]
    assert rpc.get(first["id"])["title"] == example_project()["title"]


def test_every_command_publishes_its_facts_in_order(rpc, tap, store):
    project = rpc.register(example_project(), "officer-39")
    pid = project["id"]

    def step(method, command):
        nonlocal project
        project = getattr(rpc, method)(pid, {**command, "expected_version": project["version"]},
                                       "officer-39")
        return project

    step("update", {"title": "Grain deep-processing plant, phase 1",
                    "jobs_planned": 300})
    for stage in ("appraised", "approved", "financed"):
        step("change_stage", {"stage": stage})
    step("change_stage", {"stage": "under_implementation", "actual_start": "2025-04-15"})
    step("report_progress", {"report_date": "2025-09-30", "invested_to_date_kzt": "4200000000.50",
                             "jobs_created_to_date": 180,
                             "milestones": [{"name": "foundation laid", "date": "2025-06-01"}]})
    step("change_stage", {"stage": "commissioned", "actual_commissioning": "2025-10-15"})
    step("change_stage", {"stage": "evaluated", "reason": "ex-post evaluation done"})
    assert project["stage"] == "evaluated" and project["version"] == 9

    other = rpc.register(example_project(external_ref="KZINVEST-2025-000999"), "officer-39")
    oid = other["id"]
    other = rpc.change_stage(oid, {"stage": "suspended", "expected_version": 1,
                                   "reason": "financing closing delayed"}, "officer-39")
    other = rpc.change_stage(oid, {"stage": "proposed", "expected_version": 2}, "officer-39")
    other = rpc.change_stage(oid, {"stage": "cancelled", "expected_version": 3,
                                   "reason": "investor withdrew"}, "officer-39")

    tap.wait_for(15)
    expected_types = (["project_registered", "project_updated"]
                      + ["project_stage_changed"] * 4 + ["project_progress_reported"]
                      + ["project_stage_changed", "project_commissioned", "project_stage_changed"])
    events = tap.of(pid)
    assert [e["event_type"] for e in events] == expected_types
    assert [e["event_type"] for e in tap.of(oid)] == [
        "project_registered", "project_stage_changed", "project_stage_changed",
        "project_stage_changed", "project_cancelled"]
    assert all(m["routing_key"] == m["body"]["event_type"] and m["persistent"]
               for m in tap.received)
    for body in events + tap.of(oid):
        envelope = parse_event(body)  # each one valid against its published schema
        assert envelope["source"] == "investments" and envelope["region_code"] == "KZ-39"
        assert envelope["schema_version"] == 1
    assert [e["payload"]["version"] for e in events] == [1, 2, 3, 4, 5, 6, 7, 8, 8, 9]
    commissioned = next(e for e in events if e["event_type"] == "project_commissioned")
    assert commissioned["payload"]["actual_commissioning"] == "2025-10-15"
    assert commissioned["payload"]["expected_annual_local_revenue_kzt"] == "310000000.00"
    assert commissioned["payload"]["jobs_created"] == 180
    progress = next(e for e in events if e["event_type"] == "project_progress_reported")
    assert progress["payload"]["invested_change_kzt"] == "4200000000.50"
    cancelled = tap.of(oid)[-1]["payload"]
    assert cancelled["reason"] == "investor withdrew" and cancelled["previous_stage"] == "proposed"
    assert len({e["event_id"] for e in events}) == len(events)
    wait_until(lambda: store.outbox_pointers.count_documents({}) == 0, message="outbox drained")


def test_stale_version_is_refused_and_the_project_stays_as_it_was(rpc, store, tap):
    project = rpc.register(example_project(), "officer-39")
    rpc.update(project["id"], {"expected_version": 1, "jobs_planned": 260}, "officer-a")
    # the published entries leave the document after the answer, off the request path; from
    # then on the refused commands below must change nothing at all
    wait_until(lambda: store.projects.find_one({"_id": project["id"]})["_outbox"] == [],
               message="sent outbox entries pulled")
    before = store.projects.find_one({"_id": project["id"]})
    with pytest.raises(StaleVersion) as stale_update:
        rpc.update(project["id"], {"expected_version": 1, "jobs_planned": 999}, "officer-b")
    # str(): nameko's exception serialisation turns scalars in error args into strings (reported
    # to the kernel's owner); the values are what matter here
    assert {k: str(v) for k, v in stale_update.value.details.items()} == {"expected": "1",
                                                                        "actual": "2"}
    with pytest.raises(StaleVersion):
        rpc.change_stage(project["id"], {"expected_version": 1, "stage": "appraised"}, "officer-b")
    with pytest.raises(StaleVersion):
        rpc.report_progress(project["id"], {"expected_version": 1, "report_date": "2025-05-01",
                                            "invested_to_date_kzt": "1.00",
                                            "jobs_created_to_date": 1}, "officer-b")
    assert store.projects.find_one({"_id": project["id"]}) == before
    assert rpc.get(project["id"])["jobs_planned"] == 260
    tap.wait_for(2)
    assert [m["body"]["event_type"] for m in tap.received] == ["project_registered",
                                                               "project_updated"]


def test_refusals_cross_rpc_as_platform_errors(rpc):
    with pytest.raises(NotFound) as missing:
        rpc.get("no-such-project")
    assert missing.value.details == {"id": "no-such-project"}
    with pytest.raises(ValidationFailed) as invalid:
        rpc.register(example_project(region_code="KZ-99", agglomeration="almaty",
                                     total_cost={"amount": "-5", "currency": "EUR"},
                                     investor={"name": "X", "country": "KZ",
                                               "bin": "123456789012"}), "admin")
    assert {"region_code", "total_cost.amount", "total_cost.currency", "investor.bin"} \
        <= set(invalid.value.details)
    project = rpc.register(example_project(), "officer-39")
    with pytest.raises(RuleViolation) as forbidden_move:
        rpc.change_stage(project["id"], {"expected_version": 1, "stage": "commissioned"}, "o")
    assert forbidden_move.value.details == {"rule": "stage_transition", "from": "proposed",
                                            "to": "commissioned",
                                            "allowed": ["appraised", "cancelled", "suspended"]}


def test_query_summary_and_export_over_rpc(rpc):
    ids = [rpc.register(example_project(external_ref=f"Q-{i}", region_code=region,
                                        district="Somewhere", agglomeration=None), "o")["id"]
           for i, region in enumerate(["KZ-39", "KZ-39", "KZ-55"])]
    page = rpc.query({"region_code": "KZ-39", "page_size": 1, "sort": "external_ref"})
    assert [p["external_ref"] for p in page["items"]] == ["Q-0"] and page["next_cursor"]
    second = rpc.query({"region_code": "KZ-39", "page_size": 1, "sort": "external_ref",
                        "cursor": page["next_cursor"]})
    assert [p["id"] for p in second["items"]] == [ids[1]] and second["next_cursor"] is None
    summary = rpc.region_summary("KZ-39")
    assert summary["total"]["count"] == 2
    assert summary["total"]["cost_kzt"] == "25000000000.00"
    assert summary["by_stage"]["proposed"]["count"] == 2
    csv_page = rpc.export_page({"region_code": "KZ-55"}, "csv")
    assert csv_page["rows"][0][0] == "id" and [r[0] for r in csv_page["rows"][1:]] == [ids[2]]
    iati = rpc.export_page({"region_code": "KZ-55"}, "iati")["rows"]
    assert iati[0]["iati-identifier"] == "KZ-GOV-RDC-Q-2"
    assert rpc.find_by_external_ref("Q-1")["id"] == ids[1]
    assert rpc.find_by_external_ref("Q-404") is None
    with pytest.raises(ValidationFailed):
        rpc.export_page({}, "xlsx")


def test_summary_from_stored_totals_shows_each_write_in_the_very_next_read(rpc, store):
    """The replica's timer folds the region's projects into stored totals; a registration and a
    stage move are in the summary read right after them, before any fold."""
    first = rpc.register(example_project(external_ref="T-0", region_code="KZ-39",
                                         district="Somewhere", agglomeration=None), "o")
    wait_until(lambda: store[TOTALS_COLLECTION].find_one({"_id": "KZ-39"}) and
               store.projects.find_one({"_id": first["id"], "totals_dirty": False}),
               message="the timer folded KZ-39")
    for i in range(1, 4):
        second = rpc.register(example_project(external_ref=f"T-{i}", region_code="KZ-39",
                                              district="Somewhere", agglomeration=None), "o")
        summary = rpc.region_summary("KZ-39")
        assert summary["total"]["count"] == i + 1
        assert summary["by_stage"]["proposed"]["count"] == i + 1
    rpc.change_stage(second["id"], {"expected_version": 1, "stage": "appraised"}, "o")
    summary = rpc.region_summary("KZ-39")
    assert summary["by_stage"]["proposed"]["count"] == 3
    assert summary["by_stage"]["appraised"]["count"] == 1
    assert summary["total"]["cost_kzt"] == str(4 * Decimal(first["cost_kzt"]))


def test_stored_first_page_shows_each_write_in_the_very_next_read(rpc, store):
    """Once the timer stored the region + stage first pages, a registration is at the top of its
    stage's page in the next read, and a stage move takes it from one page to the other."""
    first = rpc.register(example_project(external_ref="L-0", region_code="KZ-39",
                                         district="Somewhere", agglomeration=None), "o")
    wait_until(lambda: store[PAGES_COLLECTION].find_one({"_id": "KZ-39|proposed"}) and
               store.projects.find_one({"_id": first["id"], "totals_dirty": False}),
               message="the timer stored KZ-39's pages")
    proposed = {"region_code": "KZ-39", "stage": "proposed", "page_size": 2}
    created = [first["id"]]
    for i in range(1, 4):
        created.append(rpc.register(example_project(
            external_ref=f"L-{i}", region_code="KZ-39", district="Somewhere",
            agglomeration=None), "o")["id"])
        page = rpc.query(proposed)
        assert [p["id"] for p in page["items"]] == created[::-1][:2]
        assert (page["next_cursor"] is not None) == (len(created) > 2)
    rpc.change_stage(created[-1], {"expected_version": 1, "stage": "appraised"}, "o")
    assert [p["id"] for p in rpc.query(proposed)["items"]] == created[-2::-1][:2]
    appraised = rpc.query({"region_code": "KZ-39", "stage": "appraised"})
    assert [(p["id"], p["version"]) for p in appraised["items"]] == [(created[-1], 2)]
    assert appraised["next_cursor"] is None
    # the page after the stored first page is read from the projects, from the same cursor
    rest = rpc.query({**proposed, "cursor": rpc.query(proposed)["next_cursor"]})
    assert [p["id"] for p in rest["items"]] == [created[0]] and rest["next_cursor"] is None
