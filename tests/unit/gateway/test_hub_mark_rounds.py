"""The region totals' dirty marks of concurrent event handlers, written in rounds: every caller
returns only once a round that began after its request is stored, each round increments each
region once, and a failed round fails every caller of it (their messages are retried)."""
import eventlet
from pymongo.errors import AutoReconnect

from services.gateway.hub.region_totals_repository import MARKS, MarkRounds


class FakeTotals:
    def __init__(self, fail=None):
        self.rounds, self.seq, self.fail = [], {}, fail

    def update_one(self, filter_, update, upsert=False):
        # one write of the marks document per round, each region of the round incremented once
        assert filter_ == {"_id": MARKS} and upsert and set(update) == {"$inc"}
        assert set(update["$inc"].values()) == {1}
        self.rounds.append(set(update["$inc"]))
        eventlet.sleep(0.01)  # a store round trip: later callers gather meanwhile
        if self.fail:
            raise self.fail
        for code in update["$inc"]:
            self.seq[code] = self.seq.get(code, 0) + 1


def _mark_all(rounds, requests):
    outcome = {}

    def one(n, codes):
        try:
            rounds.mark(codes)
            outcome[n] = dict(rounds.collection.seq)  # what was stored when this caller returned
        except Exception as exc:  # noqa: BLE001
            outcome[n] = exc

    pool = eventlet.GreenPool()
    for n, codes in enumerate(requests):
        pool.spawn(one, n, codes)
    pool.waitall()
    return outcome


def test_concurrent_marks_share_rounds_and_each_caller_sees_its_regions_marked():
    totals = FakeTotals()
    requests = [["KZ-75"], ["KZ-75", "KZ-11"], ["KZ-79"], ["KZ-75"]] * 5
    outcome = _mark_all(MarkRounds(totals), requests)
    assert len(totals.rounds) < len(requests)  # the first alone, the rest gathered behind it
    for n, codes in enumerate(requests):
        assert all(outcome[n].get(code, 0) >= 1 for code in codes)
    # one increment per region per round, however many callers asked in that round
    assert totals.seq["KZ-75"] == sum("KZ-75" in r for r in totals.rounds)
    assert totals.seq["KZ-75"] < sum(codes.count("KZ-75") for codes in requests)


def test_a_mark_asked_during_a_round_waits_for_the_next_one():
    totals = FakeTotals()
    rounds = MarkRounds(totals)
    first = eventlet.spawn(rounds.mark, ["KZ-75"])
    eventlet.sleep(0.001)  # the first round is under way
    rounds.mark(["KZ-75"])
    first.wait()
    # the second request came after the first round began: its own round increments again
    assert totals.seq["KZ-75"] == 2 and len(totals.rounds) == 2


def test_a_failed_round_fails_every_caller_of_it_and_the_next_round_runs():
    totals = FakeTotals(fail=AutoReconnect("store away"))
    rounds = MarkRounds(totals)
    outcome = _mark_all(rounds, [["KZ-75"], ["KZ-11"], ["KZ-75"]])
    assert all(isinstance(v, AutoReconnect) for v in outcome.values())
    totals.fail = None
    rounds.mark(["KZ-11"])
    assert totals.seq == {"KZ-11": 1}
