import pytest

from services.common import topology
from services.common.config import load_settings


def test_every_subscription_queue_is_bound_to_its_sources_and_the_requeue_exchange():
    for sub in topology.SUBSCRIPTIONS:
        queue = topology.subscription_queue(sub)
        bound = {(b.exchange.name, b.routing_key) for b in queue.bindings}
        assert set(sub.bindings) <= bound
        assert (topology.REQUEUE_EXCHANGE, sub.queue) in bound
        assert queue.durable and not queue.auto_delete


def test_queue_names_follow_nameko_service_pool_naming():
    sub = topology.find_subscription("budgets", "on_project_commissioned")
    assert sub.queue == "evt-investments-project_commissioned--budgets.on_project_commissioned"


def test_an_unregistered_handler_fails_loudly():
    with pytest.raises(LookupError):
        topology.find_subscription("budgets", "on_nothing")


def test_retry_queues_dead_letter_back_through_the_requeue_exchange(monkeypatch):
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "0.5,2")
    names = {q.name: q for q in topology.all_declarations() if hasattr(q, "queue_arguments")}
    assert names["platform.retry.0.5s"].queue_arguments == {
        "x-message-ttl": 500, "x-dead-letter-exchange": topology.REQUEUE_EXCHANGE}
    assert "platform.retry.2s" in names and topology.DEAD_LETTER_QUEUE in names
    assert load_settings().handler_retry_delays == (0.5, 2.0)


def test_quorum_queues_on_request(monkeypatch):
    monkeypatch.setenv("QUEUE_TYPE", "quorum")
    queue = topology.subscription_queue(topology.SUBSCRIPTIONS[0])
    assert queue.queue_arguments == {"x-queue-type": "quorum"}
