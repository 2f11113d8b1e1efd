"""What the gateway checks of a request before it knows who sent it.

- ``X-Correlation-Id``: it goes into logs, audit records and every RPC context, so only a short
  token of safe characters is taken (no line breaks for log injection, no megabyte headers);
- JSON bodies nested deeper than ``MAX_JSON_DEPTH`` are a 400, not a ``RecursionError`` (500)
  somewhere in a schema or in ``json.loads`` itself;
- a per-address token bucket applies before authentication, so a flood of bad credentials costs
  the flooder its budget instead of the gateway's CPU and audit store;
- refused credentials (401) are counted by reason, and audited as a sample: the first one per
  address per ``window_seconds``, carrying how many were left out before it.

Pure Python (no nameko); the clock is injected.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from typing import Callable

from prometheus_client import Counter

from services.common.errors import ValidationFailed

CORRELATION_HEADER = "X-Correlation-Id"
CORRELATION_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
MAX_JSON_DEPTH = 32

UNAUTHENTICATED = Counter(
    "gateway_unauthenticated_requests_total",
    "Requests refused for their credentials (401), by reason; audited only as a sample",
    ["reason"])


def correlation_id(header_value: str | None, new_id: Callable[[], str]) -> str:
    """The caller's correlation id when it is a safe token, a new one when there is none, and a
    400 naming the header otherwise."""
    if header_value is None or header_value == "":
        return new_id()
    if not CORRELATION_ID_PATTERN.fullmatch(header_value):
        raise ValidationFailed("invalid correlation id", {CORRELATION_HEADER: [
            "1-128 characters of letters, digits and . _ : - starting with a letter or digit"]})
    return header_value


def json_depth(value) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json(data: bytes | str, field: str = "body"):
    """``json.loads`` that answers a too deeply nested document with a 400 naming ``field``."""
    too_deep = ValidationFailed("the JSON is nested too deeply", {field: [
        f"nested deeper than {MAX_JSON_DEPTH} levels"]})
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise too_deep
    if has_nul(value):  # PostgreSQL (under FerretDB) cannot store U+0000: a 400, not a 500
        raise ValidationFailed("the JSON holds a NUL character", {field: [
            "text must not contain U+0000"]})
    return value


def has_nul(value) -> bool:
    """Whether any string (key or value) of a parsed JSON value holds U+0000, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class RefusalSampler:
    """Counts 401s and says which ones to audit: per address, the first of each window."""

    def __init__(self, window_seconds: float = 60.0, max_addresses: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.window_seconds = window_seconds
        self.max_addresses = max_addresses
        self._clock = clock
        self._windows: OrderedDict[str, list] = OrderedDict()  # address -> [started, left out]
        self._lock = threading.Lock()

    def record(self, address: str | None, reason: str) -> int | None:
        """Count one refusal. Returns the number left out since the last audited one when this
        refusal is to be audited, else None."""
        UNAUTHENTICATED.labels(reason or "unknown").inc()
        key = address or "-"
        with self._lock:
            now = self._clock()
            window = self._windows.get(key)
            if window is None or now - window[0] >= self.window_seconds:
                left_out = window[1] if window else 0
                self._windows[key] = [now, 0]
                self._windows.move_to_end(key)
                while len(self._windows) > self.max_addresses:
                    self._windows.popitem(last=False)
                return left_out
            window[1] += 1
            return None
