"""API keys of machine clients: the repository behind the administration routes, ``regionctl
keys`` and the edge's ``Guard`` (which looks keys up here by ``key_id``). Records hold hash
material only (see ``auth.generate_api_key``).
"""
from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from services.common.errors import DuplicateKey, NotFound
from services.common.mongo import Repository
from services.gateway.access.auth import api_key_public_view, revoke_api_key

MAX_PAGE = 200


class ApiKeyStore(Repository):
    """Implements ``auth.ApiKeyRepository``."""
    collection_name = "api_keys"
    indexes = [([("key_id", 1)], {"unique": True}), ([("created_at", DESCENDING)], {})]

    def insert(self, record: dict) -> None:
        try:
            self.collection.insert_one({"_id": record["key_id"], **record})
        except DuplicateKeyError:
            raise DuplicateKey("an API key with this id exists", {"fields": ["key_id"]}) from None

    def find(self, key_id: str) -> dict | None:
        return self.collection.find_one({"key_id": key_id}, {"_id": 0, "_rev": 0})

    def revoke(self, key_id: str, revoked_at: datetime) -> dict | None:
        record = self.find(key_id)
        if record is None:
            return None
        revoked = revoke_api_key(record, revoked_at)
        # conditional: a concurrent revocation keeps the first date
        self.collection.update_one({"key_id": key_id, "revoked_at": None},
                                   {"$set": {"revoked_at": revoked["revoked_at"]}})
        return self.find(key_id)

    def list_keys(self, *, include_revoked: bool = True, limit: int = MAX_PAGE,
                  offset: int = 0) -> tuple[list[dict], int]:
        flt = {} if include_revoked else {"revoked_at": None}
        total = self.collection.count_documents(flt)
        cursor = (self.collection.find(flt, {"_id": 0, "_rev": 0})
                  .sort([("created_at", DESCENDING), ("key_id", 1)])
                  .skip(offset).limit(min(limit, MAX_PAGE)))
        return list(cursor), total


def public_key_view(record: dict) -> dict:
    """What any listing shows of a key: never the salt or the hash."""
    return {**api_key_public_view(record), "created_by": record.get("created_by")}


def require_key(record: dict | None, key_id: str) -> dict:
    if record is None:
        raise NotFound(f"no API key {key_id}", {"key_id": key_id})
    return record
