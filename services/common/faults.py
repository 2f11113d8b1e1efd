"""Fault hooks that only tests switch on (PLATFORM_FAULT_HOOK), to prove recovery paths for real.

``crash_after_write``: the process dies right after a state change and its outbox entries were
stored, before anything was published. The outbox relay of the restarted process must publish them.
``crash_before_pull``: the process dies after its events were published (and the request answered)
and before the sent entries left the document: the restarted relay publishes them again and
consumers apply each fact once.
"""
import os

CRASH_AFTER_WRITE = "crash_after_write"
CRASH_BEFORE_PULL = "crash_before_pull"


def maybe_crash(point: str) -> None:
    # the one variable, not load_settings(): this runs on every write, and parsing the whole
    # environment per call is the cost TimedRpc's profile showed (README, performance)
    if os.environ.get("PLATFORM_FAULT_HOOK") == point:
        os._exit(17)  # no cleanup, no flush: as abrupt as kill -9 at this line
