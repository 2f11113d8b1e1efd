"""Fault hooks that only tests switch on (PLATFORM_FAULT_HOOK), to prove recovery paths for real.

``crash_after_write``: the process dies right after a state change and its outbox entries were
stored, before anything was published. The outbox relay of the restarted process must publish them.
"""
import os

from services.common.config import load_settings

CRASH_AFTER_WRITE = "crash_after_write"


def maybe_crash(point: str) -> None:
    if load_settings().fault_hook == point:
        os._exit(17)  # no cleanup, no flush: as abrupt as kill -9 at this line
