"""The broker, not the platform's code, refuses what a ministry system may not do on the bus.

Every user of services/broker_access.py is created on this test's vhost; then each forbidden
operation is tried over a plain AMQP connection as that user and must end in ACCESS_REFUSED
(AMQP reply code 403), while the operations the user exists for still work.
"""
import json
import uuid

import amqp
import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection
from marshmallow import Schema, fields

from services import broker_access
from services.common import deadletters, topology
from services.common.consuming import subscribe
from services.common.events import build_event, event_schema, register
from tests.support import wait_until

pytestmark = pytest.mark.integration

FINANCE = "ministry-finance"
INBOUND_QUEUE_OF_BUDGETS = topology.find_subscription("budgets", "on_revenue_executed").queue
HUB_QUEUE = topology.find_subscription("gateway", "record_event").queue


@pytest.fixture
def bus(rabbit_config, request, monkeypatch):
    """The vhost with the topology, the RPC queues and every platform broker user."""
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.2,0.4")
    uri = rabbit_config["AMQP_URI"]
    vhost = rabbit_config["vhost"]
    topology.declare_all(uri)  # the administrator's step (`regionctl topology`)
    with _connection(uri) as conn:
        channel = conn.channel()
        for service in ("investments", "budgets", "personnel"):  # as nameko declares them
            channel.queue_declare(f"rpc-{service}", durable=True, auto_delete=False)
            channel.queue_bind(f"rpc-{service}", "nameko-rpc", f"{service}.*")
    api = request.config.getoption("RABBIT_API_URI")
    broker_access.apply(api, vhost, is_local=True)
    return {"uri": uri, "vhost": vhost}


def _connection(uri: str) -> amqp.Connection:
    parts = uri.split("://", 1)[1]
    userinfo, rest = parts.split("@", 1)
    user, password = userinfo.split(":", 1)
    host, _, vhost = rest.partition("/")
    from urllib.parse import unquote
    return amqp.Connection(host=host, userid=unquote(user), password=unquote(password),
                           virtual_host=unquote(vhost) or "/", connect_timeout=5)


def _as(bus, user):
    uri = broker_access.uri_for(bus["uri"], user, is_local=True)
    conn = _connection(uri)
    conn.connect()
    return conn


def _publish(conn, exchange, key, body=b"{}"):
    channel = conn.channel()
    channel.confirm_select()
    channel.basic_publish_confirm(amqp.Message(body, content_type="application/json"),
                                  exchange=exchange, routing_key=key)
    channel.close()


def _refused(bus, user, operation):
    with _as(bus, user) as conn:
        with pytest.raises(AccessRefused) as refused:
            operation(conn)
    assert refused.value.reply_code == 403
    return str(refused.value)


MINISTRY_FORBIDDEN = {
    "call an RPC (full IINs, approvals)": lambda c: _publish(c, "nameko-rpc",
                                                            "personnel.get_civil_servant"),
    "forge a domain event": lambda c: _publish(c, "personnel.events", "civil_servant_registered"),
    "forge another ministry's contract": lambda c: _publish(
        c, topology.INBOUND_EXCHANGE, "civil_service.organisation_changed"),
    "publish straight into a queue": lambda c: _publish(c, "", "rpc-personnel"),
    "inject through the requeue exchange": lambda c: _publish(
        c, "budgets.requeue", INBOUND_QUEUE_OF_BUDGETS),
    "inject through a retry exchange": lambda c: _publish(c, "budgets.retry.0.2s", "x"),
    "write the dead letters": lambda c: _publish(c, topology.DEAD_LETTER_EXCHANGE, "x"),
    "consume a service's RPC queue": lambda c: c.channel().basic_consume("rpc-personnel"),
    "consume a service's event queue": lambda c: c.channel().basic_consume(
        INBOUND_QUEUE_OF_BUDGETS),
    "consume the hub's queue": lambda c: c.channel().basic_consume(HUB_QUEUE),
    "consume the dead letters": lambda c: c.channel().basic_consume(topology.DEAD_LETTER_QUEUE),
    "declare a queue outside its prefix": lambda c: c.channel().queue_declare("stolen"),
    "delete a platform queue": lambda c: c.channel().queue_delete(INBOUND_QUEUE_OF_BUDGETS),
    "purge a platform queue": lambda c: c.channel().queue_purge(INBOUND_QUEUE_OF_BUDGETS),
    "bind its own queue to personnel events": lambda c: _bind_own(c, "personnel.events"),
    "bind its own queue to the RPC exchange": lambda c: _bind_own(c, "nameko-rpc"),
}


def _bind_own(conn, exchange):
    channel = conn.channel()
    name = f"{FINANCE}.{uuid.uuid4().hex[:6]}"
    channel.queue_declare(name, auto_delete=True)
    channel.queue_bind(name, exchange, "#")


@pytest.mark.parametrize("what", sorted(MINISTRY_FORBIDDEN))
def test_a_ministry_user_is_refused_by_the_broker(bus, what):
    message = _refused(bus, FINANCE, MINISTRY_FORBIDDEN[what])
    assert "ACCESS_REFUSED" in message


def test_a_ministry_user_publishes_its_own_contract_and_reads_its_own_queue(bus):
    with _as(bus, FINANCE) as conn:
        channel = conn.channel()
        own = f"{FINANCE}.budget-facts"
        channel.queue_declare(own, durable=True, auto_delete=False)
        channel.queue_bind(own, "budgets.events", "#")
        _publish(conn, topology.INBOUND_EXCHANGE, "finance.revenue_executed", b'{"n": 1}')
        channel.basic_consume(own)
    with _connection(bus["uri"]) as admin:
        admin.connect()
        delivered = admin.channel().basic_get(INBOUND_QUEUE_OF_BUDGETS, no_ack=True)
    assert delivered is not None and delivered.body == b'{"n": 1}'


# -- the services' own users -----------------------------------------------------------------------

def _other_consumer(service: str) -> str:
    return next(c for c in topology.consumers() if c != service)


def _service_forbidden(service: str) -> dict:
    """What each service user may not do: touch the shared topology, another's events, RPC
    queue, subscriptions, retry and requeue names, the dead letters, names outside its own."""
    other = "personnel" if service != "personnel" else "investments"
    consumer = _other_consumer(service)
    others_queue = next(s.queue for s in topology.SUBSCRIPTIONS if s.consumer == consumer)
    others_delay = topology.retry_queue(consumer, 0.2).name
    forbidden = {
        "publish another service's events": lambda c: _publish(c, f"{other}.events", "x"),
        "publish a ministry contract": lambda c: _publish(c, topology.INBOUND_EXCHANGE,
                                                          "finance.revenue_executed"),
        "publish straight into a queue": lambda c: _publish(c, "", f"rpc-{other}"),
        "consume another service's RPC queue": lambda c: c.channel().basic_consume(
            f"rpc-{other}"),
        "consume another service's subscription": lambda c: c.channel().basic_consume(
            others_queue),
        "bind another service's subscription": lambda c: c.channel().queue_bind(
            others_queue, f"{service}.events", "#"),
        "consume another service's retry queue": lambda c: c.channel().basic_consume(
            others_delay),
        "bind another service's retry queue": lambda c: c.channel().queue_bind(
            others_delay, f"{service}.events", "#"),
        "inject through another service's retry exchange": lambda c: _publish(
            c, topology.retry_exchange(consumer, 0.2).name, others_queue),
        "inject through another service's requeue exchange": lambda c: _publish(
            c, topology.requeue_exchange(consumer).name, others_queue),
        "delete another service's subscription": lambda c: c.channel().queue_delete(others_queue),
        "consume the dead letters": lambda c: c.channel().basic_consume(
            topology.DEAD_LETTER_QUEUE),
        "bind the dead letters elsewhere": lambda c: c.channel().queue_bind(
            topology.DEAD_LETTER_QUEUE, f"{service}.events", "#"),
        "declare a queue outside its names": lambda c: c.channel().queue_declare("stolen"),
        "receive another service's RPC requests": lambda c: _bind_reply_queue(
            c, service, f"{other}.*"),
        "declare a queue named like an exchange": lambda c: c.channel().queue_declare(
            f"{service}.events"),
    }
    if service not in broker_access.RPC_CALLEES:  # only the gateway calls the domain services
        forbidden["call another service's RPC"] = lambda c: _publish(
            c, "nameko-rpc", f"{other}.get_civil_servant")
    own = next((s for s in topology.SUBSCRIPTIONS if s.consumer == service), None)
    if own is not None:
        exchange_name, _ = own.bindings[0]
        forbidden["bind its own subscription under a key it does not subscribe to"] = (
            lambda c: c.channel().queue_bind(own.queue, exchange_name, "not_subscribed"))
    for shared in topology.shared_exchanges():
        forbidden[f"declare shared {shared.name}"] = lambda c, e=shared: c.channel(
            ).exchange_declare(e.name, e.type, durable=True, auto_delete=False)
        forbidden[f"delete shared {shared.name}"] = lambda c, e=shared: c.channel(
            ).exchange_delete(e.name)
    return forbidden


def _bind_reply_queue(conn, service, key):
    """A reply queue of the service's own, bound to the RPC exchange under ``key``."""
    channel = conn.channel()
    name = f"rpc.reply-{service}-{uuid.uuid4()}"
    channel.queue_declare(name, auto_delete=True)
    channel.queue_bind(name, "nameko-rpc", key)


@pytest.mark.parametrize("service", broker_access.SERVICES)
def test_each_service_user_is_refused_the_shared_topology_and_what_belongs_to_others(
        bus, service):
    user = broker_access.service_user(service)
    for what, operation in _service_forbidden(service).items():
        assert "ACCESS_REFUSED" in _refused(bus, user, operation), (service, what)


def _declare(uri, items):
    with Connection(uri, connect_timeout=5) as conn:
        channel = conn.channel()
        for item in items:
            item.maybe_bind(channel)
            item.declare()


@pytest.mark.parametrize("service", broker_access.SERVICES)
def test_a_service_user_looks_the_shared_topology_up_and_declares_its_own_names(bus, service):
    uri = broker_access.uri_for(bus["uri"], broker_access.service_user(service), is_local=True)
    assert topology.missing_shared_exchanges(uri) == []  # passive declares: no right needed
    topology.await_shared_exchanges(uri, wait_seconds=5)
    # what a consuming service declares at start, exactly as services.common.consuming does
    _declare(uri, [*topology.own_declarations(service), topology.dead_letter_exchange(passive=True),
                   topology.rpc_exchange(passive=True)])
    with _as(bus, broker_access.service_user(service)) as conn:
        _publish(conn, f"{service}.events", "x")
        _publish(conn, "nameko-rpc", str(uuid.uuid4()))  # a reply, under the caller's reply key
        for callee in broker_access.RPC_CALLEES.get(service, ()):
            _publish(conn, "nameko-rpc", f"{callee}.get")
        _publish(conn, topology.DEAD_LETTER_EXCHANGE, "handler_failed")
        _bind_reply_queue(conn, service, str(uuid.uuid4()))  # how nameko binds a reply queue
        channel = conn.channel()
        received = []
        if service != "gateway":
            channel.basic_consume(f"rpc-{service}", callback=received.append)
        for sub in topology.SUBSCRIPTIONS:
            if sub.consumer == service:
                channel.basic_consume(sub.queue, callback=received.append)


def test_a_service_started_before_the_topology_waits_and_names_what_is_missing(
        rabbit_config, request, caplog):
    """No topology on this vhost yet: the check gives up here (a service waits for ever) with
    an error naming each missing shared exchange, and passes once the administrator's step ran."""
    uri = rabbit_config["AMQP_URI"]
    broker_access.apply(request.config.getoption("RABBIT_API_URI"), rabbit_config["vhost"],
                        is_local=True, users=[broker_access.service_user("budgets")])
    as_budgets = broker_access.uri_for(uri, broker_access.service_user("budgets"), is_local=True)
    with pytest.raises(topology.TopologyMissing) as missing:
        topology.await_shared_exchanges(as_budgets, wait_seconds=1.5)
    expected = {e.name for e in topology.shared_exchanges()}
    assert set(missing.value.names) == expected
    assert "regionctl topology" in str(missing.value) and "nameko-rpc" in str(missing.value)
    assert any("platform.dlx" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    topology.declare_all(uri)
    topology.await_shared_exchanges(as_budgets, wait_seconds=5)


# -- retries and dead letters under a service's own user -------------------------------------------

@event_schema("bus_probe", source="investments", description="test-only probe of the bus rights")
class BusProbe(Schema):
    probe_id = fields.Str(required=True)
    fail_times = fields.Int(load_default=0)
    region_code = fields.Str(required=True)


register(BusProbe)
DELIVERIES: dict[str, int] = {}
HANDLED: set[str] = set()


class BudgetsProbeSink:
    """Consumes as budgets does: ``subscribe``, the budgets broker user, its own retry names."""
    name = "budgets"

    @subscribe()
    def on_bus_probe(self, envelope):
        payload = envelope["payload"]
        DELIVERIES[payload["probe_id"]] = DELIVERIES.get(payload["probe_id"], 0) + 1
        if DELIVERIES[payload["probe_id"]] <= payload["fail_times"]:
            raise RuntimeError(f"failing on purpose, attempt {DELIVERIES[payload['probe_id']]}")
        HANDLED.add(payload["probe_id"])


PROBE_SUB = topology.Subscription("budgets", "on_bus_probe", (("investments.events", "bus_probe"),))


@pytest.fixture
def budgets_sink(rabbit_config, request, monkeypatch, container_factory):
    """The probe sink running as platform-budgets; rights and topology include its queue, as
    they would for a new subscription of budgets (both derive from SUBSCRIPTIONS)."""
    monkeypatch.setattr(topology, "SUBSCRIPTIONS", topology.SUBSCRIPTIONS + (PROBE_SUB,))
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.2,0.4")
    monkeypatch.setenv("HANDLER_MAX_ATTEMPTS", "3")
    admin = rabbit_config["AMQP_URI"]
    topology.declare_all(admin)
    broker_access.apply(request.config.getoption("RABBIT_API_URI"), rabbit_config["vhost"],
                        is_local=True)
    as_budgets = broker_access.uri_for(admin, "platform-budgets", is_local=True)
    monkeypatch.setenv("AMQP_URI", as_budgets)  # the retry/dead-letter publisher's account
    container = container_factory(BudgetsProbeSink, {"AMQP_URI": as_budgets, "serializer": "json",
                                                     "max_workers": 4})
    container.start()
    return {"admin": admin, "investments": broker_access.uri_for(
        admin, "platform-investments", is_local=True)}


def _publish_probe(uri, probe_id, fail_times):
    envelope = build_event("bus_probe", {"probe_id": probe_id, "fail_times": fail_times,
                                         "region_code": "KZ-10"}, region_code="KZ-10")
    with _as({"uri": uri}, "platform-investments") as conn:
        _publish(conn, "investments.events", "bus_probe", json.dumps(envelope).encode())


def test_a_service_user_retries_and_dead_letters_through_its_own_names(budgets_sink):
    suffix = uuid.uuid4().hex[:6]
    flaky, poison = f"flaky-{suffix}", f"poison-{suffix}"
    _publish_probe(budgets_sink["admin"], flaky, 2)
    _publish_probe(budgets_sink["admin"], poison, 99)
    wait_until(lambda: flaky in HANDLED, message="flaky probe handled on its third attempt")
    assert DELIVERIES[flaky] == 3
    letters = wait_until(lambda: deadletters.list_dead_letters(budgets_sink["admin"]),
                         message="poison probe dead-lettered")
    assert [(ln["reason"], ln["handler"], ln["queue"], ln["attempts"]) for ln in letters] == [
        ("handler_failed", "budgets.on_bus_probe", "budgets.on_bus_probe", 3)]
    assert DELIVERIES[poison] == 3 and poison not in HANDLED
    # the administrator replays it through budgets.requeue: delivered a fourth time
    assert deadletters.replay(budgets_sink["admin"], {letters[0]["id"]}) == 1
    wait_until(lambda: DELIVERIES[poison] == 4, message="replayed probe delivered again")
