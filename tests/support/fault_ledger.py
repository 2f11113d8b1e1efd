"""The ledger every fault test keeps, counted the way RabbitMQ's Jepsen tests count.

confirmed  event ids the platform acknowledged: the producer answered 2xx for the write that
           carries them (the outbox makes that write the commitment to publish), or, after a
           crash, the ids the committed write holds in the store;
persisted  confirmed event ids whose effect the consumer stored;
lost       confirmed - persisted: must be 0;
duplicated effects applied more than once for one fact (one entry applied under two event ids,
           or one event id applied twice): must be 0.
deliveries and redelivered (deliveries beyond the first per event) show at-least-once at work.
"""
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import eventlet
import requests
from kombu import Connection, Queue

REPORTS: list["LedgerReport"] = []
NOTES: list[str] = []  # other fault-suite outcomes for the summary (e.g. the API fuzzing)


@dataclass
class LedgerReport:
    test: str
    confirmed: int
    persisted: int
    lost: int
    duplicated: int
    deliveries: int
    redelivered: int
    duration: float
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        extra = f"  ({'; '.join(self.notes)})" if self.notes else ""
        return (f"[ledger] {self.test}: confirmed={self.confirmed} persisted={self.persisted} "
                f"lost={self.lost} duplicated={self.duplicated} deliveries={self.deliveries} "
                f"redelivered={self.redelivered} duration={self.duration:.1f}s{extra}")


class LedgerDriver:
    """Posts batches of entries to the ledger producer and records what it confirmed."""

    def __init__(self, base_url: str | list[str], retry_for: float = 60.0):
        # several producer processes: batches go round-robin to them
        self.base_urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self.base_url = self.base_urls[0]
        self.retry_for = retry_for
        self.confirmed: dict[str, str] = {}  # event id -> entry id
        self.unanswered: list[str] = []  # batches never acknowledged (outcome unknown)
        self.errors = Counter()

    def post(self, batch_id: str, entries: list[dict], stream: str | None = None,
             base_url: str | None = None) -> bool:
        """A batch document (idempotent by batch id: retried until answered), or an append to a
        stream document (bulk: never retried, an unanswered append is merely unconfirmed)."""
        base_url = base_url or self.base_url
        deadline = time.monotonic() + self.retry_for
        while time.monotonic() < deadline:
            try:
                if stream is None:
                    answer = requests.post(f"{base_url}/batches", timeout=30,
                                           json={"batch_id": batch_id, "entries": entries})
                else:
                    answer = requests.post(f"{base_url}/streams/{stream}", timeout=30,
                                           json={"entries": entries})
                if answer.status_code in (200, 201):
                    ids = answer.json()["event_ids"]
                    self.confirmed.update(zip(ids, (e["entry_id"] for e in entries), strict=False))
                    return True
                self.errors[f"http {answer.status_code}"] += 1
            except requests.RequestException as exc:
                self.errors[type(exc).__name__] += 1
            if stream is not None:
                break
            eventlet.sleep(0.5)
        self.unanswered.append(batch_id)
        return False

    def run(self, batches: int, size: int, concurrency: int = 4, poison: set[int] = frozenset(),
            pause: float = 0.0, streams: int = 0) -> None:
        """``batches`` posts of ``size`` entries; with ``streams``, appended round-robin to that
        many stream documents instead of one document per batch."""
        run = uuid.uuid4().hex[:6]

        def one(n: int):
            batch_id = f"{run}-{n:05d}"
            entries = [{"entry_id": f"{batch_id}-{i:04d}", "seq": n * size + i,
                        "poison": (n * size + i) in poison} for i in range(size)]
            self.post(batch_id, entries, f"s{n % streams}" if streams else None,
                      self.base_urls[n % len(self.base_urls)])
            if pause:
                eventlet.sleep(pause)

        pool = eventlet.GreenPool(concurrency)
        for n in range(batches):
            pool.spawn_n(one, n)
        pool.waitall()


CONSUMER_QUEUE = "fault_consumer.on_entry"


def queue_depth(amqp_uri: str, queue: str = CONSUMER_QUEUE) -> int | None:
    """Messages ready in a queue (None while the broker is away). Cheap, unlike counting
    documents: FerretDB counts by scanning (~0.5 s per 10,000 documents)."""
    try:
        with Connection(amqp_uri, connect_timeout=2) as conn:
            return Queue(queue, channel=conn.default_channel).queue_declare(
                passive=True).message_count
    except Exception:
        return None


def effects_count(db) -> int:
    return db.ledger_effects.estimated_document_count()


def wait_until_applied(db, confirmed: dict, timeout: float, amqp_uri: str | None = None) -> None:
    """Until every confirmed event has its effect, or ``timeout``; the tally says what is missing.
    Polls the consumer's queue first (cheap) and counts documents only once it is empty."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if amqp_uri is None or queue_depth(amqp_uri) == 0:
            if effects_count(db) >= len(confirmed):
                applied = {d["_id"] for d in db.ledger_effects.find({}, {"_id": 1})}
                if applied >= set(confirmed):
                    return
            time.sleep(1.5)
        time.sleep(0.5)


def tally(test: str, db, confirmed: dict, started: float, notes=()) -> LedgerReport:
    effects = list(db.ledger_effects.find({}, {"entry_id": 1}))
    applied_ids = Counter(e["_id"] for e in effects)
    per_entry = Counter(e["entry_id"] for e in effects)
    deliveries = [d["event_id"] for d in db.ledger_deliveries.find({}, {"event_id": 1})]
    persisted = set(applied_ids) & set(confirmed)
    duplicated = (sum(n - 1 for n in per_entry.values() if n > 1)
                  + sum(n - 1 for n in applied_ids.values() if n > 1))
    report = LedgerReport(test, len(confirmed), len(persisted), len(set(confirmed) - persisted),
                          duplicated, len(deliveries), len(deliveries) - len(set(deliveries)),
                          time.monotonic() - started, list(notes))
    REPORTS.append(report)
    print(report.line())
    return report
