"""The outbox's fewer round trips, pinned without infrastructure: concurrent inserts grouped into
one insert_many with every caller waiting for (and seeing the error of) its own document; a new
document's events flushed without reading it back and removed with one $pullAll; pointers of
flushed writes deleted in one batch."""
import eventlet
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError, OperationFailure

from services.common.group_insert import GroupInserter
from services.common.outbox import OutboxRelay


class FakeCollection:
    def __init__(self, fail_indexes=(), fail_all=None):
        self.calls, self.docs = [], []
        self.fail_indexes, self.fail_all = set(fail_indexes), fail_all

    def insert_many(self, docs, ordered=True):
        eventlet.sleep(0.01)  # a store round trip: later callers gather meanwhile
        self.calls.append(("insert_many", list(docs)))
        if self.fail_all:
            raise self.fail_all
        errors = [{"index": i, "code": 11000, "errmsg": "duplicate"} for i in range(len(docs))
                  if docs[i]["n"] in self.fail_indexes]
        self.docs.extend(d for i, d in enumerate(docs) if d["n"] not in self.fail_indexes)
        if errors:
            raise BulkWriteError({"writeErrors": errors})


def _insert_all(inserter, count):
    outcome = {}

    def one(n):
        try:
            inserter.insert({"n": n})
            outcome[n] = "stored"
        except Exception as exc:  # noqa: BLE001
            outcome[n] = exc

    pool = eventlet.GreenPool()
    for n in range(count):
        pool.spawn(one, n)
    pool.waitall()
    return outcome


def test_concurrent_inserts_share_round_trips_and_all_are_stored():
    collection = FakeCollection()
    outcome = _insert_all(GroupInserter(collection), 20)
    assert set(outcome.values()) == {"stored"}
    assert sorted(d["n"] for d in collection.docs) == list(range(20))
    assert len(collection.calls) < 20  # grouped: the first alone, the rest gathered behind it


def test_a_refused_document_fails_its_own_caller_only():
    collection = FakeCollection(fail_indexes={3})
    outcome = _insert_all(GroupInserter(collection), 8)
    assert isinstance(outcome[3], OperationFailure) and outcome[3].code == 11000
    # as insert_one says it: a caller can tell "already stored" (the hub's journal) from a failure
    assert isinstance(outcome[3], DuplicateKeyError)
    assert all(outcome[n] == "stored" for n in range(8) if n != 3)


def test_a_store_outage_reaches_every_waiter():
    outcome = _insert_all(GroupInserter(FakeCollection(fail_all=AutoReconnect("away"))), 5)
    assert all(isinstance(v, AutoReconnect) for v in outcome.values())


class OutboxCollection:
    def __init__(self, outbox):
        self.outbox, self.ops = list(outbox), []

    def find_one(self, filter_, projection=None):
        self.ops.append("find_one")
        return {"_id": filter_["_id"], "_outbox": list(self.outbox)}

    def update_one(self, filter_, update):
        self.ops.append(("update_one", update))
        for envelope in update["$pullAll"]["_outbox"]:
            self.outbox.remove(envelope)


class OutboxDb:
    name = "unit_db"

    def __init__(self, collection):
        self.collection = collection

    def __getitem__(self, name):
        return self.collection


def _relay(published):
    relay = OutboxRelay()
    relay._publish = published.append
    return relay


def _envelopes(n):
    return [{"event_id": f"e{i}", "event_type": "thing_happened", "source": "unit"}
            for i in range(n)]


def test_a_new_documents_events_are_published_without_a_read_and_pulled_at_once():
    envelopes, published = _envelopes(3), []
    collection = OutboxCollection(envelopes)
    relay = _relay(published)
    assert relay.flush(OutboxDb(collection), "things", "d1", None, inserted=envelopes)
    assert published == envelopes
    assert collection.ops == [("update_one", {"$pullAll": {"_outbox": envelopes}})]
    assert collection.outbox == []


def test_an_existing_document_is_read_once_and_pulled_once():
    envelopes, published = _envelopes(2), []
    collection = OutboxCollection(envelopes)
    assert _relay(published).flush(OutboxDb(collection), "things", "d1", None)
    assert collection.ops[0] == "find_one" and len(collection.ops) == 2
    assert published == envelopes and collection.outbox == []


def test_a_failed_publish_still_removes_the_ones_already_sent():
    envelopes, published = _envelopes(3), []
    collection = OutboxCollection(envelopes)
    relay = OutboxRelay()

    def publish(envelope):
        if envelope["event_id"] == "e1":
            raise ConnectionError("broker away")
        published.append(envelope)
    relay._publish = publish
    assert relay.flush(OutboxDb(collection), "things", "d1", None) is False
    assert published == envelopes[:1]
    assert collection.outbox == envelopes[1:]  # e1 and e2 stay pending, in order


class PointerCollection:
    def __init__(self):
        self.deleted, self.calls = [], 0

    def delete_many(self, filter_):
        self.calls += 1
        self.deleted.extend(filter_["_id"]["$in"])

    def delete_one(self, filter_):
        self.calls += 1
        self.deleted.append(filter_["_id"])


def test_pointers_of_flushed_writes_are_deleted_in_one_batch_once_running():
    pointers = PointerCollection()
    db = OutboxDb(pointers)
    relay = OutboxRelay()
    relay._running = True
    relay._drop_gt = eventlet.spawn(relay._drop_pointers_forever)
    for n in range(10):
        relay.drop_pointer_later(db, f"p{n}")
    eventlet.sleep(0.01)
    relay._running = False
    relay._drop_gt.kill()
    assert sorted(pointers.deleted) == sorted(f"p{n}" for n in range(10))
    assert pointers.calls == 1


def test_pointers_are_deleted_at_once_when_the_relay_is_not_running():
    pointers = PointerCollection()
    OutboxRelay().drop_pointer_later(OutboxDb(pointers), "p1")
    assert pointers.deleted == ["p1"] and pointers.calls == 1

