"""The audit trail: the record the edge's ``Guard`` appends for refusals and writes, and the
administration route's query over it."""
from __future__ import annotations

import logging
import re
from datetime import datetime

from pymongo import DESCENDING

from services.common.group_insert import insert_grouped
from services.common.mongo import Repository

log = logging.getLogger(__name__)

MAX_PAGE = 200


class AuditRepository(Repository):
    collection_name = "audit"
    indexes = [
        ([("at", DESCENDING)], {}),
        ([("subject", 1), ("at", DESCENDING)], {}),
        ([("outcome", 1), ("at", DESCENDING)], {}),
    ]

    def record(self, record: dict) -> None:
        """Append one record; the answer must not fail because the audit store is away.

        Concurrent requests' records are stored by one ``insert_many`` (``insert_grouped``),
        each request still answering only once its own record is stored."""
        try:
            insert_grouped(self.collection, record)
        except Exception:
            log.error("audit record lost: %s", {k: v for k, v in record.items() if k != "at"})

    def query(self, *, subject=None, outcome=None, path_prefix=None,
              since: datetime | None = None, until: datetime | None = None, limit=50,
              offset=0) -> tuple[list[dict], int]:
        flt: dict = {}
        if subject:
            flt["subject"] = subject
        if outcome:
            flt["outcome"] = outcome
        if path_prefix:
            flt["path"] = {"$regex": "^" + re.escape(path_prefix)}
        if since or until:
            flt["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
        total = self.collection.count_documents(flt)
        cursor = (self.collection.find(flt, {"_id": 0, "_rev": 0}).sort([("at", DESCENDING)])
                  .skip(offset).limit(min(limit, MAX_PAGE)))
        return [audit_view(doc) for doc in cursor], total


def audit_view(record: dict) -> dict:
    """A stored record as the API shows it: the caller's address is ``ip`` (the field the policy
    redacts for everyone but admins)."""
    view = {k: v for k, v in record.items() if k != "remote_addr"}
    view["ip"] = record.get("remote_addr")
    return view
