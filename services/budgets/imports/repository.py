"""Import jobs and their staged chunks in the store.

The status document is also the job's lease: a runner claims a queued job (or one whose lease ran
out because its runner died) with one conditional update, renews the lease at each checkpoint and
loses the job if another runner took it over (``claim`` no longer matches). Chunks are staged in
their own collection, one document per ``(import, seq)``, so a chunk sent twice is stored once.
"""
import uuid
from contextlib import nullcontext
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.errors import Conflict, NotFound
from services.common.mongo import Repository


class LostLease(Exception):
    """Another runner took the job over; this one must stop without writing anything more."""


def chunk_id(import_id: str, seq: int) -> str:
    return f"{import_id}:{seq:09d}"


class ImportRepository(Repository):
    collection_name = "imports"
    indexes = [([("state", 1), ("lease_until", 1)], {}), ([("created_at", -1)], {})]
    id_field = "import_id"

    def create(self, doc: dict) -> dict:
        return self.save_new(doc)

    def status(self, import_id: str) -> dict:
        return self.get(import_id)

    def count_chunk(self, import_id: str, size: int, now: datetime) -> dict:
        """Progress of the upload (``import_finish`` checks the chunks themselves)."""
        lock = (self.relay.document_lock(self.db, self.collection_name, import_id)
                if self.relay is not None else nullcontext())
        with lock:  # FerretDB's $inc is a read and a write: one updater per process at a time
            doc = self.collection.find_one_and_update(
                {"_id": import_id, "state": "receiving"},
                {"$inc": {"chunks_received": 1, "chars_received": size},
                 "$set": {"updated_at": now}},
                return_document=ReturnDocument.AFTER)
        if doc is None:
            raise self._not_receiving(import_id)
        return self.from_store(doc)

    def queue(self, import_id: str, chunks_total: int, chars_total: int, now: datetime) -> dict:
        """receiving → queued, once every chunk is known to be staged (``chunks.missing``)."""
        doc = self.collection.find_one_and_update(
            {"_id": import_id, "state": "receiving"},
            {"$set": {"state": "queued", "chunks_total": chunks_total,
                      "chunks_received": chunks_total, "chars_received": chars_total,
                      "updated_at": now}},
            return_document=ReturnDocument.AFTER)
        if doc is None:
            return self.get(import_id)  # finishing twice is not an error: the first call queued it
        return self.from_store(doc)

    def _not_receiving(self, import_id: str):
        current = self.collection.find_one({"_id": import_id}, {"state": 1})
        if current is None:
            return NotFound(f"import {import_id} not found", {"import_id": import_id})
        return Conflict("the import no longer accepts chunks",
                        {"import_id": import_id, "state": current["state"]})

    # -- job lease -------------------------------------------------------------------------------
    def claim(self, now: datetime, lease_seconds: float) -> tuple[dict, str] | None:
        """Take one queued job, or one whose runner stopped renewing its lease."""
        token = str(uuid.uuid4())
        doc = self.collection.find_one_and_update(
            {"$or": [{"state": "queued"},
                     {"state": "processing", "lease_until": {"$lt": now}}]},
            {"$set": {"state": "processing", "claim": token, "updated_at": now,
                      "lease_until": now + timedelta(seconds=lease_seconds)},
             "$inc": {"attempts": 1}},
            sort=[("created_at", 1)],
            return_document=ReturnDocument.AFTER)
        return (self.from_store(doc), token) if doc else None

    def checkpoint(self, import_id: str, token: str, fields: dict, now: datetime,
                   lease_seconds: float) -> None:
        result = self.collection.update_one(
            {"_id": import_id, "claim": token},
            {"$set": dict(fields, updated_at=now,
                          lease_until=now + timedelta(seconds=lease_seconds))})
        if result.matched_count == 0:
            raise LostLease(import_id)

    def close(self, import_id: str, token: str, fields: dict, facts, now: datetime) -> None:
        """Final state and the import's facts, in one write."""
        self.checkpoint(import_id, token, {}, now, 0)  # still ours?
        self.upsert_with_events(import_id, {"$set": dict(fields, updated_at=now, finished_at=now,
                                                         claim=None, lease_until=None)},
                                facts, upsert=False)

    def finished(self, import_ids) -> list[str]:
        """Which of ``import_ids`` ended (their staged chunks are of no more use)."""
        return [d["_id"] for d in self.collection.find(
            {"_id": {"$in": list(import_ids)},
             "state": {"$in": ["completed", "rejected", "failed", "abandoned"]}}, {"_id": 1})]

    def abandon_stale(self, older_than: datetime, now: datetime) -> list[str]:
        stale = [d["_id"] for d in self.collection.find(
            {"state": "receiving", "updated_at": {"$lt": older_than}}, {"_id": 1})]
        for import_id in stale:
            self.collection.update_one({"_id": import_id, "state": "receiving"},
                                       {"$set": {"state": "abandoned", "finished_at": now,
                                                 "updated_at": now}})
        return stale


class ImportChunkRepository(Repository):
    collection_name = "import_chunks"
    indexes = [([("import_id", 1)], {})]

    def put(self, import_id: str, seq: int, text: str) -> bool:
        """Stage a chunk; False when this very chunk was already staged (a resend)."""
        try:
            self.collection.insert_one({"_id": chunk_id(import_id, seq), "import_id": import_id,
                                        "seq": seq, "size": len(text), "text": text})
            return True
        except DuplicateKeyError:
            stored = self.collection.find_one({"_id": chunk_id(import_id, seq)},
                                              {"size": 1, "text": 1})
            if stored is not None and stored["text"] == text:
                return False
            raise Conflict("a different chunk with this number was already received",
                           {"import_id": import_id, "seq": seq}) from None

    def missing(self, import_id: str, count: int) -> tuple[list[int], int]:
        """(seqs of 0..count-1 not staged, characters staged), one ``_id`` lookup per chunk."""
        absent, chars = [], 0
        for seq in range(count):
            doc = self.collection.find_one({"_id": chunk_id(import_id, seq)}, {"size": 1})
            if doc is None:
                absent.append(seq)
            else:
                chars += doc["size"]
        return absent, chars

    def texts(self, import_id: str, count: int):
        """The staged chunks in order, read one at a time (memory holds one chunk)."""
        for seq in range(count):
            doc = self.collection.find_one({"_id": chunk_id(import_id, seq)}, {"text": 1})
            if doc is None:
                raise NotFound(f"chunk {seq} of import {import_id} is missing",
                               {"import_id": import_id, "seq": seq})
            yield doc["text"]

    def drop(self, import_id: str) -> None:
        self.collection.delete_many({"import_id": import_id})

    def staged_imports(self) -> list[str]:
        return list(self.collection.distinct("import_id"))


def last_finished_import(database) -> dict | None:
    """``{state, finished_at}`` of the import that ended last (the gauges' source), or None."""
    imports = database[ImportRepository.collection_name]
    return next(iter(imports.find({"finished_at": {"$ne": None}}, {"state": 1, "finished_at": 1})
                     .sort("finished_at", -1).limit(1)), None)
