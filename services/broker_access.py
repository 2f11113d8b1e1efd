"""Who may do what on the message bus: one broker user per service and per ministry system.

RabbitMQ checks three regular expressions per user and vhost against the *name* of the queue or
exchange an operation touches (configure: declare/delete; write: publish to an exchange, bind to a
queue; read: consume from a queue, bind from an exchange), and topic permissions against the
routing key of a message published to a topic exchange (write) and of a binding made from one
(read). The tables here are derived from the
topology (services.common.topology) and nameko's own naming, so a new subscription needs no edit:

- a service user publishes only to ``nameko-rpc`` (requests and replies), its own
  ``<service>.events`` and the dead-letter exchange ``platform.dlx``, and configures, binds and
  consumes only its own names: ``rpc-<service>``, its reply queues, and (services.common.topology)
  its subscription queues ``<service>.<handler>``, retry exchanges ``<service>.retry.<N>s``, delay
  queues ``<service>.delay.<N>s`` and requeue exchange ``<service>.requeue``. It binds its queues
  from ``nameko-rpc`` and the event exchanges it subscribes to (read on those exchanges), and
  declares nothing shared: ``regionctl topology`` runs as the administrator, services only look
  the shared exchanges up (a passive declare needs no right). No queue bears an exchange's name,
  so no right on an exchange is a right on a queue. Topic permissions (read) limit the keys it may
  bind under: on ``nameko-rpc`` its own ``<service>.*`` and reply ids only (so it cannot bind a
  queue of its own under another service's key and receive that service's RPC requests), on an
  event exchange the keys its subscriptions name;
- a ministry system user publishes only to ``ministry.inbound`` and there only under its own
  routing keys (``<source>.<event type>``, a topic permission), declares, binds and consumes only
  queues named ``<user>.<anything>``, and binds them only to the event exchanges listed for it
  (never ``personnel.events``: personal data). It cannot call an RPC, publish a domain event, touch
  the retry or dead-letter exchanges or use the default exchange;
- ``guest`` exists only in local development; ``apply`` deletes it elsewhere.

    python -m services.broker_access apply [--vhost VHOST]   users and permissions (idempotent)
    python -m services.broker_access uri SERVICE             AMQP_URI with that service's user
    python -m services.broker_access prepare [--no-users]    the bus topology, then the users,
                                                             then "SERVICE URI" per service

``prepare`` is the start-up step of deploy/local/platform.sh in one process: each of the three
steps as a command of its own cost an interpreter start and the same imports six times over (the
better part of a second of the platform's cold start).

Passwords come from ``BROKER_PASSWORD_<USER>`` (user upper-cased, ``-`` → ``_``); with
``PLATFORM_ENV=local`` a missing one is the development value ``local-<user>``.
"""
import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from services.common import topology
from services.common.config import load_settings

SERVICES = ("investments", "budgets", "personnel", "gateway")
RPC_EXCHANGE = topology.RPC_EXCHANGE
USER_PREFIX = "platform-"
ADMIN_USER = "platform-admin"  # deploy tooling: topology, dead-letter replay, these users
MONITOR_USER = "platform-monitor"  # RABBIT_API_URI of the services: queue depths only
GUEST = "guest"
# Retry exchanges and delay queues are named after HANDLER_RETRY_DELAYS (<service>.retry.<N>s).
DELAY_PATTERN = r"[0-9.]+s"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Ministry:
    user: str
    inbound_source: str | None  # first word of the routing keys it may publish on ministry.inbound
    subscribes_to: tuple[str, ...] = ()  # event exchanges it may bind its own queues to


MINISTRIES = (
    Ministry("ministry-finance", "finance", ("budgets.events",)),
    Ministry("ministry-civil-service", "civil_service"),
    Ministry("ministry-of-national-economy", None, ("investments.events", "budgets.events")),
)


@dataclass(frozen=True)
class Permission:
    configure: str
    write: str
    read: str
    topic_write: dict = field(default_factory=dict)  # exchange → routing-key regex (publish)
    topic_read: dict = field(default_factory=dict)  # exchange → binding-key regex (bind)
    tags: str = ""


def _alternatives(names) -> str:
    return "^(" + "|".join(sorted(set(names))) + ")$"


def service_user(service: str) -> str:
    return f"{USER_PREFIX}{service}"


def _own_rpc_queues(service: str) -> list[str]:
    return [re.escape(f"rpc-{service}"), re.escape(f"rpc.reply-{service}-") + "[0-9a-f-]+"]


def _own_names(service: str) -> tuple[list[str], list[str]]:
    """(exchanges, queues) the service declares itself, as regexes (services.common.topology)."""
    prefix = re.escape(f"{service}.")
    exchanges = [prefix + "requeue", prefix + r"retry\." + DELAY_PATTERN]
    queues = _own_rpc_queues(service) + [prefix + r"delay\." + DELAY_PATTERN] + [
        re.escape(sub.queue) for sub in topology.SUBSCRIPTIONS if sub.consumer == service]
    return exchanges, queues


def _subscribed_exchanges(service: str) -> list[str]:
    return [re.escape(ex) for sub in topology.SUBSCRIPTIONS if sub.consumer == service
            for ex, _ in sub.bindings]


# nameko binds a reply queue under a fresh uuid4 (nameko.rpc.ReplyListener)
REPLY_KEY_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _binding_keys(service: str) -> dict[str, str]:
    """Topic read permissions: the keys the service may bind its queues under, by exchange."""
    keys: dict[str, list[str]] = {RPC_EXCHANGE: [re.escape(f"{service}.*"), REPLY_KEY_PATTERN]}
    for sub in topology.SUBSCRIPTIONS:
        if sub.consumer == service:
            for exchange_name, key in sub.bindings:
                keys.setdefault(exchange_name, []).append(re.escape(key))
    return {name: _alternatives(found) for name, found in keys.items()}


# Who calls whose RPC: only the gateway calls the domain services (services/gateway/service.py
# TimedRpc); every service publishes its replies under the caller's reply key.
RPC_CALLEES = {"gateway": ("investments", "budgets", "personnel")}


def _rpc_publish_keys(service: str) -> str:
    """Topic write on the RPC exchange: replies (a uuid4 key) and requests only to the services
    this one calls, so a compromised domain service cannot call another's RPC."""
    keys = [REPLY_KEY_PATTERN] + [re.escape(f"{callee}.") + "[a-z_]+"
                                  for callee in RPC_CALLEES.get(service, ())]
    return _alternatives(keys)


def service_permission(service: str) -> Permission:
    own_exchanges, own_queues = _own_names(service)
    rpc = re.escape(RPC_EXCHANGE)
    return Permission(
        configure=_alternatives([*own_exchanges, *own_queues]),
        write=_alternatives([rpc, re.escape(f"{service}.events"),
                             re.escape(topology.DEAD_LETTER_EXCHANGE), *own_exchanges,
                             *own_queues]),
        read=_alternatives([rpc, *_subscribed_exchanges(service), *own_exchanges, *own_queues]),
        topic_write={RPC_EXCHANGE: _rpc_publish_keys(service)},
        topic_read=_binding_keys(service),
    )


def ministry_permission(ministry: Ministry) -> Permission:
    own = re.escape(f"{ministry.user}.") + ".+"
    write = [own]
    topic_write = {}
    if ministry.inbound_source:
        write.append(re.escape(topology.INBOUND_EXCHANGE))
        topic_write[topology.INBOUND_EXCHANGE] = "^" + re.escape(f"{ministry.inbound_source}.") + ".+$"
    return Permission(configure=_alternatives([own]), write=_alternatives(write),
                      read=_alternatives([own, *(re.escape(x) for x in ministry.subscribes_to)]),
                      topic_write=topic_write)


def permissions() -> dict[str, Permission]:
    table = {service_user(s): service_permission(s) for s in SERVICES}
    table.update({m.user: ministry_permission(m) for m in MINISTRIES})
    table[ADMIN_USER] = Permission(".*", ".*", ".*", tags="administrator")
    table[MONITOR_USER] = Permission("^$", "^$", "^$", tags="monitoring")
    return table


def password_for(user: str, environ=None, *, is_local: bool) -> str:
    environ = os.environ if environ is None else environ
    variable = "BROKER_PASSWORD_" + user.upper().replace("-", "_")
    value = environ.get(variable, "")
    if value:
        return value
    if is_local:
        return f"local-{user}"
    raise KeyError(f"{variable} is not set")


def _has_password(user: str, environ=None) -> bool:
    try:
        password_for(user, environ, is_local=False)
    except KeyError:
        return False
    return True


def _api(api_uri: str):
    parts = urlsplit(api_uri.rstrip("/"))
    auth = (unquote(parts.username or GUEST), unquote(parts.password or GUEST))
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")) + "/api", auth


def apply(api_uri: str, vhost: str, *, is_local: bool, environ=None, users=None) -> list[str]:
    """Create or update every user, its permissions on ``vhost`` and its topic permissions;
    outside local development delete ``guest``. Returns the user names applied."""
    import requests
    base, auth = _api(api_uri)
    vh = quote(vhost, safe="")
    table = permissions()
    names = list(users or table)
    if users is None and not is_local and not _has_password(ADMIN_USER, environ):
        names.remove(ADMIN_USER)  # the broker's own administrator (e.g. the operator's) does it
    with requests.Session() as http:
        http.auth = auth

        def call(method, path, **kwargs):
            answer = http.request(method, f"{base}/{path}", timeout=TIMEOUT_SECONDS, **kwargs)
            if answer.status_code >= 400 and not (method == "DELETE" and answer.status_code == 404):
                raise RuntimeError(f"{method} /api/{path}: {answer.status_code} {answer.text[:200]}")

        for name in names:
            grant = table[name]
            user = quote(name, safe="")
            call("PUT", f"users/{user}", json={
                "password": password_for(name, environ, is_local=is_local), "tags": grant.tags})
            call("PUT", f"permissions/{vh}/{user}", json={
                "configure": grant.configure, "write": grant.write, "read": grant.read})
            for exchange_name in sorted({*grant.topic_write, *grant.topic_read}):
                call("PUT", f"topic-permissions/{vh}/{user}", json={
                    "exchange": exchange_name, "write": grant.topic_write.get(exchange_name, ".*"),
                    "read": grant.topic_read.get(exchange_name, ".*")})
        if not is_local and auth[0] != GUEST:  # never lock out the account doing this
            call("DELETE", f"users/{GUEST}")
    return names


def uri_for(amqp_uri: str, user: str, *, is_local: bool, environ=None) -> str:
    """``amqp_uri`` with ``user`` and its password (host, port and vhost unchanged)."""
    parts = urlsplit(amqp_uri)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    secret = quote(password_for(user, environ, is_local=is_local), safe="")
    return urlunsplit((parts.scheme, f"{quote(user, safe='')}:{secret}@{host}", parts.path,
                       parts.query, parts.fragment))


def prepare(settings, *, users: bool, wait_seconds: float, out=None) -> int:
    """Declare the topology as AMQP_URI's account (the administrator), apply the users on its
    vhost, then print one "SERVICE URI" line per service for the start-up script."""
    out = out or sys.stdout
    topology.declare_all(settings.amqp_uri, wait_seconds=wait_seconds)
    print(f"# declared {len(topology.all_declarations())} exchanges and queues", file=out)
    if users:
        from services.common.broker_api import vhost_of
        vhost = vhost_of(settings.amqp_uri)
        names = apply(settings.rabbit_api_uri, vhost, is_local=settings.is_local)
        print(f"# broker users on vhost {vhost!r}: {', '.join(names)}", file=out)
    for service in SERVICES:
        uri = (uri_for(settings.amqp_uri, service_user(service), is_local=settings.is_local)
               if users else settings.amqp_uri)
        print(f"{service} {uri}", file=out)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.broker_access")
    commands = parser.add_subparsers(dest="command", required=True)
    applying = commands.add_parser("apply", help="create users and permissions")
    applying.add_argument("--vhost", help="default: the vhost of AMQP_URI")
    naming = commands.add_parser("uri", help="AMQP_URI for a service's own user")
    naming.add_argument("service", choices=SERVICES)
    preparing = commands.add_parser("prepare", help="topology, users, then each service's URI")
    preparing.add_argument("--no-users", action="store_true",
                           help="every service keeps AMQP_URI's account (no users applied)")
    preparing.add_argument("--wait", type=float, default=30.0,
                           help="seconds to wait for the broker before the topology fails")
    args = parser.parse_args(argv)
    settings = load_settings()
    if args.command == "prepare":
        return prepare(settings, users=not args.no_users, wait_seconds=args.wait)
    if args.command == "apply":
        from services.common.broker_api import vhost_of
        vhost = args.vhost or vhost_of(settings.amqp_uri)
        names = apply(settings.rabbit_api_uri, vhost, is_local=settings.is_local)
        print(f"broker users on vhost {vhost!r}: {', '.join(names)}")
        return 0
    print(uri_for(settings.amqp_uri, service_user(args.service), is_local=settings.is_local))
    return 0


if __name__ == "__main__":
    sys.exit(main())
