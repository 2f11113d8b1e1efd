"""Two replicas of every service (tests/fault/conftest.py: REPLICAS = 2), writers racing on the same
aggregates, and one replica of each service killed with kill -9 in the middle of the stream.

FerretDB applies an update as a read then a write of the whole document: without the store's
revision guard (deploy/local/store_guard.sql) two investments processes both accept a PATCH with
the same expected_version and one acknowledged write vanishes. Here every version is won once, the
losers get 409, and each stored version reaches the hub's journal exactly once.
"""
import os
import signal
import time
import uuid
from collections import Counter

import eventlet
import pytest
import requests
from kombu import Connection, Queue

from services.investments.application.demo_data import generate_projects
from tests.support.fault_infra import HANG_GUARD_SECONDS, wait_for
from tests.support.fault_ledger import REPORTS, LedgerReport

pytestmark = [pytest.mark.fault, pytest.mark.timeout(HANG_GUARD_SECONDS)]

ROUNDS, CONTENDERS = 4, 16
CREATES, SHARED, PATCHERS = 160, 3, 6


def _consumers(amqp_uri: str, queue: str) -> int:
    with Connection(amqp_uri, connect_timeout=2) as conn:
        return Queue(queue, channel=conn.default_channel).queue_declare(passive=True).consumer_count


def _create(platform, headers, body) -> str:
    created = requests.post(f"{platform.base_url}/api/v1/projects", json=body, headers=headers,
                            timeout=30)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _updates(journal, project_id) -> list[dict]:
    return list(journal.find({"event_type": "project_updated", "payload.project_id": project_id}))


def test_replicas_racing_on_one_project_have_one_winner_per_version(fault_platform):
    platform = fault_platform
    started = time.monotonic()
    assert _consumers(platform.env["AMQP_URI"], "rpc-investments") == 2  # both replicas serve
    headers = platform.headers("admin")
    project_id = _create(platform, headers, generate_projects(1, seed=uuid.uuid4().int % 10_000)[0])
    winners, refused = [], Counter()

    def patch(args):
        title, expected = args
        return title, requests.patch(f"{platform.base_url}/api/v1/projects/{project_id}",
                                     json={"title": title, "expected_version": expected},
                                     headers=headers, timeout=30)
    pool = eventlet.GreenPool(CONTENDERS)
    for round_ in range(ROUNDS):
        expected = round_ + 1
        titles = [f"Round {expected} contender {n} {uuid.uuid4().hex[:6]}" for n in range(CONTENDERS)]
        answers = list(pool.imap(patch, [(t, expected) for t in titles]))
        won = [title for title, answer in answers if answer.status_code == 200]
        for _, answer in answers:
            if answer.status_code == 409:
                refused[answer.json()["error"]] += 1
        assert len(won) == 1, [(t, a.status_code, a.text[:120]) for t, a in answers]
        assert sorted(a.status_code for _, a in answers) == [200] + [409] * (CONTENDERS - 1)
        winners.extend(won)
    assert refused == {"stale_version": ROUNDS * (CONTENDERS - 1)}

    stored = requests.get(f"{platform.base_url}/api/v1/projects/{project_id}", headers=headers,
                          timeout=30).json()
    assert stored["version"] == ROUNDS + 1 and stored["title"] == winners[-1]
    journal, hub = platform.db("gateway").journal, platform.db("gateway").hub_projects
    wait_for(lambda: len(_updates(journal, project_id)) >= ROUNDS, 30, "every update journaled")
    wait_for(lambda: (hub.find_one({"_id": project_id}) or {}).get("version") == ROUNDS + 1, 30,
             "the hub's read model at the last version")
    time.sleep(2)  # a duplicate would be in by now
    events = _updates(journal, project_id)
    titles = [e["payload"]["title"] for e in events]
    report = LedgerReport(
        "e. 2 investments replicas, one project, same expected_version", len(winners),
        len(set(winners) & set(titles)), len(set(winners) - set(titles)),
        len(titles) - len(set(titles)) + len(set(titles) - set(winners)), len(events), 0,
        time.monotonic() - started,
        [f"{ROUNDS} rounds x {CONTENDERS} PATCHes: one 200 per round, "
         f"{sum(refused.values())} answered 409 stale_version",
         f"hub read model at version {hub.find_one({'_id': project_id})['version']}"])
    REPORTS.append(report)
    print(report.line())
    assert sorted(titles) == sorted(winners)
    assert report.lost == 0 and report.duplicated == 0


class ReplicaLoad:
    """Creates (each project once, by a unique external_ref) and read-modify-write PATCHes of a
    few shared projects, answers recorded as they come."""

    def __init__(self, platform, shared: list[str]):
        self.platform = platform
        self.headers = platform.headers("admin")
        self.bodies = generate_projects(CREATES, seed=uuid.uuid4().int % 10_000)
        self.pending = list(self.bodies)
        self.shared = shared
        self.created: dict[str, str] = {}  # external_ref -> id, answered 201
        self.create_answers = Counter()
        self.acked: dict[str, list[str]] = {p: [] for p in shared}  # titles answered 200
        self.unknown: dict[str, list[str]] = {p: [] for p in shared}  # no answer / 503
        self.conflicted: dict[str, list[str]] = {p: [] for p in shared}  # answered 409
        self.patch_answers = Counter()
        self.running = True

    def _url(self, path: str) -> str:
        return self.platform.base_url + path

    def creator(self):
        while self.running and self.pending:
            body = self.pending.pop()
            try:
                answer = requests.post(self._url("/api/v1/projects"), json=body,
                                       headers=self.headers, timeout=30)
            except requests.RequestException as exc:
                self.create_answers[type(exc).__name__] += 1
                continue
            self.create_answers[answer.status_code] += 1
            if answer.status_code == 201:
                self.created[body["external_ref"]] = answer.json()["id"]
            eventlet.sleep(0.05)

    def patcher(self, n: int):
        sequence = 0
        while self.running:
            project_id = self.shared[(n + sequence) % len(self.shared)]
            sequence += 1
            title = f"Patcher {n} change {sequence} {uuid.uuid4().hex[:6]}"
            try:
                current = requests.get(self._url(f"/api/v1/projects/{project_id}"),
                                       headers=self.headers, timeout=30)
                if current.status_code != 200:
                    self.patch_answers[f"read {current.status_code}"] += 1
                    continue
                answer = requests.patch(
                    self._url(f"/api/v1/projects/{project_id}"), headers=self.headers, timeout=30,
                    json={"title": title, "expected_version": current.json()["version"]})
            except requests.RequestException as exc:
                self.patch_answers[type(exc).__name__] += 1
                self.unknown[project_id].append(title)
                continue
            self.patch_answers[answer.status_code] += 1
            if answer.status_code == 200:
                self.acked[project_id].append(title)
            elif answer.status_code == 409:
                self.conflicted[project_id].append(title)
            elif answer.status_code != 409:  # 503: the outcome is unknown to the caller
                self.unknown[project_id].append(title)
            eventlet.sleep(0.02)


def test_kill9_one_replica_of_each_service_mid_stream_loses_and_duplicates_nothing(
        fault_platform):
    platform = fault_platform
    started = time.monotonic()
    headers = platform.headers("admin")
    shared = [_create(platform, headers, body)
              for body in generate_projects(SHARED, seed=uuid.uuid4().int % 10_000)]
    load = ReplicaLoad(platform, shared)
    pool = eventlet.GreenPool()
    for _ in range(3):
        pool.spawn_n(load.creator)
    for n in range(PATCHERS):
        pool.spawn_n(load.patcher, n)

    wait_for(lambda: len(load.created) >= 30, 120, "30 projects created")
    victims = {name: pid for name, pid in platform.pids().items() if name.endswith("-2")}
    assert sorted(victims) == ["budgets-2", "gateway-2", "investments-2", "personnel-2"]
    for pid in victims.values():
        os.kill(pid, signal.SIGKILL)
    killed_at = len(load.created), sum(map(len, load.acked.values()))
    eventlet.sleep(2)  # writes keep coming while they are down
    restarted = eventlet.spawn(platform.script, "up").wait()  # starts the missing replicas
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    wait_for(lambda: not load.pending or len(load.created) >= killed_at[0] + 60, 150,
             "60 more projects created after the restart")
    load.running = False
    pool.waitall()
    after = platform.pids()
    assert all(after[name] != pid and os.path.exists(f"/proc/{after[name]}")
               for name, pid in victims.items())
    # /health is green with one replica of each; the restarted one consumes a moment later
    wait_for(lambda: _consumers(platform.env["AMQP_URI"], "rpc-investments") == 2, 60,
             "the restarted investments replica consuming")

    gateway, investments = platform.db("gateway"), platform.db("investments")
    journal, hub = gateway.journal, gateway.hub_projects
    refs = [b["external_ref"] for b in load.bodies]
    stored = {d["external_ref"]: d for d in investments.projects.find(
        {"external_ref": {"$in": refs}}, {"external_ref": 1, "version": 1, "_outbox": 1})}
    wait_for(lambda: journal.count_documents({"event_type": "project_registered",
                                              "payload.external_ref": {"$in": refs}})
             >= len(stored), 90, "every stored project journaled")
    shared_docs = {p: investments.projects.find_one({"_id": p}) for p in shared}
    wait_for(lambda: all(len(_updates(journal, p)) >= shared_docs[p]["version"] - 1
                         for p in shared), 90, "every stored update journaled")
    wait_for(lambda: all((hub.find_one({"_id": p}) or {}).get("version") == d["version"]
                         for p, d in shared_docs.items()), 60, "hub read models converged")
    time.sleep(3)  # a second publication would be in by now

    registered = [d["payload"]["external_ref"] for d in journal.find(
        {"event_type": "project_registered", "payload.external_ref": {"$in": refs}})]
    per_ref = Counter(registered)
    lost_creates = [ref for ref in load.created if ref not in stored or per_ref[ref] == 0]
    duplicated_creates = sum(n - 1 for n in per_ref.values()) + sum(
        1 for ref in per_ref if ref not in stored)
    lost_patches, duplicated_patches, unconfirmed_kept, conflicted_kept, updates = 0, 0, 0, 0, 0
    for project_id in shared:
        titles = [e["payload"]["title"] for e in _updates(journal, project_id)]
        updates += len(titles)
        kept = set(titles)
        lost_patches += len(set(load.acked[project_id]) - kept)
        duplicated_patches += len(titles) - len(kept)
        # a stored change is an acknowledged PATCH or one whose answer never came (killed
        # replica); or one answered 409: the killed replica wrote it and died before its reply
        # and its ack, the request went to the other replica, which found the version moved on
        unconfirmed_kept += len(kept & set(load.unknown[project_id]))
        conflicted_kept += len(kept & set(load.conflicted[project_id]))
        assert kept <= (set(load.acked[project_id]) | set(load.unknown[project_id])
                        | set(load.conflicted[project_id]))
        assert len(titles) == shared_docs[project_id]["version"] - 1  # each version once
    confirmed = len(load.created) + sum(map(len, load.acked.values()))
    report = LedgerReport(
        "f. kill -9 one replica of each service mid-stream (2 of each)", confirmed,
        confirmed - len(lost_creates) - lost_patches, len(lost_creates) + lost_patches,
        duplicated_creates + duplicated_patches, len(registered) + updates, 0,
        time.monotonic() - started,
        [f"killed {', '.join(sorted(victims))} after {killed_at[0]} creates and {killed_at[1]} "
         "PATCHes acknowledged",
         f"creates {dict(load.create_answers)}", f"PATCHes {dict(load.patch_answers)}",
         f"{unconfirmed_kept} unanswered and {conflicted_kept} 409-answered PATCHes kept "
         "(each once; see the comment above)",
         f"{len(stored) - len(load.created)} projects stored without a 201 (each journaled once)"])
    REPORTS.append(report)
    print(report.line())
    assert report.lost == 0 and report.duplicated == 0
    assert all(d["_outbox"] == [] for d in stored.values())
    assert not {k for k in load.create_answers if k not in (201, 409, 503)
                and not isinstance(k, str)}, load.create_answers  # never a 500
    assert not {k for k in load.patch_answers if isinstance(k, int) and k not in (200, 409, 503)}, \
        load.patch_answers
    assert load.patch_answers[409] > 0  # the patchers did race each other
