"""The bus topology, declared up front and in one place.

nameko declares an event handler's queue only when the handler starts, so an event published
earlier is confirmed by the broker and then discarded for want of a queue. Here every subscription
is listed once; publishers (the outbox relay, at start) and the deploy step (`regionctl topology`)
declare all of it before anything is published, and each consumer declares its own queue with the
very same arguments.

Around each subscription queue:
- retries: a failed message is published to ``platform.retry.<N>s`` (fanout → a queue whose TTL is
  N seconds), which dead-letters it into ``platform.requeue`` (direct) with its original routing key,
  the name of the queue it came from; every subscription queue is bound there under its own name;
- dead letters: after the last attempt, or at once for a message that fails validation, it goes to
  ``platform.dead-letters`` (fanout → one durable queue), headers saying why, from where, how often.
"""
import logging
import time
from dataclasses import dataclass, field

from kombu import Connection, Exchange, Queue, binding
from kombu.exceptions import OperationalError

from services.common.config import load_settings

log = logging.getLogger(__name__)

SOURCES = ("investments", "budgets", "personnel", "gateway")  # gateway: the hub's own facts
INBOUND_EXCHANGE = "ministry.inbound"  # external ministry systems publish here (see AsyncAPI doc)
REQUEUE_EXCHANGE = "platform.requeue"
DEAD_LETTER_EXCHANGE = "platform.dead-letters"
DEAD_LETTER_QUEUE = "platform.dead-letters"


@dataclass(frozen=True)
class Subscription:
    consumer: str  # consuming service
    handler: str  # method name
    bindings: tuple[tuple[str, str], ...]  # (exchange, routing key)
    queue_name: str = field(default="")

    @property
    def queue(self) -> str:
        if self.queue_name:
            return self.queue_name
        exchange, key = self.bindings[0]
        source = exchange.removesuffix(".events")
        # nameko's own naming for service-pool handlers, so operators recognise the queues
        return f"evt-{source}-{key}--{self.consumer}.{self.handler}"


def _events(source: str) -> str:
    return f"{source}.events"


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    # the hub sees every domain event
    Subscription("gateway", "record_event",
                 tuple((_events(s), "#") for s in SOURCES), queue_name="evt-all--gateway.record_event"),
    # a commissioned project widens the region's tax base; a cancelled one narrows it again
    Subscription("budgets", "on_project_commissioned", ((_events("investments"), "project_commissioned"),)),
    Subscription("budgets", "on_project_cancelled", ((_events("investments"), "project_cancelled"),)),
    # inbound ministry contracts (see the AsyncAPI document)
    Subscription("budgets", "on_revenue_executed", ((INBOUND_EXCHANGE, "finance.revenue_executed"),),
                 queue_name="inbound-finance.revenue_executed--budgets"),
    Subscription("personnel", "on_organisation_changed",
                 ((INBOUND_EXCHANGE, "civil_service.organisation_changed"),),
                 queue_name="inbound-civil_service.organisation_changed--personnel"),
)


def accepted_events(sub: Subscription) -> set[tuple[str, str]] | None:
    """(source, event type) pairs a subscription may receive; None when a binding is a wildcard.

    A queue bound to one routing key can still be sent another contract by mistake (a producer
    publishing with the wrong key): the consumer refuses what its bindings do not name.
    Inbound keys read ``<source>.<event_type>`` (``finance.revenue_executed``).
    """
    accepted = set()
    for exchange_name, key in sub.bindings:
        if "*" in key or "#" in key:
            return None
        if exchange_name == INBOUND_EXCHANGE:
            words = key.split(".")
            accepted.add((words[0], words[-1]))
        else:
            accepted.add((exchange_name.removesuffix(".events"), key))
    return accepted


def find_subscription(consumer: str, handler: str) -> Subscription:
    for sub in SUBSCRIPTIONS:
        if sub.consumer == consumer and sub.handler == handler:
            return sub
    raise LookupError(f"{consumer}.{handler} is not in services.common.topology.SUBSCRIPTIONS; "
                      "add it there so its queue is declared before anything is published")


def exchange(name: str) -> Exchange:
    return Exchange(name, type="topic", durable=True)


def _queue_arguments() -> dict:
    # quorum queues for a RabbitMQ cluster (QUEUE_TYPE=quorum; settle it before the first deploy:
    # an existing queue cannot be redeclared with another type); classic by default
    queue_type = load_settings().queue_type
    return {"x-queue-type": queue_type} if queue_type else {}


def subscription_queue(sub: Subscription) -> Queue:
    bindings = [binding(exchange(ex), routing_key=key) for ex, key in sub.bindings]
    bindings.append(binding(Exchange(REQUEUE_EXCHANGE, type="direct", durable=True),
                            routing_key=sub.queue))
    return Queue(sub.queue, bindings=bindings, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=_queue_arguments() or None)


def retry_exchange(delay: float) -> Exchange:
    return Exchange(f"platform.retry.{delay:g}s", type="fanout", durable=True)


def retry_queue(delay: float) -> Queue:
    return Queue(f"platform.retry.{delay:g}s", exchange=retry_exchange(delay), durable=True,
                 auto_delete=False,
                 queue_arguments={"x-message-ttl": int(delay * 1000),
                                  "x-dead-letter-exchange": REQUEUE_EXCHANGE,
                                  **_queue_arguments()})


def dead_letter_exchange() -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True,
                 auto_delete=False, queue_arguments=_queue_arguments() or None)


def all_declarations() -> list:
    settings = load_settings()
    items: list = [exchange(_events(s)) for s in SOURCES]
    items.append(exchange(INBOUND_EXCHANGE))
    items.append(Exchange(REQUEUE_EXCHANGE, type="direct", durable=True))
    items.append(dead_letter_queue())
    items.extend(retry_queue(d) for d in settings.handler_retry_delays)
    items.extend(subscription_queue(sub) for sub in SUBSCRIPTIONS)
    return items


def declare_all(amqp_uri: str, wait_seconds: float = 0) -> None:
    """Declare every exchange, queue and binding (idempotent); wait for the broker if asked."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with Connection(amqp_uri, connect_timeout=5) as conn:
                channel = conn.channel()
                for entity in all_declarations():
                    entity.maybe_bind(channel)
                    entity.declare()
                return
        except (OSError, OperationalError) as exc:
            if time.monotonic() >= deadline:
                raise
            log.warning("broker not reachable for topology (%s); retrying", exc)
            time.sleep(1)
