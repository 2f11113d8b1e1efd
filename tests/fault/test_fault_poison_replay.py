"""A poison message: dead-lettered after the configured attempts, replayed after the fix.

The consumer cannot apply one entry (its handler raises every time). The other events go on; the
poison one is retried HANDLER_MAX_ATTEMPTS (3) times through the delay queues, then lands in the
dead-letter queue with the reason. The fix is deployed (the consumer restarted with it) and an
operator replays the dead letter with ``regionctl dlq replay``: applied once, nothing lost.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import LedgerDriver, effects_count, tally, wait_until_applied

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

ENTRIES, POISON = 50, 17


def regionctl(env: dict, *args) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "services.regionctl", *args], cwd=ROOT,
                            env={**os.environ, "AMQP_URI": env["AMQP_URI"]},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def dead_letters(env: dict) -> list[dict]:
    return [json.loads(line) for line in regionctl(env, "dlq", "list").stdout.splitlines()]


def test_poison_message_is_dead_lettered_then_replayed_after_the_fix(start_service, fault_db,
                                                                     fault_env):
    started = time.monotonic()
    port = free_port()
    start_service("tests.support.fault_ledger_services:LedgerProducer", port)
    consumer = start_service("tests.support.fault_ledger_services:LedgerConsumer", free_port())
    db = fault_db("fault_consumer")
    driver = LedgerDriver(f"http://127.0.0.1:{port}")
    driver.run(1, ENTRIES, poison={POISON})
    assert len(driver.confirmed) == ENTRIES
    poison_id = next(i for i, entry in driver.confirmed.items() if entry.endswith(f"-{POISON:04d}"))

    # the others are applied, the poison one is not; after 3 attempts it is a dead letter
    wait_for(lambda: effects_count(db) >= ENTRIES - 1, 30, "the healthy entries applied")
    letters = wait_for(lambda: dead_letters(fault_env), 30, "the poison message dead-lettered")
    assert len(letters) == 1
    letter = letters[0]
    assert (letter["reason"], letter["handler"], letter["attempts"], letter["event_id"]) == (
        "handler_failed", "fault_consumer.on_entry", 3, poison_id)
    assert "poison" in letter["error"]
    assert db.ledger_deliveries.count_documents({"event_id": poison_id}) == 3
    assert db.ledger_effects.find_one({"_id": poison_id}) is None
    shown = json.loads(regionctl(fault_env, "dlq", "show", letter["id"]).stdout)
    assert shown[0]["body"]["payload"]["poison"] is True

    consumer.stop()
    consumer.start(extra_env={"LEDGER_POISON_FIXED": "1"})  # the fix, deployed
    assert regionctl(fault_env, "dlq", "replay", letter["id"]).stdout.strip() == "replayed 1"
    wait_until_applied(db, driver.confirmed, timeout=30, amqp_uri=fault_env["AMQP_URI"])
    assert dead_letters(fault_env) == []

    report = tally("e. poison message dead-lettered, replayed after the fix", db, driver.confirmed,
                   started, notes=["3 attempts, then the dead-letter queue",
                                   "regionctl dlq replay after the fix"])
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.deliveries == ENTRIES + 3  # 3 failed attempts of the poison one, then once
