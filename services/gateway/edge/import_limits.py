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
  per gateway process, like the rate limits.

Imports stream: the gateway holds one piece (256 KiB) of the text at a time.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from nameko.extensions import DependencyProvider

from services.common.config import load_settings
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


class OpenImports:
    def __init__(self, max_open: int, ttl_seconds: float = OPEN_IMPORT_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.max_open = max_open
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._open: dict[str, dict[str, float]] = {}  # credential -> {import_id: opened at}
        self._lock = threading.Lock()

    def _current(self, credential: str) -> dict[str, float]:
        now = self._clock()
        imports = {i: at for i, at in self._open.get(credential, {}).items()
                   if now - at < self.ttl_seconds}
        if imports:
            self._open[credential] = imports
        else:
            self._open.pop(credential, None)
        return imports

    def check(self, credential: str) -> None:
        """429 when ``credential`` already has ``max_open`` imports open."""
        with self._lock:
            count = len(self._current(credential))
        if count >= self.max_open:
            raise RateLimited("too many open imports for this credential: finish one first",
                              {"max_open_imports": self.max_open, "open_imports": count,
                               "retry_after_seconds": 1})

    def opened(self, credential: str, import_id: str) -> None:
        with self._lock:
            self._current(credential)
            self._open.setdefault(credential, {})[import_id] = self._clock()

    def closed(self, credential: str, import_id: str) -> None:
        with self._lock:
            self._open.get(credential, {}).pop(import_id, None)


class ImportLimits(DependencyProvider):
    """Per gateway container: the byte cap, the chunk cap and the open-import table."""

    def setup(self):
        settings = load_settings()
        self.max_bytes = settings.import_max_bytes
        self.max_chunks = max(1, -(-settings.import_max_bytes // CHUNK_MAX_BYTES))
        self.open_imports = OpenImports(settings.import_max_open_per_credential)

    def get_dependency(self, worker_ctx):
        return self

    def check_chunk(self, seq: int) -> None:
        if seq >= self.max_chunks:
            raise PayloadTooLarge("the import has more chunks than its size limit allows",
                                  {"max_bytes": self.max_bytes, "max_chunks": self.max_chunks,
                                   "seq": seq})
