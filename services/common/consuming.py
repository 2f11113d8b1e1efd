"""Event consumption that loses nothing: the ``subscribe`` entrypoint.

nameko's ``event_handler`` acks and drops a message whose handler raised. ``subscribe`` instead
- validates the envelope and payload before the handler runs; an invalid message goes straight to
  the dead-letter queue with the validation errors as its reason (retrying cannot fix it), and so
  does a message the handler itself refuses with ``ValidationFailed`` (its own rules);
- trusts an envelope only as far as the broker vouches for it: its ``source`` must be the exchange
  it was published to (``<source>.events``, which only that service's broker user may write), or on
  ``ministry.inbound`` the first word of its routing key (each ministry user may publish only its
  own keys), and its ``region_code`` must be the payload's region. A mismatch is dead-lettered
  (``untrusted_source`` / ``region_mismatch``) and counted;
- acks only after the handler returned, i.e. after its write;
- on a handler error republishes the message (with confirms) to a delay queue, and after
  ``HANDLER_MAX_ATTEMPTS`` to the dead-letter queue with the error, handler and attempt count;
- treats an unreachable store or service as an outage, not a bad message: those retries do not
  count towards the attempts, so an outage never dead-letters good events;
- if even that republish fails, returns the message to its queue (nothing is acked unsaved).

Handlers receive the parsed envelope and must be idempotent by ``event_id``.
"""
import json
import logging
import traceback
import uuid
from datetime import datetime, timezone
from functools import partial

from nameko.amqp.publish import Publisher
from nameko.messaging import Consumer, QueueConsumer
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from services.common import instruments as metrics
from services.common import topology
from services.common.config import load_settings
from services.common.errors import ServiceUnavailable, StaleVersion, ValidationFailed
from services.common.events import EVENT_TYPES, parse_event

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-platform-attempts"
# Where a message was first published. A retried or replayed message arrives through the
# consumer's own ``<service>.requeue``, which only that service's user (and the administrator) may
# write, so these headers (set on the way out by
# the consumer) stand in for the delivery's own exchange and routing key then.
PUBLISHED_EXCHANGE_HEADER = "x-platform-exchange"
PUBLISHED_ROUTING_KEY_HEADER = "x-platform-routing-key"
# The payload field that names the envelope's region: personnel facts are about a servant, whose
# home region is the envelope's region_code (services.personnel.domain.event_region).
PAYLOAD_REGION_FIELDS = ("region_code", "home_region")
OUTAGES_HEADER = "x-platform-outages"
# A lost write race (the store kept refusing a stale update) is as transient as an outage.
OUTAGE_ERRORS = (ConnectionFailure, ServerSelectionTimeoutError, ServiceUnavailable, StaleVersion)


class SafeQueueConsumer(QueueConsumer):
    """nameko's queue consumer dies on a body it cannot decode; this one dead-letters it."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    # nameko 2.14 swallows amqp's ConnectionError only; a socket the broker dropped raises OSError
    # (ConnectionResetError, BrokenPipeError) from the ack, which killed the whole service on a
    # broker restart. The broker takes back every unacknowledged message of a closed channel, so
    # there is nothing left to settle: the message comes again after the reconnection.
    def ack_message(self, message):
        try:
            super().ack_message(message)
        except OSError as exc:
            log.warning("connection lost before the ack (%s); the broker redelivers the message", exc)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except OSError as exc:
            log.warning("connection lost before the requeue (%s); the broker redelivers the "
                        "message", exc)

    def _undecodable(self, provider, message, exc):
        try:
            provider.dead_letter(message, reason="undecodable", error=f"{type(exc).__name__}: {exc}",
                                 details={}, attempts=0)
        except Exception:
            log.exception("could not dead-letter an undecodable message; returning it")
            self.requeue_message(message)


class Subscribe(Consumer):
    queue_consumer = SafeQueueConsumer()

    def __init__(self, *, validate: bool = True, **kwargs):
        self.validate = validate
        super().__init__(queue=None, requeue_on_error=False, **kwargs)

    def setup(self):
        settings = load_settings()
        self.settings = settings
        self.subscription = topology.find_subscription(self.container.service_name,
                                                       self.method_name)
        self.accepted = topology.accepted_events(self.subscription)
        self.queue = topology.subscription_queue(self.subscription, passive_shared=True)
        consumer = self.subscription.consumer
        # its own retry exchanges and delay queues it declares; the dead-letter exchange is
        # shared (the administrator's), so only looked up: the service may not configure it
        self.publisher = Publisher(settings.amqp_uri, use_confirms=True, delivery_mode=2,
                                   serializer="json",
                                   declare=[topology.dead_letter_exchange(passive=True),
                                            *(topology.retry_queue(consumer, d)
                                              for d in settings.handler_retry_delays)])
        super().setup()

    # -- receiving ---------------------------------------------------------------------------
    def handle_message(self, body, message):
        if self.validate:
            try:
                body = parse_event(body)
            except ValidationFailed as exc:
                self.dead_letter(message, reason="invalid_message", error=exc.message,
                                  details=exc.details, attempts=0)
                return
            for reason, problem in (("invalid_message", self._binding_problem(body)),
                                    ("untrusted_source", self._source_problem(body, message)),
                                    ("region_mismatch", _region_problem(body))):
                if problem is not None:
                    self.dead_letter(message, reason=reason, error=problem[0], details=problem[1],
                                      attempts=0)
                    return
        super().handle_message(body, message)

    def published_at(self, message) -> tuple[str | None, str | None]:
        """(exchange, routing key) the message was first published to."""
        info = message.delivery_info or {}
        exchange, key = info.get("exchange"), info.get("routing_key")
        if exchange != topology.requeue_exchange(self.subscription.consumer).name:
            return exchange, key
        headers = message.headers or {}
        exchange = headers.get(PUBLISHED_EXCHANGE_HEADER)
        key = headers.get(PUBLISHED_ROUTING_KEY_HEADER)
        if exchange is None:  # dead-lettered before these headers existed: one binding says it
            exchanges = {ex for ex, _ in self.subscription.bindings}
            exchange = exchanges.pop() if len(exchanges) == 1 else None
        return exchange, key

    def _binding_problem(self, envelope):
        # a producer publishing with the wrong key: refuse what the bindings do not name
        if self.accepted is None or (envelope["source"], envelope["event_type"]) in self.accepted:
            return None
        return ("this queue does not take that event", {"event_type": [
            f"{envelope['source']}.{envelope['event_type']} is not bound to {self.queue.name}"]})

    def _source_problem(self, envelope, message):
        """Why the envelope's ``source`` is not the one its exchange vouches for, or None."""
        exchange, key = self.published_at(message)
        source = envelope["source"]
        if exchange == topology.INBOUND_EXCHANGE:
            vouched = (key or "").split(".")[0] or None
        elif exchange and exchange.endswith(".events"):
            vouched = exchange.removesuffix(".events")
        else:
            vouched = None
        registered = EVENT_TYPES[envelope["event_type"]].source
        if vouched == source == registered:
            return None
        return ("the envelope's source is not the publisher the broker vouches for",
                {"source": [f"{source!r} arrived on exchange {exchange!r} with routing key "
                            f"{key!r}; {envelope['event_type']} is published by {registered!r}"]})

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is None:
                metrics.EVENTS_HANDLED.labels(self.container.service_name, self.method_name,
                                              "ok").inc()
                self.queue_consumer.ack_message(message)
            else:
                self._after_failure(message, exc_info)
        except Exception:
            log.exception("could not settle message; returning it to its queue")
            self.queue_consumer.requeue_message(message)
        return result, exc_info

    # -- failures ------------------------------------------------------------------------------
    def _after_failure(self, message, exc_info):
        exc = exc_info[1]
        headers = dict(message.headers or {})
        attempts = int(headers.get(ATTEMPTS_HEADER, 0))
        outages = int(headers.get(OUTAGES_HEADER, 0))
        delays = self.settings.handler_retry_delays
        if isinstance(exc, ValidationFailed):
            # the handler's own rules refuse the message (a line no budget can hold, say): no
            # retry can change that, so it goes to the dead letters at once, with the reasons
            self.dead_letter(message, reason="invalid_message", error=exc.message,
                              details=exc.details, attempts=attempts + 1)
            return
        if isinstance(exc, OUTAGE_ERRORS):
            outages += 1
            delay = delays[min(outages, len(delays)) - 1]
            self._retry(message, headers, attempts, outages, delay, exc)
            return
        attempts += 1
        if attempts >= self.settings.handler_max_attempts:
            self.dead_letter(message, reason="handler_failed", error=f"{type(exc).__name__}: {exc}",
                              details={"traceback": "".join(traceback.format_exception(*exc_info))[-2000:]},
                              attempts=attempts)
            return
        delay = delays[min(attempts, len(delays)) - 1]
        self._retry(message, headers, attempts, outages, delay, exc)

    def _retry(self, message, headers, attempts, outages, delay, exc):
        headers.update(self._origin_headers(message))
        headers.update({ATTEMPTS_HEADER: attempts, OUTAGES_HEADER: outages,
                        "x-platform-last-error": f"{type(exc).__name__}: {exc}"[:500]})
        self._republish(message, topology.retry_exchange(self.subscription.consumer, delay),
                        self.queue.name, headers)
        metrics.EVENTS_HANDLED.labels(self.container.service_name, self.method_name,
                                      "retried").inc()
        log.warning("%s.%s failed (%s); retry in %ss (attempt %s, outage %s)",
                    self.container.service_name, self.method_name, exc, delay, attempts, outages)
        self.queue_consumer.ack_message(message)

    def _origin_headers(self, message) -> dict:
        exchange, key = self.published_at(message)
        return {PUBLISHED_EXCHANGE_HEADER: exchange or "", PUBLISHED_ROUTING_KEY_HEADER: key or ""}

    def _republish(self, message, exchange, routing_key, headers):
        """Publish the message's original bytes (confirmed) to ``exchange``."""
        self.publisher.publish(
            message.body, exchange=exchange, routing_key=routing_key, headers=headers,
            message_id=message.properties.get("message_id"),
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary")

    def dead_letter(self, message, *, reason, error, details, attempts):
        headers = dict(message.headers or {})
        headers.update(self._origin_headers(message))
        headers.update({
            "x-platform-dead-letter-id": str(uuid.uuid4()),
            "x-platform-reason": reason,
            "x-platform-error": str(error)[:1000],
            "x-platform-details": _jsonable(details),
            "x-platform-queue": self.queue.name,
            "x-platform-handler": f"{self.container.service_name}.{self.method_name}",
            ATTEMPTS_HEADER: attempts,
            "x-platform-dead-lettered-at": datetime.now(timezone.utc).isoformat(),
        })
        self._republish(message, topology.dead_letter_exchange(passive=True), reason, headers)
        metrics.DEAD_LETTERS.labels(self.container.service_name, self.method_name, reason).inc()
        metrics.EVENTS_HANDLED.labels(self.container.service_name, self.method_name,
                                      "dead_lettered").inc()
        log.error("dead-lettered a message from %s: %s (%s)", self.queue.name, reason, error)
        self.queue_consumer.ack_message(message)


def _region_problem(envelope):
    """Why the envelope's ``region_code`` is not its payload's region, or None."""
    payload = envelope["wire_payload"]
    for field in PAYLOAD_REGION_FIELDS:
        if field in payload:
            if payload[field] == envelope["region_code"]:
                return None
            return ("the envelope's region_code is not the payload's",
                    {"region_code": [f"envelope {envelope['region_code']!r}, payload {field} "
                                     f"{payload[field]!r}"]})
    return None


def _jsonable(value):
    return json.dumps(value, default=str)[:4000]


subscribe = Subscribe.decorator
