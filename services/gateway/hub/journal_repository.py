"""The coordination journal: every domain event the hub has seen, once (keyed by event_id)."""
from datetime import datetime

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from services.common.group_insert import insert_grouped
from services.common.mongo import Repository, utcnow

MAX_PAGE = 200


class JournalRepository(Repository):
    collection_name = "journal"
    indexes = [
        ([("occurred_at", DESCENDING)], {}),
        ([("region_code", 1), ("occurred_at", DESCENDING)], {}),
        ([("event_type", 1), ("occurred_at", DESCENDING)], {}),
        ([("correlation_id", 1)], {}),
    ]

    def record(self, envelope: dict) -> bool:
        """Store the event; False when it was already recorded (a redelivery changes nothing)."""
        doc = {
            "_id": envelope["event_id"],
            "event_type": envelope["event_type"],
            "schema_version": envelope["schema_version"],
            "source": envelope["source"],
            "region_code": envelope["region_code"],
            "correlation_id": envelope["correlation_id"],
            "occurred_at": envelope["occurred_at"],
            "payload": envelope["wire_payload"],  # as published: JSON types only
            "received_at": utcnow(),
        }
        try:
            # concurrent handlers' entries are stored together: one round trip for all of them
            insert_grouped(self.collection, doc)
            return True
        except DuplicateKeyError:
            return False

    def query(self, *, region_codes=None, source=None, event_type=None, correlation_id=None,
              since: datetime | None = None, until: datetime | None = None, limit=50,
              offset=0) -> tuple[list[dict], int]:
        flt: dict = {}
        if region_codes is not None:
            flt["region_code"] = {"$in": sorted(region_codes)}
        if source:
            flt["source"] = source
        if event_type:
            flt["event_type"] = event_type
        if correlation_id:
            flt["correlation_id"] = correlation_id
        if since or until:
            flt["occurred_at"] = {**({"$gte": since} if since else {}),
                                  **({"$lt": until} if until else {})}
        total = self.collection.count_documents(flt)
        cursor = (self.collection.find(flt).sort([("occurred_at", DESCENDING), ("_id", 1)])
                  .skip(offset).limit(min(limit, MAX_PAGE)))
        return [_public(doc) for doc in cursor], total


def _public(doc: dict) -> dict:
    doc = dict(doc)
    doc["event_id"] = doc.pop("_id")
    for key in ("occurred_at", "received_at"):
        if isinstance(doc.get(key), datetime):
            doc[key] = doc[key].isoformat()
    return doc
