"""The pure parts of the gateway's edge checks and import limits."""
import io

import pytest

from services.common.errors import ValidationFailed
from services.gateway.edge.checks import RefusalSampler, correlation_id, json_depth, parse_json
from services.gateway.edge.errors import PayloadTooLarge, RateLimited
from services.gateway.edge.health_cache import CachedProbe
from services.gateway.edge.import_limits import CappedReader, OpenImports


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_capped_reader_stops_one_byte_past_the_cap_whatever_the_stream_claims():
    source = io.BytesIO(b"x" * 10_000)
    reader = CappedReader(source, 4096, "resource")
    assert len(reader.read(4096)) == 4096
    with pytest.raises(PayloadTooLarge) as refused:
        reader.read(4096)
    assert refused.value.details == {"max_bytes": 4096, "part": "resource"}
    assert source.tell() == 4097  # never read further than needed to prove it


def test_a_stream_at_the_cap_passes():
    assert CappedReader(io.BytesIO(b"x" * 4096), 4096, "r").read() == b"x" * 4096


def test_open_imports_are_counted_per_credential_and_expire():
    clock = Clock()
    table = OpenImports(max_open=2, ttl_seconds=60, clock=clock)
    table.opened("jwt:a", "i1")
    table.opened("jwt:a", "i2")
    with pytest.raises(RateLimited) as refused:
        table.check("jwt:a")
    assert refused.value.details["open_imports"] == 2
    table.check("jwt:b")
    table.closed("jwt:a", "i1")
    table.check("jwt:a")
    table.opened("jwt:a", "i3")
    clock.now += 61  # abandoned imports stop counting
    table.check("jwt:a")


@pytest.mark.parametrize("value, depth", [(1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4),
                                          ([[[]], []], 3)])
def test_json_depth(value, depth):
    assert json_depth(value) == depth


def test_parse_json_refuses_depth_beyond_the_limit_and_recursion_errors():
    assert parse_json("[" * 32 + "]" * 32) is not None
    for text in ("[" * 33 + "]" * 33, "[" * 100_000 + "]" * 100_000):
        with pytest.raises(ValidationFailed) as refused:
            parse_json(text)
        assert list(refused.value.details) == ["body"]


@pytest.mark.parametrize("header", ["abc", "0f8e-12", "batch.42:run_7", "x" * 128])
def test_safe_correlation_ids_are_kept(header):
    assert correlation_id(header, lambda: "new") == header


@pytest.mark.parametrize("header", ["a\r\nSet-Cookie: x", "x" * 129, "-a", "a b", "é"])
def test_unsafe_correlation_ids_are_refused(header):
    with pytest.raises(ValidationFailed):
        correlation_id(header, lambda: "new")


def test_a_missing_correlation_id_gets_a_new_one():
    assert correlation_id(None, lambda: "new") == correlation_id("", lambda: "new") == "new"


def test_refusals_are_sampled_per_address_and_window():
    clock = Clock()
    sampler = RefusalSampler(window_seconds=60, clock=clock)
    assert sampler.record("10.0.0.1", "expired") == 0
    assert [sampler.record("10.0.0.1", "expired") for _ in range(5)] == [None] * 5
    assert sampler.record("10.0.0.2", "expired") == 0
    clock.now += 60
    assert sampler.record("10.0.0.1", "expired") == 5  # the next sample says how many it stands for


def test_the_sampler_keeps_a_bounded_table():
    sampler = RefusalSampler(max_addresses=3, clock=Clock())
    for n in range(10):
        sampler.record(f"10.0.0.{n}", "malformed")
    assert len(sampler._windows) == 3


def test_the_health_probe_runs_once_per_time_to_live():
    clock, calls = Clock(), []
    cache = CachedProbe(ttl_seconds=2, clock=clock)
    probe = lambda: calls.append(1) or (200, {"n": len(calls)})  # noqa: E731
    assert [cache.get(probe) for _ in range(5)] == [(200, {"n": 1})] * 5
    clock.now += 2
    assert cache.get(probe) == (200, {"n": 2})
