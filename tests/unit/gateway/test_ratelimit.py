"""Token-bucket limiter driven by an injected clock: burst, refill, retry-after, eviction."""
import threading

import pytest

from services.gateway.edge.ratelimit import RateLimiter


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def drain(limiter, key, times):
    return [limiter.check(key) for _ in range(times)]


@pytest.mark.parametrize("burst", [1, 3, 10])
def test_burst_is_served_then_refused(clock, burst):
    limiter = RateLimiter(rate_per_second=1, burst=burst, clock=clock)
    assert drain(limiter, "jwt:a", burst) == [(True, 0)] * burst
    assert limiter.check("jwt:a") == (False, 1)


def test_tokens_refill_at_the_rate(clock):
    limiter = RateLimiter(rate_per_second=2, burst=2, clock=clock)
    drain(limiter, "k", 2)
    clock.advance(0.25)                       # half a token
    assert limiter.check("k") == (False, 1)
    clock.advance(0.25)                       # one whole token
    assert limiter.check("k") == (True, 0)
    assert limiter.check("k") == (False, 1)
    clock.advance(1.0)                        # two tokens
    assert drain(limiter, "k", 3) == [(True, 0), (True, 0), (False, 1)]


def test_refill_never_exceeds_burst(clock):
    limiter = RateLimiter(rate_per_second=5, burst=3, clock=clock, max_keys=10)
    drain(limiter, "k", 3)
    clock.advance(0.5)  # under the idle-eviction horizon (0.6 s), so the bucket itself refills
    assert drain(limiter, "k", 4) == [(True, 0)] * 2 + [(False, 1)] * 2
    clock.advance(500)
    assert drain(limiter, "k", 4) == [(True, 0)] * 3 + [(False, 1)]


@pytest.mark.parametrize("rate, waited, retry_after", [
    (1.0, 0.0, 1),
    (0.5, 0.0, 2),      # one token per two seconds
    (0.5, 1.0, 1),
    (0.5, 1.5, 1),      # half a second short still means "come back in a second"
    (0.1, 0.0, 10),
    (0.1, 9.0, 1),
    (0.1, 4.5, 6),
    (1 / 60, 0.0, 60),  # one a minute
])
def test_retry_after_is_whole_seconds_until_a_token(clock, rate, waited, retry_after):
    limiter = RateLimiter(rate_per_second=rate, burst=1, clock=clock)
    assert limiter.check("k") == (True, 0)
    clock.advance(waited)
    assert limiter.check("k") == (False, retry_after)


def test_retry_after_is_honest(clock):
    # A token every 3.33 s: "4" is the first whole second at which a retry passes, "3" is too soon.
    limiter = RateLimiter(rate_per_second=0.3, burst=1, clock=clock)
    limiter.check("k")
    allowed, retry_after = limiter.check("k")
    assert (allowed, retry_after) == (False, 4)
    clock.advance(retry_after - 1)
    assert limiter.check("k") == (False, 1)
    clock.advance(1)
    assert limiter.check("k") == (True, 0)


def test_float_refill_does_not_refuse_a_whole_token(clock):
    limiter = RateLimiter(rate_per_second=0.1, burst=1, clock=clock)
    limiter.check("k")
    for _ in range(10):
        clock.advance(1.0)  # ten steps of 0.1 token each sum to a hair under 1.0
    assert limiter.check("k") == (True, 0)


def test_keys_have_separate_buckets(clock):
    limiter = RateLimiter(rate_per_second=1, burst=2, clock=clock)
    drain(limiter, "jwt:a", 2)
    assert limiter.check("jwt:a") == (False, 1)
    assert drain(limiter, "api_key:b", 2) == [(True, 0)] * 2


def test_cost_takes_several_tokens(clock):
    limiter = RateLimiter(rate_per_second=1, burst=5, clock=clock)
    assert limiter.check("k", cost=4) == (True, 0)
    assert limiter.check("k", cost=2) == (False, 1)
    assert limiter.check("k", cost=1) == (True, 0)
    assert limiter.check("k", cost=3) == (False, 3)


@pytest.mark.parametrize("cost", [0, -1, 6, 1.5])
def test_cost_must_fit_in_a_bucket(clock, cost):
    limiter = RateLimiter(rate_per_second=1, burst=5, clock=clock)
    with pytest.raises(ValueError):
        limiter.check("k", cost=cost)


@pytest.mark.parametrize("kwargs", [
    {"rate_per_second": 0, "burst": 1}, {"rate_per_second": -1, "burst": 1},
    {"rate_per_second": 1, "burst": 0}, {"rate_per_second": 1, "burst": 2.5},
    {"rate_per_second": 1, "burst": 1, "max_keys": 0},
])
def test_invalid_configuration_is_refused(kwargs):
    with pytest.raises(ValueError):
        RateLimiter(**kwargs)


def test_remaining_reports_without_taking(clock):
    limiter = RateLimiter(rate_per_second=1, burst=3, clock=clock)
    assert limiter.remaining("k") == 3
    limiter.check("k")
    limiter.check("k")
    assert limiter.remaining("k") == 1
    assert limiter.remaining("k") == 1
    clock.advance(1)
    assert limiter.remaining("k") == 2


def test_clock_stepping_back_neither_drains_nor_credits(clock):
    limiter = RateLimiter(rate_per_second=1, burst=2, clock=clock)
    drain(limiter, "k", 2)
    clock.advance(-100)
    assert limiter.check("k") == (False, 1)
    clock.advance(100.5)  # back to where we were plus half a second: no token yet
    assert limiter.check("k") == (False, 1)
    clock.advance(0.5)
    assert limiter.check("k") == (True, 0)


# --- bounded memory -------------------------------------------------------------------------

def test_idle_buckets_are_evicted_once_full_again(clock):
    # full again after 4 s even from the deepest debt (-2 tokens, another replica's spending)
    limiter = RateLimiter(rate_per_second=1, burst=2, clock=clock)
    drain(limiter, "a", 2)
    limiter.check("b")
    assert len(limiter) == 2
    clock.advance(3.9)
    limiter.check("c")
    assert len(limiter) == 3           # a and b maybe not yet full: kept
    clock.advance(0.1)                 # a and b idle 4 s: full, so dropping them changes nothing
    limiter.check("c")
    assert len(limiter) == 1
    assert drain(limiter, "a", 3) == [(True, 0), (True, 0), (False, 1)]


def test_busy_bucket_is_not_evicted_as_idle(clock):
    limiter = RateLimiter(rate_per_second=1, burst=2, clock=clock)
    for _ in range(10):
        limiter.check("busy")
        clock.advance(1.5)
    assert limiter.check("busy") == (True, 0)
    assert len(limiter) == 1


def test_table_is_capped_least_recently_used_first(clock):
    limiter = RateLimiter(rate_per_second=0.01, burst=1, clock=clock, max_keys=2)
    assert limiter.check("a") == (True, 0)
    assert limiter.check("b") == (True, 0)
    assert limiter.check("a") == (False, 100)  # touching a makes b the least recently used
    assert limiter.check("c") == (True, 0)     # b dropped to make room
    assert len(limiter) == 2
    assert limiter.check("a") == (False, 100)  # a kept its drained state
    assert limiter.check("b") == (True, 0)     # b came back fresh (c evicted now)
    assert len(limiter) == 2


def test_many_keys_stay_within_the_cap(clock):
    limiter = RateLimiter(rate_per_second=1, burst=5, clock=clock, max_keys=100)
    for i in range(10_000):
        limiter.check(f"api_key:{i}")
    assert len(limiter) == 100


def test_concurrent_checks_never_overspend(clock):
    limiter = RateLimiter(rate_per_second=1, burst=50, clock=clock)
    results = []
    lock = threading.Lock()

    def worker():
        local = [limiter.check("shared")[0] for _ in range(25)]
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200
    assert results.count(True) == 50


def test_what_another_replica_admitted_is_owed_here(clock):
    limiter = RateLimiter(rate_per_second=2, burst=4, clock=clock)
    limiter.debit("a", 3)                    # another process admitted 3 for "a"
    assert drain(limiter, "a", 2) == [(True, 0), (False, 1)]
    limiter.debit("a", 100)                  # the debt is bounded by one burst
    assert limiter.remaining("a") == 0
    assert limiter.check("a") == (False, 3)  # from -4 to one token at 2/s: 2.5 s, so 3
    clock.advance(2.5)
    assert limiter.check("a") == (True, 0)
    limiter.debit("b", 0)                    # nothing spent: no bucket made
    assert limiter.remaining("b") == 4
