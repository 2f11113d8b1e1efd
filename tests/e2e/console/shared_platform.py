"""One seeded platform for the console's two browsers when they run as two pytest processes.

`make test` runs the Chromium and the Firefox journeys side by side (tests/run_suites.sh), each in a
pytest process of its own, and names a folder in CONSOLE_SHARED_PLATFORM for both. Starting and
seeding a platform is the longest step of the console suite, and the journeys only read what the
seed wrote (each test makes its own objects under names of its own), so both use one platform:

- the first process to take the folder's lock starts and seeds it and records its environment;
  the other waits on the lock, then uses the recorded platform;
- each process counts itself in and out; the one that started the platform stops it, after the
  other has counted itself out (bounded: a process that died does not hold it forever).
A seed that failed leaves no record, so the other process tries on its own and fails on its own.
"""
import fcntl
import json
import os
import time
from contextlib import contextmanager

from tests.e2e.conftest import Platform

STATE = "platform.json"
USERS_WAIT_SECONDS = 1800  # the other browser's whole journey, on a loaded machine


@contextmanager
def _locked(folder: str):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(folder: str) -> dict | None:
    try:
        with open(os.path.join(folder, STATE)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write(folder: str, state: dict | None) -> None:
    path = os.path.join(folder, STATE)
    if state is None:
        if os.path.exists(path):
            os.remove(path)
        return
    with open(path + ".new", "w") as f:
        json.dump(state, f)
    os.replace(path + ".new", path)


@contextmanager
def shared_seeded_platform(folder: str, start_and_seed):
    """``start_and_seed()`` is a context manager yielding a seeded Platform; it runs in at most one
    of the processes naming ``folder``, and its platform is left running until all are done."""
    owner = None
    with _locked(folder):
        state = _read(folder)
        if state is None:
            owner = start_and_seed()
            platform = owner.__enter__()
            _write(folder, {"env": platform.env, "base_url": platform.base_url, "users": 1,
                            "owner_pid": os.getpid()})
        else:
            state["users"] += 1
            _write(folder, state)
            platform = Platform(state["env"], state["base_url"])
    try:
        yield platform
    finally:
        with _locked(folder):
            state = _read(folder)
            state["users"] -= 1
            _write(folder, state)
        if owner is not None:
            deadline = time.monotonic() + USERS_WAIT_SECONDS
            while time.monotonic() < deadline and (_read(folder) or {}).get("users", 0) > 0:
                time.sleep(1)
            with _locked(folder):
                _write(folder, None)
            owner.__exit__(None, None, None)
