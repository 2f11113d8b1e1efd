"""Stop the store for 30 s while the API is under load.

Meanwhile every answer is quick and says 503 ``service_unavailable`` (never a 500, never a hang);
no partial document remains; afterwards the very same service processes work again without a
restart, the outbox backlog drains and every project the API confirmed reaches the hub's journal
exactly once (the journal is the hub's consumer of ``project_registered``).
"""
import time
import uuid

import eventlet
import pytest
import requests

from services.investments.application.demo_data import generate_projects
from tests.support.fault_infra import HANG_GUARD_SECONDS
from tests.support.fault_ledger import REPORTS, LedgerReport

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

OUTAGE_SECONDS = 30
WRITERS = 3


class Load:
    """Writers registering projects and a reader, recording every answer."""

    def __init__(self, platform):
        self.platform = platform
        self.headers = platform.headers("admin")
        self.bodies = generate_projects(3000, seed=uuid.uuid4().int % 10_000)
        self.answers: list[dict] = []
        self.running = True

    def _record(self, kind, started, response=None, error=None):
        body = {}
        if response is not None:
            try:
                body = response.json()
            except ValueError:
                body = {"raw": response.text[:200]}
        self.answers.append({"kind": kind, "at": started, "took": time.monotonic() - started,
                             "status": response.status_code if response is not None else None,
                             "body": body, "error": error})

    def writer(self, index: int):
        n = index
        while self.running and n < len(self.bodies):
            started = time.monotonic()
            try:
                response = requests.post(f"{self.platform.base_url}/api/v1/projects",
                                         json=self.bodies[n], headers=self.headers, timeout=30)
                self._record("write", started, response)
            except requests.RequestException as exc:
                self._record("write", started, error=type(exc).__name__)
            n += WRITERS
            eventlet.sleep(0.05)

    def reader(self):
        while self.running:
            created = [a["body"]["id"] for a in self.answers if a["status"] == 201]
            for path in ([f"/api/v1/projects/{created[-1]}"] if created else []) + [
                    "/api/v1/hub/journal?limit=1"]:
                started = time.monotonic()
                try:
                    response = requests.get(self.platform.base_url + path, headers=self.headers,
                                            timeout=30)
                    self._record(f"read {path.split('?')[0].rsplit('/', 1)[0]}", started, response)
                except requests.RequestException as exc:
                    self._record("read", started, error=type(exc).__name__)
            eventlet.sleep(0.5)


def _between(answers, start, end):
    return [a for a in answers if start <= a["at"] and a["at"] + a["took"] <= end]


def test_store_outage_answers_503_leaves_no_partial_document_and_drains(fault_platform,
                                                                        fault_infra):
    platform = fault_platform
    assert requests.get(f"{platform.base_url}/health", timeout=10).status_code == 200
    pids_before = platform.pids()
    started = time.monotonic()
    load = Load(platform)
    pool = eventlet.GreenPool()
    for i in range(WRITERS):
        pool.spawn_n(load.writer, i)
    pool.spawn_n(load.reader)

    eventlet.sleep(5)
    fault_infra.store.stop()
    stopped_at = time.monotonic()
    eventlet.sleep(OUTAGE_SECONDS)
    restarting_at = time.monotonic()
    fault_infra.store.start()
    back_at = time.monotonic()
    eventlet.sleep(8)
    load.running = False
    pool.waitall()

    # -- during the outage (after a moment for in-flight requests to settle) ---------------
    during = _between(load.answers, stopped_at + 4, restarting_at)
    statuses = sorted({a["status"] for a in during if a["status"] is not None})
    assert during and statuses == [503], (statuses, [a for a in during if a["status"] != 503][:5])
    assert all(a["body"]["error"] == "service_unavailable" and a["body"]["message"]
               for a in during), during[:3]
    assert max(a["took"] for a in during) < 12, "an answer took too long during the outage"
    assert not [a for a in load.answers if a["status"] == 500 or a["error"]], \
        [a for a in load.answers if a["status"] == 500 or a["error"]][:5]

    # -- afterwards: the same processes work again --------------------------------------------
    after = [a for a in load.answers if a["at"] > back_at + 3 and a["kind"] == "write"]
    assert after and all(a["status"] == 201 for a in after), after[-3:]
    assert platform.pids() == pids_before  # nothing was restarted
    health = requests.get(f"{platform.base_url}/health", timeout=10)
    assert health.status_code == 200, health.text

    investments, gateway = platform.db("investments"), platform.db("gateway")
    confirmed = {a["body"]["id"] for a in load.answers if a["status"] == 201}

    def pending_events():
        return investments.projects.count_documents({"_outbox.0": {"$exists": True}})

    deadline = time.monotonic() + 60
    while pending_events() and time.monotonic() < deadline:
        time.sleep(0.5)
    drained_after = time.monotonic() - back_at
    assert pending_events() == 0, "outbox entries still unpublished"

    def journaled() -> list[str]:
        return [d["payload"]["project_id"] for d in
                gateway.journal.find({"event_type": "project_registered"}, {"payload.project_id": 1})]

    our_refs = {b["external_ref"] for b in load.bodies}  # the platform is shared with other tests
    stored = {d["_id"]: d for d in investments.projects.find(
        {}, {"external_ref": 1, "stage": 1, "region_code": 1, "version": 1, "_outbox": 1})
        if d["external_ref"] in our_refs}
    deadline = time.monotonic() + 60
    while not set(stored) <= set(journaled()) and time.monotonic() < deadline:
        time.sleep(0.5)
    journal = journaled()

    # no partial document: every stored project is whole, its event published and journaled
    assert all(d.get("stage") and d.get("region_code") and d.get("version") == 1
               and d.get("_outbox") == [] for d in stored.values())
    assert set(stored) <= set(journal), "a stored project whose event never reached the hub"
    deadline = time.monotonic() + 75  # pointers left by flushes cut short expire after 60 s
    while investments.outbox_pointers.count_documents({}) and time.monotonic() < deadline:
        time.sleep(1)
    pointers_left = investments.outbox_pointers.count_documents({})
    pointers_gone_after = time.monotonic() - back_at
    our_ids = set(stored) | confirmed
    journal = [project_id for project_id in journal if project_id in our_ids]

    during_writes = [a for a in during if a["kind"] == "write"]
    report = LedgerReport(
        "c. store stopped 30 s under API load", len(confirmed), len(confirmed & set(journal)),
        len(confirmed - set(journal)), len(journal) - len(set(journal)), len(journal),
        len(journal) - len(set(journal)), time.monotonic() - started,
        [f"{len(load.answers)} answers", f"{len(during)} during the outage, all 503",
         f"{len(during_writes)} writes refused meanwhile",
         f"{len(stored) - len(confirmed)} stored without a 201 (answered 503 at the edge)",
         f"events drained {drained_after:.1f}s after the store came back",
         f"outbox pointers gone {pointers_gone_after:.0f}s after (60 s grace)"])
    REPORTS.append(report)
    print(report.line())
    assert report.lost == 0
    assert report.duplicated == 0
    assert pointers_left == 0
