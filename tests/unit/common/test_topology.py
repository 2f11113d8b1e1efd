import pytest

from services import broker_access
from services.common import topology
from services.common.config import load_settings


def test_every_subscription_queue_is_bound_to_its_sources_and_its_consumers_requeue_exchange():
    for sub in topology.SUBSCRIPTIONS:
        queue = topology.subscription_queue(sub)
        bound = {(b.exchange.name, b.routing_key) for b in queue.bindings}
        assert set(sub.bindings) <= bound
        assert (f"{sub.consumer}.requeue", sub.queue) in bound
        assert queue.durable and not queue.auto_delete


def test_queue_names_carry_the_consuming_service():
    sub = topology.find_subscription("budgets", "on_project_commissioned")
    assert sub.queue == "budgets.on_project_commissioned"
    assert sub.legacy_queue == "evt-investments-project_commissioned--budgets.on_project_commissioned"
    assert topology.find_subscription("gateway", "record_event").legacy_queue == \
        "evt-all--gateway.record_event"
    for sub in topology.SUBSCRIPTIONS:
        assert sub.queue.startswith(sub.consumer + ".")


def test_an_unregistered_handler_fails_loudly():
    with pytest.raises(LookupError):
        topology.find_subscription("budgets", "on_nothing")


def test_retry_queues_are_per_service_and_dead_letter_back_through_its_requeue_exchange(
        monkeypatch):
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.5,2")
    names = {q.name: q for q in topology.all_declarations() if hasattr(q, "queue_arguments")}
    for consumer in ("budgets", "personnel", "gateway"):
        delay = names[f"{consumer}.delay.0.5s"]
        assert delay.exchange.name == f"{consumer}.retry.0.5s"
        assert delay.queue_arguments == {
            "x-message-ttl": 500, "x-dead-letter-exchange": f"{consumer}.requeue"}
        assert f"{consumer}.delay.2s" in names
    assert topology.DEAD_LETTER_QUEUE in names
    assert not any(name.startswith("platform.retry") for name in names)
    assert load_settings().handler_retry_delays == (0.5, 2.0)


def _exchange_names(items) -> set[str]:
    found = set()
    for item in items:
        if hasattr(item, "queue_arguments"):
            if item.exchange is not None and item.exchange.name:
                found.add(item.exchange.name)
            found.update(b.exchange.name for b in item.bindings or ())
        else:
            found.add(item.name)
    return found


def test_no_queue_bears_the_name_of_an_exchange(monkeypatch):
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "1,5,30")
    items = topology.all_declarations()
    queues = {i.name for i in items if hasattr(i, "queue_arguments")}
    exchanges = _exchange_names(items)
    assert topology.DEAD_LETTER_EXCHANGE in exchanges and topology.RPC_EXCHANGE in exchanges
    assert queues and not queues & exchanges


def test_a_service_declares_the_shared_exchanges_passively_and_its_own_names_actively():
    for consumer in topology.consumers():
        own = topology.own_declarations(consumer)
        shared = {e.name for e in topology.shared_exchanges()}
        for item in own:
            if hasattr(item, "queue_arguments"):
                assert item.name.startswith(consumer + ".")
                for b in item.bindings or ():
                    assert b.exchange.passive == (b.exchange.name in shared), b.exchange.name
                if item.exchange is not None and item.exchange.name:  # a delay queue's own
                    assert item.exchange.name.startswith(f"{consumer}.retry.")
                    assert not item.exchange.passive
            else:
                assert item.name == f"{consumer}.requeue" and not item.passive
    assert all(e.passive for e in topology.shared_exchanges(passive=True))


def test_the_shared_names_are_outside_every_service_users_configure_and_read_rights(
        monkeypatch):
    import re
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "1,5,30")
    items = topology.all_declarations()
    shared = {e.name for e in topology.shared_exchanges()} | {topology.DEAD_LETTER_QUEUE}
    for service in broker_access.SERVICES:
        grant = broker_access.service_permission(service)
        for name in shared:
            assert not re.match(grant.configure, name), (service, name)
        assert not re.match(grant.read, topology.DEAD_LETTER_QUEUE)
        assert not re.match(grant.read, topology.DEAD_LETTER_EXCHANGE)
        for item in items:  # every queue of another service: no read, no write, no configure
            if hasattr(item, "queue_arguments") and not item.name.startswith(service + "."):
                for regex in (grant.configure, grant.write, grant.read):
                    assert not re.match(regex, item.name), (service, item.name)
            elif hasattr(item, "queue_arguments"):
                assert re.match(grant.configure, item.name) and re.match(grant.read, item.name)


def test_quorum_queues_on_request(monkeypatch):
    monkeypatch.setenv("QUEUE_TYPE", "quorum")
    queue = topology.subscription_queue(topology.SUBSCRIPTIONS[0])
    assert queue.queue_arguments == {"x-queue-type": "quorum"}
