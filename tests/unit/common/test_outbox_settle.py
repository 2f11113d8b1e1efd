"""Sent outbox entries leave their document off the request path: the flush answers once the
broker confirmed the events, the ``$pullAll`` and then the pointer delete follow in the background,
and until the pull lands the relay neither publishes those entries again nor drops the pointer."""
import eventlet
from pymongo.errors import AutoReconnect

from services.common import outbox
from services.common.outbox import OutboxRelay


class Collection:
    """One document's ``_outbox`` and the pointer collection, recording every store call."""

    def __init__(self, outbox_entries, fail_pulls=0):
        self.outbox, self.ops, self.fail_pulls = list(outbox_entries), [], fail_pulls
        self.deleted_pointers = []

    def find_one(self, filter_, projection=None):
        self.ops.append("find_one")
        return {"_id": filter_["_id"], "_outbox": list(self.outbox)}

    def update_one(self, filter_, update):
        if self.fail_pulls:
            self.fail_pulls -= 1
            raise AutoReconnect("store away")
        self.ops.append("pull")
        for envelope in update["$pullAll"]["_outbox"]:
            self.outbox.remove(envelope)

    def delete_many(self, filter_):
        self.ops.append("delete_pointers")
        self.deleted_pointers.extend(filter_["_id"]["$in"])


class Db:
    name = "unit_db"

    def __init__(self, collection):
        self.collection = collection

    def __getitem__(self, name):
        return self.collection


def _envelopes(first, n):
    return [{"event_id": f"e{i}", "event_type": "thing_happened", "source": "unit"}
            for i in range(first, first + n)]


def _running_relay(db, published):
    relay = OutboxRelay()
    relay._publish = published.append
    relay._databases[db.name] = db
    relay._running = True
    relay._settle_gt = eventlet.spawn(relay._settle_forever)
    relay._drop_gt = eventlet.spawn(relay._drop_pointers_forever)
    return relay


def _stop(relay):
    relay._running = False
    relay._settle_gt.kill()
    relay._drop_gt.kill()


def test_the_flush_answers_before_the_pull_and_the_pointer_goes_only_after_it():
    envelopes, published = _envelopes(0, 3), []
    collection = Collection(envelopes)
    db = Db(collection)
    relay = _running_relay(db, published)
    try:
        with relay.document_lock(db, "things", "d1"):  # as the writer holds it
            assert relay.flush_locked(db, "things", "d1", "p1", inserted=envelopes)
            assert published == envelopes
            assert collection.ops == []  # no store round trip on the request path
            assert relay.pending_pull(db, "things", "d1")
        eventlet.sleep(0.05)
        assert collection.ops == ["pull", "delete_pointers"]
        assert collection.outbox == [] and collection.deleted_pointers == ["p1"]
        assert not relay.pending_pull(db, "things", "d1")
    finally:
        _stop(relay)


def test_entries_published_and_not_yet_pulled_are_not_published_again():
    first, published = _envelopes(0, 2), []
    collection = Collection(first)
    db = Db(collection)
    relay = _running_relay(db, published)
    try:
        with relay.document_lock(db, "things", "d1"):
            relay.flush_locked(db, "things", "d1", "p1", inserted=first)
            later = _envelopes(2, 1)
            collection.outbox.extend(later)  # the next write of the document, before the pull
            assert relay.flush_locked(db, "things", "d1", "p2")
        assert [e["event_id"] for e in published] == ["e0", "e1", "e2"]  # each once, in order
        eventlet.sleep(0.05)
        assert collection.outbox == [] and sorted(collection.deleted_pointers) == ["p1", "p2"]
    finally:
        _stop(relay)


def test_a_failed_pull_keeps_the_entries_sent_and_the_pointer_until_it_succeeds(monkeypatch):
    monkeypatch.setattr(outbox, "SETTLE_RETRY_SECONDS", 0.05)
    envelopes, published = _envelopes(0, 2), []
    collection = Collection(envelopes, fail_pulls=1)
    db = Db(collection)
    relay = _running_relay(db, published)
    try:
        relay.flush(db, "things", "d1", "p1", inserted=envelopes)
        eventlet.sleep(0.02)  # the first pull failed
        assert collection.outbox == envelopes and collection.deleted_pointers == []
        assert relay.pending_pull(db, "things", "d1")
        assert relay.flush(db, "things", "d1", None)  # a sweep meanwhile publishes nothing again
        assert published == envelopes
        eventlet.sleep(0.15)  # retried
        assert collection.outbox == [] and collection.deleted_pointers == ["p1"]
        assert not relay.pending_pull(db, "things", "d1")
    finally:
        _stop(relay)


def test_stopping_pulls_what_was_published():
    envelopes, published = _envelopes(0, 1), []
    collection = Collection(envelopes)
    db = Db(collection)
    relay = _running_relay(db, published)
    relay._settle_gt.kill()  # as if the settle thread had not run yet
    relay.flush(db, "things", "d1", "p1", inserted=envelopes)
    relay._running = False
    relay._settle_now()
    relay._drop_pointers_now()
    relay._drop_gt.kill()
    assert collection.outbox == [] and collection.deleted_pointers == ["p1"]


class Pointers:
    def __init__(self, pointers):
        self.pointers = {p["_id"]: p for p in pointers}
        self.excluded = set()

    def find(self, filter_=None):
        self.excluded = set(((filter_ or {}).get("_id") or {}).get("$nin") or ())
        return self

    def sort(self, *args):
        return self

    def limit(self, n):
        return sorted((p for p in self.pointers.values() if p["_id"] not in self.excluded),
                      key=lambda p: p["created_at"])[:n]

    def count_documents(self, filter_):
        return len(self.pointers)

    def delete_one(self, filter_):
        self.pointers.pop(filter_["_id"], None)

    def delete_many(self, filter_):
        for pointer_id in filter_["_id"]["$in"]:
            self.pointers.pop(pointer_id, None)


class SweptDb(Db):
    def __init__(self, collection, pointers):
        super().__init__(collection)
        self.pointers = pointers

    def __getitem__(self, name):
        return self.pointers if name == outbox.POINTERS else self.collection


def _sweep_relay(db, published):
    relay = _running_relay(db, published)
    relay.container = type("Container", (), {"service_name": "unit"})()
    return relay


def test_a_young_pointer_whose_events_the_sweep_published_goes_after_their_pull():
    envelopes, published = _envelopes(0, 2), []
    collection = Collection(envelopes)
    pointers = Pointers([{"_id": "p1", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now(), "event_ids": ["e0", "e1"]}])
    db = SweptDb(collection, pointers)
    relay = _sweep_relay(db, published)
    try:
        relay.sweep()
        eventlet.sleep(0.05)
        assert published == envelopes and collection.outbox == []
        assert pointers.pointers == {}  # no later round reads the document again
        relay.sweep()
        assert published == envelopes and collection.ops.count("find_one") == 1
    finally:
        _stop(relay)


def test_a_young_pointer_whose_events_are_not_there_yet_stays():
    # the write it announces may not have landed: only the grace period lets the sweep drop it
    published = []
    collection = Collection(_envelopes(0, 1))  # another write's event, not the pointer's
    pointers = Pointers([{"_id": "p1", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now(), "event_ids": ["e7"]},
                         {"_id": "p0", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now() - 2 * outbox.POINTER_GRACE}])
    db = SweptDb(collection, pointers)
    relay = _sweep_relay(db, published)
    try:
        relay.sweep()
        eventlet.sleep(0.05)
        assert [e["event_id"] for e in published] == ["e0"] and collection.outbox == []
        assert set(pointers.pointers) == {"p0", "p1"}  # p0 not while its pull was pending
        relay.sweep()
        assert set(pointers.pointers) == {"p1"}  # the old one goes once nothing is pending
        assert [e["event_id"] for e in published] == ["e0"]
    finally:
        _stop(relay)


class Documents:
    """Many documents' ``_outbox``; pulls wait until ``pulls_may_run`` is sent."""

    def __init__(self, outboxes: dict):
        self.outboxes = outboxes
        self.reads = []
        self.pulls_may_run = eventlet.event.Event()

    def find_one(self, filter_, projection=None):
        self.reads.append(filter_["_id"])
        return {"_id": filter_["_id"], "_outbox": list(self.outboxes[filter_["_id"]])}

    def update_one(self, filter_, update):
        if not self.pulls_may_run.wait(2):  # bounded: a sweep waiting for it fails the test
            raise AutoReconnect("the pull timed out")
        for envelope in update["$pullAll"]["_outbox"]:
            self.outboxes[filter_["_id"]].remove(envelope)


def test_a_backlog_longer_than_a_round_is_published_while_the_first_rounds_pulls_wait(
        monkeypatch):
    monkeypatch.setattr(outbox, "SWEEP_BATCH", 5)
    now = outbox._now()
    envelopes = {f"d{i:02d}": _envelopes(i * 10, 2) for i in range(12)}
    documents = Documents({doc_id: list(e) for doc_id, e in envelopes.items()})
    pointers = Pointers([{"_id": f"p-{doc_id}", "collection": "things", "doc_id": doc_id,
                          "created_at": now, "event_ids": [e["event_id"] for e in entries]}
                         for doc_id, entries in envelopes.items()])
    published = []
    db = SweptDb(documents, pointers)
    relay = _sweep_relay(db, published)
    try:
        for expected in (10, 20, 24, 24):  # 5 documents a round, 2 events each
            relay.sweep()
            assert len(published) == expected
        assert len(pointers.pointers) == 12  # every pull still waits: no pointer is gone yet
        assert sorted(documents.reads) == sorted(envelopes)  # each document read once
        documents.pulls_may_run.send(True)
        eventlet.sleep(0.1)
        assert pointers.pointers == {} and all(o == [] for o in documents.outboxes.values())
        assert relay._retiring["unit_db"] == set()
        assert sorted(e["event_id"] for e in published) == sorted(
            e["event_id"] for entries in envelopes.values() for e in entries)
    finally:
        _stop(relay)


def test_a_recovered_pointer_goes_once_its_document_holds_nothing_pending_young_or_not():
    # The start-up scan found entries stored, so no write of them is on its way: a request that
    # published and pulled them meanwhile leaves its document empty, and the pointer goes at once
    # instead of after the grace period. A young ordinary pointer with nothing to publish stays.
    published = []
    collection = Collection([])  # the request's flush already published and pulled them
    pointers = Pointers([{"_id": "r1", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now(), "recovered": True},
                         {"_id": "p1", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now()}])
    db = SweptDb(collection, pointers)
    relay = _sweep_relay(db, published)
    try:
        relay.sweep()
        eventlet.sleep(0.05)
        assert published == [] and set(pointers.pointers) == {"p1"}
    finally:
        _stop(relay)


def test_a_recovered_pointer_with_entries_stays_until_they_are_published_and_pulled():
    envelopes, published = _envelopes(0, 2), []
    collection = Collection(envelopes)
    pointers = Pointers([{"_id": "r1", "collection": "things", "doc_id": "d1",
                          "created_at": outbox._now(), "recovered": True}])
    db = SweptDb(collection, pointers)
    relay = _sweep_relay(db, published)
    try:
        relay.sweep()  # publishes; the pull is pending while this round decides
        assert published == envelopes and set(pointers.pointers) == {"r1"}
        eventlet.sleep(0.05)  # the pull lands
        assert collection.outbox == []
        relay.sweep()  # nothing pending any more: it goes
        assert pointers.pointers == {} and published == envelopes
    finally:
        _stop(relay)


def test_the_start_up_scan_marks_its_pointers_recovered():
    relay = OutboxRelay()
    stored = []

    class Projects:
        def find(self, filter_, projection):
            assert filter_ == {"_outbox.0": {"$exists": True}}
            return [{"_id": "d1"}]

    class PointerInserts:
        def insert_one(self, pointer):
            stored.append(pointer)

    class ScanDb:
        name = "unit_db"

        def __getitem__(self, name):
            return PointerInserts() if name == outbox.POINTERS else Projects()

    relay.register_collection(ScanDb(), "things")
    relay._recover_unpointed()
    assert [(p["doc_id"], p["recovered"]) for p in stored] == [("d1", True)]
