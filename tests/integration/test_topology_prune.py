"""Upgrading a broker from the earlier names: ``regionctl topology --prune`` moves what the
earlier queues hold to their successors and deletes them (services/common/topology_prune.py)."""
import json

import pytest
from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Queue, binding

from services.common import consuming, topology
from services.common.topology_prune import prune_legacy

pytestmark = pytest.mark.integration


def _legacy_topology(channel, sub, delay):
    """What the earlier release declared for one subscription."""
    requeue = Exchange(topology.LEGACY_REQUEUE_EXCHANGE, type="direct", durable=True)
    old_dlx = Exchange(topology.LEGACY_DEAD_LETTER_EXCHANGE, type="fanout", durable=True)
    exchange_name, key = sub.bindings[0]
    Queue(sub.legacy_queue, durable=True, bindings=[
        binding(topology.exchange(exchange_name), routing_key=key),
        binding(requeue, routing_key=sub.legacy_queue)], channel=channel).declare()
    retry_name = f"{topology.LEGACY_RETRY_PREFIX}{delay:g}s"
    # a long TTL: the message must still be there when the prune runs
    Queue(retry_name, exchange=Exchange(retry_name, type="fanout", durable=True), durable=True,
          queue_arguments={"x-message-ttl": 600_000,
                           "x-dead-letter-exchange": requeue.name}, channel=channel).declare()
    Queue(topology.DEAD_LETTER_QUEUE, exchange=old_dlx, durable=True, channel=channel).declare()
    return exchange_name, key, retry_name


def _get_all(channel, queue):
    found = []
    while (raw := channel.basic_get(queue, no_ack=True)) is not None:
        found.append(raw)
    return found


def test_prune_moves_what_the_earlier_queues_hold_and_deletes_them(rabbit_config, monkeypatch):
    monkeypatch.setenv("HANDLER_RETRY_DELAYS", "5")
    uri = rabbit_config["AMQP_URI"]
    sub = topology.find_subscription("budgets", "on_project_commissioned")
    with Connection(uri) as conn:
        channel = conn.channel()
        exchange_name, key, retry_name = _legacy_topology(channel, sub, 5)
        producer = conn.Producer(channel=channel)
        # one event waiting in the earlier queue, one waiting out a retry delay
        producer.publish(json.dumps({"n": "queued"}), exchange=exchange_name, routing_key=key)
        producer.publish(json.dumps({"n": "retrying"}), exchange=retry_name,
                         routing_key=sub.legacy_queue,
                         headers={consuming.ATTEMPTS_HEADER: 2,
                                  consuming.PUBLISHED_EXCHANGE_HEADER: exchange_name,
                                  consuming.PUBLISHED_ROUTING_KEY_HEADER: key})
    topology.declare_all(uri)
    done = prune_legacy(uri)
    assert any(sub.legacy_queue in line for line in done), done
    with Connection(uri) as conn:
        channel = conn.channel()
        moved = {json.loads(m.body)["n"]: m for m in _get_all(channel, sub.queue)}
        assert set(moved) == {"queued", "retrying"}
        for message in moved.values():  # the consumer's source check reads these
            headers = message.headers
            assert headers[consuming.PUBLISHED_EXCHANGE_HEADER] == exchange_name
            assert headers[consuming.PUBLISHED_ROUTING_KEY_HEADER] == key
            assert message.delivery_info["exchange"] == "budgets.requeue"
        assert moved["retrying"].headers[consuming.ATTEMPTS_HEADER] == 2
        for queue in (sub.legacy_queue, retry_name):
            with pytest.raises(NotFound):
                conn.channel().queue_declare(queue, passive=True)
        for name in (retry_name, topology.LEGACY_REQUEUE_EXCHANGE,
                     topology.LEGACY_DEAD_LETTER_EXCHANGE):
            with pytest.raises(NotFound):
                conn.channel().exchange_declare(name, "direct", passive=True)
        # the dead-letter queue stays, now fed by platform.dlx
        conn.channel().queue_declare(topology.DEAD_LETTER_QUEUE, passive=True)
        conn.channel().exchange_declare(topology.DEAD_LETTER_EXCHANGE, "fanout", passive=True)
    assert prune_legacy(uri)[-2:] == [f"deleted exchange {topology.LEGACY_REQUEUE_EXCHANGE}",
                                      f"deleted exchange {topology.LEGACY_DEAD_LETTER_EXCHANGE}"]
