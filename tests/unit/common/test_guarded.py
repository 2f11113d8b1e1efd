"""The revision guard's client side: every update carries _rev, refused writes run again."""
import pytest
from pymongo import InsertOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

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


def test_bulk_updates_carry_the_revision_and_only_the_refused_ones_run_again():
    refused = BulkWriteError({"writeErrors": [
        {"index": 1, "code": 1, "errmsg": "postgresql.(*collection).UpdateAll"}]})
    raw = FakeCollection([refused, "done"])
    ops = [UpdateOne({"_id": "a"}, {"$set": {"x": 1}}, upsert=True),
           UpdateOne({"_id": "b"}, {"$set": {"x": 2}}), InsertOne({"_id": "c"})]
    assert GuardedCollection(raw).bulk_write(ops, ordered=False) == "done"
    first, second = raw.calls[0][0][0], raw.calls[1][0][0]
    assert [op._doc for op in first[:2]] == [{"$set": {"x": 1}, "$inc": {"_rev": 1}},
                                             {"$set": {"x": 2}, "$inc": {"_rev": 1}}]
    assert len(second) == 1 and second[0]._filter == {"_id": "b"}
    # a real error (here a duplicate insert) is raised, not retried
    duplicate = BulkWriteError({"writeErrors": [{"index": 2, "code": 11000, "errmsg": "dup"}]})
    raw = FakeCollection([duplicate])
    with pytest.raises(BulkWriteError):
        GuardedCollection(raw).bulk_write(ops, ordered=False)
    with pytest.raises(TypeError):
        GuardedCollection(FakeCollection([])).bulk_write([UpdateMany({}, {"$set": {"x": 1}})])


def test_replacements_cannot_bypass_the_guard_and_guard_is_idempotent():
    with pytest.raises(TypeError):
        GuardedCollection(FakeCollection([])).replace_one({"_id": 1}, {"a": 1})
    db = guard(object.__new__(type("Db", (), {})))
    assert guard(db) is db
