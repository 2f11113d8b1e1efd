"""The envelope check of examples/external_consumer.py (loaded by path: it is not a package)."""
import importlib.util
import os

import pytest

from services.common import asyncapi
from services.common.events import EVENT_TYPES
from tests.conftest import ROOT
from tests.support.contracts import registered_contracts

_spec = importlib.util.spec_from_file_location(
    "external_consumer", os.path.join(ROOT, "examples", "external_consumer.py"))
external_consumer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(external_consumer)


@pytest.fixture(scope="module")
def good():
    registered_contracts()
    return asyncapi.example_envelope(EVENT_TYPES["project_commissioned"])


def test_example_uses_no_platform_code():
    with open(_spec.origin, encoding="utf-8") as f:
        source = f.read()
    assert "nameko" not in source.replace("no nameko", "")
    assert "from services" not in source and "import services" not in source


def test_a_platform_envelope_is_accepted(good):
    assert external_consumer.validate_envelope(good) == []


@pytest.mark.parametrize("change, problem", [
    ({"event_id": "not-a-uuid"}, "event_id: not a UUID"),
    ({"event_type": "Commissioned"}, "event_type: not an event name"),
    ({"schema_version": 0}, "schema_version: not a positive integer"),
    ({"schema_version": "1"}, "schema_version: not a positive integer"),
    ({"occurred_at": "2026-03-02T09:30:00"}, "occurred_at: no time zone"),
    ({"occurred_at": "yesterday"}, "occurred_at: not an ISO 8601 instant"),
    ({"source": ""}, "source: not a service name"),
    ({"region_code": "Astana"}, "region_code: not a KZ-xx code"),
    ({"correlation_id": 5}, "correlation_id: not a string"),
    ({"payload": []}, "payload: not an object"),
])
def test_each_bad_envelope_field_is_named(good, change, problem):
    assert external_consumer.validate_envelope({**good, **change}) == [problem]


def test_missing_fields_and_non_objects_are_refused(good):
    partial = {k: v for k, v in good.items() if k not in ("payload", "source")}
    assert external_consumer.validate_envelope(partial) == ["source: missing", "payload: missing"]
    assert external_consumer.validate_envelope([good]) == ["the message is not a JSON object"]


def test_null_region_and_correlation_are_allowed(good):
    assert external_consumer.validate_envelope({**good, "region_code": None,
                                                "correlation_id": None}) == []


class FakeMessage:
    def __init__(self, body: bytes):
        self.body = body
        self.settled = None

    def ack(self):
        self.settled = "ack"

    def reject(self, requeue):
        self.settled = ("reject", requeue)


def test_consumer_acks_after_processing_once_per_event_and_rejects_garbage(good):
    import json
    handled = []
    consumer = external_consumer.EventConsumer("amqp://unused", "q", "investments.events",
                                               ["project_commissioned"], handle=handled.append)
    first, again, garbage = (FakeMessage(json.dumps(good).encode()),
                             FakeMessage(json.dumps(good).encode()), FakeMessage(b"{nope"))
    for message in (first, again, garbage):
        consumer.on_message(None, message)
    assert [e["event_id"] for e in handled] == [good["event_id"]]  # the redelivery is skipped
    assert (first.settled, again.settled, garbage.settled) == ("ack", "ack", ("reject", False))
    assert (consumer.processed, consumer.rejected) == (1, 1)
