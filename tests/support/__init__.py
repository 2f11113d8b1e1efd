"""Helpers for the integration, e2e and fault suites."""
import os
import time

import requests


def wait_for_infrastructure() -> bool:
    """True once the broker's management API and the store answer."""
    import pymongo
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    try:
        requests.get(f"{api}/api/overview", timeout=2).raise_for_status()
        pymongo.MongoClient(os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
                            serverSelectionTimeoutMS=2000).admin.command("ping")
        return True
    except Exception:
        return False


def wait_until(predicate, timeout=20.0, interval=0.1, message="condition"):
    """Poll ``predicate`` until it returns a truthy value; fail with ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")
