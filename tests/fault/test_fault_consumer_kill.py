"""kill -9 the consuming service twice in the middle of 10,000 events, restart it each time.

Producer: the ledger producer process, every event written through the transactional outbox and
published by its relay. Consumer: a ``subscribe`` + ``Store`` service process, idempotent by
event_id. Messages it had taken but not acknowledged when killed come back to the next process.
"""
import time

import eventlet
import pytest

from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import LedgerDriver, tally, wait_until_applied

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

EVENTS = 10_000
BATCH = 10
STREAMS = 4
PRODUCERS = 2


def test_kill9_consumer_in_the_middle_of_10000_events_loses_and_duplicates_nothing(
        start_service, fault_db, fault_env):
    started = time.monotonic()
    # two producer processes, each with its own database: the relay publishes each event with
    # its own confirm and outbox update, so one process alone tops out near 100 events/s here
    ports = [free_port() for _ in range(PRODUCERS)]
    producers = [start_service("tests.support.fault_ledger_services:LedgerProducer", port,
                               MONGO_DB_PREFIX=f"{fault_env['MONGO_DB_PREFIX']}_p{n}")
                 for n, port in enumerate(ports)]
    consumer = start_service("tests.support.fault_ledger_services:LedgerConsumer", free_port())
    db = fault_db("fault_consumer")

    driver = LedgerDriver([f"http://127.0.0.1:{port}" for port in ports])
    producing = eventlet.spawn(driver.run, EVENTS // BATCH, BATCH, 6, streams=STREAMS)
    kills = []

    for threshold in (EVENTS // 4, EVENTS // 2):
        wait_for(lambda threshold=threshold: len(driver.confirmed) >= threshold, 150, f"{threshold} events confirmed")
        consumer.kill9()
        kills.append(len(driver.confirmed))
        eventlet.sleep(1)  # events keep coming while it is down
        consumer.start()
    producing.wait()
    assert not driver.unanswered, driver.errors
    wait_until_applied(db, driver.confirmed, timeout=150, amqp_uri=fault_env["AMQP_URI"])

    report = tally("a. kill -9 consumer x2 in 10,000 events", db, driver.confirmed, started,
                   notes=[f"killed after {kills[0]} and {kills[1]} events confirmed",
                          f"{consumer.starts} starts"])
    assert report.confirmed == EVENTS
    assert report.lost == 0
    assert report.duplicated == 0
    assert all(p.alive() for p in producers) and consumer.alive()
