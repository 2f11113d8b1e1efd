"""The revision guard's client side: every update carries _rev, refused writes run again."""
import pytest
from pymongo import InsertOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.results import BulkWriteResult

from services.common import guarded
from services.common.errors import StaleVersion
from services.common.guarded import GuardedCollection, guard, is_refused_write, with_revision

REFUSED = OperationFailure(
    "[msg_update.go:133 handler.(*Handler).updateDocument] [collection.go:227 "
    "postgresql.(*collection).UpdateAll] ...", code=1)


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr(guarded, "_backoff", lambda attempt: None)


class FakeCollection:
    """Answers each call with the next scripted outcome (an exception or a value)."""
    name = "things"

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def _next(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    update_one = update_many = find_one_and_update = bulk_write = _next


def test_every_update_increments_the_revision_and_keeps_its_own_operators():
    assert with_revision({"$set": {"a": 1}, "$inc": {"n": 2}}) == \
        {"$set": {"a": 1}, "$inc": {"n": 2, "_rev": 1}}
    assert with_revision({}) == {"$inc": {"_rev": 1}}
    # a _rev read with the document and written back is not data: the store counts it
    assert with_revision({"$set": {"a": 1, "_rev": 7}}) == {"$set": {"a": 1}, "$inc": {"_rev": 1}}
    with pytest.raises(TypeError):
        with_revision([{"$set": {"a": 1}}])  # a pipeline cannot be guarded


def test_only_the_stores_refusal_counts_as_a_lost_race():
    assert is_refused_write(REFUSED)
    assert not is_refused_write(OperationFailure("unknown operator $foo", code=2))
    assert not is_refused_write(OperationFailure("something UpdateAll", code=11000))
    assert not is_refused_write(DuplicateKeyError("E11000", code=11000))
    assert not is_refused_write(ValueError("UpdateAll"))


def test_a_refused_update_runs_again_with_the_same_filter():
    raw = FakeCollection([REFUSED, REFUSED, "result"])
    assert GuardedCollection(raw).update_one({"_id": 1, "version": 3}, {"$set": {"a": 1}}) == \
        "result"
    assert len(raw.calls) == 3
    for args, kwargs in raw.calls:
        assert args == ({"_id": 1, "version": 3}, {"$set": {"a": 1}, "$inc": {"_rev": 1}})
        assert kwargs == {"upsert": False}


def test_a_document_that_keeps_changing_ends_as_stale_version_not_a_500():
    raw = FakeCollection([REFUSED] * guarded.ATTEMPTS)
    with pytest.raises(StaleVersion) as stale:
        GuardedCollection(raw).find_one_and_update({"_id": 1}, {"$inc": {"n": 1}})
    assert stale.value.details["collection"] == "things"
    assert len(raw.calls) == guarded.ATTEMPTS


def test_other_errors_are_not_retried():
    raw = FakeCollection([OperationFailure("bad update", code=9), "never"])
    with pytest.raises(OperationFailure):
        GuardedCollection(raw).update_one({"_id": 1}, {"$set": {"a": 1}})
    assert len(raw.calls) == 1


def test_an_upsert_that_lost_the_insert_race_runs_once_more_as_an_update():
    dup = DuplicateKeyError("E11000 duplicate key", code=11000)
    raw = FakeCollection([dup, "updated"])
    assert GuardedCollection(raw).update_one({"_id": 1}, {"$set": {"a": 1}}, upsert=True) == \
        "updated"
    # twice a duplicate: the stored document does not match the filter (a newer read model)
    raw = FakeCollection([dup, dup, "never"])
    with pytest.raises(DuplicateKeyError):
        GuardedCollection(raw).update_one({"_id": 1, "ord": {"$lt": 5}}, {"$set": {"ord": 5}},
                                          upsert=True)
    assert len(raw.calls) == 2
    # a plain update's duplicate key (a unique index) is the caller's to map, not a race
    raw = FakeCollection([dup])
    with pytest.raises(DuplicateKeyError):
        GuardedCollection(raw).update_one({"_id": 1}, {"$set": {"ref": "x"}})


def _done(**counts):
    return BulkWriteResult({"nInserted": 0, "nUpserted": 0, "nMatched": 0, "nModified": 0,
                            "nRemoved": 0, "upserted": [], **counts}, acknowledged=True)


def test_bulk_updates_carry_the_revision_and_only_the_refused_ones_run_again():
    refused = BulkWriteError({"nModified": 1, "writeErrors": [
        {"index": 1, "code": 1, "errmsg": "postgresql.(*collection).UpdateAll"}]})
    raw = FakeCollection([refused, _done(nModified=1)])
    ops = [UpdateOne({"_id": "a"}, {"$set": {"x": 1}}, upsert=True),
           UpdateOne({"_id": "b"}, {"$set": {"x": 2}}), InsertOne({"_id": "c"})]
    assert GuardedCollection(raw).bulk_write(ops, ordered=False).modified_count == 2
    first, second = raw.calls[0][0][0], raw.calls[1][0][0]
    assert [op._doc for op in first[:2]] == [{"$set": {"x": 1}, "$inc": {"_rev": 1}},
                                             {"$set": {"x": 2}, "$inc": {"_rev": 1}}]
    assert len(second) == 1 and second[0]._filter == {"_id": "b"}
    # a real error (here a duplicate insert) is raised, not retried
    duplicate = BulkWriteError({"writeErrors": [{"index": 2, "code": 11000, "errmsg": "dup"}]})
    raw = FakeCollection([duplicate])
    with pytest.raises(BulkWriteError) as raised:
        GuardedCollection(raw).bulk_write(ops, ordered=False)
    assert [e["index"] for e in raised.value.details["writeErrors"]] == [2]
    assert len(raw.calls) == 1
    with pytest.raises(TypeError):
        GuardedCollection(FakeCollection([])).bulk_write([UpdateMany({}, {"$set": {"x": 1}})])


def test_a_large_bulk_write_is_sent_in_chunks_and_answered_as_one():
    """FerretDB 1.24 holds a pool connection per statement of one update command (README)."""
    ops = [UpdateOne({"_id": i}, {"$set": {"x": i}}, upsert=True) for i in range(40)]
    # the second chunk (requests 16..31): its 4th request upserted, its 6th refused and run again
    # alone (then upserted), its 9th (request 24) a real error; unordered, the third chunk still runs
    second = BulkWriteError({"nMatched": 13, "nModified": 13, "nUpserted": 1,
                             "upserted": [{"index": 3, "_id": 19}], "writeErrors": [
                                 {"index": 5, "code": 1, "errmsg": "UpdateAll"},
                                 {"index": 8, "code": 2, "errmsg": "bad"}]})
    raw = FakeCollection([_done(nMatched=16, nModified=16), second,
                          _done(nMatched=8, nModified=8)])
    with pytest.raises(BulkWriteError) as raised:
        GuardedCollection(raw).bulk_write(ops, ordered=False)
    assert [len(args[0]) for args, _ in raw.calls] == [16, 16, 8]
    details = raised.value.details
    assert [e["index"] for e in details["writeErrors"]] == [16 + 5, 16 + 8]
    assert details["upserted"] == [{"index": 19, "_id": 19}]
    assert (details["nMatched"], details["nModified"]) == (37, 37)
    # ordered: a refused write runs again from where it stopped; the chunks after an error are
    # not attempted, as a single ordered bulk write stops at its first error
    raw = FakeCollection([
        _done(nModified=16),
        BulkWriteError({"nModified": 2, "writeErrors": [{"index": 2, "code": 1, "errmsg": "UpdateAll"}]}),
        BulkWriteError({"nModified": 1, "upserted": [{"index": 1, "_id": 19}],
                        "writeErrors": [{"index": 4, "code": 2, "errmsg": "bad"}]})])
    with pytest.raises(BulkWriteError) as raised:
        GuardedCollection(raw).bulk_write(ops, ordered=True)
    assert [len(args[0]) for args, _ in raw.calls] == [16, 16, 14]
    details = raised.value.details
    assert [e["index"] for e in details["writeErrors"]] == [16 + 2 + 4]
    assert details["upserted"] == [{"index": 19, "_id": 19}]
    assert details["nModified"] == 19
    # all well: one result with the sums
    raw = FakeCollection([_done(nModified=16), _done(nModified=16, nUpserted=1, upserted=[
        {"index": 0, "_id": 16}]), _done(nModified=8)])
    result = GuardedCollection(raw).bulk_write(ops)
    assert (result.modified_count, result.upserted_ids) == (40, {16: 16})


class _Updated:
    def __init__(self, matched, upserted_id=None):
        self.matched_count = self.modified_count = matched
        self.upserted_id = upserted_id


def test_an_idempotent_bulk_write_refused_as_a_whole_runs_that_chunk_one_by_one():
    ops = [UpdateOne({"_id": i}, {"$set": {"x": i}}, **({"upsert": True} if i == 17 else {}))
           for i in range(20)]
    # the second chunk (16..19) refused as a whole command; each of its writes runs alone,
    # the first of them refused once more and run again
    raw = FakeCollection([_done(nMatched=16, nModified=16), REFUSED, REFUSED, _Updated(1),
                          _Updated(0, upserted_id=17), _Updated(1), _Updated(0)])
    result = GuardedCollection(raw).bulk_write(ops, ordered=False, idempotent=True)
    assert (result.matched_count, result.upserted_ids) == (18, {17: 17})
    alone = [args for args, _ in raw.calls[2:]]
    assert [a[0] for a in alone] == [{"_id": 16}, {"_id": 16}, {"_id": 17}, {"_id": 18},
                                     {"_id": 19}]
    assert all(a[1] == {"$set": {"x": a[0]["_id"]}, "$inc": {"_rev": 1}} for a in alone)
    assert [kwargs["upsert"] for _, kwargs in raw.calls[2:]] == [False, False, True, False, False]
    # without the option the failure reaches the caller: which writes stood is unknown
    raw = FakeCollection([REFUSED])
    with pytest.raises(OperationFailure):
        GuardedCollection(raw).bulk_write(ops[:4], ordered=False)
    with pytest.raises(TypeError):
        GuardedCollection(FakeCollection([])).bulk_write([InsertOne({"_id": 1})], idempotent=True)


def test_replacements_cannot_bypass_the_guard_and_guard_is_idempotent():
    with pytest.raises(TypeError):
        GuardedCollection(FakeCollection([])).replace_one({"_id": 1}, {"a": 1})
    db = guard(object.__new__(type("Db", (), {})))
    assert guard(db) is db
