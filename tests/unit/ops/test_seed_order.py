"""`regionctl seed`: which step waits for which (the hub's steps go where their inputs are)."""
import argparse
import threading
import time

import pytest

from services import regionctl
from services.gateway.console import seed as hub_seed


class Recorder:
    def __init__(self):
        self.log, self.lock = [], threading.Lock()

    def note(self, what):
        with self.lock:
            self.log.append(what)

    def cli(self, area, seconds=0.0, code=0):
        recorder = self

        class Cli:
            @staticmethod
            def seed_command(args, steps=None):
                recorder.note((area, "start", steps))
                time.sleep(seconds)
                recorder.note((area, "end", steps))
                return code
        return Cli


def _run(monkeypatch, only="", seconds=None, codes=None):
    recorder = Recorder()
    seconds = seconds or {}
    clis = {area: recorder.cli(area, seconds.get(area, 0.0), (codes or {}).get(area, 0))
            for area in regionctl.SEED_AREAS}
    monkeypatch.setattr(regionctl, "_seed_clis", lambda: clis)
    args = argparse.Namespace(only=only, seed=None, projects=600, servants=None, rotations=None,
                              today=None, batch_size=None, timeout=None)
    return regionctl._seed(args), recorder.log


def _at(log, entry):
    return log.index(entry)


def test_the_rotation_scan_follows_personnel_and_the_checks_wait_for_every_area(monkeypatch):
    code, log = _run(monkeypatch, seconds={"budgets": 0.3, "personnel": 0.05})
    assert code == 0
    scan_start = _at(log, ("hub", "start", ("rotations",)))
    assert scan_start > _at(log, ("personnel", "end", None))
    # the scan does not wait for budgets, still loading
    assert scan_start < _at(log, ("budgets", "end", None))
    assert _at(log, ("hub", "start", ("srs",))) < _at(log, ("budgets", "end", None))
    checks = _at(log, ("hub", "start", ("checks",)))
    assert checks > max(_at(log, (a, "end", None)) for a in regionctl.INDEPENDENT_SEED_AREAS)
    assert checks > _at(log, ("hub", "end", ("rotations",)))
    assert [entry for entry in log if entry[0] == "hub" and entry[1] == "start"] == [
        ("hub", "start", ("srs",)), ("hub", "start", ("rotations",)),
        ("hub", "start", ("checks",))]


def test_without_personnel_the_hub_scans_beside_the_other_areas(monkeypatch):
    code, log = _run(monkeypatch, only="budgets,hub", seconds={"budgets": 0.2})
    assert code == 0
    assert _at(log, ("hub", "end", ("srs", "rotations"))) < _at(log, ("budgets", "end", None))
    assert _at(log, ("hub", "start", ("checks",))) > _at(log, ("budgets", "end", None))


def test_the_hub_alone_runs_its_steps_in_their_order_and_a_failure_sets_the_exit_code(
        monkeypatch):
    code, log = _run(monkeypatch, only="hub")
    assert [e[2] for e in log if e[1] == "start"] == [("srs", "rotations"), ("checks",)]
    code, _ = _run(monkeypatch, only="personnel,hub", codes={"personnel": 1})
    assert code == 1


class FakeGateway:
    def __init__(self):
        self.calls = []

    def call(self, method, path, **kwargs):
        self.calls.append((method, path))
        if path == "/api/v1/hub/checks":
            return {"opened": ["i1", "i2"]}
        if method == "GET":
            return {"items": [{"id": "i1", "status": "open", "version": 1},
                              {"id": "i2", "status": "open", "version": 1}]}
        return {}


def test_hub_seed_steps_do_only_what_they_name(monkeypatch):
    scans = []
    monkeypatch.setattr(hub_seed, "scan_due_rotations", lambda: scans.append(1))
    gateway = FakeGateway()
    hub_seed.seed_hub(gateway, seed=2025, today=__import__("datetime").date(2026, 5, 1),
                      steps=("srs",))
    assert {m for m, _ in gateway.calls} == {"PUT"} and len(gateway.calls) == 20 and not scans
    gateway = FakeGateway()
    done = hub_seed.seed_hub(gateway, seed=2025, today=None, steps=("rotations", "checks"))
    assert scans == [1]
    assert done == {"opened": 2, "moved": 2}
    assert [m for m, _ in gateway.calls] == ["POST", "GET", "PATCH", "PATCH"]
    with pytest.raises(ValueError, match="unknown hub seed steps"):
        hub_seed.seed_hub(gateway, seed=2025, today=None, steps=("everything",))
