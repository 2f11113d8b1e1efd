"""Restart RabbitMQ while the producer writes and publishes and the consumer consumes.

Writes keep being accepted while the broker is away (the outbox holds their events; the relay's
sweep publishes them once it is back); messages already in the durable queues survive; both
service processes reconnect by themselves: nothing is restarted but the broker.
"""
import os
import time
import uuid

import eventlet
import pytest
import requests

from services.investments.application.demo_data import generate_projects
from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import (
    REPORTS,
    LedgerDriver,
    LedgerReport,
    queue_depth,
    tally,
    wait_until_applied,
)

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

BATCHES, BATCH = 200, 10


def test_broker_restart_under_load_loses_nothing_and_services_reconnect(
        start_service, fault_db, fault_env, fault_infra):
    started = time.monotonic()
    port = free_port()
    producer = start_service("tests.support.fault_ledger_services:LedgerProducer", port)
    consumer = start_service("tests.support.fault_ledger_services:LedgerConsumer", free_port())
    pids = (producer.pid, consumer.pid)
    db = fault_db("fault_consumer")

    driver = LedgerDriver(f"http://127.0.0.1:{port}")
    producing = eventlet.spawn(driver.run, BATCHES, BATCH, 4, pause=0.05, streams=4)
    wait_for(lambda: len(driver.confirmed) >= BATCHES * BATCH // 3, 120, "a third confirmed")
    at_restart = len(driver.confirmed)
    restart_took = fault_infra.rabbit.restart()
    producing.wait()
    assert not driver.unanswered, driver.errors
    wait_until_applied(db, driver.confirmed, timeout=120, amqp_uri=fault_env["AMQP_URI"])
    after_restart = len(driver.confirmed) - at_restart

    # the same processes, still working: one more write goes all the way through
    again = LedgerDriver(f"http://127.0.0.1:{port}")
    again.run(1, BATCH, streams=1)
    driver.confirmed.update(again.confirmed)
    wait_until_applied(db, driver.confirmed, timeout=60, amqp_uri=fault_env["AMQP_URI"])

    report = tally("b. RabbitMQ restarted under load", db, driver.confirmed, started,
                   notes=[f"broker down and back in {restart_took:.1f}s",
                          f"restart after {at_restart} confirmed, {after_restart} more after",
                          f"queue depth at end {queue_depth(fault_env['AMQP_URI'])}"])
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.confirmed == BATCHES * BATCH + BATCH
    assert (producer.pid, consumer.pid) == pids and producer.alive() and consumer.alive()
    assert producer.starts == consumer.starts == 1


def test_broker_restart_under_api_load_the_platform_recovers_without_restarts(
        fault_platform, fault_infra):
    """Two replicas of each of the four real services (RPC consumers, reply listeners, event handlers, relays) live
    through a broker restart while the API is used: meanwhile answers are 2xx/4xx or a clear
    503, never a 500; afterwards the same processes serve reads and writes, and a project
    registered after the restart reaches the hub's journal."""
    platform = fault_platform
    started = time.monotonic()
    pids = platform.pids()
    headers = platform.headers("admin")
    bodies = iter(generate_projects(500, seed=uuid.uuid4().int % 10_000))
    answers, running = [], [True]

    def user():
        while running[0]:
            try:
                answer = requests.post(f"{platform.base_url}/api/v1/projects", json=next(bodies),
                                       headers=headers, timeout=30)
                answers.append((time.monotonic(), answer.status_code,
                                answer.json().get("id") if answer.status_code == 201 else
                                answer.json().get("error")))
                requests.get(f"{platform.base_url}/api/v1/regions/KZ-10/projects/summary",
                             headers=headers, timeout=30)
            except requests.RequestException as exc:
                answers.append((time.monotonic(), None, type(exc).__name__))
            eventlet.sleep(0.1)

    pool = eventlet.GreenPool()
    for _ in range(2):
        pool.spawn_n(user)
    eventlet.sleep(3)
    restart_took = fault_infra.rabbit.restart()
    back_at = time.monotonic()
    try:
        wait_for(lambda: requests.get(f"{platform.base_url}/health", timeout=10).status_code == 200,
                 30, "health green again")
    except TimeoutError:
        pass  # said precisely below
    eventlet.sleep(3)
    running[0] = False
    pool.waitall()
    dead = {name: _last_critical(platform.log(name)) for name, pid in pids.items()
            if not os.path.exists(f"/proc/{pid}")}
    if dead:
        platform.script("up")  # restart them, so the tests after this one find a platform
    assert not dead, (
        "services died in the broker restart instead of reconnecting (nameko's @rpc exits the "
        "process when it cannot publish a reply; services.common.rpc.rpc survives it): "
        f"{dead}")

    statuses = {status for _, status, _ in answers}
    assert statuses <= {201, 503}, [a for a in answers if a[1] not in (201, 503)][:5]
    assert all(detail == "service_unavailable" for _, status, detail in answers if status == 503)
    assert platform.pids() == pids  # nothing was restarted
    late = [detail for at, status, detail in answers if status == 201 and at > back_at]
    assert late, "no write succeeded after the restart"
    journal = platform.db("gateway").journal
    created = [detail for _, status, detail in answers if status == 201]
    wait_for(lambda: journal.count_documents({"event_type": "project_registered",
                                              "payload.project_id": {"$in": created}})
             >= len(created), 60, "every registered project journaled")
    journaled = [d["payload"]["project_id"] for d in journal.find(
        {"event_type": "project_registered", "payload.project_id": {"$in": created}},
        {"payload.project_id": 1})]
    report = LedgerReport(
        "b. RabbitMQ restarted under API load (whole platform)", len(created),
        len(set(created) & set(journaled)), len(set(created) - set(journaled)),
        len(journaled) - len(set(journaled)), len(journaled), 0, time.monotonic() - started,
        [f"broker down and back in {restart_took:.1f}s",
         f"{sum(1 for a in answers if a[1] == 503)} answers 503 meanwhile, none 500",
         f"same {len(pids)} processes (2 replicas of each service) before and after"])
    REPORTS.append(report)
    print(report.line())
    assert report.lost == 0
    assert report.duplicated == 0


def _last_critical(log: str) -> str:
    """The last CRITICAL line of a service log and the exception its traceback ends with."""
    lines = log.splitlines()
    at = max((i for i, line in enumerate(lines) if " CRITICAL " in line), default=None)
    if at is None:
        return "no CRITICAL line in its log"
    block = []
    for line in lines[at + 1:]:
        if line[:1].isdigit():  # the next log record
            break
        block.append(line)
    errors = [line for line in block if line[:1].isalpha() and ("Error" in line or "Exception" in line)]
    return f"{lines[at][24:140]} ... {errors[-1][:200] if errors else ''}"
