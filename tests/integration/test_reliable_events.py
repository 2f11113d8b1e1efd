"""The delivery guarantees of services/common against a real broker (vhost per test) and store.

A throw-away pair of services exercises the shared kernel exactly as the domain services use it:
``Store`` + ``save_new`` (transactional outbox), the relay, and ``subscribe`` (retries, dead letters).
"""
import json

import pytest
from kombu import Connection, Exchange
from marshmallow import Schema, fields
from nameko.rpc import rpc

from services.common import deadletters, topology
from services.common.consuming import subscribe
from services.common.errors import ServiceUnavailable
from services.common.events import build_event, event_schema, register
from services.common.mongo import Repository, Store, get_client
from services.common.rpc import TimedRpc
from tests.support import wait_until

pytestmark = pytest.mark.integration

@event_schema("probe_recorded", source="investments", description="test-only probe event")
class ProbeRecorded(Schema):
    probe_id = fields.Str(required=True)
    fail_times = fields.Int(load_default=0)
    region_code = fields.Str(required=True)


register(ProbeRecorded)


class Probes(Repository):
    collection_name = "probes"


class Effects(Repository):
    collection_name = "effects"


class ProbeOrigin:
    name = "probe_origin"
    probes = Store(Probes)

    @rpc
    def record(self, probe_id, fail_times=0):
        payload = {"probe_id": probe_id, "fail_times": fail_times, "region_code": "KZ-10"}
        self.probes.save_new({"_id": probe_id}, [("probe_recorded", payload)])


class ProbeSink:
    name = "probe_sink"
    effects = Store(Effects)

    @subscribe()
    def on_probe(self, envelope):
        payload = envelope["payload"]
        # Each delivery is its own document: FerretDB 1.24 loses concurrent $inc on one document,
        # and the count must be exact.
        self.effects.db.deliveries.insert_one({"probe_id": payload["probe_id"]})
        attempts = self.effects.db.deliveries.count_documents({"probe_id": payload["probe_id"]})
        self.effects.collection.update_one({"_id": payload["probe_id"]},
                                           {"$max": {"attempts": attempts}}, upsert=True)
        if attempts <= payload["fail_times"]:
            raise RuntimeError(f"failing on purpose, attempt {attempts}")
        self.effects.collection.update_one({"_id": payload["probe_id"]},
                                           {"$addToSet": {"handled_events": envelope["event_id"]}})


class Silent:
    name = "silent"

    @rpc
    def wait(self):
        import eventlet
        eventlet.sleep(30)


class Caller:
    name = "caller"
    silent = TimedRpc("silent", timeout=0.5)

    @rpc
    def call_silent(self):
        try:
            self.silent.wait()
        except ServiceUnavailable as exc:
            return {"error": exc.error, "details": exc.details}


SINK = topology.Subscription("probe_sink", "on_probe", (("investments.events", "probe_recorded"),))


@pytest.fixture
def probe_topology(monkeypatch, platform_env):
    monkeypatch.setattr(topology, "SUBSCRIPTIONS", topology.SUBSCRIPTIONS + (SINK,))
    topology.declare_all(platform_env["AMQP_URI"])  # the deploy step, with the probe's queue


@pytest.fixture
def db(platform_env):
    database = get_client()[f"{platform_env['MONGO_DB_PREFIX']}_probe_sink"]
    yield database
    for name in ("effects", "deliveries", "outbox_pointers"):
        database[name].delete_many({})


def _rpc(container, method, *args):
    from nameko.standalone.rpc import ServiceRpcProxy
    with ServiceRpcProxy(container.service_name, container.config) as proxy:
        return getattr(proxy, method)(*args)


def _dead_letters(amqp_uri):
    return deadletters.list_dead_letters(amqp_uri)


def test_event_published_before_consumer_starts_is_delivered(
        container_factory, nameko_config, probe_topology, db):
    origin = container_factory(ProbeOrigin, nameko_config)
    origin.start()  # `regionctl topology` declared every subscription queue (probe_topology)
    _rpc(origin, "record", "p-early")
    sink = container_factory(ProbeSink, nameko_config)
    sink.start()
    doc = wait_until(lambda: db.effects.find_one({"_id": "p-early", "handled_events": {"$exists": True}}),
                     message="probe handled")
    assert len(doc["handled_events"]) == 1
    origin_db = get_client()[db.name.replace("_probe_sink", "_probe_origin")]
    wait_until(lambda: origin_db.probes.find_one({"_id": "p-early"}).get("_outbox") == [],
               message="outbox entry marked sent")
    wait_until(lambda: origin_db.outbox_pointers.count_documents({}) == 0, message="pointer gone")


def test_failing_handler_is_retried_then_succeeds(container_factory, nameko_config,
                                                   probe_topology, db):
    origin = container_factory(ProbeOrigin, nameko_config)
    sink = container_factory(ProbeSink, nameko_config)
    origin.start()
    sink.start()
    _rpc(origin, "record", "p-flaky", 2)  # fails twice, the third attempt succeeds
    doc = wait_until(lambda: db.effects.find_one({"_id": "p-flaky", "handled_events": {"$exists": True}}),
                     message="flaky probe handled after retries")
    assert doc["attempts"] == 3
    assert _dead_letters(nameko_config["AMQP_URI"]) == []


def test_handler_failing_every_time_is_dead_lettered_with_reason(
        container_factory, nameko_config, probe_topology, db):
    origin = container_factory(ProbeOrigin, nameko_config)
    sink = container_factory(ProbeSink, nameko_config)
    origin.start()
    sink.start()
    _rpc(origin, "record", "p-poison", 99)
    wait_until(lambda: (db.effects.find_one({"_id": "p-poison"}) or {}).get("attempts") == 3,
               message="three attempts")
    letters = wait_until(lambda: _dead_letters(nameko_config["AMQP_URI"]), message="dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter["reason"] == "handler_failed"
    assert letter["handler"] == "probe_sink.on_probe"
    assert letter["attempts"] == 3
    assert "failing on purpose" in letter["error"]
    assert letter["body"]["payload"]["probe_id"] == "p-poison"

    # fixed or not, an operator can replay it: it goes back to its queue and is handled again
    assert deadletters.replay(nameko_config["AMQP_URI"], {letter["id"]}) == 1
    wait_until(lambda: (db.effects.find_one({"_id": "p-poison"}) or {}).get("attempts") == 4,
               message="replayed message handled again")


def test_invalid_and_undecodable_messages_are_dead_lettered_and_consumer_survives(
        container_factory, nameko_config, probe_topology, db):
    sink = container_factory(ProbeSink, nameko_config)
    sink.start()
    exchange = Exchange("investments.events", type="topic", durable=True)
    good = build_event("probe_recorded", {"probe_id": "p-after", "region_code": "KZ-10"},
                       region_code="KZ-10")
    bad = dict(good, event_id="not-a-uuid", payload={"probe_id": 5})
    with Connection(nameko_config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        producer.publish(bad, exchange=exchange, routing_key="probe_recorded", serializer="json")
        producer.publish(b"{not json", exchange=exchange, routing_key="probe_recorded",
                         content_type="application/json", content_encoding="utf-8")
        producer.publish(good, exchange=exchange, routing_key="probe_recorded", serializer="json")
    wait_until(lambda: db.effects.find_one({"_id": "p-after", "handled_events": {"$exists": True}}),
               message="valid message after the bad ones")
    letters = wait_until(lambda: _dead_letters(nameko_config["AMQP_URI"]), message="dead letters")
    reasons = sorted(m["reason"] for m in letters)
    assert reasons == ["invalid_message", "undecodable"]
    invalid = next(m for m in letters if m["reason"] == "invalid_message")
    assert "event_id" in json.loads(invalid["details"])
    assert deadletters.discard(nameko_config["AMQP_URI"], {m["id"] for m in letters}) == 2
    assert _dead_letters(nameko_config["AMQP_URI"]) == []


def test_redelivered_event_changes_nothing(container_factory, nameko_config, probe_topology, db):
    sink = container_factory(ProbeSink, nameko_config)
    sink.start()
    event = build_event("probe_recorded", {"probe_id": "p-twice", "region_code": "KZ-10"},
                        region_code="KZ-10")
    with Connection(nameko_config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        for _ in range(2):
            producer.publish(event, exchange=Exchange("investments.events", type="topic", durable=True),
                             routing_key="probe_recorded", serializer="json")
    wait_until(lambda: db.deliveries.count_documents({"probe_id": "p-twice"}) == 2,
               message="both deliveries")
    wait_until(lambda: db.effects.find_one({"_id": "p-twice", "handled_events": {"$exists": True}}),
               message="the effect")
    assert db.effects.find_one({"_id": "p-twice"})["handled_events"] == [event["event_id"]]


def test_rpc_to_a_silent_service_times_out_with_service_unavailable(container_factory,
                                                                    nameko_config):
    container_factory(Silent, nameko_config).start()
    caller = container_factory(Caller, nameko_config)
    caller.start()
    answer = _rpc(caller, "call_silent")
    assert answer == {"error": "service_unavailable", "details": {"service": "silent"}}
