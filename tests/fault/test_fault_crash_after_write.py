"""Kill a service between its database write and its publish (PLATFORM_FAULT_HOOK=crash_after_write).

The process exits right after the write that holds the state change and its outbox entries, so
nothing was published and the caller got no answer. After a restart the relay publishes every
such event exactly once: consumers see each one once (deliveries = events), effects once.
"""
import os
import signal
import time
import uuid

import pytest
import requests
from kombu import Connection, Queue

from services.investments.application.demo_data import generate_projects
from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import REPORTS, LedgerDriver, LedgerReport, tally, wait_until_applied
from tests.support.fault_processes import ServiceProcess

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

CRASHES, ENTRIES = 5, 20
CRASH_EXIT_CODE = 17  # services.common.faults.maybe_crash


def test_crash_between_write_and_publish_publishes_exactly_once_after_restart(
        start_service, fault_db, fault_env):
    started = time.monotonic()
    consumer_port, port = free_port(), free_port()
    start_service("tests.support.fault_ledger_services:LedgerConsumer", consumer_port)
    db, producer_db = fault_db("fault_consumer"), fault_db("fault_producer")
    producer = start_service("tests.support.fault_ledger_services:LedgerProducer", port,
                             PLATFORM_FAULT_HOOK="crash_after_write")
    confirmed: dict[str, str] = {}
    for n in range(CRASHES):
        batch_id = f"crash-{uuid.uuid4().hex[:6]}-{n}"
        entries = [{"entry_id": f"{batch_id}-{i:02d}", "seq": i} for i in range(ENTRIES)]
        with pytest.raises(requests.ConnectionError):  # no answer: the process died mid-request
            requests.post(f"http://127.0.0.1:{port}/batches", timeout=30,
                          json={"batch_id": batch_id, "entries": entries})
        assert producer.wait_exit(15) == CRASH_EXIT_CODE
        stored = producer_db.ledger_batches.find_one({"_id": batch_id})
        # the write is whole: state and every event, none of them published yet
        assert stored is not None and len(stored["event_ids"]) == ENTRIES
        assert [e["event_id"] for e in stored["_outbox"]] == stored["event_ids"]
        confirmed.update(zip(stored["event_ids"], (e["entry_id"] for e in entries), strict=False))
        # restarted (with the hook still set but for the last time): its relay recovers the
        # pending events; the next write only once they are out, so no crash cuts a publication
        producer.start(extra_env={"PLATFORM_FAULT_HOOK": "" if n == CRASHES - 1 else
                                  "crash_after_write"})
        wait_for(lambda batch_id=batch_id: producer_db.ledger_batches.find_one({"_id": batch_id})["_outbox"] == [],
                 30, f"outbox of {batch_id} published after the restart")
    wait_until_applied(db, confirmed, timeout=60, amqp_uri=fault_env["AMQP_URI"])
    driver = LedgerDriver(f"http://127.0.0.1:{port}")  # and it works normally afterwards
    driver.run(1, ENTRIES)
    confirmed.update(driver.confirmed)
    wait_until_applied(db, confirmed, timeout=30, amqp_uri=fault_env["AMQP_URI"])
    time.sleep(2)  # a second publication would arrive now

    report = tally("d. crash after write, x5", db, confirmed, started,
                   notes=[f"{CRASHES} crashes (exit {CRASH_EXIT_CODE}) right after the write",
                          f"{producer.starts} producer starts"])
    assert report.confirmed == (CRASHES + 1) * ENTRIES
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.deliveries == report.confirmed  # published exactly once
    assert report.redelivered == 0


def _consumers(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri, connect_timeout=2) as conn:
        return Queue(queue, channel=conn.default_channel).queue_declare(passive=True).consumer_count


def test_investments_crash_after_write_reaches_the_hub_exactly_once(fault_platform, fault_infra):
    """The real services: the API caller gets 503 (investments died before answering), yet the
    project was stored with its event, which reaches the hub's journal once after
    deploy/local/platform.sh restarts investments."""
    platform = fault_platform
    started = time.monotonic()
    # every investments replica stops, so the one with the crash hook takes the request
    investments_pids = [pid for name, pid in platform.pids().items()
                        if name in platform.instances("investments")]
    for pid in investments_pids:
        os.kill(pid, signal.SIGTERM)
    for pid in investments_pids:
        wait_for(lambda pid=pid: not os.path.exists(f"/proc/{pid}"), 20, "investments stopped")
    crashing = ServiceProcess("services.investments.service:InvestmentsService",
                              {**platform.env, "PLATFORM_FAULT_HOOK": "crash_after_write"},
                              os.path.join(fault_infra.logs, "investments-crashing.log"))
    crashing.start(wait=False)
    wait_for(lambda: _consumers(platform.env["AMQP_URI"], "rpc-investments") > 0, 30,
             "investments with the crash hook consuming")

    body = generate_projects(1, seed=uuid.uuid4().int % 10_000)[0]
    answer = requests.post(f"{platform.base_url}/api/v1/projects", json=body,
                           headers=platform.headers("admin"), timeout=30)
    assert crashing.wait_exit(10) == CRASH_EXIT_CODE
    assert answer.status_code == 503, answer.text  # the RPC deadline passed without an answer
    assert answer.json()["error"] == "service_unavailable"

    investments = platform.db("investments")
    stored = investments.projects.find_one({"external_ref": body["external_ref"]})
    assert stored is not None and len(stored["_outbox"]) == 1  # written, not published
    event_id = stored["_outbox"][0]["event_id"]
    restarted = platform.script("up")  # starts what is not running: both investments replicas
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr

    journal = platform.db("gateway").journal

    def journaled():
        return list(journal.find({"event_type": "project_registered",
                                  "payload.project_id": stored["_id"]}))
    wait_for(journaled, 60, "project_registered in the journal")
    wait_for(lambda: investments.projects.find_one({"_id": stored["_id"]})["_outbox"] == [], 30,
             "outbox entry sent")
    time.sleep(2)  # a second publication would arrive now
    entries = journaled()
    report = LedgerReport("d. real investments crash after write", 1, len(entries[:1]),
                          1 - len(entries[:1]), len(entries) - 1, len(entries),
                          len(entries) - len({e["_id"] for e in entries}),
                          time.monotonic() - started,
                          ["API answered 503; the write stood; published after platform.sh up"])
    REPORTS.append(report)
    print(report.line())
    assert [e["_id"] for e in entries] == [event_id]
