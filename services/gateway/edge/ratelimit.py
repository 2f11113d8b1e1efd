"""Token-bucket rate limiting per credential (``Principal.rate_limit_key``).

Each key owns a bucket of at most ``burst`` tokens that refills at ``rate_per_second``; a request
takes one token or is refused with the whole seconds to wait (the HTTP ``Retry-After`` value).

With several gateway processes each counts what the others admitted into its own buckets
(``debit``, edge/shared_limits.py), so a bucket may owe tokens: at most ``burst`` of them.

Memory stays bounded two ways:
- idle buckets go: a bucket untouched for ``2 * burst / rate_per_second`` seconds has refilled
  completely, even from the deepest debt, so dropping it changes no future answer (buckets are
  kept in least-recently-used order, so the idle ones are always at the front and eviction is
  amortised O(1));
- at most ``max_keys`` buckets are kept; past that the least recently used one is dropped even if
  not yet full. That hands its owner a fresh burst, a bounded leniency; keys are authenticated
  credential ids, which callers cannot mint at will.

Pure (no I/O, the clock is injected). A lock guards the table: with eventlet's monkey-patching
it is a green lock, and since nothing inside the critical section yields it is never contended
across a switch.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Callable

# Float refills (0.1 token/s × 10 s) may land a hair under a whole token; don't refuse for that.
_EPSILON = 1e-9


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float):
        self.tokens = tokens
        self.updated = updated


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000):
        if not rate_per_second > 0:
            raise ValueError("rate_per_second must be positive")
        if not (isinstance(burst, int) and burst >= 1):
            raise ValueError("burst must be an integer >= 1")
        if not (isinstance(max_keys, int) and max_keys >= 1):
            raise ValueError("max_keys must be an integer >= 1")
        self.rate_per_second = float(rate_per_second)
        self.burst = burst
        self.max_keys = max_keys
        self.idle_after_seconds = 2 * burst / self.rate_per_second  # from -burst back to burst
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, cost: int = 1) -> tuple[bool, int]:
        """Take ``cost`` tokens from ``key``'s bucket: ``(True, 0)`` or ``(False, retry_after)``
        where ``retry_after`` (>= 1) is the whole seconds until the request would pass."""
        if not (isinstance(cost, int) and 1 <= cost <= self.burst):
            raise ValueError(f"cost must be an integer within 1..{self.burst}")
        with self._lock:
            now = self._clock()
            self._evict_idle(now)
            bucket = self._refilled(key, now)
            if bucket.tokens + _EPSILON >= cost:
                bucket.tokens = max(0.0, bucket.tokens - cost)
                return True, 0
            deficit = cost - bucket.tokens
            return False, max(1, math.ceil(deficit / self.rate_per_second - _EPSILON))

    def debit(self, key: str, tokens: int) -> None:
        """Take ``tokens`` that requests admitted elsewhere (another gateway process) spent on
        ``key``; the bucket may go into debt, down to ``-burst``."""
        if tokens <= 0:
            return
        with self._lock:
            now = self._clock()
            self._evict_idle(now)
            bucket = self._refilled(key, now)
            bucket.tokens = max(-float(self.burst), bucket.tokens - tokens)

    def remaining(self, key: str) -> int:
        """Whole tokens ``key`` has now (for a ``RateLimit-Remaining`` header); no token taken."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return self.burst
            elapsed = max(0.0, self._clock() - bucket.updated)
            tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_second)
            return max(0, int(tokens + _EPSILON))

    def __len__(self) -> int:
        return len(self._buckets)

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            return bucket
        self._buckets.move_to_end(key)
        # max(): a clock that steps back neither drains the bucket nor earns it tokens later.
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_second)
        bucket.updated = max(bucket.updated, now)
        return bucket

    def _evict_idle(self, now: float) -> None:
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.updated < self.idle_after_seconds:
                return
            self._buckets.popitem(last=False)
