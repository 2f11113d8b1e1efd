"""How a ministry system consumes the platform's events, with plain kombu and nothing else.

    pip install kombu
    python examples/external_consumer.py \\
        --amqp-uri amqp://guest:guest@127.0.0.1:5672/ \\
        --queue ministry-of-national-economy.projects --keys project_commissioned

What it does, and why (the contract is docs/asyncapi.yaml):
- declares ITS OWN durable queue and binds it to the topic exchange ``investments.events`` for the
  chosen routing keys (= event types). The queue is the consumer's, not the platform's: events wait
  in it while the consumer is down, and no platform deployment ever touches it;
- validates the envelope of every message (event_id, event_type, schema_version, occurred_at,
  source, region_code, correlation_id, payload) before using it;
- acknowledges only after processing, so a crash mid-way gets the message again;
- skips an event_id it has already processed: delivery is at least once. (This example remembers
  ids in memory; a real system stores the id in the same write as its effect.)
- rejects a message it cannot use without requeueing it; the queue dead-letters such messages into
  ``<queue>.invalid`` so nothing is silently dropped and a person can look at them;
- reconnects after a broker restart.

Every option also reads an environment variable: AMQP_URI, CONSUMER_QUEUE, CONSUMER_EXCHANGE,
ROUTING_KEYS (comma separated).
"""
import argparse
import json
import os
import re
import sys
import time
import uuid
from datetime import datetime

from kombu import Connection, Consumer, Exchange, Queue, binding

DEFAULT_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_QUEUE = "ministry-of-national-economy.projects"
DEFAULT_EXCHANGE = "investments.events"
DEFAULT_KEYS = ("project_commissioned",)
ENVELOPE_FIELDS = ("event_id", "event_type", "schema_version", "occurred_at", "source",
                   "region_code", "correlation_id", "payload")
EVENT_TYPE = re.compile(r"^[a-z]+(_[a-z]+)+$")
REGION_CODE = re.compile(r"^KZ-\d{2}$")


def validate_envelope(body) -> list[str]:
    """Problems with an envelope (empty when it is usable)."""
    if not isinstance(body, dict):
        return ["the message is not a JSON object"]
    problems = [f"{name}: missing" for name in ENVELOPE_FIELDS if name not in body]
    if problems:
        return problems
    try:
        uuid.UUID(str(body["event_id"]))
    except ValueError:
        problems.append("event_id: not a UUID")
    if not isinstance(body["event_type"], str) or not EVENT_TYPE.match(body["event_type"]):
        problems.append("event_type: not an event name")
    if not isinstance(body["schema_version"], int) or body["schema_version"] < 1:
        problems.append("schema_version: not a positive integer")
    try:
        if datetime.fromisoformat(str(body["occurred_at"])).tzinfo is None:
            problems.append("occurred_at: no time zone")
    except ValueError:
        problems.append("occurred_at: not an ISO 8601 instant")
    if not isinstance(body["source"], str) or not body["source"]:
        problems.append("source: not a service name")
    region = body["region_code"]
    if region is not None and (not isinstance(region, str) or not REGION_CODE.match(region)):
        problems.append("region_code: not a KZ-xx code")
    if body["correlation_id"] is not None and not isinstance(body["correlation_id"], str):
        problems.append("correlation_id: not a string")
    if not isinstance(body["payload"], dict):
        problems.append("payload: not an object")
    return problems


def consumer_queue(name: str, exchange: str, keys) -> Queue:
    """The consumer's own durable queue, bound once per routing key; rejects go to ``<name>.invalid``."""
    source = Exchange(exchange, type="topic", durable=True)
    return Queue(name, bindings=[binding(source, routing_key=key) for key in keys], durable=True,
                 auto_delete=False,
                 queue_arguments={"x-dead-letter-exchange": "",
                                  "x-dead-letter-routing-key": f"{name}.invalid"})


def invalid_queue(name: str) -> Queue:
    return Queue(f"{name}.invalid", durable=True, auto_delete=False)


def declare(connection, name: str, exchange: str, keys) -> Queue:
    channel = connection.default_channel
    parking = invalid_queue(name)(channel)
    parking.declare()
    queue = consumer_queue(name, exchange, keys)(channel)
    queue.declare()
    return queue


def process(envelope: dict) -> dict:
    """What this ministry system does with an event: here, print one line about it."""
    payload = envelope["payload"]
    line = {"event_id": envelope["event_id"], "event_type": envelope["event_type"],
            "source": envelope["source"], "region_code": envelope["region_code"],
            "occurred_at": envelope["occurred_at"], "project_id": payload.get("project_id"),
            "expected_annual_local_revenue_kzt": payload.get("expected_annual_local_revenue_kzt")}
    print(json.dumps(line), flush=True)
    return line


class EventConsumer:
    def __init__(self, amqp_uri: str, queue: str, exchange: str, keys, handle=process):
        self.amqp_uri = amqp_uri
        self.queue_name = queue
        self.exchange = exchange
        self.keys = tuple(keys)
        self.handle = handle
        self.seen: set[str] = set()
        self.processed = 0
        self.rejected = 0

    def on_message(self, body, message) -> None:
        try:
            envelope = json.loads(message.body)
        except (TypeError, ValueError):
            envelope = None
        problems = validate_envelope(envelope) if envelope is not None else ["not JSON"]
        if problems:
            print(f"rejected a message: {'; '.join(problems)}", file=sys.stderr, flush=True)
            self.rejected += 1
            message.reject(requeue=False)  # dead-lettered into <queue>.invalid by the queue
            return
        if envelope["event_id"] in self.seen:  # a redelivery: already processed
            message.ack()
            return
        self.handle(envelope)
        self.seen.add(envelope["event_id"])
        self.processed += 1
        message.ack()  # only now: a crash before this line gets the message again

    def run(self, max_messages: int | None = None, idle_timeout: float | None = None) -> int:
        """Consume until ``max_messages`` were processed or nothing came for ``idle_timeout`` s."""
        last_activity = time.monotonic()
        while max_messages is None or self.processed < max_messages:
            try:
                with Connection(self.amqp_uri, connect_timeout=5, heartbeat=30) as conn:
                    conn.ensure_connection(max_retries=10, interval_start=1, interval_max=5)
                    queue = declare(conn, self.queue_name, self.exchange, self.keys)
                    print(f"ready: queue {self.queue_name} bound to {self.exchange} for "
                          f"{', '.join(self.keys)}", flush=True)
                    with Consumer(conn, queues=[queue], callbacks=[self.on_message],
                                  accept=["json", "application/octet-stream", "text/plain"],
                                  prefetch_count=10):
                        while max_messages is None or self.processed < max_messages:
                            before = self.processed + self.rejected
                            try:
                                conn.drain_events(timeout=1)
                            except TimeoutError:
                                conn.heartbeat_check()
                            if self.processed + self.rejected != before:
                                last_activity = time.monotonic()
                            elif idle_timeout and time.monotonic() - last_activity > idle_timeout:
                                return self.processed
            except (ConnectionError, OSError) as exc:
                if idle_timeout and time.monotonic() - last_activity > idle_timeout:
                    raise
                print(f"broker unreachable ({exc}); reconnecting", file=sys.stderr, flush=True)
                time.sleep(1)
        return self.processed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_URI))
    parser.add_argument("--queue", default=os.environ.get("CONSUMER_QUEUE", DEFAULT_QUEUE))
    parser.add_argument("--exchange", default=os.environ.get("CONSUMER_EXCHANGE", DEFAULT_EXCHANGE))
    parser.add_argument("--keys", default=os.environ.get("ROUTING_KEYS", ",".join(DEFAULT_KEYS)),
                        help="comma-separated routing keys (event types), '#' for all")
    parser.add_argument("--max-messages", type=int, default=None,
                        help="stop after processing this many events")
    parser.add_argument("--idle-timeout", type=float, default=None,
                        help="stop after this many seconds without a message")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.keys.split(",") if k.strip()]
    consumer = EventConsumer(args.amqp_uri, args.queue, args.exchange, keys)
    try:
        consumer.run(args.max_messages, args.idle_timeout)
    except KeyboardInterrupt:
        pass
    print(f"processed {consumer.processed}, rejected {consumer.rejected}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
