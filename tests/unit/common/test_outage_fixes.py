"""Kernel behaviour the fault suite depends on, pinned without infrastructure.

- writes and outbox flushes of one document never overlap in a process (FerretDB 1.x applies an
  update as a read and a separate write, so overlapping updates lose one of them);
- a consumer whose broker connection dropped does not die settling a message;
- a called service's store outage reaches the caller as ServiceUnavailable (503, or an outage
  retry in a consumer), and so does the gateway's own store outage;
- an RPC reply the broker cannot take (it is restarting) costs the reply, not the service.
"""
import json

import eventlet
import pytest
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, serialize
from nameko.rpc import RpcConsumer
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from services.common import rpc
from services.common.consuming import SafeQueueConsumer
from services.common.errors import ServiceUnavailable
from services.common.mongo import Repository
from services.common.outbox import OutboxRelay
from services.gateway.edge.errors import response_from_exception


class FakeDb:
    name = "unit_db"

    def __getitem__(self, name):
        return None


class Things(Repository):
    collection_name = "things"


def _overlap_of(doc_ids):
    relay = OutboxRelay()
    repository = Things(FakeDb(), relay)
    inside, most = set(), [0]

    def write_of(doc_id):
        def write(envelopes):
            inside.add(doc_id + str(eventlet.getcurrent()))
            most[0] = max(most[0], len(inside))
            eventlet.sleep(0.01)  # a store round trip: the other writer would get in here
            inside.discard(doc_id + str(eventlet.getcurrent()))
            return doc_id
        return write

    pool = eventlet.GreenPool()
    for doc_id in doc_ids:
        pool.spawn(repository._write_with_events, doc_id, (), write_of(doc_id))
    pool.waitall()
    return most[0], relay


def test_writes_of_one_document_never_overlap():
    most, relay = _overlap_of(["same"] * 5)
    assert most == 1
    assert relay._flush_locks == {}  # forgotten once nobody holds or waits for them


def test_writes_of_different_documents_still_run_concurrently():
    most, _ = _overlap_of(["a", "b", "c"])
    assert most == 3


def test_flush_and_write_of_one_document_share_the_lock():
    relay, order = OutboxRelay(), []

    def second():
        with relay.document_lock(FakeDb(), "things", "x"):
            order.append("second")

    with relay.document_lock(FakeDb(), "things", "x"):
        waiter = eventlet.spawn(second)
        eventlet.sleep(0.01)  # it runs now, and must wait for the holder
        order.append("first")
    waiter.wait()
    assert order == ["first", "second"]


class FakeChannel:
    connection = object()  # "alive", as far as nameko can tell


class FakeMessage:
    channel = FakeChannel()

    def __init__(self, error):
        self.error = error

    def ack(self):
        raise self.error

    def requeue(self):
        raise self.error


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe")])
def test_settling_on_a_dropped_connection_does_not_kill_the_consumer(error):
    consumer = SafeQueueConsumer()
    consumer.ack_message(FakeMessage(error))  # the broker redelivers it: nothing to do
    consumer.requeue_message(FakeMessage(error))


def test_other_settling_errors_still_surface():
    with pytest.raises(RuntimeError):
        SafeQueueConsumer().ack_message(FakeMessage(RuntimeError("a bug")))


class FakeReply:
    def __init__(self, exc):
        self.exc = exc

    def result(self):
        raise self.exc


class FakeMethodProxy:
    raises = None

    def __init__(self, *args, **kwargs):
        pass

    def call_async(self, *args, **kwargs):
        return FakeReply(self.raises)


class FakeContainer:
    service_name = "gateway"


class FakeWorkerCtx:
    container = FakeContainer()


def _call_remote_raising(monkeypatch, exc):
    monkeypatch.setattr(rpc, "MethodProxy", FakeMethodProxy)
    FakeMethodProxy.raises = exc
    proxy = rpc.TimedServiceProxy(FakeWorkerCtx(), "investments", None, 5, {})
    return proxy.register({"title": "x"}, "someone")


@pytest.mark.parametrize("store_error", [ServerSelectionTimeoutError("No servers found"),
                                         AutoReconnect("connection closed")])
def test_a_remote_store_outage_is_service_unavailable(monkeypatch, store_error):
    remote = RemoteError(**{k: v for k, v in serialize(store_error).items()
                            if k in ("exc_type", "value")})
    with pytest.raises(ServiceUnavailable) as caught:
        _call_remote_raising(monkeypatch, remote)
    assert caught.value.details == {"service": "investments", "dependency": "store"}


def test_other_remote_errors_pass_through(monkeypatch):
    with pytest.raises(RemoteError):
        _call_remote_raising(monkeypatch, RemoteError("KeyError", "'title'"))


def test_the_gateways_own_store_outage_answers_503():
    response = response_from_exception(ServerSelectionTimeoutError("No servers found"))
    assert response.status_code == 503
    body = json.loads(response.get_data(as_text=True))
    assert body["error"] == "service_unavailable"
    assert body["details"] == {"service": "gateway", "dependency": "store"}


class AckRecorder:
    def __init__(self, error=None):
        self.acked, self.error = [], error

    def ack_message(self, message):
        if self.error:
            raise self.error
        self.acked.append(message)


@pytest.mark.parametrize("failure", [OperationalError("[Errno 111] ECONNREFUSED"),
                                     ConnectionResetError(104, "reset")])
@pytest.mark.parametrize("ack_error", [None, BrokenPipeError(32, "pipe")])
def test_an_rpc_reply_the_broker_cannot_take_does_not_kill_the_service(monkeypatch, failure,
                                                                       ack_error):
    def reply_fails(self, message, result, exc_info):
        raise failure
    monkeypatch.setattr(RpcConsumer, "handle_result", reply_fails)
    consumer = rpc.SafeRpcConsumer()
    recorder = AckRecorder(ack_error)
    monkeypatch.setattr(rpc.SafeRpcConsumer, "queue_consumer", recorder)
    assert consumer.handle_result("request", {"ok": 1}, None) == ({"ok": 1}, None)
    assert recorder.acked == ([] if ack_error else ["request"])


def test_other_rpc_reply_failures_still_surface(monkeypatch):
    def reply_fails(self, message, result, exc_info):
        raise TypeError("a bug")
    monkeypatch.setattr(RpcConsumer, "handle_result", reply_fails)
    with pytest.raises(TypeError):
        rpc.SafeRpcConsumer().handle_result("request", None, None)


def test_services_can_declare_rpc_with_the_safe_entrypoint():
    assert rpc.rpc.__self__ is rpc.SafeRpc
    assert isinstance(rpc.SafeRpc.rpc_consumer, rpc.SafeRpcConsumer)
