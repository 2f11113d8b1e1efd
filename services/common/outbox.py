"""Transactional outbox on single-document atomicity, and the relay that publishes it.

The store has no multi-document transactions, so an aggregate's pending events live in its own
document (``_outbox``): the state change and its events are one write, and a crash can never split
them. Scanning aggregate collections for pending events would be a full scan on FerretDB, so every
write first records a small *pointer* (collection, document id) in ``outbox_pointers``; the relay
sweeps pointers, publishes the document's pending events in order with publisher confirms and
removes each one from ``_outbox`` once confirmed. A crash after publish and before that removal
republishes the event later: delivery is at least once and consumers are idempotent by ``event_id``.

Pointer life cycle: the writing request flushes its own events right after its write, and its
pointer is then deleted in the background, batched with other requests' pointers (one
``delete_many`` instead of one round trip per request). A pointer left behind (the publish failed,
the process died before the batched delete) is handled by the sweep, which deletes it once the
document holds nothing to publish *and* the pointer is older than a grace period: a pointer younger
than that may belong to a write that has not landed yet. (The start-up scan's pointers, made for
entries it found stored, need no grace period.) A pointer names the events of its write
(``event_ids``): when the sweep itself publishes all of them, the write has landed, and the pointer
goes after their pull without waiting for the grace period (else every sweep round would read its
document again until then).

Round trips of one flush: a new document's events are published as the writer built them (no read:
nothing else can be pending in a document that did not exist); otherwise one read of ``_outbox``.
The request answers once its write is stored and its events are confirmed by the broker. The sent
entries are removed afterwards, off the request path (``settle``): one ``$pullAll`` of the
envelopes as stored per document, under the document lock, and only then is the write's pointer
queued for the batched delete, so a document with entries still in ``_outbox`` always keeps its
pointer (a kill -9 before the pull: the sweep finds it and republishes, at least once as before;
consumers deduplicate by ``event_id``). Until the pull lands, this process remembers the entries as
sent: its own flushes and sweeps do not publish them again, nor drop the pointer, and its sweep
reads the pointers past the ones it has queued for the delete (a backlog longer than one round goes
out while the first round's pulls run).
"""
import logging
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import eventlet
import eventlet.event
from eventlet.semaphore import Semaphore
from kombu import Exchange
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.extensions import SharedExtension
from pymongo.errors import PyMongoError

from services.common import instruments as metrics
from services.common import topology
from services.common.config import load_settings
from services.common.events import exchange_name
from services.common.faults import CRASH_BEFORE_PULL, maybe_crash
from services.common.group_insert import insert_grouped

log = logging.getLogger(__name__)

OUTBOX_FIELD = "_outbox"
POINTERS = "outbox_pointers"
POINTER_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500
POINTER_DROP_BATCH = 500
SWEEP_CONCURRENCY = 8
SETTLE_RETRY_SECONDS = 1.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


class OutboxRelay(SharedExtension):
    """One per service container: publishes outbox entries of the service's collections."""

    def __init__(self):
        super().__init__()
        self._collections: dict[str, set[str]] = {}  # database name -> aggregate collections
        self._databases = {}
        self._publisher = None
        self._gt = None
        self._running = False
        self._flush_locks: dict[tuple, Semaphore] = {}
        self._drops: dict[str, list[str]] = {}  # database name -> pointer ids to delete
        self._drops_ready = eventlet.event.Event()
        self._drop_gt = None
        # (database, collection, document id) -> envelopes published and not yet pulled from the
        # document, and the pointers to delete once they are; the settle thread empties both
        self._unpulled: dict[tuple, list[dict]] = {}
        self._settled_pointers: dict[tuple, list[str]] = {}
        self._settle_ready = eventlet.event.Event()
        self._settle_gt = None
        # database name -> pointers whose events are published and which are queued for the
        # delete (after their pull): the sweep looks past them instead of flushing them again
        self._retiring: dict[str, set[str]] = {}

    # -- life cycle ------------------------------------------------------------------------------
    def setup(self):
        settings = load_settings()
        self.settings = settings
        self._publisher = Publisher(settings.amqp_uri, use_confirms=True, mandatory=True,
                                    delivery_mode=2, serializer="json")

    def start(self):
        # Every queue that subscribes to an event exists before this service can publish one:
        # the administrator's `regionctl topology` declares them with the shared exchanges, which
        # the service only looks up (its broker user may not declare them).
        topology.await_shared_exchanges(self.settings.amqp_uri)
        self._running = True
        # the background deletes first, so that every flush, the first sweep's too, defers its pull
        self._drop_gt = self.container.spawn_managed_thread(self._drop_pointers_forever)
        self._settle_gt = self.container.spawn_managed_thread(self._settle_forever)
        self._gt = self.container.spawn_managed_thread(self._sweep_forever)

    def stop(self):
        self._running = False
        if self._settle_gt is not None:
            self._settle_now()  # what is published is pulled now; the sweep covers a failure
            self._settle_gt.kill()
        if self._drop_gt is not None:
            self._drop_pointers_now()  # what is queued goes now; the sweep covers a failure
            self._drop_gt.kill()
        if self._gt is not None:
            self._gt.kill()

    kill = stop

    def register_collection(self, db, collection_name: str) -> None:
        self._databases[db.name] = db
        self._collections.setdefault(db.name, set()).add(collection_name)

    # -- pointers ----------------------------------------------------------------------------------
    def add_pointer(self, db, collection_name: str, doc_id, event_ids=None,
                    recovered: bool = False) -> str:
        """Store a pointer before the write it announces (concurrent writers' pointers are
        stored together, each writer waiting for its own). ``event_ids``: the events of that
        write, so a sweep that publishes them knows the pointer's work is done at once.
        ``recovered``: made by the start-up scan for entries found in a stored document, so no
        write of it can still be on its way (see ``sweep``)."""
        pointer_id = str(uuid.uuid4())
        pointer = {"_id": pointer_id, "collection": collection_name, "doc_id": doc_id,
                   "created_at": _now()}
        if event_ids:
            pointer["event_ids"] = list(event_ids)
        if recovered:
            pointer["recovered"] = True
        if self._running:
            insert_grouped(db[POINTERS], pointer)
        else:  # not started (a script, a test): no green-thread grouping
            db[POINTERS].insert_one(pointer)
        return pointer_id

    def drop_pointer(self, db, pointer_id: str) -> None:
        try:
            db[POINTERS].delete_one({"_id": pointer_id})
        except PyMongoError:  # the sweep removes it later
            log.warning("could not drop outbox pointer %s", pointer_id)

    def drop_pointer_later(self, db, pointer_id: str) -> None:
        """Delete the pointer of a flushed write off the request path, batched with others.

        Only a pointer whose document has nothing pending comes here; if the batched delete never
        happens (the process dies first), the sweep deletes it after the grace period."""
        if self._drop_gt is None or not self._running:  # not started (a script, a test)
            self.drop_pointer(db, pointer_id)
            return
        self._databases.setdefault(db.name, db)
        self._drops.setdefault(db.name, []).append(pointer_id)
        self._retiring.setdefault(db.name, set()).add(pointer_id)
        if not self._drops_ready.ready():
            self._drops_ready.send(True)

    def _drop_pointers_now(self) -> None:
        drops, self._drops = self._drops, {}
        for db_name, ids in drops.items():
            db = self._databases[db_name]
            for start in range(0, len(ids), POINTER_DROP_BATCH):
                chunk = ids[start:start + POINTER_DROP_BATCH]
                try:
                    db[POINTERS].delete_many({"_id": {"$in": chunk}})
                except PyMongoError:  # the sweep removes them after the grace period
                    log.warning("could not drop %d outbox pointers; the sweep will", len(chunk))
                self._retiring.get(db_name, set()).difference_update(chunk)

    def _drop_pointers_forever(self):
        while self._running:
            self._drops_ready.wait()
            self._drops_ready = eventlet.event.Event()
            # while one batch is deleted, the next one gathers
            self._drop_pointers_now()

    def backlog(self, db) -> int:
        return db[POINTERS].count_documents({})

    @contextmanager
    def document_lock(self, db, collection_name: str, doc_id):
        """One writer or flusher at a time per document in this process.

        FerretDB 1.x on SQLite runs an update as a read and a separate write, not in one
        transaction, so two concurrent updates of one document can silently lose one of them:
        a write's pushed outbox entries vanish under the relay's pop (events lost although the
        write was acknowledged), and a version-guarded write can win twice. Writes and flushes of
        one document therefore never overlap within a process."""
        key = (db.name, collection_name, doc_id)
        lock = self._flush_locks.setdefault(key, Semaphore(1))
        try:
            with lock:
                yield
        finally:
            if lock.balance >= 1:  # nobody holds or waits for it: forget it (bounded memory)
                self._flush_locks.pop(key, None)

    # -- publishing --------------------------------------------------------------------------------
    def flush(self, db, collection_name: str, doc_id, pointer_id: str | None,
              inserted: list[dict] | None = None, announced: set | None = None) -> bool:
        """Publish the document's pending events in order; True when nothing is left pending.

        ``inserted``: the envelopes of the insert that created the document, as stored; they are
        all it can hold pending, so they are published without reading it back."""
        with self.document_lock(db, collection_name, doc_id):  # keeps events in order too
            return self.flush_locked(db, collection_name, doc_id, pointer_id, inserted, announced)

    def flush_locked(self, db, collection_name: str, doc_id, pointer_id: str | None,
                     inserted: list[dict] | None = None, announced: set | None = None) -> bool:
        """``flush`` for a caller that holds the document's lock: the write that made the events.
        No sweep of this process can publish them in between, so ``inserted`` needs no read.

        ``pointer_id`` is deleted once the sent entries are pulled; with ``announced`` (a sweep's
        pointer and the event ids it names) only when this process holds all of those as sent."""
        key = (db.name, collection_name, doc_id)
        try:
            done = self._publish_pending(db, collection_name, doc_id, inserted)
        except Exception:  # broker or store away: the sweep retries, the write already stands
            log.warning("outbox flush of %s/%s deferred", collection_name, doc_id, exc_info=True)
            done = False
        if announced is not None and not announced <= {
                e["event_id"] for e in self._unpulled.get(key, ())}:
            return done  # not known to be published: the sweep's grace rule decides
        if done and pointer_id is not None:
            if self._settling():  # deleted once the sent entries are pulled
                self._settled_pointers.setdefault(key, []).append(pointer_id)
                self._retiring.setdefault(db.name, set()).add(pointer_id)
                self._wake_settle()
            else:
                self.drop_pointer_later(db, pointer_id)
        return done

    def _publish_pending(self, db, collection_name: str, doc_id,
                         inserted: list[dict] | None = None) -> bool:
        key = (db.name, collection_name, doc_id)
        if inserted is None:
            doc = db[collection_name].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
            pending = (doc or {}).get(OUTBOX_FIELD) or []
            already = {e["event_id"] for e in self._unpulled.get(key, ())}
            pending = [e for e in pending if e["event_id"] not in already]
        else:
            pending = inserted
        sent = []
        try:
            for envelope in pending:
                self._publish(envelope)
                sent.append(envelope)
        finally:
            # also when a later publish failed: what was confirmed is sent
            if sent:
                if self._settling():
                    self._databases.setdefault(db.name, db)
                    self._unpulled.setdefault(key, []).extend(sent)
                    self._wake_settle()
                else:  # not started (a script, a test): at once
                    self._pull(db, collection_name, doc_id, sent)
        return True

    @staticmethod
    def _pull(db, collection_name: str, doc_id, sent: list[dict]) -> None:
        # "Sent" removes exactly these entries, as stored, and nothing else (a concurrent
        # flusher may have removed some already), in one update whatever their number.
        # FerretDB 1.24 matches $pull/$pullAll values by exact equality only (a {event_id: …}
        # query pulls nothing there), and any filter beyond _id (say on "_outbox.0.event_id") is
        # a full collection scan there, so the filter is the _id alone and the pulled values are
        # the whole stored envelopes.
        db[collection_name].update_one({"_id": doc_id}, {"$pullAll": {OUTBOX_FIELD: sent}})

    # -- settling: sent entries leave their documents off the request path -------------------------
    def _settling(self) -> bool:
        return self._running and self._settle_gt is not None

    def _wake_settle(self) -> None:
        if not self._settle_ready.ready():
            self._settle_ready.send(True)

    def pending_pull(self, db, collection_name: str, doc_id) -> bool:
        """True while events of the document are published but not yet pulled from it."""
        return (db.name, collection_name, doc_id) in self._unpulled

    def _settle_forever(self):
        while self._running:
            self._settle_ready.wait()
            self._settle_ready = eventlet.event.Event()
            # while one round is pulled, the next one gathers
            if not self._settle_now():
                eventlet.sleep(SETTLE_RETRY_SECONDS)  # the store is away: try again later
                self._wake_settle()

    def _settle_now(self) -> bool:
        """Pull every published entry from its document, then queue the pointers of the
        documents so settled for the batched delete. False when a pull failed (kept for later)."""
        keys = list(set(self._unpulled) | set(self._settled_pointers))
        outcome = []
        pool = eventlet.GreenPool(SWEEP_CONCURRENCY)  # pulls of different documents overlap
        for key in keys:
            pool.spawn_n(lambda k: outcome.append(self._settle_one(k)), key)
        pool.waitall()
        if self._drops and not self._drops_ready.ready():
            self._drops_ready.send(True)
        return all(outcome)

    def _settle_one(self, key) -> bool:
        db_name, collection_name, doc_id = key
        db = self._databases[db_name]
        with self.document_lock(db, collection_name, doc_id):  # FerretDB updates are not atomic
            sent = self._unpulled.pop(key, [])
            pointers = self._settled_pointers.pop(key, [])
            if sent:
                maybe_crash(CRASH_BEFORE_PULL)
                try:
                    self._pull(db, collection_name, doc_id, sent)
                except Exception:  # noqa: BLE001 - kept as sent; the pointer stays until pulled
                    log.warning("pull of %d sent events from %s/%s deferred", len(sent),
                                collection_name, doc_id, exc_info=True)
                    self._unpulled[key] = sent + self._unpulled.get(key, [])
                    self._settled_pointers[key] = pointers + self._settled_pointers.get(key, [])
                    return False
        if pointers:
            self._drops.setdefault(db_name, []).extend(pointers)
        return True

    def _publish(self, envelope: dict) -> None:
        source = envelope["source"]
        try:
            self._publisher.publish(
                envelope,
                exchange=Exchange(exchange_name(source), type="topic", durable=True),
                routing_key=envelope["event_type"],
                message_id=envelope["event_id"],
                headers={"event_type": envelope["event_type"], "source": source,
                         "correlation_id": envelope.get("correlation_id") or ""},
                retry=True,
                retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5,
                              "interval_max": 2},
            )
        except UndeliverableMessage:
            # No queue is bound for it, which the up-front topology should rule out: keep the
            # event pending (never drop it) and say so loudly.
            log.error("event %s (%s) was unroutable; kept in the outbox",
                      envelope["event_id"], envelope["event_type"])
            raise
        metrics.EVENTS_PUBLISHED.labels(source, envelope["event_type"]).inc()
        log.info("published %s", envelope["event_type"], extra={
            "correlation_id": envelope.get("correlation_id"), "event_id": envelope["event_id"]})

    # -- sweep ---------------------------------------------------------------------------------
    def _sweep_forever(self):
        self._recover_unpointed()
        while self._running:
            try:
                self.sweep()
            except Exception:
                log.warning("outbox sweep failed; retrying", exc_info=True)
            eventlet.sleep(self.settings.outbox_sweep_seconds)

    def sweep(self) -> int:
        """Publish what pointers announce; returns the number of pointers left afterwards."""
        left = 0
        for db in list(self._databases.values()):
            # Past the pointers this process has published and queued for the delete: while their
            # pulls run, a backlog longer than one round is published instead of waiting for them
            # (and their documents are not read again).
            retiring = sorted(self._retiring.get(db.name, ()))
            pointers = list(db[POINTERS].find({"_id": {"$nin": retiring}} if retiring else {})
                            .sort("created_at", 1).limit(SWEEP_BATCH))

            def handle(pointer, db=db):
                # A pointer naming its events, all of which this flush publishes (or this process
                # holds as sent), is done: it goes after their pull, young or not. Without that,
                # a young pointer stays, and every later round reads its document again.
                announced = set(pointer.get("event_ids") or ())
                done = self.flush(db, pointer["collection"], pointer["doc_id"],
                                  pointer["_id"] if announced else None,
                                  announced=announced or None)
                # The grace period covers a write that may not have landed yet. A recovered
                # pointer's entries were found stored, so once its document holds nothing to
                # publish or pull, they are sent: it goes at once (one made while a request was
                # publishing the same entries would otherwise stay for the whole grace period).
                no_write_on_its_way = (pointer["created_at"] < _now() - POINTER_GRACE
                                       or pointer.get("recovered", False))
                unpulled = self.pending_pull(db, pointer["collection"], pointer["doc_id"])
                if done and no_write_on_its_way and not unpulled:
                    self.drop_pointer(db, pointer["_id"])

            # Documents are flushed SWEEP_CONCURRENCY at a time: each flush is store round trips
            # (read, $pullAll) that overlap instead of queueing; one document's events stay in
            # order (its flushes share the document lock and publish its pending list in order).
            pool = eventlet.GreenPool(SWEEP_CONCURRENCY)
            for pointer in pointers:
                pool.spawn_n(handle, pointer)
            pool.waitall()
            backlog = self.backlog(db)
            metrics.record_outbox(self.container.service_name, backlog,
                                  pointers[0]["created_at"] if pointers else None)
            left += backlog
        return left

    def _recover_unpointed(self):
        """Backstop at start: pending events whose pointer was lost get a pointer again."""
        for db_name, names in self._collections.items():
            db = self._databases[db_name]
            for name in names:
                try:
                    for doc in db[name].find({f"{OUTBOX_FIELD}.0": {"$exists": True}}, {"_id": 1}):
                        self.add_pointer(db, name, doc["_id"], recovered=True)
                except PyMongoError:
                    log.warning("outbox recovery scan of %s skipped (store away)", name)
