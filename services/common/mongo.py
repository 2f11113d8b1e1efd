"""MongoDB access for every service: one client per process, one database per service.

``Store(RepositoryClass)`` is the nameko DependencyProvider; repositories subclass ``Repository``,
the only place a service touches pymongo. Writes that carry events go through ``save_new`` /
``save_versioned``, which store the events in the document's own ``_outbox`` array in the same
single-document write as the state change (see ``services.common.outbox``). Every update through a
repository's ``db`` / ``collection`` carries the storage revision and is retried when the store
refuses it as stale (``services.common.guarded``), so concurrent processes never lose an update.
"""
import logging
import threading
import time
import uuid
from contextlib import nullcontext
from datetime import datetime, timezone

import pymongo
from nameko.extensions import DependencyProvider
from pymongo import IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from services.common.codec import IDENTITY, DocumentCodec
from services.common.config import load_settings
from services.common.errors import DuplicateKey, NotFound, StaleVersion
from services.common.events import build_event
from services.common.faults import CRASH_AFTER_WRITE, maybe_crash
from services.common.guarded import REVISION_FIELD, guard
from services.common.outbox import OUTBOX_FIELD, POINTERS, OutboxRelay

log = logging.getLogger(__name__)

_clients: dict[str, pymongo.MongoClient] = {}
_clients_lock = threading.Lock()


def get_client(uri: str | None = None) -> pymongo.MongoClient:
    """The process-wide client for ``uri`` (pymongo pools connections and reconnects by itself)."""
    settings = load_settings()
    uri = uri or settings.mongo_uri
    with _clients_lock:
        client = _clients.get(uri)
        if client is None:
            client = pymongo.MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=settings.mongo_timeout_ms,
                connectTimeoutMS=settings.mongo_timeout_ms, uuidRepresentation="standard")
            _clients[uri] = client
        return client


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def create_missing_indexes(collection, models: list[IndexModel]) -> None:
    """Create those of ``models`` the collection lacks, in one command. A service starts with one
    listing per collection instead of a create per index: on the local store each create of an
    index that exists is still a round trip, and the gateway alone declares some sixty."""
    if not models:
        return
    existing = collection.index_information()
    missing = [m for m in models if not _same_index(existing.get(m.document["name"]), m.document)]
    if missing:
        collection.create_indexes(missing)


_INDEX_OPTIONS = ("unique", "sparse", "expireAfterSeconds", "partialFilterExpression")


def _same_index(stored: dict | None, wanted: dict) -> bool:
    """An index of that name with the same keys and options; one that differs is created again,
    so the store refuses the change at start as it always did, instead of keeping the old one."""
    if stored is None:
        return False
    if [tuple(k) for k in stored["key"]] != list(wanted["key"].items()):
        return False
    return all(bool(stored.get(o)) == bool(wanted.get(o)) if o in ("unique", "sparse")
               else stored.get(o) == wanted.get(o) for o in _INDEX_OPTIONS)


class Repository:
    """Base for a service's repositories. Subclasses name their collection and indexes."""

    collection_name: str = ""
    # (keys, options) pairs, e.g. ([("external_ref", 1)], {"unique": True})
    indexes: list[tuple[list, dict]] = []
    codec: DocumentCodec = IDENTITY
    # the domain's name for the document id (stored as _id); None keeps _id as it is
    id_field: str | None = None

    def __init__(self, db, relay: OutboxRelay | None = None, correlation_id: str | None = None):
        self.db = guard(db)
        self.collection = self.db[self.collection_name]
        self.relay = relay
        self.correlation_id = correlation_id

    @classmethod
    def ensure_indexes(cls, db) -> None:
        create_missing_indexes(db[cls.collection_name],
                               [IndexModel(keys, **options) for keys, options in cls.indexes])

    # -- mapping -------------------------------------------------------------------------------
    def to_store(self, doc: dict) -> dict:
        stored = self.codec.encode(doc)
        if self.id_field and self.id_field in stored:
            stored["_id"] = stored.pop(self.id_field)
        return stored

    def from_store(self, stored: dict) -> dict:
        doc = self.codec.decode({k: v for k, v in stored.items()
                                 if k not in (OUTBOX_FIELD, REVISION_FIELD)})
        if self.id_field and "_id" in doc:
            doc[self.id_field] = doc.pop("_id")
        return doc

    # -- bulk ---------------------------------------------------------------------------------
    def insert_missing(self, docs) -> tuple[int, int]:
        """Insert documents that carry no events in bulk, skipping those already stored (a
        duplicate id or unique key): ``(stored, existing)``. Seeds use it; a document with events
        goes through ``save_new`` (the outbox)."""
        stored = [self.to_store(doc) for doc in docs]
        if not stored:
            return 0, 0
        try:
            inserted = len(self.collection.insert_many(stored, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != 11000 for e in errors):
                raise
            inserted = exc.details.get("nInserted", len(stored) - len(errors))
        return inserted, len(stored) - inserted

    # -- reads -------------------------------------------------------------------------------
    def get(self, doc_id, projection=None) -> dict:
        doc = self.collection.find_one({"_id": doc_id}, projection or {OUTBOX_FIELD: 0})
        if doc is None:
            raise NotFound(f"{self.collection_name.rstrip('s') or 'document'} {doc_id} not found",
                           {"id": str(doc_id)})
        return self.from_store(doc)

    # -- writes with events ---------------------------------------------------------------------
    def _envelopes(self, facts) -> list[dict]:
        envelopes = []
        for fact in facts:
            event_type, payload = fact[0], fact[1]
            region = fact[2] if len(fact) > 2 else payload.get("region_code")
            envelopes.append(build_event(event_type, payload, region_code=region,
                                         correlation_id=self.correlation_id))
        return envelopes

    def _write_with_events(self, doc_id, facts, write, created: bool = False):
        """Run ``write(envelopes)`` (one single-document write) with the outbox protocol around it.

        ``created``: the write inserted the document, so its envelopes are all it holds pending
        and the flush needs no read."""
        envelopes = self._envelopes(facts)
        pointer_id = None
        if envelopes:
            pointer_id = self.relay.add_pointer(self.db, self.collection_name, doc_id,
                                                [e["event_id"] for e in envelopes])
        lock = (self.relay.document_lock(self.db, self.collection_name, doc_id)
                if self.relay is not None else nullcontext())
        # The write and the flush of its events hold the document's lock together: a sweep that
        # took the lock in between would publish the new events, and the flush (which does not
        # read a document it created back) would publish them a second time.
        with lock:  # see OutboxRelay.document_lock: FerretDB updates are not atomic
            try:
                result = write(envelopes)
            except BaseException:
                if pointer_id is not None:
                    self.relay.drop_pointer(self.db, pointer_id)
                raise
            if envelopes:
                maybe_crash(CRASH_AFTER_WRITE)
                self.relay.flush_locked(self.db, self.collection_name, doc_id, pointer_id,
                                        inserted=envelopes if created else None)
        return result

    def save_new(self, doc: dict, facts=()) -> dict:
        """Insert a new document (version 1) and its events atomically."""
        doc = dict(doc)
        doc.setdefault("version", 1)
        stored = self.to_store(doc)
        stored.setdefault("_id", str(uuid.uuid4()))

        def write(envelopes):
            if envelopes:
                stored[OUTBOX_FIELD] = envelopes
            try:
                self.collection.insert_one(stored)
            except DuplicateKeyError as exc:
                raise self._duplicate(exc) from exc
            return doc

        return self._write_with_events(stored["_id"], facts, write, created=True)

    def save_versioned(self, doc: dict, expected_version: int, facts=()) -> dict:
        """Replace the document if it is still at ``expected_version``; bump the version."""
        new_doc = dict(doc)
        new_doc["version"] = expected_version + 1
        stored = self.to_store(new_doc)
        doc_id = stored["_id"]

        def write(envelopes):
            update = {"$set": {k: v for k, v in stored.items() if k not in ("_id", REVISION_FIELD)}}
            if envelopes:
                update["$push"] = {OUTBOX_FIELD: {"$each": envelopes}}
            try:
                result = self.collection.update_one(
                    {"_id": doc_id, "version": expected_version}, update)
            except DuplicateKeyError as exc:
                raise self._duplicate(exc) from exc
            if result.matched_count == 0:
                current = self.collection.find_one({"_id": doc_id}, {"version": 1})
                if current is None:
                    raise NotFound(f"{doc_id} not found", {"id": str(doc_id)})
                raise StaleVersion("the document changed since it was read",
                                   {"expected": expected_version, "actual": current["version"]})
            return new_doc

        return self._write_with_events(doc_id, facts, write)

    def upsert_with_events(self, doc_id, update: dict, facts=(), upsert=True):
        """A free-form single-document update that also appends events (read models, counters)."""
        def write(envelopes):
            full = dict(update)
            if envelopes:
                full.setdefault("$push", {})[OUTBOX_FIELD] = {"$each": envelopes}
            return self.collection.update_one({"_id": doc_id}, full, upsert=upsert)

        return self._write_with_events(doc_id, facts, write)

    def _duplicate(self, exc: DuplicateKeyError) -> DuplicateKey:
        key = (exc.details or {}).get("keyValue") or {}
        fields = sorted(key) or [name for keys, opts in self.indexes if opts.get("unique")
                                 for name, _ in keys]
        return DuplicateKey("a document with the same unique key already exists",
                            {"fields": fields})

    def ping(self) -> bool:
        try:
            self.db.command("ping")
            return True
        except PyMongoError:
            return False


class Store(DependencyProvider):
    """Injects ``repository_cls`` bound to this service's database and outbox relay."""

    relay = OutboxRelay()

    def __init__(self, repository_cls: type[Repository]):
        self.repository_cls = repository_cls
        self.db = None

    def setup(self):
        settings = load_settings()
        self.db = guard(get_client()[settings.database_name(self.container.service_name)])
        self.relay.register_collection(self.db, self.repository_cls.collection_name)
        deadline = time.monotonic() + 60
        while True:  # the store may still be starting: wait a bounded time, then fail loudly
            try:
                self.repository_cls.ensure_indexes(self.db)
                create_missing_indexes(self.db[POINTERS], [IndexModel([("created_at", 1)])])
                return
            except PyMongoError as exc:
                if time.monotonic() > deadline:
                    raise
                log.warning("store not ready for %s (%s); retrying", self.repository_cls.__name__, exc)
                time.sleep(1)

    def get_dependency(self, worker_ctx):
        return self.repository_cls(self.db, self.relay, worker_ctx.data.get("correlation_id"))
