"""The store holds its guarantees across OS processes, and its indexes serve the platform's filters.

Several processes race on one document through the platform's own write paths: version-guarded
replaces (what every command does), counters, and the outbox's push of new events against the
relay's removal of sent ones. Every acknowledged write must be in the document afterwards, nothing
twice. On FerretDB 1.24 without the guard of deploy/local/store_guard.sql these lose writes (see
README, "The store"); on MongoDB they hold by its atomic single-document updates.
"""
import multiprocessing
import os
import queue
import time
import traceback
import uuid

import pymongo
import pytest
from pymongo import UpdateOne, monitoring
from pymongo.errors import BulkWriteError, OperationFailure

from services.common.errors import StaleVersion
from services.common.guarded import STATEMENTS_PER_COMMAND, guard, is_refused_write
from services.common.mongo import Repository
from tests.support.store import backend, collection_table, psql

PROCESSES = 4
ROUNDS = 60


class RaceDocs(Repository):
    collection_name = "race_docs"


def _client(uri):
    return pymongo.MongoClient(uri, tz_aware=True, uuidRepresentation="standard")


def _versioned_writer(uri, db_name, worker, rounds, out):
    """Read, append one mark, save at the version read; count what was acknowledged."""
    repo = RaceDocs(_client(uri)[db_name])
    acked = refused = 0
    for i in range(rounds):
        doc = repo.get("one")
        try:
            repo.save_versioned({**doc, "marks": doc["marks"] + [f"{worker}:{i}"]}, doc["version"])
            acked += 1
        except StaleVersion:
            refused += 1
    out.put(("versioned", acked, refused))


def _until_written(write):
    """Run ``write`` again after StaleVersion, as the platform's callers do (a handler or the
    relay retries; a command answers 409 and its client retries); returns the refusals seen."""
    refused = 0
    while True:
        try:
            write()
            return refused
        except StaleVersion:
            refused += 1


def _counter(uri, db_name, rounds, out):
    db = guard(_client(uri)[db_name])
    refused = sum(_until_written(lambda: db.counters.update_one(
        {"_id": "c"}, {"$inc": {"n": 1}}, upsert=True)) for _ in range(rounds))
    out.put(("counter", rounds, refused))


def _pusher(uri, db_name, worker, rounds, out):
    db = guard(_client(uri)[db_name])
    refused = sum(_until_written(lambda i=i: db.outboxes.update_one(
        {"_id": "o"}, {"$push": {"_outbox": {"event_id": f"{worker}:{i}"}}}))
        for i in range(rounds))
    out.put(("pushed", rounds, refused))


def _puller(uri, db_name, expected, deadline, out):
    """The relay's removal of a sent entry: $pull of exactly that entry, filter on _id only. Like
    the relay, it tries an entry again later when its pull lost every guarded attempt to the
    pushers (StaleVersion)."""
    db = guard(_client(uri)[db_name])
    pulled = []
    while len(pulled) < expected and time.monotonic() < deadline:
        doc = db.outboxes.find_one({"_id": "o"}) or {}
        for entry in doc.get("_outbox", [])[:5]:
            try:
                result = db.outboxes.update_one({"_id": "o"}, {"$pull": {"_outbox": entry}})
            except StaleVersion:
                continue
            if result.modified_count:
                pulled.append(entry["event_id"])
    out.put(("pulled", pulled, 0))


def _reporting(fn, args, out):
    """Run one racer; an exception is reported with its traceback rather than lost with the child."""
    try:
        fn(*args, out)
    except BaseException:
        out.put(("error", traceback.format_exc(), 0))
        raise


def _run(targets, timeout=240):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_reporting, args=(fn, args, out)) for fn, args in targets]
    for p in procs:
        p.start()
    results, deadline = [], time.monotonic() + timeout
    try:
        while len(results) < len(procs):
            try:
                results.append(out.get(timeout=1))
            except queue.Empty:
                silent = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
                if len(results) + len(silent) >= len(procs) or time.monotonic() > deadline:
                    pytest.fail(f"{len(procs) - len(results)} racers gave no result within "
                                f"{timeout}s (exit codes {[p.exitcode for p in procs]})")
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    errors = [r[1] for r in results if r[0] == "error"]
    assert not errors, "a racer failed:\n" + "\n".join(errors)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return results


@pytest.fixture
def race_db(db_prefix):
    uri = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
    client = _client(uri)
    db = client[f"{db_prefix}_race_{uuid.uuid4().hex[:6]}"]
    kind = backend(db)
    if kind == "ferretdb-other":
        pytest.skip("FerretDB on SQLite (STORE_BACKEND=sqlite) has no revision guard: "
                    "it is not safe with more than one process per service")
    yield uri, db, kind
    client.drop_database(db.name)


def test_versioned_writes_of_several_processes_are_exact(race_db):
    uri, db, _ = race_db
    RaceDocs(db).save_new({"_id": "one", "marks": []})
    results = _run([(_versioned_writer, (uri, db.name, w, ROUNDS)) for w in range(PROCESSES)])
    acked = sum(r[1] for r in results)
    refused = sum(r[2] for r in results)
    doc = db.race_docs.find_one({"_id": "one"})
    print(f"versioned race: {acked} acknowledged, {refused} refused (StaleVersion), "
          f"{len(doc['marks'])} kept, version {doc['version']}")
    assert acked + refused == PROCESSES * ROUNDS
    assert acked > 0
    assert len(doc["marks"]) == acked == doc["version"] - 1
    assert len(set(doc["marks"])) == acked


def test_counters_and_outbox_push_against_pull_lose_nothing(race_db):
    uri, db, _ = race_db
    db.outboxes.insert_one({"_id": "o", "_outbox": []})
    deadline = time.monotonic() + 20
    results = _run([(_counter, (uri, db.name, ROUNDS)) for _ in range(2)]
                   + [(_pusher, (uri, db.name, w, ROUNDS)) for w in range(2)]
                   + [(_puller, (uri, db.name, 2 * ROUNDS, deadline))])
    pulled = next(r[1] for r in results if r[0] == "pulled")
    left = [e["event_id"] for e in db.outboxes.find_one({"_id": "o"})["_outbox"]]
    pushed = {f"{w}:{i}" for w in range(2) for i in range(ROUNDS)}
    print(f"outbox race: {len(pushed)} pushed, {len(pulled)} pulled, {len(left)} left; "
          f"counter {db.counters.find_one({'_id': 'c'})['n']} of {2 * ROUNDS}")
    assert db.counters.find_one({"_id": "c"})["n"] == 2 * ROUNDS
    assert len(pulled) == len(set(pulled))  # nothing removed twice
    assert set(pulled) | set(left) == pushed and not set(pulled) & set(left)


def test_the_store_refuses_an_update_that_does_not_carry_the_revision(race_db):
    _, db, kind = race_db
    if kind != "ferretdb-postgresql":
        pytest.skip("the revision trigger is part of the local store (FerretDB on PostgreSQL)")
    db.plain.insert_one({"_id": "p", "n": 1})
    with pytest.raises(OperationFailure) as refused:
        db.plain.update_one({"_id": "p"}, {"$set": {"n": 2}})  # unguarded: no $inc of _rev
    assert is_refused_write(refused.value)
    assert db.plain.find_one({"_id": "p"})["n"] == 1
    guard(db).plain.update_one({"_id": "p"}, {"$set": {"n": 2}})
    assert db.plain.find_one({"_id": "p"}) == {"_id": "p", "n": 2, "_rev": 1}


def _plan(table: str, field: str, value_json: str, settings: str = "") -> str:
    # The statement FerretDB 1.24 sends for a top-level equality (internal/backends/postgresql/
    # query.go): the field is a parameter, so only a custom plan can match an expression index.
    return psql(f"{settings}PREPARE q(text, jsonb) AS SELECT _jsonb FROM {table} "
                f"WHERE _jsonb -> $1 @> $2; EXPLAIN (COSTS OFF) EXECUTE q('{field}', '{value_json}')")


def test_declared_indexes_serve_equality_filters_and_lookups_by_id(race_db):
    _, db, kind = race_db
    if kind != "ferretdb-postgresql":
        pytest.skip("expression indexes are part of the local store (FerretDB on PostgreSQL)")
    projects = db.projects
    projects.create_index([("region_code", 1), ("stage", 1), ("updated_at", -1)])
    projects.insert_many([{"_id": f"p{i}", "region_code": f"KZ-{i % 200}",
                           "stage": ("planned", "active", "done")[i % 3], "n": i}
                          for i in range(4000)])
    psql(f"ANALYZE {collection_table(db, 'projects')}")
    table = collection_table(db, "projects")
    by_id = _plan(table, "_id", '"p77"')
    by_region = _plan(table, "region_code", '"KZ-7"')
    # a third of the table: a scan is the better plan, but the index is there to be chosen
    by_stage = _plan(table, "stage", '"active"', "SET enable_seqscan = off; ")
    unindexed = _plan(table, "n", "77", "SET enable_seqscan = off; ")
    print("EXPLAIN by _id:\n" + by_id + "\nEXPLAIN by region_code:\n" + by_region)
    assert "Bitmap Index Scan on gin_" in by_id
    assert "Bitmap Index Scan on gin_" in by_region
    assert "Bitmap Index Scan on gin_" in by_stage
    assert "Seq Scan" in unindexed and "Index" not in unindexed  # no index on undeclared fields
    # and through the wire protocol the answers are the same as without the index
    assert projects.find_one({"_id": "p77"})["n"] == 77
    assert projects.count_documents({"region_code": "KZ-7", "stage": "active"}) == \
        sum(1 for i in range(4000) if i % 200 == 7 and i % 3 == 1)


def test_a_settlement_unit_is_rewritten_under_the_guard(race_db):
    """A unit imported again with new figures replaces the stored one (an update that carries
    the storage revision, so the local store's guard accepts it)."""
    from services.gateway.hub.settlements_repository import SettlementRepository
    _, db, _ = race_db
    repo = SettlementRepository(db)
    unit = {"kato": "751000000", "region_code": "KZ-75", "kind": "city", "name_ru": "Алматы",
            "name_kk": "Алматы", "parent_kato": None, "urban_population": 2_000_000,
            "rural_population": 0, "population_year": 2025, "population_source": "stat.gov.kz",
            "flags": [], "agglomeration": None}
    for population, outcome in ((2_000_000, "inserted"), (2_100_000, "updated")):
        staged, write = repo.stage_unit({**unit, "urban_population": population},
                                        {"file": "units.csv"})
        assert staged == outcome
        repo.write([write])
        assert repo.get_unit("751000000")["urban_population"] == population
    assert repo.stage_unit({**unit, "urban_population": 2_100_000}, {"file": "x"})[0] == "unchanged"


class _UpdateStatements(monitoring.CommandListener):
    """The number of statements of every ``update`` command sent to the store."""

    def __init__(self):
        self.sizes = []

    def started(self, event):
        if event.command_name == "update":
            self.sizes.append(len(event.command["updates"]))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_a_bulk_write_reaches_the_store_a_few_statements_per_command(race_db):
    """FerretDB 1.24 holds a pool connection per statement of an update command until the command
    ends: a bulk write of more statements than its pool froze the whole store. The guard sends
    them in chunks, and the caller still sees one bulk write (counts, upserted ids and the
    failed write's index are those of its own list: tests/unit/common/test_guarded.py)."""
    uri, db, _ = race_db
    statements = _UpdateStatements()
    client = pymongo.MongoClient(uri, tz_aware=True, uuidRepresentation="standard",
                                 event_listeners=[statements])
    docs = guard(client[db.name]).bulk_docs
    docs.insert_many([{"_id": i, "n": 0} for i in range(0, 40, 2)])
    result = docs.bulk_write([UpdateOne({"_id": i}, {"$set": {"n": 1}}, upsert=True)
                              for i in range(40)], ordered=False)
    assert (result.matched_count, result.upserted_count) == (20, 20)
    # (MongoDB gives each upsert its request's index; FerretDB 1.24 numbers them 0, 1, 2 ...)
    assert sorted(result.upserted_ids.values()) == list(range(1, 40, 2))
    assert sorted(statements.sizes) == [8, 16, 16] and STATEMENTS_PER_COMMAND == 16
    assert [d["n"] for d in db.bulk_docs.find().sort("_id", 1)] == [1] * 40
