"""Concurrent writers of one aggregate document, while its relay pops what it published, and
concurrent versioned updates of one project through the API.

FerretDB 1.24 (SQLite) applies an update as a read then a write outside one transaction: two
concurrent updates of one document lose one of them. Without the per-document lock of the outbox
protocol (``OutboxRelay.document_lock``), acknowledged writes lose their pushed outbox entries
under the relay's pops here, i.e. confirmed events are never published.
"""
import time
import uuid

import eventlet
import pytest
import requests

from services.investments.application.demo_data import generate_projects
from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import REPORTS, LedgerDriver, LedgerReport, tally, wait_until_applied

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]


def test_concurrent_writes_to_one_document_lose_no_event(start_service, fault_db, fault_env):
    started = time.monotonic()
    port = free_port()
    start_service("tests.support.fault_ledger_services:LedgerProducer", port)
    start_service("tests.support.fault_ledger_services:LedgerConsumer", free_port())
    db = fault_db("fault_consumer")
    driver = LedgerDriver(f"http://127.0.0.1:{port}")
    driver.run(batches=80, size=10, concurrency=8, streams=1)  # every write to ONE document
    produced = time.monotonic() - started
    assert not driver.unanswered, driver.errors
    wait_until_applied(db, driver.confirmed, timeout=90, amqp_uri=fault_env["AMQP_URI"])
    producer_db = fault_db("fault_producer")
    stream = producer_db.ledger_streams.find_one({"_id": "s0"})
    report = tally("concurrent writers, one document", db, driver.confirmed, started,
                   notes=["8 writers, 80 appends of 10", f"writes done in {produced:.1f}s",
                          f"document counts {stream['entries']} entries"])
    assert report.confirmed == 800
    assert stream["entries"] == 800  # no acknowledged update of the document was lost
    assert stream["_outbox"] == []
    assert report.lost == 0
    assert report.duplicated == 0


def test_concurrent_versioned_updates_of_one_project_have_one_winner(fault_platform):
    """Eight PATCHes of one project with the same expected_version at once, through the API: on
    FerretDB an unguarded version check lets several win (each answered 200, all but one update
    silently overwritten). Exactly one may win; the others get 409 stale_version, and the one
    update that stands is the one whose event reaches the hub."""
    platform = fault_platform
    started = time.monotonic()
    headers = platform.headers("admin")
    body = generate_projects(1, seed=uuid.uuid4().int % 10_000)[0]
    created = requests.post(f"{platform.base_url}/api/v1/projects", json=body, headers=headers,
                            timeout=30)
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    titles = [f"Contender {n} {uuid.uuid4().hex[:6]}" for n in range(8)]

    def patch(title):
        return title, requests.patch(f"{platform.base_url}/api/v1/projects/{project_id}",
                                     json={"title": title, "expected_version": 1},
                                     headers=headers, timeout=30)
    pool = eventlet.GreenPool(len(titles))
    answers = list(pool.imap(patch, titles))
    winners = [title for title, answer in answers if answer.status_code == 200]
    refused = [answer.json()["error"] for _, answer in answers if answer.status_code == 409]

    journal = platform.db("gateway").journal
    wait_for(lambda: journal.find_one({"event_type": "project_updated",
                                       "payload.project_id": project_id}), 30, "project_updated")
    time.sleep(2)  # any further event would be in by now
    events = list(journal.find({"event_type": "project_updated", "payload.project_id": project_id}))
    stored = requests.get(f"{platform.base_url}/api/v1/projects/{project_id}", headers=headers,
                          timeout=30).json()
    report = LedgerReport("concurrent versioned updates, one project", len(winners),
                          len([e for e in events if e["payload"]["title"] in winners]),
                          len(set(winners) - {e["payload"]["title"] for e in events}),
                          max(len(events) - 1, 0), len(events), 0, time.monotonic() - started,
                          [f"8 PATCHes with expected_version 1: {len(winners)} won, "
                           f"{len(refused)} refused 409"])
    REPORTS.append(report)
    print(report.line())
    assert len(winners) == 1 and refused == ["stale_version"] * 7, answers
    assert stored["title"] == winners[0] and stored["version"] == 2
    assert [e["payload"]["title"] for e in events] == winners
