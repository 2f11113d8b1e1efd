"""Bounds on what one credential may make the budgets service hold for an import.

- An OFDP zip is at most 1 MiB on the wire (the body cap), but deflate reaches ~1000:1: the
  declared size of ``datapackage.json`` and of the CSV resource is checked before anything is
  opened, and the resource is read through ``capped``, which stops at the cap even when the
  zip's header lies about the size.
- The text of one import is at most ``IMPORT_MAX_BYTES`` in all: streamed imports count their
  bytes, chunked imports their chunks (each at most the 1 MiB body cap, so ``max_chunks`` of
  them). Both are a 413 with the limit in the JSON body.
- One credential keeps at most ``IMPORT_MAX_OPEN_PER_CREDENTIAL`` chunked imports open (opened
  and neither finished nor older than ``OPEN_IMPORT_TTL_SECONDS``); one more is a 429. Counted
  in the gateway's store, so every gateway replica counts the same imports.

Imports stream: the gateway holds one piece (256 KiB) of the text at a time.
"""
from __future__ import annotations

import time
from typing import Callable

from nameko.extensions import DependencyProvider

from services.common.config import load_settings
from services.common.mongo import Repository, get_client
from services.gateway.edge.errors import PayloadTooLarge, RateLimited

MAX_DESCRIPTOR_BYTES = 1024 * 1024
CHUNK_MAX_BYTES = 1024 * 1024  # the gateway's body cap (http.MAX_BODY_BYTES)
OPEN_IMPORT_TTL_SECONDS = 3600.0


def too_large(what: str, max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{what} is larger than the import limit",
                           {"max_bytes": max_bytes, "part": what})


class CappedReader:
    """A binary stream that refuses (413) to yield more than ``max_bytes`` in all."""

    def __init__(self, stream, max_bytes: int, what: str):
        self._stream = stream
        self.max_bytes = max_bytes
        self.what = what
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        room = self.max_bytes - self.read_bytes + 1  # one byte over the cap proves it too long
        data = self._stream.read(room if size is None or size < 0 else min(size, room))
        self.read_bytes += len(data)
        if self.read_bytes > self.max_bytes:
            raise too_large(self.what, self.max_bytes)
        return data


def check_zip_member(package, name: str, max_bytes: int) -> None:
    """413 when the zip declares ``name`` larger than ``max_bytes`` (before inflating it)."""
    info = package.getinfo(name)
    if info.file_size > max_bytes:
        raise too_large(name, max_bytes)


def read_zip_member(package, name: str, max_bytes: int) -> bytes:
    check_zip_member(package, name, max_bytes)
    with package.open(name) as member:
        return CappedReader(member, max_bytes, name).read()


class MemoryOpenImports:
    """The open-import table of one process (tests; ``OpenImportsRepository`` in a deployment)."""

    def __init__(self):
        self._open: dict[str, tuple[str, float]] = {}  # import_id -> (credential, opened at)

    def count(self, credential: str, since: float) -> int:
        return sum(1 for owner, at in self._open.values() if owner == credential and at >= since)

    def add(self, credential: str, import_id: str, at: float) -> None:
        self._open[import_id] = (credential, at)

    def remove(self, credential: str, import_id: str) -> None:
        if self._open.get(import_id, (None,))[0] == credential:
            del self._open[import_id]


class OpenImportsRepository(Repository):
    """Open imports in the gateway's store, so every gateway replica counts the same ones
    (imports are rare: a write when one opens and when it finishes is cheap)."""
    collection_name = "open_imports"
    indexes = [([("credential", 1), ("opened_at", 1)], {})]

    def count(self, credential: str, since: float) -> int:
        return self.collection.count_documents({"credential": credential,
                                                "opened_at": {"$gte": since}})

    def add(self, credential: str, import_id: str, at: float) -> None:
        self.collection.update_one({"_id": import_id},
                                   {"$set": {"credential": credential, "opened_at": at}},
                                   upsert=True)

    def remove(self, credential: str, import_id: str) -> None:
        self.collection.delete_one({"_id": import_id, "credential": credential})


class OpenImports:
    def __init__(self, max_open: int, ttl_seconds: float = OPEN_IMPORT_TTL_SECONDS,
                 clock: Callable[[], float] = time.time, table=None):
        self.max_open = max_open
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._table = MemoryOpenImports() if table is None else table

    def check(self, credential: str) -> None:
        """429 when ``credential`` already has ``max_open`` imports open (opened and neither
        finished nor older than the TTL), counted over every gateway replica."""
        count = self._table.count(credential, self._clock() - self.ttl_seconds)
        if count >= self.max_open:
            raise RateLimited("too many open imports for this credential: finish one first",
                              {"max_open_imports": self.max_open, "open_imports": count,
                               "retry_after_seconds": 1})

    def opened(self, credential: str, import_id: str) -> None:
        self._table.add(credential, import_id, self._clock())

    def closed(self, credential: str, import_id: str) -> None:
        self._table.remove(credential, import_id)


class ImportLimits(DependencyProvider):
    """Per gateway container: the byte cap, the chunk cap and the open-import table."""

    def setup(self):
        settings = load_settings()
        self.max_bytes = settings.import_max_bytes
        self.max_chunks = max(1, -(-settings.import_max_bytes // CHUNK_MAX_BYTES))
        db = get_client()[settings.database_name("gateway")]
        OpenImportsRepository.ensure_indexes(db)
        table = OpenImportsRepository(db)
        self.open_imports = OpenImports(settings.import_max_open_per_credential, table=table)

    def get_dependency(self, worker_ctx):
        return self

    def check_chunk(self, seq: int) -> None:
        if seq >= self.max_chunks:
            raise PayloadTooLarge("the import has more chunks than its size limit allows",
                                  {"max_bytes": self.max_bytes, "max_chunks": self.max_chunks,
                                   "seq": seq})
