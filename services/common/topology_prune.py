"""Moving a deployment off the earlier bus names (``regionctl topology --prune``).

Before each service's queues carried its name, the subscription queues were ``evt-...--<service>.
<handler>`` (and three named otherwise), every service shared the retry exchanges and queues
``platform.retry.<N>s`` and the requeue exchange ``platform.requeue``, and the dead-letter exchange
bore the dead-letter queue's name. Run as the broker administrator, after `regionctl topology`
declared the new names and once no process of the earlier release runs, ``prune_legacy``:

1. deletes the earlier retry exchanges (nothing new enters the delay queues);
2. moves every message still in an earlier delay queue or subscription queue to its successor,
   through the consuming service's own requeue exchange, keeping its headers (attempts, where it
   was first published, which the consumer's source check reads);
3. deletes the emptied queues, then ``platform.requeue`` and the earlier dead-letter exchange.

An event that reached both an earlier queue and its successor (published between the two steps)
is handled twice, which handlers tolerate: they are idempotent by ``event_id``.
"""
import logging

from amqp.exceptions import NotFound
from kombu import Connection, Exchange

from services.common import consuming, topology
from services.common.config import load_settings

log = logging.getLogger(__name__)


def legacy_retry_names(delays) -> list[str]:
    return [f"{topology.LEGACY_RETRY_PREFIX}{d:g}s" for d in delays]


def _exists(conn, queue: str) -> bool:
    channel = conn.channel()
    try:
        channel.queue_declare(queue, passive=True)
    except NotFound:
        return False
    channel.close()
    return True


def _move(conn, queue: str, successor_of) -> int:
    """Republish every message of ``queue`` to its successor (``successor_of(routing key)``)."""
    moved = 0
    channel = conn.channel()
    producer = conn.Producer(channel=conn.channel())
    producer.channel.confirm_select()
    while True:
        raw = channel.basic_get(queue, no_ack=False)
        if raw is None:
            break
        message = channel.message_to_python(raw)
        info = message.delivery_info or {}
        sub = successor_of(info.get("routing_key"))
        if sub is None:
            log.error("%s: no successor for routing key %r; left in place", queue,
                      info.get("routing_key"))
            break
        headers = dict(message.headers or {})
        if consuming.PUBLISHED_EXCHANGE_HEADER not in headers:  # first delivery: say its origin
            headers[consuming.PUBLISHED_EXCHANGE_HEADER] = info.get("exchange") or ""
            headers[consuming.PUBLISHED_ROUTING_KEY_HEADER] = info.get("routing_key") or ""
        producer.publish(message.body, exchange=topology.requeue_exchange(sub.consumer),
                         routing_key=sub.queue, headers=headers, delivery_mode=2,
                         message_id=message.properties.get("message_id"),
                         content_type=message.content_type or "application/json",
                         content_encoding=message.content_encoding or "utf-8")
        message.ack()
        moved += 1
    producer.channel.close()
    channel.close()
    return moved


def prune_legacy(amqp_uri: str) -> list[str]:
    """Drain and delete what the earlier names left on the broker; returns what was done."""
    done: list[str] = []
    by_legacy_queue = {sub.legacy_queue: sub for sub in topology.SUBSCRIPTIONS}
    retry_names = legacy_retry_names(load_settings().handler_retry_delays)
    with Connection(amqp_uri, connect_timeout=5) as conn:
        admin = conn.channel()
        for name in retry_names:
            admin.exchange_delete(name)
        for name in retry_names:  # a delay queue's routing keys are the earlier queue names
            if _exists(conn, name):
                moved = _move(conn, name, by_legacy_queue.get)
                conn.channel().queue_delete(name, if_empty=True)
                done.append(f"moved {moved} from {name} and deleted it")
        for legacy, sub in by_legacy_queue.items():
            if not _exists(conn, legacy):
                continue
            moved = _move(conn, legacy, lambda _key, sub=sub: sub)
            conn.channel().queue_delete(legacy, if_empty=True)
            done.append(f"moved {moved} from {legacy} to {sub.queue} and deleted it")
        for name in (topology.LEGACY_REQUEUE_EXCHANGE, topology.LEGACY_DEAD_LETTER_EXCHANGE):
            # exchange.delete touches the exchange only: the queue platform.dead-letters stays
            Exchange(name, channel=conn.channel()).delete()
            done.append(f"deleted exchange {name}")
    return done
