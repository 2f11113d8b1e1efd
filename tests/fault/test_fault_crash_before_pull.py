"""Kill a service after its events were published and before the sent entries left its document
(PLATFORM_FAULT_HOOK=crash_before_pull: the pull runs after the answer, off the request path).

The entries stay in the document and so does the write's pointer; the restarted relay's sweep
publishes them again, and the consumer, deduplicating by event id, applies each fact once.
"""
import time
import uuid

import pytest
import requests

from tests.support.fault_infra import HANG_GUARD_SECONDS, free_port, wait_for
from tests.support.fault_ledger import LedgerDriver, tally, wait_until_applied

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

CRASHES, ENTRIES = 3, 20
CRASH_EXIT_CODE = 17  # services.common.faults.maybe_crash
HOOK = {"PLATFORM_FAULT_HOOK": "crash_before_pull"}


def test_crash_after_publish_before_the_pull_republishes_and_applies_each_fact_once(
        start_service, fault_db, fault_env):
    started = time.monotonic()
    consumer_port, port = free_port(), free_port()
    start_service("tests.support.fault_ledger_services:LedgerConsumer", consumer_port)
    db, producer_db = fault_db("fault_consumer"), fault_db("fault_producer")
    producer = start_service("tests.support.fault_ledger_services:LedgerProducer", port, **HOOK)
    confirmed: dict[str, str] = {}
    answered = 0
    for n in range(CRASHES):
        batch_id = f"pull-{uuid.uuid4().hex[:6]}-{n}"
        entries = [{"entry_id": f"{batch_id}-{i:02d}", "seq": i} for i in range(ENTRIES)]
        try:
            answer = requests.post(f"http://127.0.0.1:{port}/batches", timeout=30,
                                   json={"batch_id": batch_id, "entries": entries})
            assert answer.status_code == 201, answer.text  # stored and published
            answered += 1
        except requests.ConnectionError:
            pass  # the background pull ran (and the process died) before the answer was sent
        assert producer.wait_exit(15) == CRASH_EXIT_CODE
        stored = producer_db.ledger_batches.find_one({"_id": batch_id})
        # published, not pulled: every entry is still in the document, with its write's pointer
        # (the start-up recovery scan of the crashed process may have added one more)
        assert [e["event_id"] for e in stored["_outbox"]] == stored["event_ids"]
        assert producer_db.outbox_pointers.count_documents(
            {"doc_id": batch_id, "event_ids": stored["event_ids"]}) == 1
        confirmed.update(zip(stored["event_ids"], (e["entry_id"] for e in entries), strict=True))
        # without the hook: its sweep republishes and this time pulls
        producer.start(extra_env={"PLATFORM_FAULT_HOOK": ""})
        wait_for(lambda b=batch_id: producer_db.ledger_batches.find_one({"_id": b})["_outbox"]
                 == [], 30, f"outbox of {batch_id} pulled after the restart")
        # the write's own pointer (it names its events) goes as soon as they are pulled; the one
        # the start-up recovery scan added for the pending document waits for the grace period
        wait_for(lambda b=batch_id: producer_db.outbox_pointers.count_documents(
            {"doc_id": b, "event_ids": {"$exists": True}}) == 0, 30,
            f"pointer of {batch_id} deleted once its events were pulled")
        if n < CRASHES - 1:
            producer.stop()
            producer.start(extra_env=HOOK)
    wait_until_applied(db, confirmed, timeout=60, amqp_uri=fault_env["AMQP_URI"])
    driver = LedgerDriver(f"http://127.0.0.1:{port}")  # and it works normally afterwards
    driver.run(1, ENTRIES)
    confirmed.update(driver.confirmed)
    wait_until_applied(db, confirmed, timeout=30, amqp_uri=fault_env["AMQP_URI"])
    time.sleep(2)  # a further publication would arrive now

    report = tally("d2. crash after publish, before the pull, x3", db, confirmed, started,
                   notes=[f"{CRASHES} crashes (exit {CRASH_EXIT_CODE}) before the pull, "
                          f"{answered} of them after the answer", f"{producer.starts} starts"])
    assert report.confirmed == (CRASHES + 1) * ENTRIES
    assert report.lost == 0
    assert report.duplicated == 0
    # the crashed batches were delivered twice (published, then again after the restart)
    assert report.redelivered >= CRASHES * ENTRIES
