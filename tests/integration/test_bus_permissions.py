"""The broker, not the platform's code, refuses what a ministry system may not do on the bus.

Every user of services/broker_access.py is created on this test's vhost; then each forbidden
operation is tried over a plain AMQP connection as that user and must end in ACCESS_REFUSED
(AMQP reply code 403), while the operations the user exists for still work.
"""
import uuid

import amqp
import pytest
from amqp.exceptions import AccessRefused

from services import broker_access
from services.common import topology

pytestmark = pytest.mark.integration

FINANCE = "ministry-finance"
INBOUND_QUEUE_OF_BUDGETS = "inbound-finance.revenue_executed--budgets"


@pytest.fixture
def bus(rabbit_config, request, monkeypatch):
    """The vhost with the topology, the RPC queues and every platform broker user."""
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.2,0.4")
    uri = rabbit_config["AMQP_URI"]
    vhost = rabbit_config["vhost"]
    topology.declare_all(uri)
    with _connection(uri) as conn:
        channel = conn.channel()
        channel.exchange_declare("nameko-rpc", "topic", durable=True, auto_delete=False)
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
        c, topology.REQUEUE_EXCHANGE, INBOUND_QUEUE_OF_BUDGETS),
    "inject through a retry exchange": lambda c: _publish(c, "platform.retry.0.2s", "x"),
    "write the dead letters": lambda c: _publish(c, topology.DEAD_LETTER_EXCHANGE, "x"),
    "consume a service's RPC queue": lambda c: c.channel().basic_consume("rpc-personnel"),
    "consume a service's event queue": lambda c: c.channel().basic_consume(
        INBOUND_QUEUE_OF_BUDGETS),
    "consume the hub's queue": lambda c: c.channel().basic_consume("evt-all--gateway.record_event"),
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


SERVICE_FORBIDDEN = {
    "publish another service's events": lambda c: _publish(c, "budgets.events", "forecast_updated"),
    "publish a ministry contract": lambda c: _publish(c, topology.INBOUND_EXCHANGE,
                                                      "finance.revenue_executed"),
    "consume another service's RPC queue": lambda c: c.channel().basic_consume("rpc-personnel"),
    "consume another service's event queue": lambda c: c.channel().basic_consume(
        INBOUND_QUEUE_OF_BUDGETS),
}


@pytest.mark.parametrize("what", sorted(SERVICE_FORBIDDEN))
def test_a_service_user_is_refused_what_belongs_to_others(bus, what):
    assert "ACCESS_REFUSED" in _refused(bus, "platform-investments", SERVICE_FORBIDDEN[what])


def _others_subscription(service: str) -> str:
    return next(sub.queue for sub in topology.SUBSCRIPTIONS if sub.consumer != service)


def _service_forbidden(service: str) -> dict:
    """What each service user may not do: another's events, RPC queue and subscriptions, a
    ministry's contract, the default exchange, names outside its own."""
    other = "personnel" if service != "personnel" else "investments"
    return {
        "publish another service's events": lambda c: _publish(c, f"{other}.events", "x"),
        "publish a ministry contract": lambda c: _publish(c, topology.INBOUND_EXCHANGE,
                                                          "finance.revenue_executed"),
        "publish straight into a queue": lambda c: _publish(c, "", f"rpc-{other}"),
        "consume another service's RPC queue": lambda c: c.channel().basic_consume(
            f"rpc-{other}"),
        "consume another service's subscription": lambda c: c.channel().basic_consume(
            _others_subscription(service)),
        "declare a queue outside its names": lambda c: c.channel().queue_declare("stolen"),
    }


@pytest.mark.parametrize("service", broker_access.SERVICES)
def test_each_service_user_is_refused_what_belongs_to_others(bus, service):
    user = broker_access.service_user(service)
    for what, operation in _service_forbidden(service).items():
        assert "ACCESS_REFUSED" in _refused(bus, user, operation), (service, what)


def test_a_service_user_publishes_its_own_events_and_declares_the_topology(bus):
    uri = broker_access.uri_for(bus["uri"], "platform-investments", is_local=True)
    topology.declare_all(uri)  # what the outbox relay does at start
    with _as(bus, "platform-investments") as conn:
        _publish(conn, "investments.events", "project_commissioned")
        _publish(conn, "nameko-rpc", "personnel.get_civil_servant")
        conn.channel().basic_consume("rpc-investments")
