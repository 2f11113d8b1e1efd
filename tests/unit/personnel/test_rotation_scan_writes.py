"""The rotation-due scan writes its cases several at a time: every case still counted once."""
from datetime import date, datetime, timezone

import eventlet

from services.common.errors import StaleVersion
from services.personnel.application import jobs

TODAY = date(2026, 5, 4)


class FakeServants:
    """Servants s0..s11: s3 is busy, s4 has no case, s5's case went out already, s6 and s7 lose
    the version race; the others are written (each write yields, as a store round trip does)."""

    def __init__(self):
        self.docs = [{"servant_id": f"s{i}", "version": i + 1} for i in range(12)]
        self.writes, self.in_flight, self.most_in_flight = [], 0, 0

    def due_candidates(self, today):
        assert today == TODAY
        return iter(self.docs)

    def key(self, servant_id):
        return ("servants", servant_id)

    def save_versioned(self, new, version, facts):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        eventlet.sleep(0.01)
        self.in_flight -= 1
        if new["servant_id"] in ("s6", "s7"):
            raise StaleVersion("changed meanwhile", {})
        self.writes.append((new["servant_id"], version, facts))


class FakeEffects:
    def __init__(self, *repos):
        pass

    def busy(self):
        return {("servants", "s3")}


def test_every_case_is_counted_once_and_written_with_its_own_version(monkeypatch):
    servants = FakeServants()
    monkeypatch.setattr(jobs, "PendingEffects", FakeEffects)
    monkeypatch.setattr(jobs.domain, "due_rotation",
                        lambda servant, today, settings: None if servant["servant_id"] == "s4"
                        else {"case": servant["servant_id"]})
    monkeypatch.setattr(jobs.domain, "record_rotation_due",
                        lambda servant, case, now: (dict(servant), [] if case["case"] == "s5"
                                                    else [("rotation_due", case)]))
    monkeypatch.setattr(jobs, "facts_with_region", lambda facts: [(*f, "KZ-11") for f in facts])
    now = datetime(2026, 5, 4, 6, tzinfo=timezone.utc)
    scan = jobs.PersonnelJobs(organisations=None, positions=None, servants=servants,
                              rotations=None, clock=lambda: now)
    report = scan.scan_due_rotations(TODAY)
    assert report == {"today": "2026-05-04", "due": 11, "published": 7, "raced": 2, "busy": 1}
    written = sorted(servants.writes)
    assert [w[0] for w in written] == sorted(["s0", "s1", "s2", "s8", "s9", "s10", "s11"])
    assert all(version == int(sid[1:]) + 1 for sid, version, _ in written)
    assert all(facts == [("rotation_due", {"case": sid}, "KZ-11")] for sid, _, facts in written)
    assert 1 < servants.most_in_flight <= jobs.SCAN_CONCURRENCY
