"""Rate limits across gateway processes: each charges its buckets with what the others admitted,
learnt from one store document per process and interval (edge/shared_limits.py)."""
import pytest

from services.gateway.edge.ratelimit import RateLimiter
from services.gateway.edge.shared_limits import (
    KEPT_INTERVALS,
    STALE_SECONDS,
    SharedCounts,
    share_seconds,
)


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class MemoryRepository:
    """The store's side, as ReplicaCountsRepository answers it; counts the writes."""

    def __init__(self):
        self.documents = {}
        self.writes = 0

    def publish(self, process_id, at, intervals):
        self.writes += 1
        self.documents[process_id] = {"_id": process_id, "at": at,
                                      "intervals": [[seq, [list(c) for c in counts]]
                                                    for seq, counts in intervals]}

    def others(self, process_id, since):
        return [dict(d) for pid, d in self.documents.items() if pid != process_id and d["at"] >= since]

    def forget(self, process_id):
        self.documents.pop(process_id, None)


def process(name, clock, store, rate=10, burst=10):
    limiter = RateLimiter(rate_per_second=rate, burst=burst, clock=clock)
    return limiter, SharedCounts({"credential": limiter}, store, process_id=name, clock=clock)


def admit(limiter, shared, key):
    allowed, _ = limiter.check(key)
    if allowed:
        shared.admitted("credential", key)
    return allowed


def test_two_processes_hold_one_limit_within_the_stated_tolerance():
    clock, store = FakeClock(), MemoryRepository()
    rate, burst, share = 10, 10, 1.0
    (a, a_shared), (b, b_shared) = (process(n, clock, store, rate, burst) for n in "ab")
    admitted, seconds, step = 0, 20, 0.01
    ticks = int(seconds / step)
    for tick in range(ticks):  # each process offered 100 requests a second for 20 s
        admitted += admit(a, a_shared, "k") + admit(b, b_shared, "k")
        clock.advance(step)
        if tick % int(share / step) == 0:
            a_shared.exchange()
            b_shared.exchange()
    alone = 2 * (burst + rate * seconds)  # what two unaware processes would admit
    combined = burst + rate * seconds
    tolerance = burst + 2 * rate * share  # (N - 1) × (burst + 2 × rate × T), the module's
    assert combined <= admitted <= combined + tolerance, (admitted, combined, alone)
    assert admitted < alone - burst
    assert store.writes == 2 * (ticks // int(share / step))  # one write per process per interval


def test_a_reader_that_looks_late_misses_no_interval_and_charges_none_twice():
    clock, store = FakeClock(), MemoryRepository()
    writer_limiter, writer = process("w", clock, store, rate=1, burst=100)
    reader_limiter, reader = process("r", clock, store, rate=1, burst=100)
    reader.exchange()  # sees nobody yet
    for _ in range(3):  # three intervals of 5 admitted, the reader not looking
        for _ in range(5):
            admit(writer_limiter, writer, "k")
        writer.exchange()
    assert reader.exchange() == 5  # first sight of the writer: its latest interval only
    for _ in range(KEPT_INTERVALS):
        for _ in range(2):
            admit(writer_limiter, writer, "k")
        writer.exchange()
    assert reader.exchange() == 2 * KEPT_INTERVALS
    assert reader.exchange() == 0  # nothing new: nothing charged again
    assert reader_limiter.remaining("k") == 100 - 5 - 2 * KEPT_INTERVALS


def test_a_stopped_process_is_ignored_once_stale_and_gone_when_it_stops_cleanly():
    clock, store = FakeClock(), MemoryRepository()
    _, gone = process("gone", clock, store)
    limiter, alive = process("alive", clock, store)
    gone.admitted("credential", "k")
    gone.exchange()
    clock.advance(STALE_SECONDS + 1)
    assert alive.exchange() == 0
    assert limiter.remaining("k") == 10
    gone.forget()
    assert "gone" not in store.documents


def test_the_store_away_keeps_the_limits_local():
    clock = FakeClock()

    class Away(MemoryRepository):
        def publish(self, *args):
            raise ConnectionError("store away")

    limiter, shared = process("p", clock, Away())
    rounds = []
    shared.run(0.5, stopped=lambda: len(rounds) >= 2, sleep=rounds.append)
    assert rounds == [0.5, 0.5]
    assert admit(limiter, shared, "k")


@pytest.mark.parametrize("raw,expected", [("", 1.0), ("0.5", 0.5), ("2", 2.0)])
def test_share_interval_from_the_environment(raw, expected):
    assert share_seconds({"RATE_LIMIT_SHARE_SECONDS": raw}) == expected


@pytest.mark.parametrize("raw", ["soon", "0", "61", "-1"])
def test_a_bad_share_interval_is_refused(raw):
    with pytest.raises(ValueError, match="RATE_LIMIT_SHARE_SECONDS"):
        share_seconds({"RATE_LIMIT_SHARE_SECONDS": raw})
