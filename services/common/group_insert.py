"""Concurrent single-document inserts into one collection, stored together (``GroupInserter``).

The outbox's pointers, the gateway's audit records and the hub's journal use it: on a store that
commits (and fsyncs) every write, N concurrent callers cost one round trip instead of N."""
import eventlet
import eventlet.event
import eventlet.patcher
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

DUPLICATE_KEY = 11000


class GroupInserter:
    """Concurrent ``insert_one`` calls into one collection, written together as one ``insert_many``.

    Every caller still waits until its own document is stored (or gets the store's error), so
    nothing is acknowledged before it is written; N concurrent callers cost one round trip and
    one store transaction (one fsync on PostgreSQL) instead of N. Green threads only: callers in
    a process that eventlet does not patch use ``insert_one`` directly."""

    def __init__(self, collection, max_batch: int = 200):
        self.collection = collection
        self.max_batch = max_batch
        self._pending: list[tuple[dict, eventlet.event.Event]] = []
        self._writing = False

    def insert(self, doc: dict) -> None:
        done = eventlet.event.Event()
        self._pending.append((doc, done))
        if not self._writing:
            self._writing = True
            eventlet.spawn_n(self._write_pending)
        done.wait()  # raises what the store raised for this document

    def _write_pending(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self.max_batch]
                del self._pending[:len(batch)]
                self._write(batch)
        finally:
            self._writing = False

    def _write(self, batch) -> None:
        try:
            self.collection.insert_many([doc for doc, _ in batch], ordered=False)
        except BulkWriteError as exc:  # the others of the batch are stored
            failed = {e["index"]: e for e in exc.details.get("writeErrors", [])}
            for index, (_, done) in enumerate(batch):
                if index in failed:
                    error = failed[index]
                    # a duplicate _id is the caller's answer ("already stored"), as insert_one says it
                    kind = DuplicateKeyError if error.get("code") == DUPLICATE_KEY else OperationFailure
                    done.send_exception(kind(error.get("errmsg", "write error"), error.get("code"),
                                             error))
                else:
                    done.send(None)
            return
        except BaseException as exc:  # noqa: BLE001 - every waiter gets the store's error
            for _, done in batch:
                done.send_exception(exc)
            return
        for _, done in batch:
            done.send(None)


_shared: dict[tuple, GroupInserter] = {}


def _green() -> bool:
    """Callers are green threads of a patched process (a service), not plain threads (a script)."""
    return eventlet.patcher.is_monkey_patched("socket")


def insert_grouped(collection, doc: dict) -> None:
    """``insert_one`` that a service's concurrent callers share (one ``GroupInserter`` per
    collection in the process); a duplicate ``_id`` raises ``DuplicateKeyError`` either way."""
    if not _green():
        collection.insert_one(doc)
        return
    key = (id(collection.database.client), collection.database.name, collection.name)
    inserter = _shared.get(key)
    if inserter is None:
        inserter = _shared[key] = GroupInserter(collection)
    inserter.insert(doc)
