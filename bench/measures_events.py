"""The event path: outbox → broker → the hub's read model persisted, against raw kombu.

Platform side, throughput: N project documents, each with its ``project_registered`` envelope
pending in its ``_outbox`` and its outbox pointer, are written in bulk into the investments
database of the running bench platform (the durable state every write leaves before its flush).
The investments relay publishes them (confirmed), the gateway hub consumes each, writes
``hub_projects`` and acknowledges. Timed from the bulk write to the last read model persisted.

Platform side, latency: registrations at a fixed moderate rate through the gateway (vegeta,
open loop); each project's end-to-end latency runs from the moment its request was due to the
moment its read model is first seen in ``hub_projects`` (polled every POLL_SECONDS, so the
figures carry up to that much extra). A project is looked for once its 201 has come back (its id
is in the answer), so a read model stored before the answer reached vegeta counts from then.

How the platform side is watched: by ``find_one`` on ``_id`` of the rows not yet seen, never by
counting or listing ``hub_projects``. On the local store a count or a listing decodes every row of
the collection, and polled every POLL_SECONDS it was itself a load on the store the platform
writes to (the raw baseline's consumer notes each insert in process and polls nothing).

Raw baseline: a kombu producer with publisher confirms publishes N persistent messages to a
durable queue of the bench's vhost; a kombu consumer acknowledges each after a pymongo
``insert_one`` into a collection of the bench's database. Throughput from the first publish to
the last insert; latency at the same fixed rate, from the scheduled send to the insert.
"""
import base64
import json
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

from kombu import Connection, Consumer, Exchange, Producer, Queue

from bench import cpu, load
from bench.report import Result

POLL_SECONDS = 0.02


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def outbox_documents(n: int, run_id: str, repo):
    from services.common.events import build_event
    from services.gateway.hub.contracts import register_contracts
    register_contracts()  # every service's event schemas, as the hub registers them
    from services.investments import domain
    from services.investments.application.demo_data import generate_projects
    now = datetime.now(timezone.utc)
    docs, pointers = [], []
    for i, payload in enumerate(generate_projects(n, seed=11)):
        payload["external_ref"] = f"BENCH-EV-{run_id}-{i}"
        project, facts = domain.register_project(payload, project_id=f"bench-ev-{run_id}-{i:06d}",
                                                 now=now, by="bench")
        stored = repo.to_store(project)
        stored["_outbox"] = [build_event(t, p, region_code=p.get("region_code"))
                             for t, p in facts]
        docs.append(stored)
        pointers.append({"_id": str(uuid.uuid4()), "collection": "projects",
                         "doc_id": stored["_id"], "created_at": now,
                         "event_ids": [e["event_id"] for e in stored["_outbox"]]})
    return docs, pointers


def platform_throughput(platform, n: int) -> dict:
    from services.common.mongo import get_client
    client = get_client()
    investments = client[f"{platform.prefix}_investments"]
    hub = client[f"{platform.prefix}_gateway"]["hub_projects"]
    from services.investments.repository import ProjectRepository
    docs, pointers = outbox_documents(n, platform.run_id, ProjectRepository(investments))
    ids = [d["_id"] for d in docs]
    began = time.perf_counter()
    investments["projects"].insert_many(docs, ordered=False)
    investments["outbox_pointers"].insert_many(pointers, ordered=False)
    unseen = wait_for_rows(hub, ids, deadline=began + 600)
    seconds = time.perf_counter() - began
    seen = n - len(unseen)
    return {"events": n, "persisted": seen, "seconds": seconds, "rate": seen / seconds}


def wait_for_rows(rows, ids: list, deadline: float) -> list:
    """Wait until every id has a row (one ``find_one`` by ``_id`` per look, in the order the
    events were written, which is mostly the order they arrive); the ids still missing at the
    deadline."""
    unseen = list(ids)
    while unseen and time.perf_counter() < deadline:
        while unseen and rows.find_one({"_id": unseen[0]}, {"_id": 1}) is not None:
            unseen.pop(0)
        if unseen:
            time.sleep(POLL_SECONDS)
    return unseen


def platform_latency(platform, rate: int, seconds: int) -> dict:
    from bench.suite import project_body
    from services.common.mongo import get_client
    hub = get_client()[f"{platform.prefix}_gateway"]["hub_projects"]
    vegeta = load.ensure_vegeta()
    headers = {"Authorization": [f"Bearer {platform.token('admin')}"],
               "Content-Type": ["application/json"]}
    count = rate * seconds
    targets = []
    for i in range(count):
        body = project_body(f"BENCH-LAT-{platform.run_id}-{i}")
        targets.append(json.dumps({"method": "POST", "url": platform.base_url + "/api/v1/projects",
                                   "header": headers,
                                   "body": base64.b64encode(json.dumps(body).encode()).decode()}))
    first_seen: dict[str, float] = {}
    due: dict[str, float] = {}  # project id -> when its request was due
    answered: list = []  # vegeta's results, as they come
    stop = threading.Event()
    lock = threading.Lock()

    def poll():
        # only the projects answered and not yet seen: one find_one by _id each
        while not stop.is_set():
            with lock:
                waiting = [i for i in due if i not in first_seen]
            for project_id in waiting:
                if hub.find_one({"_id": project_id}, {"_id": 1}) is not None:
                    first_seen[project_id] = time.time()
            time.sleep(POLL_SECONDS)

    def note(item: dict) -> None:
        answered.append(item)
        if item["code"] == 201:
            project_id = json.loads(base64.b64decode(item["body"]))["id"]
            with lock:
                due[project_id] = datetime.fromisoformat(item["timestamp"]).timestamp()

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    attack = subprocess.Popen([vegeta, "attack", "-format=json", f"-rate={rate}/1s",
                               f"-duration={seconds}s", "-timeout=30s"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    encode = subprocess.Popen([vegeta, "encode", "--to=json"], stdin=attack.stdout,
                              stdout=subprocess.PIPE)
    attack.stdout.close()  # the encoder holds it now
    feeder = threading.Thread(target=lambda: (attack.stdin.write("\n".join(targets).encode()),
                                              attack.stdin.close()), daemon=True)
    feeder.start()
    for line in encode.stdout:  # each result as vegeta gets its answer
        if line.strip():
            note(json.loads(line))
    if attack.wait() != 0 or encode.wait() != 0:
        raise RuntimeError(f"vegeta failed ({attack.returncode}, {encode.returncode})")
    deadline = time.time() + 60
    while time.time() < deadline and not set(due) <= set(first_seen):
        time.sleep(0.1)
    stop.set()
    poller.join()
    latencies = [(first_seen[i] - t) * 1000 for i, t in due.items() if i in first_seen]
    return {"sent": len(answered), "accepted": len(due), "persisted": len(latencies),
            "rate": rate, "p50_ms": _percentile(latencies, 0.5),
            "p99_ms": _percentile(latencies, 0.99)}


def raw_path(platform, n: int, rate: int | None = None) -> dict:
    """Confirmed publish → ack-consume → insert_one; rate None publishes as fast as confirms go."""
    from services.common.mongo import get_client
    collection = get_client()[f"{platform.prefix}_bench"][f"raw_events_{uuid.uuid4().hex[:6]}"]
    exchange = Exchange("bench.raw.path", type="topic", durable=True)
    queue = Queue(f"bench.raw.path.{uuid.uuid4().hex[:6]}", exchange, routing_key="#",
                  durable=True)
    sent: dict[str, float] = {}
    stored: dict[str, float] = {}
    with Connection(platform.amqp_uri, transport_options={"confirm_publish": True}) as publishing, \
            Connection(platform.amqp_uri) as consuming:
        queue(publishing.default_channel).declare()

        def on_message(body, message):
            collection.insert_one({"_id": body["event_id"], **body})
            stored[body["event_id"]] = time.time()
            message.ack()

        done = threading.Event()

        def consume():
            with Consumer(consuming, [queue], callbacks=[on_message], prefetch_count=50):
                while len(stored) < n and not done.is_set():
                    try:
                        consuming.drain_events(timeout=1)
                    except TimeoutError:
                        pass

        worker = threading.Thread(target=consume, daemon=True)
        worker.start()
        producer = Producer(publishing.default_channel, serializer="json")
        began = time.time()
        for i in range(n):
            due = began + i / rate if rate else time.time()
            if rate:
                time.sleep(max(0.0, due - time.time()))
            event_id = str(uuid.uuid4())
            sent[event_id] = due
            producer.publish({"event_id": event_id, "event_type": "project_registered",
                              "payload": {"i": i}}, exchange=exchange, routing_key="x",
                             delivery_mode=2, mandatory=True)
        worker.join(120)
        done.set()
        finished = max(stored.values()) if stored else time.time()
        queue(publishing.default_channel).delete()
    latencies = [(stored[k] - t) * 1000 for k, t in sent.items() if k in stored]
    collection.drop()
    return {"events": n, "persisted": len(stored), "seconds": finished - began,
            "rate": len(stored) / (finished - began), "p50_ms": _percentile(latencies, 0.5),
            "p99_ms": _percentile(latencies, 0.99)}


def measure(platform, quick: bool) -> list[Result]:
    n = 300 if quick else 3000
    rate, seconds = 10, (10 if quick else 30)
    services = set(platform.pids().values())
    cpu.wait_until_quiet()
    with cpu.Accounting(services=services) as raw_cpu:  # the raw consumer is this process
        raw = raw_path(platform, n)
    with cpu.Accounting(services=services) as path_cpu:
        path = platform_throughput(platform, n)
    profile = {"platform": path_cpu.per(path["persisted"]), "raw": raw_cpu.per(raw["persisted"])}
    print(f"  {cpu.describe('event path, platform', profile['platform'])}\n"
          f"  {cpu.describe('event path, raw', profile['raw'])}", file=sys.stderr, flush=True)
    raw_paced = raw_path(platform, rate * seconds, rate=rate)
    paced = platform_latency(platform, rate, seconds)
    return [
        Result("event path: outbox -> broker -> hub read model", path["rate"], "events/s",
               baseline=raw["rate"], min_ratio=0.5,
               figures={"platform": path, "raw": raw, "cpu_ms_per_event": profile}),
        cpu.ceiling("event path: ceiling with a free store (CPU of services and broker)",
                    profile["platform"], raw["rate"], "events/s"),
        Result(f"event path: end-to-end p50 at {rate} events/s", paced["p50_ms"], "ms",
               baseline=raw_paced["p50_ms"], figures={"platform": paced, "raw": raw_paced}),
        Result(f"event path: end-to-end p99 at {rate} events/s", paced["p99_ms"], "ms",
               baseline=raw_paced["p99_ms"], figures={"platform": paced, "raw": raw_paced}),
    ]
