"""Reading, replaying and discarding dead letters (used by ``regionctl dlq``).

Messages are taken from the dead-letter queue without acknowledging them; those not acted upon
return to the queue in their order when the channel closes, so listing changes nothing.
"""
import json

from kombu import Connection, Exchange

from services.common import topology

MAX_SCAN = 100_000


def _scan(amqp_uri: str, action):
    """Call ``action(channel, message)`` for every dead letter; ack those it returns True for."""
    with Connection(amqp_uri, connect_timeout=5) as conn:
        channel = conn.channel()
        queue = topology.dead_letter_queue()
        queue.maybe_bind(channel)
        queue.declare()
        taken = 0
        while taken < MAX_SCAN:
            raw = channel.basic_get(topology.DEAD_LETTER_QUEUE, no_ack=False)
            if raw is None:
                break
            taken += 1
            message = channel.message_to_python(raw)
            if action(conn, message):
                message.ack()
        channel.close()  # unacked messages go back to the queue


def summary(message) -> dict:
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (ValueError, TypeError):
        body = None
    return {
        "id": headers.get("x-platform-dead-letter-id"),
        "reason": headers.get("x-platform-reason"),
        "handler": headers.get("x-platform-handler"),
        "queue": headers.get("x-platform-queue"),
        "attempts": headers.get("x-platform-attempts"),
        "error": headers.get("x-platform-error"),
        "details": headers.get("x-platform-details"),
        "dead_lettered_at": headers.get("x-platform-dead-lettered-at"),
        "event_id": (body or {}).get("event_id") if isinstance(body, dict) else None,
        "event_type": (body or {}).get("event_type") if isinstance(body, dict) else None,
        "body": body if body is not None else message.body[:500].decode("utf-8", "replace")
        if isinstance(message.body, bytes) else message.body,
    }


def list_dead_letters(amqp_uri: str) -> list[dict]:
    found = []
    _scan(amqp_uri, lambda conn, m: found.append(summary(m)) and False)
    return found


def replay(amqp_uri: str, ids: set[str] | None) -> int:
    """Send the chosen dead letters (all when ``ids`` is None) back to their queues."""
    replayed = 0

    def act(conn, message):
        nonlocal replayed
        headers = dict(message.headers or {})
        if ids is not None and headers.get("x-platform-dead-letter-id") not in ids:
            return False
        target = _replay_target(headers)
        if target is None:
            return False
        requeue, queue = target
        # where it was first published stays: the consumer checks the envelope's source by it
        kept = ("x-platform-exchange", "x-platform-routing-key")
        headers = {k: v for k, v in headers.items() if not k.startswith("x-platform-") or k in kept}
        headers["x-platform-replayed"] = True
        producer = conn.Producer(channel=conn.channel())
        producer.channel.confirm_select()
        producer.publish(message.body, exchange=requeue, routing_key=queue, headers=headers,
                         content_type=message.content_type or "application/json",
                         content_encoding=message.content_encoding or "utf-8",
                         delivery_mode=2)
        producer.channel.close()
        replayed += 1
        return True

    _scan(amqp_uri, act)
    return replayed


def _replay_target(headers) -> tuple[Exchange, str] | None:
    """(the consumer's requeue exchange, its queue) for a dead letter, by the handler that gave up
    on it: a letter dead-lettered under an earlier queue name still finds today's queue."""
    consumer, _, handler = str(headers.get("x-platform-handler") or "").partition(".")
    try:
        sub = topology.find_subscription(consumer, handler)
    except LookupError:  # a subscription this process does not list: its queue names its consumer
        queue = str(headers.get("x-platform-queue") or "")
        if not consumer or not queue.startswith(f"{consumer}."):
            return None
        return topology.requeue_exchange(consumer), queue
    return topology.requeue_exchange(sub.consumer), sub.queue


def discard(amqp_uri: str, ids: set[str]) -> int:
    discarded = 0

    def act(conn, message):
        nonlocal discarded
        if (message.headers or {}).get("x-platform-dead-letter-id") in ids:
            discarded += 1
            return True
        return False

    _scan(amqp_uri, act)
    return discarded
