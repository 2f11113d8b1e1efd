"""``/health`` answers from a probe result at most ``HEALTH_CACHE_SECONDS`` old.

Each probe opens a broker connection, pings the store and calls every domain service; run per
request, an unauthenticated caller could make the gateway open connections as fast as it sends.
One probe runs at a time (callers arriving meanwhile wait for it and share its result), and its
result serves every caller until it is older than the time to live.
"""
import threading
import time
from typing import Callable

from nameko.extensions import DependencyProvider

from services.common.config import load_settings


class CachedProbe:
    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()  # a green lock under eventlet: waiting callers yield
        self._result = None
        self._taken_at = 0.0

    def get(self, probe: Callable[[], object]):
        with self._lock:
            if self._result is None or self._clock() - self._taken_at >= self.ttl_seconds:
                self._result = probe()
                self._taken_at = self._clock()
            return self._result


class HealthCache(DependencyProvider):
    """One ``CachedProbe`` per gateway container (so two gateways in a process never share)."""

    def setup(self):
        self.probe = CachedProbe(ttl_seconds=load_settings().health_cache_seconds)

    def get_dependency(self, worker_ctx):
        return self.probe
