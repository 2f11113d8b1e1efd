"""Inbound contracts: what ministry systems publish to ``ministry.inbound``.

Every inbound contract registered (an event type whose source is not a platform service, see
docs/asyncapi.yaml) is exercised through the real topology entry of its subscription: a consumer
service with that name and handler, on the ``subscribe`` entrypoint, on the real queue. Invalid
messages (not JSON, bad envelope, bad payload, another contract's message) are dead-lettered with
the reason, never reach the handler (nothing is applied), and the consumer goes on. The personnel
service's own handler for ``civil_service.organisation_changed`` is exercised as well.
"""
import json
import uuid

import pytest
from kombu import Connection, Exchange
from nameko.standalone.rpc import ServiceRpcProxy
from pymongo.errors import DuplicateKeyError

from services.common import asyncapi, deadletters, remote_errors, topology  # noqa: F401
from services.common.consuming import subscribe
from services.common.errors import NotFound
from services.common.events import EVENT_TYPES
from services.common.mongo import Repository, Store, get_client
from tests.support import wait_until
from tests.support.contracts import registered_contracts

pytestmark = pytest.mark.integration

INBOUND = topology.INBOUND_EXCHANGE


def _inbound_contracts():
    registered_contracts()
    return sorted((s for s in EVENT_TYPES.values()
                   if asyncapi.is_platform_contract(s) and asyncapi.route_of(s)[2] == "receive"),
                  key=lambda s: s.name)


CONTRACTS = _inbound_contracts()


def _subscription(spec) -> topology.Subscription:
    key = asyncapi.route_of(spec)[1]
    return next(sub for sub in topology.SUBSCRIPTIONS
                if any(ex == INBOUND and k == key for ex, k in sub.bindings))


class InboundEffects(Repository):
    collection_name = "inbound_effects"

    def apply(self, envelope):
        try:
            self.collection.insert_one({"_id": envelope["event_id"],
                                        "event_type": envelope["event_type"],
                                        "payload": envelope["wire_payload"]})
        except DuplicateKeyError:  # a redelivery changes nothing
            pass


def contract_consumer(sub: topology.Subscription) -> type:
    """A service named like the subscription's consumer, recording what its handler receives."""
    def handle(self, envelope):
        self.effects.apply(envelope)
    handle.__name__ = sub.handler
    return type(f"ContractConsumer_{sub.consumer}", (), {
        "name": sub.consumer, "effects": Store(InboundEffects), sub.handler: subscribe()(handle)})


@pytest.fixture
def isolated_db(monkeypatch, platform_env):
    """Databases of their own: the consumers are named like real services."""
    prefix = f"{platform_env['MONGO_DB_PREFIX']}_inb{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("MONGO_DB_PREFIX", prefix)
    yield prefix
    # by name: listing databases is very slow on a FerretDB that holds many
    for consumer in {sub.consumer for sub in topology.SUBSCRIPTIONS} | {"personnel"}:
        get_client().drop_database(f"{prefix}_{consumer}")


def _publish(uri, key, body, **options):
    with Connection(uri) as conn:
        producer = conn.Producer()
        if isinstance(body, (bytes, str)):
            producer.publish(body, exchange=Exchange(INBOUND, type="topic", durable=True),
                             routing_key=key, delivery_mode=2, **options)
        else:
            producer.publish(body, exchange=Exchange(INBOUND, type="topic", durable=True),
                             routing_key=key, serializer="json", delivery_mode=2)


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def bad_messages(spec, good: dict) -> list[tuple[str, object, dict, str, str | None]]:
    """(name, body, publish options, expected reason, field the details must name)."""
    payload = good["payload"]
    required = asyncapi.schema_to_json(spec.schema)["required"]
    return [
        ("broken json", b'{"event_id": ', {"content_type": "application/json",
                                            "content_encoding": "utf-8"}, "undecodable", None),
        ("plain text", "revenue went up", {"content_type": "text/plain",
                                           "content_encoding": "utf-8"}, "undecodable", None),
        ("json array", [good], {}, "invalid_message", "_schema"),
        ("no event id", _without(good, "event_id"), {}, "invalid_message", "event_id"),
        ("unknown region", {**good, "region_code": "KZ-99"}, {}, "invalid_message", "region_code"),
        ("naive time", {**good, "occurred_at": "2026-03-02T09:30:00"}, {}, "invalid_message",
         "occurred_at"),
        ("payload field missing", {**good, "payload": _without(payload, required[0])}, {},
         "invalid_message", "payload"),
        ("payload field wrong type", {**good, "payload": {**payload, required[0]: {"x": [1]}}}, {},
         "invalid_message", "payload"),
        ("payload unknown field", {**good, "payload": {**payload, "surprise": 1}}, {},
         "invalid_message", "payload"),
    ]


@pytest.mark.parametrize("spec", CONTRACTS, ids=[s.name for s in CONTRACTS])
def test_invalid_inbound_messages_are_dead_lettered_and_never_applied(
        spec, container_factory, nameko_config, isolated_db):
    sub = _subscription(spec)
    consumer = container_factory(contract_consumer(sub), nameko_config)
    consumer.start()
    uri = nameko_config["AMQP_URI"]
    key = asyncapi.route_of(spec)[1]
    good = asyncapi.example_envelope(spec)
    bad = bad_messages(spec, good)
    for _, body, options, _, _ in bad:
        _publish(uri, key, body, **options)
    after = {**good, "event_id": str(uuid.uuid4())}
    _publish(uri, key, after)
    _publish(uri, key, after)  # the same event twice: applied once

    effects = get_client()[f"{isolated_db}_{sub.consumer}"].inbound_effects
    wait_until(lambda: effects.find_one({"_id": after["event_id"]}), message="valid message applied")
    letters = wait_until(lambda: (lambda ls: ls if len(ls) >= len(bad) else None)(
        deadletters.list_dead_letters(uri)), message="every bad message dead-lettered")
    assert len(letters) == len(bad)
    assert [e["_id"] for e in effects.find()] == [after["event_id"]]  # nothing else applied
    stored = effects.find_one({"_id": after["event_id"]})
    assert stored["payload"] == good["payload"]

    by_reason = sorted((ln["reason"], ln["handler"]) for ln in letters)
    assert by_reason == sorted((reason, f"{sub.consumer}.{sub.handler}") for *_, reason, _ in bad)
    for letter in letters:
        assert letter["queue"] == sub.queue
        assert letter["attempts"] == 0  # refused on receipt, not retried
    named = [json.loads(ln["details"]) for ln in letters if ln["reason"] == "invalid_message"]
    for (name, _, _, reason, field) in bad:
        if reason == "invalid_message":
            assert any(field in details for details in named), (name, named)


@pytest.mark.parametrize("spec", CONTRACTS, ids=[s.name for s in CONTRACTS])
def test_a_valid_inbound_message_is_applied_after_a_consumer_restart(
        spec, container_factory, nameko_config, isolated_db):
    """Published while the consumer is down: the queue was declared up front, nothing is lost."""
    topology.declare_all(nameko_config["AMQP_URI"])
    good = asyncapi.example_envelope(spec)
    _publish(nameko_config["AMQP_URI"], asyncapi.route_of(spec)[1], good)
    sub = _subscription(spec)
    container_factory(contract_consumer(sub), nameko_config).start()
    effects = get_client()[f"{isolated_db}_{sub.consumer}"].inbound_effects
    wait_until(lambda: effects.find_one({"_id": good["event_id"]}), message="applied on start")
    assert deadletters.list_dead_letters(nameko_config["AMQP_URI"]) == []


@pytest.mark.parametrize("spec", CONTRACTS, ids=[s.name for s in CONTRACTS])
def test_a_message_of_another_contract_on_an_inbound_key_is_refused_on_receipt(
        spec, container_factory, nameko_config, isolated_db):
    """A well-formed envelope of another event type (here: a platform event, valid in itself)
    published with this contract's routing key must not reach the contract's handler.

    Fails today: ``Subscribe.handle_message`` validates the envelope against whatever event type
    it names, not against the types its subscription is bound to (see the report for the fix)."""
    sub = _subscription(spec)
    consumer = container_factory(contract_consumer(sub), nameko_config)
    consumer.start()
    uri = nameko_config["AMQP_URI"]
    stranger = asyncapi.example_envelope(EVENT_TYPES["project_commissioned"])
    _publish(uri, asyncapi.route_of(spec)[1], stranger)
    after = {**asyncapi.example_envelope(spec), "event_id": str(uuid.uuid4())}
    _publish(uri, asyncapi.route_of(spec)[1], after)
    effects = get_client()[f"{isolated_db}_{sub.consumer}"].inbound_effects
    wait_until(lambda: effects.find_one({"_id": after["event_id"]}), message="valid message applied")
    assert effects.find_one({"_id": stranger["event_id"]}) is None, "another contract was applied"
    letters = wait_until(lambda: deadletters.list_dead_letters(uri), message="dead letter")
    assert [(ln["reason"], ln["event_id"]) for ln in letters] == [("invalid_message",
                                                                stranger["event_id"])]


# -- the personnel service's own handler -----------------------------------------------------------

def _organisation_change(org_id, change, name, occurred_at, kind="regional", region="KZ-75"):
    return {"event_id": str(uuid.uuid4()), "event_type": "organisation_changed", "schema_version": 1,
            "occurred_at": occurred_at, "source": "civil_service", "region_code": region,
            "correlation_id": None,
            "payload": {"org_id": org_id, "name": name, "kind": kind, "region_code": region,
                        "change": change}}


def test_personnel_applies_organisation_changes_and_refuses_invalid_ones(
        container_factory, nameko_config, isolated_db):
    from services.personnel.service import PersonnelService
    container = container_factory(PersonnelService, nameko_config)
    container.start()
    uri = nameko_config["AMQP_URI"]
    key = "civil_service.organisation_changed"
    org_id = f"org-{uuid.uuid4().hex[:8]}"

    def organisation():
        with ServiceRpcProxy("personnel", container.config) as proxy:
            try:
                return proxy.get_organisation(org_id)
            except NotFound:
                return None

    created = _organisation_change(org_id, "created", "Akimat of Almaty", "2026-01-10T08:00:00+00:00")
    _publish(uri, key, created)
    assert wait_until(organisation, message="organisation created")["name"] == "Akimat of Almaty"

    # invalid: a regional body without a region (the schema's cross-field rule), and not JSON
    invalid = _organisation_change(org_id, "renamed", "Wrong", "2026-02-01T08:00:00+00:00")
    invalid["payload"]["region_code"] = None
    _publish(uri, key, invalid)
    _publish(uri, key, b"\xff\xfe", content_type="application/json", content_encoding="utf-8")
    renamed = _organisation_change(org_id, "renamed", "Akimat of Almaty city", "2026-03-01T08:00:00+00:00")
    _publish(uri, key, renamed)
    _publish(uri, key, renamed)  # redelivered: changes nothing
    wait_until(lambda: organisation()["name"] == "Akimat of Almaty city", message="renamed")

    letters = wait_until(lambda: (lambda ls: ls if len(ls) >= 2 else None)(
        deadletters.list_dead_letters(uri)), message="two dead letters")
    assert sorted(ln["reason"] for ln in letters) == ["invalid_message", "undecodable"]
    invalid_letter = next(ln for ln in letters if ln["reason"] == "invalid_message")
    assert "region_code" in invalid_letter["details"]
    assert invalid_letter["handler"] == "personnel.on_organisation_changed"
    assert organisation()["name"] == "Akimat of Almaty city"  # the invalid rename never applied


# -- the budgets service's own handler -------------------------------------------------------------

def test_budgets_applies_executed_revenue_once_and_refuses_invalid_lines(
        container_factory, nameko_config, isolated_db):
    from services.budgets.service import BudgetsService
    container = container_factory(BudgetsService, nameko_config)
    container.start()
    uri = nameko_config["AMQP_URI"]
    key = "finance.revenue_executed"
    good = asyncapi.example_envelope(EVENT_TYPES["revenue_executed"])
    line = good["payload"]

    def lines(**filters):
        with ServiceRpcProxy("budgets", container.config) as proxy:
            return proxy.query_lines({"region_code": line["region_code"],
                                      "fiscal_year": line["fiscal_year"], **filters})["items"]

    bad_code = {**good, "event_id": str(uuid.uuid4()),
                "payload": {**line, "ebk_code": "999999", "amount_kzt": "1.00"}}
    bad_amount = {**good, "event_id": str(uuid.uuid4()), "payload": {**line, "amount_kzt": 12.5}}
    for body in (bad_code, bad_amount):
        _publish(uri, key, body)
    _publish(uri, key, b"<xml/>", content_type="application/json", content_encoding="utf-8")
    _publish(uri, key, good)
    _publish(uri, key, good)  # redelivered: the natural key makes it a no-op

    stored = wait_until(lambda: lines(ebk_prefix=line["ebk_code"]), message="line applied")
    assert [(ln["ebk_code"], ln["amount_kzt"], ln["period"]) for ln in stored] == [
        (line["ebk_code"], line["amount_kzt"], line["period"])]
    letters = wait_until(lambda: (lambda ls: ls if len(ls) >= 3 else None)(
        deadletters.list_dead_letters(uri)), message="three dead letters")
    assert sorted(ln["reason"] for ln in letters) == ["invalid_message", "invalid_message",
                                                    "undecodable"]
    assert {ln["handler"] for ln in letters} == {"budgets.on_revenue_executed"}
    details = " ".join(ln["details"] or "" for ln in letters)
    assert "ebk_code" in details and "amount_kzt" in details
    assert len(lines()) == 1  # neither refused line was applied, the good one once
