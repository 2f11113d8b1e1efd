"""Storage of the Office's initiatives (collection ``hub_initiatives``).

Opening is idempotent: ``cause_key`` has a unique index, so a rule that fires twice for the same
cause (a redelivered event, two gateway instances running the same timer) finds the initiative
already there and only links the new event to it. People change initiatives with optimistic
locking on ``version``; automatic resolutions are conditional on the initiative still being active
and bump the version too, so a person's concurrent change is refused rather than lost.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Iterable

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from services.common.codec import DocumentCodec
from services.common.mongo import Repository
from services.gateway.hub.rules import (
    ACTIVE_STATUSES,
    RESOLVED,
    InitiativeProposal,
    new_initiative,
    system_resolution_entry,
)

MAX_PAGE = 200


class InitiativeRepository(Repository):
    collection_name = "hub_initiatives"
    id_field = "id"
    codec = DocumentCodec(date_keys={"due_date"})
    indexes = [
        ([("cause_key", 1)], {"unique": True}),
        ([("region_code", 1), ("status", 1)], {}),
        ([("kind", 1), ("status", 1)], {}),
        ([("opened_at", DESCENDING)], {}),
        ([("kind", 1), ("subject.project_id", 1)], {}),
        ([("kind", 1), ("subject.servant_id", 1)], {}),
    ]

    def open(self, proposal: InitiativeProposal, *, now: datetime, by: str,
             event_ids: Iterable[str] = (), initiative_id: str | None = None,
             comment: str | None = None) -> tuple[dict, bool]:
        """``(initiative, True)`` when opened now, ``(existing, False)`` when its cause already
        opened one (the new events are linked to it)."""
        event_ids = [e for e in event_ids if e]
        doc = new_initiative(proposal, initiative_id=initiative_id or str(uuid.uuid4()), now=now,
                             by=by, event_ids=event_ids, comment=comment)
        try:
            self.collection.insert_one(self.to_store(doc))
            return doc, True
        except DuplicateKeyError:
            pass
        if event_ids:
            self.collection.update_one({"cause_key": proposal.cause_key},
                                       {"$addToSet": {"event_ids": {"$each": event_ids}}})
        return self.from_store(self.collection.find_one({"cause_key": proposal.cause_key})), False

    def replace(self, initiative: dict, expected_version: int) -> dict:
        """Store a person's change (``StaleVersion`` if it changed since it was read)."""
        return self.save_versioned(initiative, expected_version)

    def resolve_where(self, flt: dict, *, now: datetime, comment: str,
                      event_id: str | None = None) -> list[str]:
        """Resolve every active initiative matching ``flt`` because its cause went away; the ids
        resolved by this call (an initiative already closed is left alone)."""
        resolved = []
        for doc in self.collection.find({**flt, "status": {"$in": list(ACTIVE_STATUSES)}},
                                        {"_id": 1, "status": 1}):
            update = {"$set": {"status": RESOLVED, "updated_at": now},
                      "$inc": {"version": 1},
                      "$push": {"history": system_resolution_entry(doc["status"], now=now,
                                                                   comment=comment)}}
            if event_id:
                update["$addToSet"] = {"event_ids": event_id}
            result = self.collection.update_one(
                {"_id": doc["_id"], "status": doc["status"]}, update)
            if result.modified_count:
                resolved.append(doc["_id"])
        return resolved

    def query(self, *, region_codes=None, status=None, kind=None, limit=50,
              offset=0) -> tuple[list[dict], int]:
        flt: dict = {}
        if region_codes is not None:
            flt["region_code"] = {"$in": sorted(region_codes)}
        if status:
            flt["status"] = status
        if kind:
            flt["kind"] = kind
        total = self.collection.count_documents(flt)
        cursor = (self.collection.find(flt).sort([("opened_at", DESCENDING), ("_id", 1)])
                  .skip(offset).limit(min(limit, MAX_PAGE)))
        return [self.from_store(doc) for doc in cursor], total

    def find(self, initiative_id: str) -> dict | None:
        found = self.collection.find_one({"_id": initiative_id})
        return None if found is None else self.from_store(found)

    def find_by_cause(self, cause_key: str) -> dict | None:
        doc = self.collection.find_one({"cause_key": cause_key})
        return self.from_store(doc) if doc else None

    def counts_by_region(self, region_codes: Iterable[str]) -> dict[str, dict[str, int]]:
        """{region: {status: count}} (counted in Python over a projected cursor)."""
        counts: dict[str, dict[str, int]] = {}
        for doc in self.collection.find({"region_code": {"$in": sorted(set(region_codes))}},
                                        {"region_code": 1, "status": 1, "_id": 0}):
            per_region = counts.setdefault(doc["region_code"], {})
            per_region[doc["status"]] = per_region.get(doc["status"], 0) + 1
        return counts
