"""The floor under the platform's services: nameko's own CPU per consumed event and per RPC call,
against kombu alone, with handlers that do nothing.

    python -m bench.nameko_floor [N]        (AMQP_URI from the environment, as make infra sets it)

Every side runs in a process of its own and reports the CPU it spent (``getrusage``) from its first
message to its N-th: a kombu consumer that acknowledges each message; a nameko 2.14 service whose
``consume`` entrypoint does nothing; a nameko ``rpc`` method that returns its argument, called N
times by a ``ClusterRpcProxy``, 8 calls in flight (the caller's and the server's CPU apart).
The messages are the size of a ``project_registered`` envelope. Prints one JSON document.
"""
import json
import os
import subprocess
import sys
import time
import uuid

PY = sys.executable
CONCURRENCY = 8
PAYLOAD = {"event_type": "project_registered", "payload": {"text": "x" * 2000}}


def _cpu() -> float:
    import resource
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    """CPU and wall time from the first operation to the n-th."""

    def __init__(self, n: int):
        self.n, self.count, self.first = n, 0, None

    def tick(self) -> bool:
        if self.first is None:
            self.first = (_cpu(), time.monotonic())
        self.count += 1
        return self.count >= self.n

    def report(self) -> dict:
        cpu, wall = _cpu() - self.first[0], time.monotonic() - self.first[1]
        return {"operations": self.count, "cpu_ms_per_operation": round(1000 * cpu / self.count, 3),
                "seconds": round(wall, 2)}


def _queue(name: str):
    from kombu import Exchange, Queue
    return Queue(name, Exchange("bench.floor", type="topic", durable=True), routing_key=name,
                 durable=True, auto_delete=False)


def _fill(amqp_uri: str, queue_name: str, n: int) -> None:
    from kombu import Connection
    queue = _queue(queue_name)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer(serializer="json")
        queue(producer.channel).declare()
        for _ in range(n):
            producer.publish(PAYLOAD, exchange=queue.exchange, routing_key=queue_name,
                             delivery_mode=2)


def _kombu_consume(amqp_uri: str, queue_name: str, n: int) -> dict:
    from kombu import Connection, Consumer
    clock = _Clock(n)
    with Connection(amqp_uri) as connection:
        def on_message(body, message):
            message.ack()
            clock.tick()

        with Consumer(connection, [_queue(queue_name)], callbacks=[on_message], prefetch_count=50):
            while clock.count < n:
                connection.drain_events(timeout=30)
    return clock.report()


def _run_container(service_cls, amqp_uri: str, done) -> None:
    from nameko.containers import ServiceContainer
    container = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri, "max_workers": 10})
    container.start()
    print("ready", flush=True)  # its queues are declared and consumed from now
    done.wait()
    container.stop()


def _nameko_consume(amqp_uri: str, queue_name: str, n: int) -> dict:
    import eventlet.event
    from nameko.messaging import consume
    clock, done = _Clock(n), eventlet.event.Event()

    class FloorConsumer:
        name = "bench_floor_consumer"

        @consume(_queue(queue_name))
        def handle(self, body):
            if clock.tick() and not done.ready():
                done.send(True)

    _run_container(FloorConsumer, amqp_uri, done)
    return clock.report()


def _nameko_rpc_server(amqp_uri: str, service_name: str, n: int) -> dict:
    import eventlet.event
    from nameko.rpc import rpc
    clock, done = _Clock(n), eventlet.event.Event()

    class FloorRpc:
        name = service_name

        @rpc
        def echo(self, body):
            if clock.tick() and not done.ready():
                eventlet.spawn_after(0.5, done.send, True)  # let the last reply go out
            return body

    _run_container(FloorRpc, amqp_uri, done)
    return clock.report()


def _nameko_rpc_client(amqp_uri: str, service_name: str, n: int) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy
    clock = _Clock(n)
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as cluster:
        service = getattr(cluster, service_name)
        service.echo(PAYLOAD)  # the reply queue exists before the clock starts
        # 8 calls in flight, their replies read by this one thread (a standalone proxy's reply
        # listener is not safe for concurrent readers)
        for _ in range(0, n, CONCURRENCY):
            for reply in [service.echo.call_async(PAYLOAD) for _ in range(CONCURRENCY)]:
                reply.result()
                clock.tick()
    return clock.report()


CHILDREN = {"kombu-consume": _kombu_consume, "nameko-consume": _nameko_consume,
            "nameko-rpc-server": _nameko_rpc_server, "nameko-rpc-client": _nameko_rpc_client}


def _child(mode: str, name: str, n: int) -> dict:
    done = subprocess.run([PY, "-m", "bench.nameko_floor", "--child", mode, name, str(n)],
                          capture_output=True, text=True, env=os.environ)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(amqp_uri: str, n: int) -> dict:
    results = {}
    for mode in ("kombu-consume", "nameko-consume"):
        name = f"bench.floor.{uuid.uuid4().hex[:8]}"
        _fill(amqp_uri, name, n)
        results[mode] = _child(mode, name, n)
    service_name = f"bench_floor_{uuid.uuid4().hex[:8]}"
    # the server counts the client's first call (made before its clock starts) and the n
    server = subprocess.Popen([PY, "-m", "bench.nameko_floor", "--child", "nameko-rpc-server",
                               service_name, str(n + 1)], stdout=subprocess.PIPE, text=True,
                              stderr=subprocess.DEVNULL, env=os.environ)
    server.stdout.readline()  # "ready": the container consumes its queue
    results["nameko-rpc-client"] = _child("nameko-rpc-client", service_name, n)
    results["nameko-rpc-server"] = json.loads(server.communicate(timeout=60)[0].splitlines()[-1])
    return results


def main(argv: list[str]) -> None:
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    if argv[:1] == ["--child"]:
        import eventlet
        eventlet.monkey_patch()
        mode, name, n = argv[1], argv[2], int(argv[3])
        print(json.dumps(CHILDREN[mode](amqp_uri, name, n)), flush=True)
        return
    n = int(argv[0]) if argv else 3000
    print(json.dumps(measure(amqp_uri, n), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
