"""RPC between services with a deadline.

nameko's service-side ``RpcProxy`` waits for a reply forever. ``TimedRpc`` waits at most
``RPC_TIMEOUT_SECONDS`` (or the given timeout) and raises ``ServiceUnavailable`` naming the target.
The request itself expires in the broker after the same time, so a service that comes back later
does not execute a command whose caller already gave up on it.
"""
import inspect
import logging

import eventlet
import nameko.rpc
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import MethodProxy, Rpc, RpcConsumer, RpcProxy
from pymongo import errors as store_errors

from services.common import instruments as metrics
from services.common import (
    remote_errors,  # noqa: F401  (registers error types)
    topology,
)
from services.common.config import is_local_environment, load_settings
from services.common.errors import Forbidden, ServiceUnavailable

log = logging.getLogger(__name__)


def _shared_rpc_exchange(config):
    # nameko declares its RPC exchange (configure right) wherever it binds or publishes; the
    # administrator's topology declares it once, so every process here only looks it up
    return topology.rpc_exchange(passive=True)


nameko.rpc.get_rpc_exchange = _shared_rpc_exchange

# The store of the called service did not answer (it is stopped, restarting, unreachable): an
# outage, not a bug. Named by class, because that is all nameko passes across RPC for them.
STORE_OUTAGE_ERRORS = frozenset(
    name for name, value in vars(store_errors).items()
    if isinstance(value, type) and issubclass(value, store_errors.ConnectionFailure))


class TimedServiceProxy:
    def __init__(self, worker_ctx, service_name, reply_listener, timeout, options):
        self._worker_ctx = worker_ctx
        self._service_name = service_name
        self._reply_listener = reply_listener
        self._timeout = timeout
        self._options = options

    def __getattr__(self, method_name):
        proxy = MethodProxy(self._worker_ctx, self._service_name, method_name,
                            self._reply_listener, expiration=self._timeout, **self._options)
        caller = self._worker_ctx.container.service_name

        def call(*args, **kwargs):
            try:
                reply = proxy.call_async(*args, **kwargs)
                with eventlet.Timeout(self._timeout):
                    return reply.result()
            except eventlet.Timeout:
                metrics.RPC_TIMEOUTS.labels(caller, self._service_name).inc()
                raise ServiceUnavailable(
                    f"{self._service_name} did not answer within {self._timeout:g}s",
                    {"service": self._service_name}) from None
            except UnknownService:
                raise ServiceUnavailable(f"{self._service_name} is not running",
                                         {"service": self._service_name}) from None
            except (OperationalError, OSError) as exc:
                raise ServiceUnavailable(f"message broker unreachable: {exc}",
                                         {"service": "rabbitmq"}) from exc
            except RemoteError as exc:
                if exc.exc_type in STORE_OUTAGE_ERRORS:  # 503 at the gateway, a retry in consumers
                    raise ServiceUnavailable(f"the store of {self._service_name} is unavailable",
                                             {"service": self._service_name, "dependency": "store"}) from exc
                raise

        return call


class TimedRpc(RpcProxy):
    def __init__(self, target_service, timeout: float | None = None, **options):
        super().__init__(target_service, **options)
        self.timeout = timeout

    def setup(self):
        super().setup()
        # read once: load_settings() parses the environment, and doing it for every worker was
        # ~8% of the gateway's time under load (py-spy)
        self._timeout = self.timeout or load_settings().rpc_timeout_seconds

    def get_dependency(self, worker_ctx):
        timeout = getattr(self, "_timeout", None) or self.timeout or \
            load_settings().rpc_timeout_seconds
        return TimedServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener,
                                 timeout, self.options)


class SafeRpcConsumer(RpcConsumer):
    """nameko kills the whole service when it cannot publish an RPC reply (the broker went away
    while the request was handled): the process exits and nothing restarts it. Here the reply is
    lost instead (the caller's deadline turns it into a 503), the request is acknowledged as
    handled if the connection still allows it (else the broker requeues it, and it runs again
    unless it expired first) and the service reconnects by itself."""

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except (OperationalError, OSError) as exc:
            log.warning("could not answer an RPC request (%s); the caller times out", exc)
            try:
                self.queue_consumer.ack_message(message)
            except OSError:
                pass  # the connection is gone: the broker takes the request back
            return result, exc_info


# The gateway puts the authenticated caller's subject into the RPC context (nameko sends context
# data as ``nameko.<key>`` headers); only platform broker users may publish RPC requests at all
# (services.common.broker_access), so a ministry system can neither call nor forge it.
ACTOR_CONTEXT_KEY = "platform_actor"
# The parameter through which a command names who does it (approvals, stage changes, ...).
ACTOR_PARAMETER = "by"
# Bulk demo/test loaders: they write without the domain's checks, so a deployment never serves them.
LOCAL_ONLY_METHODS = frozenset({"load_seed", "begin_seed", "seed_info"})


def bind_actor(method, args, kwargs, context_data: dict, *, is_local: bool):
    """``(args, kwargs)`` for ``method`` with its ``by`` taken from the authenticated context.

    Whatever the request itself says in ``by`` is ignored when the context names an actor. Without
    one the command is refused, except in local development where tests and tools call the
    services directly."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return args, kwargs
    if ACTOR_PARAMETER not in signature.parameters:
        return args, kwargs
    actor = context_data.get(ACTOR_CONTEXT_KEY)
    if not actor:
        if is_local:
            return args, kwargs
        raise Forbidden("this command needs the authenticated caller in the RPC context",
                        {"reason": "no_authenticated_actor", "parameter": ACTOR_PARAMETER})
    bound = signature.bind_partial(None, *args, **kwargs)  # None stands for the service instance
    bound.arguments[ACTOR_PARAMETER] = str(actor)
    return bound.args[1:], bound.kwargs


class SafeRpc(Rpc):
    rpc_consumer = SafeRpcConsumer()

    def handle_message(self, body, message):
        """nameko's, plus two refusals before any worker runs: a local-only method outside local
        development, and a command whose actor is not the authenticated one (``bind_actor``)."""
        is_local = is_local_environment()
        if self.method_name in LOCAL_ONLY_METHODS and not is_local:
            raise Forbidden(f"{self.method_name} is served only with PLATFORM_ENV=local",
                            {"reason": "local_only", "method": self.method_name})
        if isinstance(body, dict) and "args" in body and "kwargs" in body:
            context_data = self.unpack_message_headers(message)
            method = getattr(self.container.service_cls, self.method_name)
            args, kwargs = bind_actor(method, body["args"], body["kwargs"], context_data,
                                      is_local=is_local)
            body = {**body, "args": list(args), "kwargs": kwargs}
        return super().handle_message(body, message)


# Services declare RPC entrypoints with this instead of nameko.rpc.rpc (all of a service's
# entrypoints the same way: they share one consumer of the service's queue).
rpc = SafeRpc.decorator
