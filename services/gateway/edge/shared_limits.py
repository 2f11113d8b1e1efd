"""Rate limits that hold across gateway replicas, without a store write per request.

Each gateway process limits with its own token buckets (edge/ratelimit.py) and counts what it
admitted, per limiter and key. About once a second (``RATE_LIMIT_SHARE_SECONDS``) it writes those
counts to the gateway's store, one upsert of its own document, and reads the other processes'
documents: what they admitted since it last looked is taken from its own buckets (``debit``).
So every bucket of every process is charged for the requests all of them admitted, a little late.

How far the combined limit can be exceeded, with N processes and a share interval of T seconds:
an admission is known here at most 2T later (up to T until its process publishes, up to T until
this one reads) plus the store's round trips, so over any window the platform admits at most
``burst + rate × window`` plus what N - 1 processes admit before the others hear of it: up to
``(N - 1) × (burst + 2 × rate × T)``, about ``(N - 1) × 2 × rate × T`` once the first burst is
spent. A bucket's debt is bounded by one burst.

Each document keeps the counts of its process's last few intervals, numbered, so a reader that
looks more seldom than a writer writes misses none and charges none twice. Documents of processes
that stopped writing are ignored after ``STALE_SECONDS`` and removed on a clean stop. When the
store is away the limits stay local until it answers again (logged, never a failed request).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from typing import Callable

from services.common.config import seconds_setting
from services.common.mongo import Repository
from services.gateway.edge.ratelimit import RateLimiter

log = logging.getLogger(__name__)

SHARE_SECONDS_VARIABLE = "RATE_LIMIT_SHARE_SECONDS"
DEFAULT_SHARE_SECONDS = 1.0
STALE_SECONDS = 10.0
KEPT_INTERVALS = 5  # a reader may look up to this many intervals late and still miss nothing
MAX_KEYS_PER_INTERVAL = 2000  # the busiest keys; a document stays far below the 16 MiB cap


def share_seconds(environ=None) -> float:
    return seconds_setting(SHARE_SECONDS_VARIABLE, DEFAULT_SHARE_SECONDS, 0.05, 60, environ)


class ReplicaCountsRepository(Repository):
    """One document per gateway process: ``{_id, at, intervals: [{seq, counts: [{limiter, key,
    n}]}]}`` (objects in arrays: FerretDB stores no array directly inside an array)."""
    collection_name = "rate_limit_replicas"
    indexes = [([("at", 1)], {})]

    def publish(self, process_id: str, at: float, intervals: list) -> None:
        stored = [{"seq": seq, "counts": [{"limiter": limiter, "key": key, "n": n}
                                          for limiter, key, n in counts]}
                  for seq, counts in intervals]
        self.collection.update_one({"_id": process_id},
                                   {"$set": {"at": at, "intervals": stored}}, upsert=True)

    def others(self, process_id: str, since: float) -> list[dict]:
        """The other processes' documents, intervals as ``[seq, [[limiter, key, n]]]``."""
        found = self.collection.find({"_id": {"$ne": process_id}, "at": {"$gte": since}},
                                     {"_rev": 0})
        return [{**doc, "intervals": [
            [interval["seq"], [[c["limiter"], c["key"], c["n"]] for c in interval["counts"]]]
            for interval in doc.get("intervals") or []]} for doc in found]

    def forget(self, process_id: str) -> None:
        self.collection.delete_one({"_id": process_id})


class SharedCounts:
    """What this process admitted, exchanged with the other processes' through the store."""

    def __init__(self, limiters: dict[str, RateLimiter], repository, *,
                 process_id: str | None = None, clock: Callable[[], float] = time.time):
        self.limiters = limiters
        self.repository = repository
        self.process_id = process_id or f"gateway-{uuid.uuid4().hex}"
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: Counter = Counter()
        self._intervals: list = []  # [seq, [[limiter, key, n], ...]], newest last
        self._seq = 0
        self._seen: dict[str, int] = {}  # other process -> the last interval charged here

    def admitted(self, limiter: str, key: str) -> None:
        with self._lock:
            self._pending[(limiter, key)] += 1

    def exchange(self) -> int:
        """Publish this interval's counts, charge the others' new ones; returns tokens charged."""
        with self._lock:
            counts, self._pending = self._pending, Counter()
        self._seq += 1
        busiest = [[limiter, key, n] for (limiter, key), n
                   in counts.most_common(MAX_KEYS_PER_INTERVAL)]
        self._intervals = (self._intervals + [[self._seq, busiest]])[-KEPT_INTERVALS:]
        now = self._clock()
        self.repository.publish(self.process_id, now, self._intervals)
        charged = 0
        for other in self.repository.others(self.process_id, now - STALE_SECONDS):
            charged += self._charge(other)
        return charged

    def _charge(self, other: dict) -> int:
        intervals = other.get("intervals") or []
        if other["_id"] not in self._seen and intervals:  # first sight: its latest interval only
            intervals = intervals[-1:]
        last_seen = self._seen.get(other["_id"], 0)
        charged = 0
        for seq, counts in intervals:
            if seq <= last_seen:
                continue
            for limiter, key, n in counts:
                if limiter in self.limiters:
                    self.limiters[limiter].debit(key, int(n))
                    charged += int(n)
        if intervals:
            self._seen[other["_id"]] = max(last_seen, max(seq for seq, _ in intervals))
        return charged

    def run(self, interval: float, stopped: Callable[[], bool], sleep=time.sleep) -> None:
        """Exchange every ``interval`` seconds until ``stopped()``; a store error is logged."""
        while not stopped():
            try:
                self.exchange()
            except Exception as exc:  # the store away: limits stay local meanwhile
                log.warning("rate limit counts not shared this round: %s", exc)
            sleep(interval)

    def forget(self) -> None:
        try:
            self.repository.forget(self.process_id)
        except Exception as exc:
            log.warning("rate limit counts of this process not removed: %s", exc)
