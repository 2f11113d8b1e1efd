"""Purpose-built services the fault suite runs as processes: a producer writing facts through the
transactional outbox (``Repository._write_with_events``: pointer, one single-document write that
holds the state and its events, flush by the relay with confirms) and a consumer applying them
through ``subscribe`` + ``Store``, idempotent by event_id, as every platform consumer is.

Only the fault processes import this module (``nameko run tests.support.fault_ledger_services:...``): it adds a
subscription and an event type to the kernel's registries, which the test process must not see.
"""
import json
import os

from marshmallow import Schema, fields
from nameko.web.handlers import http
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Response

from services.common import topology
from services.common.consuming import subscribe
from services.common.errors import DuplicateKey
from services.common.events import event_schema, register
from services.common.mongo import Repository, Store
from services.common.outbox import OUTBOX_FIELD

SOURCE = "faultlab"
EVENT = "ledger_entry_recorded"
POISON_FIXED_ENV = "LEDGER_POISON_FIXED"


@event_schema(EVENT, source=SOURCE, description="fault suite: one ledger entry")
class LedgerEntryRecorded(Schema):
    batch_id = fields.Str(required=True)
    entry_id = fields.Str(required=True)
    seq = fields.Int(required=True)
    poison = fields.Bool(load_default=False)


register(LedgerEntryRecorded)


CONSUMER = topology.Subscription("fault_consumer", "on_entry", ((f"{SOURCE}.events", EVENT),))
if CONSUMER not in topology.SUBSCRIPTIONS:
    # declared up front by every relay, like the platform's own subscriptions
    topology.SUBSCRIPTIONS = topology.SUBSCRIPTIONS + (CONSUMER,)


def _json(status: int, body) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class Batches(Repository):
    collection_name = "ledger_batches"

    def record(self, batch_id: str, entries: list[dict]) -> list[str]:
        """One document per batch holding its events' ids, written with the events themselves."""
        facts = [(EVENT, {"batch_id": batch_id, "entry_id": e["entry_id"], "seq": e["seq"],
                          "poison": bool(e.get("poison"))}) for e in entries]
        stored = {"_id": batch_id, "entries": len(entries)}

        def write(envelopes):
            stored["event_ids"] = [e["event_id"] for e in envelopes]
            stored[OUTBOX_FIELD] = envelopes
            try:
                self.collection.insert_one(stored)
            except DuplicateKeyError:
                raise DuplicateKey("batch already recorded", {"batch_id": batch_id}) from None
            return stored["event_ids"]

        return self._write_with_events(batch_id, facts, write)

    def event_ids(self, batch_id: str) -> list[str] | None:
        doc = self.collection.find_one({"_id": batch_id}, {"event_ids": 1})
        return doc["event_ids"] if doc else None


class Streams(Repository):
    """Bulk mode: a few aggregate documents, each write appending its entries' events.

    On FerretDB 1.24 every update (the relay's guarded pop of a sent entry included) costs a scan
    of the whole collection, so thousands of events are written into a handful of documents."""
    collection_name = "ledger_streams"

    def append(self, stream_id: str, entries: list[dict]) -> list[str]:
        facts = [(EVENT, {"batch_id": stream_id, "entry_id": e["entry_id"], "seq": e["seq"],
                          "poison": bool(e.get("poison"))}) for e in entries]

        def write(envelopes):
            self.collection.update_one({"_id": stream_id},
                                       {"$inc": {"entries": len(entries)},
                                        "$push": {OUTBOX_FIELD: {"$each": envelopes}}},
                                       upsert=True)
            return [e["event_id"] for e in envelopes]

        return self._write_with_events(stream_id, facts, write)


class LedgerProducer:
    name = "fault_producer"
    batches = Store(Batches)
    streams = Store(Streams)

    @http("POST", "/streams/<string:stream_id>")
    def append_to_stream(self, request, stream_id):
        body = json.loads(request.get_data(as_text=True))
        return _json(201, {"event_ids": self.streams.append(stream_id, body["entries"])})

    @http("GET", "/health")
    def health(self, request):
        return _json(200, {"status": "up", "pid": os.getpid()})

    @http("POST", "/batches")
    def post_batch(self, request):
        body = json.loads(request.get_data(as_text=True))
        try:
            return _json(201, {"event_ids": self.batches.record(body["batch_id"], body["entries"])})
        except DuplicateKey:  # a retried request: the first one was stored, answer the same
            return _json(200, {"event_ids": self.batches.event_ids(body["batch_id"])})


class Effects(Repository):
    collection_name = "ledger_effects"


class Deliveries(Repository):
    collection_name = "ledger_deliveries"


class LedgerConsumer:
    name = "fault_consumer"
    effects = Store(Effects)
    deliveries = Store(Deliveries)

    @http("GET", "/health")
    def health(self, request):
        return _json(200, {"status": "up", "pid": os.getpid()})

    @subscribe()
    def on_entry(self, envelope):
        payload = envelope["payload"]
        # every delivery is counted, so the report can tell redeliveries from duplicated effects
        self.deliveries.collection.insert_one({"event_id": envelope["event_id"],
                                               "entry_id": payload["entry_id"], "pid": os.getpid()})
        if payload["poison"] and os.environ.get(POISON_FIXED_ENV) != "1":
            raise RuntimeError(f"cannot apply entry {payload['entry_id']} (poison)")
        try:
            self.effects.collection.insert_one({"_id": envelope["event_id"],
                                                "entry_id": payload["entry_id"],
                                                "batch_id": payload["batch_id"]})
        except DuplicateKeyError:  # a redelivery: applied already, nothing changes
            pass
