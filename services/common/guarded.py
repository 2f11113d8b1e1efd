"""Every update the platform makes carries the document's storage revision, and a lost race is retried.

FerretDB 1.x runs an update as a read, the change applied in its own memory, and a write of the
whole document, with nothing between the read and the write: two processes updating one document
can both be acknowledged while one update is lost. So every update through the platform's
database handle (``guard(db)``, which ``Store`` and ``Repository`` use) also increments the
document's storage revision ``_rev``, and the local store refuses an update whose new ``_rev`` is
not the stored one + 1 (deploy/local/store_guard.sql): a write computed from a stale read carries
stale + 1 = the stored revision and fails. The refused update changed nothing, so it is run again:
its filter (``{_id, version}`` for aggregates, a state or an ordering condition for read models)
is evaluated anew against the fresh document, exactly as MongoDB evaluates it atomically. An
upsert that lost an insert race (duplicate key) is run again as an update. When the document keeps
changing for ``ATTEMPTS`` rounds the caller gets ``StaleVersion`` (409 for a command, a retry for
an event handler), never a lost write.

On MongoDB the ``$inc`` of ``_rev`` is atomic with the rest of the update and nothing is refused.

``_rev`` is storage bookkeeping: ``Repository.from_store`` drops it, and the domain ``version``
stays the API's optimistic-concurrency token (a relay removing a sent outbox entry bumps ``_rev``,
never ``version``). Inserts start without ``_rev`` (read as 0).
"""
import logging
import random
import time

from pymongo import UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.results import BulkWriteResult

from services.common.errors import StaleVersion

log = logging.getLogger(__name__)

REVISION_FIELD = "_rev"
ATTEMPTS = 12
# FerretDB reports any PostgreSQL error of its write as code 1 (InternalError) with a Go stack
# naming the backend call; the trigger's own message does not reach the client.
_REFUSED_MARKERS = ("platform_stale_revision", "UpdateAll")


def is_refused_write(exc: BaseException) -> bool:
    """The store refused an update computed from a stale read (see store_guard.sql)."""
    return (isinstance(exc, OperationFailure) and not isinstance(exc, DuplicateKeyError)
            and exc.code == 1 and any(m in str(exc) for m in _REFUSED_MARKERS))


def with_revision(update):
    """``update`` plus ``$inc: {_rev: 1}`` (a ``_rev`` in ``$set`` is dropped: it is not data)."""
    if not isinstance(update, dict):
        raise TypeError("guarded updates take an update document ({'$set': ...}), "
                        "not a replacement or a pipeline")
    full = dict(update)
    if REVISION_FIELD in full.get("$set", {}):
        full["$set"] = {k: v for k, v in full["$set"].items() if k != REVISION_FIELD}
    full["$inc"] = {**full.get("$inc", {}), REVISION_FIELD: 1}
    return full


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # eventlet-patched in the services


def _exhausted(collection: Collection, filter_) -> StaleVersion:
    return StaleVersion("the document kept changing under concurrent writers; try again",
                        {"collection": collection.name, "filter": str(filter_)[:200]})


def run_guarded(collection: Collection, filter_, write):
    """Run ``write()`` (one update), again while the store refuses it or an upsert races an insert."""
    raced_insert = False
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except DuplicateKeyError:
            # An upsert whose insert lost to another's: the document exists now, so once more is
            # an update. A second duplicate means the filter does not match the stored document.
            if not getattr(write, "upsert", False) or raced_insert:
                raise
            raced_insert = True
        except OperationFailure as exc:
            if not is_refused_write(exc):
                raise
        _backoff(attempt)
    raise _exhausted(collection, filter_)


class GuardedCollection:
    """A pymongo collection whose updates go through the revision guard; the rest passes through."""

    def __init__(self, collection: Collection):
        self._collection = collection

    def __getattr__(self, name):
        return getattr(self._collection, name)

    def __eq__(self, other):
        return self._collection == getattr(other, "_collection", other)

    def __hash__(self):
        return hash(self._collection)

    @property
    def unguarded(self) -> Collection:
        return self._collection

    def _guarded(self, method, filter_, update, upsert, **kwargs):
        full = with_revision(update)

        def write():
            return method(filter_, full, upsert=upsert, **kwargs)
        write.upsert = upsert
        return run_guarded(self._collection, filter_, write)

    def update_one(self, filter_, update, upsert=False, **kwargs):
        return self._guarded(self._collection.update_one, filter_, update, upsert, **kwargs)

    def update_many(self, filter_, update, upsert=False, **kwargs):
        # FerretDB writes each matched document in its own statement: a refusal may come after
        # some were written. Running it again is right for the idempotent updates the platform
        # makes with update_many ($set of a state, guarded by a filter that excludes the result).
        return self._guarded(self._collection.update_many, filter_, update, upsert, **kwargs)

    def find_one_and_update(self, filter_, update, upsert=False, **kwargs):
        return self._guarded(self._collection.find_one_and_update, filter_, update, upsert,
                             **kwargs)

    def replace_one(self, *args, **kwargs):
        raise TypeError("replace_one cannot carry the storage revision: use update_one with $set")

    def find_one_and_replace(self, *args, **kwargs):
        raise TypeError("find_one_and_replace cannot carry the storage revision: use "
                        "find_one_and_update with $set")

    def bulk_write(self, requests, ordered=True, idempotent=False, **kwargs):
        """Updates get ``_rev``; the ones the store refused (or that raced an insert as upserts)
        run again, the others stand. Inserts and deletes pass as they are.

        FerretDB may also report a refusal inside an update command as the whole command's
        failure (``OperationFailure``), so which of its writes stood is unknown. ``idempotent``
        (every request is an ``UpdateOne`` that may run twice): such a chunk's requests then run
        again one by one, guarded, and count in the result; otherwise the failure is raised.

        Sent ``STATEMENTS_PER_COMMAND`` at a time: FerretDB 1.24 keeps every statement's cursor
        of an ``update`` command open (and with it a PostgreSQL pool connection) until the whole
        command ends, so one command of more statements than its pool has connections waits
        for itself forever while holding them all, and every other client then waits behind it
        (see README, "The store"). The result and the error are the ones of one bulk write:
        counts summed, indexes those of ``requests``; unordered, every chunk is tried."""
        if idempotent and not all(isinstance(r, UpdateOne) for r in requests):
            raise TypeError("an idempotent bulk write takes UpdateOne requests only")
        originals, requests = list(requests), [_with_revision_request(r) for r in requests]
        merged = _MergedBulkResult()
        for start in range(0, len(requests), STATEMENTS_PER_COMMAND):
            try:
                merged.add(self._bulk_write_chunk(
                    requests[start:start + STATEMENTS_PER_COMMAND], ordered, **kwargs), start)
            except BulkWriteError as exc:
                merged.add_error(exc, start)
                if ordered:
                    break
            except OperationFailure as exc:
                if not (idempotent and is_refused_write(exc)):
                    raise
                merged.add(self._one_by_one(originals[start:start + STATEMENTS_PER_COMMAND]),
                           start)
        return merged.result()

    def _one_by_one(self, requests) -> BulkWriteResult:
        counts = {"nMatched": 0, "nModified": 0, "nUpserted": 0, "upserted": []}
        for index, request in enumerate(requests):
            result = self.update_one(request._filter, request._doc, upsert=bool(request._upsert))
            counts["nMatched"] += result.matched_count
            counts["nModified"] += result.modified_count
            if result.upserted_id is not None:
                counts["nUpserted"] += 1
                counts["upserted"].append({"index": index, "_id": result.upserted_id})
        return BulkWriteResult(counts, acknowledged=True)

    def _bulk_write_chunk(self, pending, ordered, **kwargs):
        offsets = list(range(len(pending)))  # each pending request's index in the chunk
        done = _MergedBulkResult()
        for attempt in range(ATTEMPTS):
            try:
                done.add(self._collection.bulk_write(pending, ordered=ordered, **kwargs), 0,
                         offsets)
                return done.result()
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                again = [e for e in errors if _retryable_bulk_error(e, pending[e["index"]])]
                if len(again) < len(errors):
                    done.add_error(exc, 0, offsets)
                    raise BulkWriteError(done.details()) from exc
                done.add_counts(exc.details, 0, offsets)
                if ordered:  # everything after the first failure was not attempted
                    first = errors[0]["index"]
                    pending, offsets = pending[first:], offsets[first:]
                else:
                    pending = [pending[e["index"]] for e in again]
                    offsets = [offsets[e["index"]] for e in again]
            _backoff(attempt)
        raise _exhausted(self._collection, "bulk_write")


STATEMENTS_PER_COMMAND = 16  # well under FerretDB's pool (infra.sh), with many writers at once
_COUNTS = ("nInserted", "nUpserted", "nMatched", "nModified", "nRemoved")


class _MergedBulkResult:
    """Several bulk writes' outcomes as one, indexes mapped back to the caller's requests."""

    def __init__(self):
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.upserted, self.errors, self.concern_errors = [], [], []

    def add_counts(self, details: dict, start: int = 0, offsets=None) -> None:
        for key in _COUNTS:
            self.counts[key] += details.get(key, 0)
        self.upserted += _mapped(details.get("upserted", []), start, offsets)

    def add(self, result: BulkWriteResult, start: int, offsets=None) -> None:
        self.add_counts(result.bulk_api_result, start, offsets)

    def add_error(self, exc: BulkWriteError, start: int, offsets=None) -> None:
        self.add_counts(exc.details, start, offsets)
        self.errors += _mapped(exc.details.get("writeErrors", []), start, offsets)
        self.concern_errors += exc.details.get("writeConcernErrors", [])

    def details(self) -> dict:
        return {**self.counts, "upserted": sorted(self.upserted, key=lambda u: u["index"]),
                "writeErrors": sorted(self.errors, key=lambda e: e["index"]),
                "writeConcernErrors": self.concern_errors}

    def result(self) -> BulkWriteResult:
        if self.errors or self.concern_errors:
            raise BulkWriteError(self.details())
        return BulkWriteResult(self.details(), acknowledged=True)


def _mapped(entries: list[dict], start: int, offsets=None) -> list[dict]:
    """Upserted or error entries of one bulk write, their ``index`` mapped to the caller's list:
    through ``offsets`` (the sent request's position in its chunk), then by the chunk's start."""
    return [{**e, "index": start + (offsets[e["index"]] if offsets else e["index"])}
            for e in entries]


def _with_revision_request(request):
    if isinstance(request, UpdateOne):
        return UpdateOne(request._filter, with_revision(request._doc), upsert=request._upsert)
    if type(request).__name__ in ("UpdateMany", "ReplaceOne"):
        raise TypeError(f"{type(request).__name__} is not guarded: use UpdateOne")
    return request


def _retryable_bulk_error(error: dict, request) -> bool:
    if not isinstance(request, UpdateOne):
        return False
    if error.get("code") == 11000:
        return bool(request._upsert)
    message = error.get("errmsg", "")
    return error.get("code") == 1 and any(m in message for m in _REFUSED_MARKERS)


class GuardedDatabase:
    """A pymongo database whose collections are ``GuardedCollection``s."""

    def __init__(self, db: Database):
        self._db = db

    def __getitem__(self, name) -> GuardedCollection:
        return GuardedCollection(self._db[name])

    def __getattr__(self, name):
        attr = getattr(self._db, name)
        return GuardedCollection(attr) if isinstance(attr, Collection) else attr

    def get_collection(self, name, **kwargs) -> GuardedCollection:
        return GuardedCollection(self._db.get_collection(name, **kwargs))

    @property
    def unguarded(self) -> Database:
        return self._db


def guard(db):
    """``db`` with guarded updates (idempotent)."""
    return db if isinstance(db, GuardedDatabase) else GuardedDatabase(db)
