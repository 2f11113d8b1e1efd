"""The bus topology, declared up front and in one place.

nameko declares an event handler's queue only when the handler starts, so an event published
earlier is confirmed by the broker and then discarded for want of a queue. Here every subscription
is listed once, and the deploy step (`regionctl topology`, run as the broker administrator before
any service starts; `make run/up` and deploy/local/platform.sh do it) declares all of it.

Two kinds of names, so that a service's broker user needs rights on its own names only
(services/broker_access.py):
- shared, declared by the administrator alone: the event exchanges ``<source>.events``,
  ``ministry.inbound``, the RPC exchange ``nameko-rpc`` and the dead letters (exchange
  ``platform.dlx`` → queue ``platform.dead-letters``). Services declare these *passively*
  (a passive declare needs no configure right and creates nothing); until they exist a service
  waits at start (``await_shared_exchanges``), logging the missing names;
- a service's own, each name starting with ``<service>.`` and none the name of an exchange:
  its subscription queues ``<service>.<handler>``, its retry exchanges ``<service>.retry.<N>s``
  (fanout → queue ``<service>.delay.<N>s`` whose TTL is N seconds), which dead-letter into its
  requeue exchange ``<service>.requeue`` (direct) with the original routing key, the name of the
  queue the message came from; every subscription queue is bound there under its own name. The
  service re-declares these itself with the very same arguments.

After the last attempt, or at once for a message that fails validation, a message goes to
``platform.dlx`` (fanout → the durable queue ``platform.dead-letters``), headers saying why, from
where, how often. ``topology_prune.prune_legacy`` moves what the earlier names (one set of retry
queues for all services, queues not named by their service) still hold to their successors, then
deletes them (docs/security.md).
"""
import logging
import time
from dataclasses import dataclass

from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Queue, binding
from kombu.exceptions import OperationalError

from services.common.config import load_settings

log = logging.getLogger(__name__)

SOURCES = ("investments", "budgets", "personnel", "gateway")  # gateway: the hub's own facts
INBOUND_EXCHANGE = "ministry.inbound"  # external ministry systems publish here (see AsyncAPI doc)
RPC_EXCHANGE = "nameko-rpc"  # nameko's default name; services declare it passively (rpc.py)
DEAD_LETTER_EXCHANGE = "platform.dlx"
DEAD_LETTER_QUEUE = "platform.dead-letters"
# Names of the topology before each service's queues carried its name (topology_prune).
LEGACY_REQUEUE_EXCHANGE = "platform.requeue"
LEGACY_RETRY_PREFIX = "platform.retry."
LEGACY_DEAD_LETTER_EXCHANGE = "platform.dead-letters"
AWAIT_LOG_SECONDS = 10.0


class TopologyMissing(RuntimeError):
    """A shared exchange the administrator's topology step declares does not exist."""

    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(
            f"shared exchange(s) {', '.join(self.names)} missing on the broker: run "
            "`regionctl topology` as the broker administrator (make run/up do)")


@dataclass(frozen=True)
class Subscription:
    consumer: str  # consuming service
    handler: str  # method name
    bindings: tuple[tuple[str, str], ...]  # (exchange, routing key)

    @property
    def queue(self) -> str:
        # scoped by the consuming service: its broker user's rights name its own queues only
        return f"{self.consumer}.{self.handler}"

    @property
    def legacy_queue(self) -> str:
        """The queue's name before queues carried their service's name (topology_prune)."""
        return LEGACY_QUEUE_NAMES.get((self.consumer, self.handler)) or (
            "evt-{}-{}--{}.{}".format(self.bindings[0][0].removesuffix(".events"),
                                      self.bindings[0][1], self.consumer, self.handler))


def _events(source: str) -> str:
    return f"{source}.events"


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    # the hub sees every domain event
    Subscription("gateway", "record_event", tuple((_events(s), "#") for s in SOURCES)),
    # a commissioned project widens the region's tax base; a cancelled one narrows it again
    Subscription("budgets", "on_project_commissioned", ((_events("investments"), "project_commissioned"),)),
    Subscription("budgets", "on_project_cancelled", ((_events("investments"), "project_cancelled"),)),
    # inbound ministry contracts (see the AsyncAPI document)
    Subscription("budgets", "on_revenue_executed", ((INBOUND_EXCHANGE, "finance.revenue_executed"),)),
    Subscription("personnel", "on_organisation_changed",
                 ((INBOUND_EXCHANGE, "civil_service.organisation_changed"),)),
)
LEGACY_QUEUE_NAMES = {
    ("gateway", "record_event"): "evt-all--gateway.record_event",
    ("budgets", "on_revenue_executed"): "inbound-finance.revenue_executed--budgets",
    ("personnel", "on_organisation_changed"): "inbound-civil_service.organisation_changed--personnel",
}


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


def exchange(name: str, *, passive: bool = False) -> Exchange:
    return Exchange(name, type="topic", durable=True, passive=passive)


def rpc_exchange(*, passive: bool = False) -> Exchange:
    return Exchange(RPC_EXCHANGE, type="topic", durable=True, passive=passive)


def dead_letter_exchange(*, passive: bool = False) -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True, passive=passive)


def shared_exchanges(*, passive: bool = False) -> list[Exchange]:
    """Every exchange the administrator declares and services only look up."""
    return [*(exchange(_events(s), passive=passive) for s in SOURCES),
            exchange(INBOUND_EXCHANGE, passive=passive), rpc_exchange(passive=passive),
            dead_letter_exchange(passive=passive)]


def consumers() -> list[str]:
    return sorted({sub.consumer for sub in SUBSCRIPTIONS})


def _queue_arguments() -> dict:
    # quorum queues for a RabbitMQ cluster (QUEUE_TYPE=quorum; settle it before the first deploy:
    # an existing queue cannot be redeclared with another type); classic by default
    queue_type = load_settings().queue_type
    return {"x-queue-type": queue_type} if queue_type else {}


def requeue_exchange(consumer: str) -> Exchange:
    return Exchange(f"{consumer}.requeue", type="direct", durable=True)


def subscription_queue(sub: Subscription, *, passive_shared: bool = False) -> Queue:
    """The subscription's queue and bindings; a service declares it with ``passive_shared``
    (the event exchanges are looked up, its own requeue exchange is declared)."""
    bindings = [binding(exchange(ex, passive=passive_shared), routing_key=key)
                for ex, key in sub.bindings]
    bindings.append(binding(requeue_exchange(sub.consumer), routing_key=sub.queue))
    return Queue(sub.queue, bindings=bindings, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=_queue_arguments() or None)


def retry_exchange(consumer: str, delay: float) -> Exchange:
    return Exchange(f"{consumer}.retry.{delay:g}s", type="fanout", durable=True)


def retry_queue(consumer: str, delay: float) -> Queue:
    return Queue(f"{consumer}.delay.{delay:g}s", exchange=retry_exchange(consumer, delay),
                 durable=True, auto_delete=False,
                 queue_arguments={"x-message-ttl": int(delay * 1000),
                                  "x-dead-letter-exchange": requeue_exchange(consumer).name,
                                  **_queue_arguments()})


def dead_letter_queue() -> Queue:
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True,
                 auto_delete=False, queue_arguments=_queue_arguments() or None)


def own_declarations(consumer: str, *, passive_shared: bool = True) -> list:
    """What a consuming service declares itself: its requeue exchange, retry exchanges and delay
    queues, and its subscription queues (bound to the shared exchanges, looked up passively)."""
    items: list = [requeue_exchange(consumer)]
    items.extend(retry_queue(consumer, d) for d in load_settings().handler_retry_delays)
    items.extend(subscription_queue(sub, passive_shared=passive_shared)
                 for sub in SUBSCRIPTIONS if sub.consumer == consumer)
    return items


def all_declarations() -> list:
    items: list = shared_exchanges()
    items.append(dead_letter_queue())
    for consumer in consumers():
        items.extend(own_declarations(consumer, passive_shared=False))
    return items


def _with_channel(amqp_uri: str, wait_seconds: float, work):
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with Connection(amqp_uri, connect_timeout=5) as conn:
                return work(conn)
        except (OSError, OperationalError) as exc:
            if time.monotonic() >= deadline:
                raise
            log.warning("broker not reachable for topology (%s); retrying", exc)
            time.sleep(1)


def declare_all(amqp_uri: str, wait_seconds: float = 0) -> None:
    """Declare every exchange, queue and binding (idempotent; the administrator's step)."""
    def work(conn):
        channel = conn.channel()
        for entity in all_declarations():
            entity.maybe_bind(channel)
            entity.declare()
    _with_channel(amqp_uri, wait_seconds, work)


def missing_shared_exchanges(amqp_uri: str) -> list[str]:
    """Names of the shared exchanges not on the broker (passive declares: no rights needed)."""
    def work(conn):
        missing = []
        for entity in shared_exchanges(passive=True):
            channel = conn.channel()
            try:
                entity.declare(channel=channel)
            except NotFound:  # the broker closes the channel on a failed passive declare
                missing.append(entity.name)
            else:
                channel.close()
        return missing
    return _with_channel(amqp_uri, 0, work)


def await_shared_exchanges(amqp_uri: str, wait_seconds: float | None = None) -> None:
    """Return once every shared exchange exists; until then log what is missing (an error naming
    it) and look again, so a service started before `regionctl topology` comes up by itself.
    ``wait_seconds``: give up with ``TopologyMissing`` after that long (None: never)."""
    deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
    last_log = 0.0
    while True:
        try:
            missing = missing_shared_exchanges(amqp_uri)
        except (OSError, OperationalError) as exc:
            missing, problem = None, f"broker unreachable ({exc})"
        else:
            if not missing:
                return
            problem = str(TopologyMissing(missing))
        if deadline is not None and time.monotonic() >= deadline:
            if missing:
                raise TopologyMissing(missing)
            raise OperationalError(problem)
        if time.monotonic() - last_log >= AWAIT_LOG_SECONDS:
            log.error("waiting for the bus topology: %s", problem)
            last_log = time.monotonic()
        time.sleep(1)
