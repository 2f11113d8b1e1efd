"""The gateway's HTTP entrypoint: every route goes through ``api`` and so gets, in this order,
a correlation id, a body-size cap, authentication (bearer JWT or API key), a per-credential rate
limit, the route's permission check, JSON in and out, the one error table, and an audit record
for refusals and writes.

Routes receive ``(self, request, **path_values)``; ``request.principal`` is the caller. A route
returns a JSON-serialisable body, ``(status, body)``, or a werkzeug ``Response``.
"""
import json
import os
import re
import time
import uuid
from datetime import datetime, timezone
from functools import partial

import eventlet
from eventlet.event import Event
from nameko.extensions import SharedExtension
from nameko.messaging import QueueConsumer
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.common import instruments as metrics
from services.common.config import load_settings
from services.common.errors import Unauthenticated, ValidationFailed
from services.common.mongo import get_client
from services.common.rpc import ACTOR_CONTEXT_KEY
from services.gateway.access import auth, policy
from services.gateway.access.audit import AuditRepository
from services.gateway.access.keys import ApiKeyStore
from services.gateway.access.principal import Principal
from services.gateway.edge import checks as edge
from services.gateway.edge.errors import (
    PayloadTooLarge,
    RateLimited,
    Unprocessable,
    json_response,
    response_from_exception,
)
from services.gateway.edge.ratelimit import RateLimiter
from services.gateway.edge.shared_limits import ReplicaCountsRepository, SharedCounts, share_seconds

MAX_BODY_BYTES = 1 * 1024 * 1024
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Answers of these resources carry personal data (staff records, who called from where, keys):
# no shared or browser cache may keep them.
PERSONAL_DATA_RESOURCES = frozenset({"personnel", "audit", "api_keys"})
CORRELATION_HEADER = edge.CORRELATION_HEADER
INVALID_BODY = "invalid request body"  # the message of a 400 for a body the route's schema refuses


class Guard(SharedExtension):
    """Credentials, rate limits and the audit trail, shared by all routes of the gateway."""

    def setup(self):
        settings = load_settings()
        # a short secret fails here, at start, even in local development (not on the first call)
        auth.check_token_secret(settings.jwt_secret)
        self.settings = settings
        db = get_client()[settings.database_name("gateway")]
        self.api_keys = ApiKeyStore(db)
        self.audit_log = AuditRepository(db)
        self.limiter = RateLimiter(rate_per_second=settings.rate_limit_per_second,
                                   burst=settings.rate_limit_burst)
        # before authentication: keyed by the peer address, the only thing known then
        self.address_limiter = RateLimiter(rate_per_second=settings.address_rate_per_second,
                                           burst=settings.address_rate_burst)
        self.refusals = edge.RefusalSampler()
        # across replicas: each process charges its buckets with what the others admitted
        ReplicaCountsRepository.ensure_indexes(db)
        self.shared_counts = SharedCounts(
            {"credential": self.limiter, "address": self.address_limiter},
            ReplicaCountsRepository(db),
            process_id=f"gateway-{os.environ.get('PLATFORM_REPLICA', '1')}-{uuid.uuid4().hex[:12]}")
        self.share_seconds = share_seconds()
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(self._share_counts)

    def _share_counts(self):
        self.shared_counts.run(self.share_seconds, lambda: self._stopping, sleep=eventlet.sleep)

    def stop(self):
        self._stopping = True
        self.shared_counts.forget()

    def authenticate(self, request) -> Principal:
        header = request.headers.get("Authorization", "")
        api_key = request.headers.get("X-API-Key")
        if api_key:
            return auth.verify_api_key(api_key, self.api_keys.find)
        if header.startswith("Bearer "):
            return auth.verify_token(header[len("Bearer "):].strip(), self.settings.jwt_secret,
                                     self.settings.jwt_issuer, self.settings.jwt_audience)
        raise Unauthenticated("a bearer token or an API key is required",
                              {"reason": "missing_credentials"})

    def check_address_rate(self, request) -> None:
        key = f"addr:{request.remote_addr}"
        allowed, retry_after = self.address_limiter.check(key)
        if allowed:
            self.shared_counts.admitted("address", key)
        else:
            raise RateLimited("too many requests from this address",
                              {"retry_after_seconds": retry_after})

    def check_rate(self, principal: Principal) -> None:
        allowed, retry_after = self.limiter.check(principal.rate_limit_key)
        if allowed:
            self.shared_counts.admitted("credential", principal.rate_limit_key)
        else:
            raise RateLimited("too many requests for this credential",
                              {"retry_after_seconds": retry_after})

    def audit(self, request, principal, status: int, correlation_id: str, error=None, *,
              revealed_iins=None, refusals_left_out=None) -> None:
        record = {
            "at": datetime.now(timezone.utc),
            "method": request.method,
            "path": request.path,
            "status": status,
            "outcome": "ok" if status < 400 else (error or "error"),
            "subject": getattr(principal, "subject", None),
            "role": getattr(principal, "role", None),
            "region": getattr(principal, "region", None),
            "credential_kind": getattr(principal, "credential_kind", None),
            "credential_id": getattr(principal, "credential_id", None),
            "remote_addr": request.remote_addr,
            "correlation_id": correlation_id,
        }
        if refusals_left_out is not None:  # 401s are sampled: how many this one stands for
            record["refusals_left_out"] = refusals_left_out
        if revealed_iins:  # who read whose full IIN (the servant ids, never the numbers)
            record["revealed_iins"] = list(revealed_iins)
        self.audit_log.record(record)


class JsonWsgiApp(WsgiApp):
    """nameko's WSGI app, but a URL no route matches (404) or a method a route does not take
    (405) is answered in the gateway's error shape too, not with werkzeug's HTML page."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = response_from_exception(exc)
            if getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(_allowed(adapter, exc.valid_methods))
        return response(environ, start_response)


def _allowed(adapter, valid_methods, path_info: str | None = None) -> list[str]:
    """The methods of the one resource the URL names. werkzeug lists every rule that matches, so
    ``/imports/ofdp`` (POST) would also advertise the GET of ``/imports/<import_id>``; the rule
    with the fewest variables, then the most literal text, is the resource meant (as routing
    itself prefers static parts: ``/blocks/<path:id>/carry-over`` over ``/blocks/<path:id>``)."""
    rules = {}
    for method in valid_methods:
        try:
            rule, _ = adapter.match(path_info, method=method, return_rule=True)
        except HTTPException:
            continue
        rules[method] = rule
    if not rules:
        return list(valid_methods)
    meant = min(rules.values(), key=lambda rule: (
        len(rule.arguments), -len(re.sub(r"<[^>]*>", "", rule.rule)))).rule
    return [method for method, rule in rules.items() if rule.rule == meant]


class JsonWebServer(WebServer):
    def start(self):
        # nameko starts every extension at once, so the socket could accept requests before the
        # queue consumer consumes: a request's RPC reply sent to a reply queue not yet declared is
        # dropped, and the caller waits out its deadline (the first /health answered 503 after 3 s
        # in one cold start of three). QueueConsumer.start is shared and idempotent: it returns
        # once its consumers (RPC replies, nameko event handlers) are ready.
        for extension in list(self.container.extensions):
            if isinstance(extension, QueueConsumer):
                extension.start()
        super().start()

    def get_wsgi_app(self):
        return JsonWsgiApp(self)


class ApiRoute(HttpRequestHandler):
    server = JsonWebServer()
    guard = Guard()

    def __init__(self, method, url, *, public: bool = False, permission=None,
                 audit: bool | None = None, summary: str = "", body=None, query=None,
                 response=None, responses: dict | None = None, tags=(),
                 rules: dict | None = None, headers: dict | None = None, **kwargs):
        self.public = public
        self.permission = permission  # (resource, action) checked before the route runs
        self.audit_always = audit
        # OpenAPI description (edge/openapi.py reads these): marshmallow schema
        # classes for the JSON body, the query string and the success response, extra
        # {status: description} responses, and tags.
        self.summary = summary
        self.body_schema = body
        self.query_schema = query
        self.response_schema = response
        self.extra_responses = responses or {}
        self.response_headers = dict(headers or {})  # {name: OpenAPI header} of the success answer
        self.tags = tuple(tags)
        # {detail key regex, or (key regex, reason regex): the rule}: rules the document cannot
        # state; a refusal whose every reason is one of them is a 422 (edge/errors.py
        # Unprocessable), documented with the rules' text (edge/business_rules.py)
        self.rules = dict(rules or {})
        self._rule_patterns = [
            (re.compile(key), re.compile(reason)) for key, reason in (
                rule if isinstance(rule, tuple) else (rule, "") for rule in self.rules)]
        self.personal_data = bool(permission) and permission[0] in PERSONAL_DATA_RESOURCES
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False  # nameko's server builds requests that refuse to read the body
        request.correlation_id = correlation_id = str(uuid.uuid4())  # until the header is checked
        request.principal = None
        request.max_content_length = MAX_BODY_BYTES
        try:
            request.correlation_id = correlation_id = edge.correlation_id(
                request.headers.get(CORRELATION_HEADER), lambda: correlation_id)
            self.guard.check_address_rate(request)
            if request.content_length and request.content_length > MAX_BODY_BYTES:
                raise PayloadTooLarge("request body too large",
                                      {"max_bytes": MAX_BODY_BYTES})
            if not self.public:
                request.principal = self.guard.authenticate(request)
                self.guard.check_rate(request.principal)
                if self.permission:
                    policy.authorize_route(request.principal, *self.permission)
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            context = {"correlation_id": correlation_id}
            if request.principal is not None:  # services take a command's actor from here only
                context[ACTOR_CONTEXT_KEY] = request.principal.subject
            self.container.spawn_worker(
                self, args, kwargs, context_data=context,
                handle_result=partial(self.handle_result, event))
            result = event.wait()
            response = self.response_from_result(result)
        except Exception as exc:
            response = response_from_exception(self.business_refusal(exc))
        response = self.finish(request, response)
        self._maybe_audit(request, response)
        metrics.record_http(self.container.service_name, self.method, self.url,
                            response.status_code, time.perf_counter() - started)
        return response

    def business_refusal(self, exc: Exception) -> Exception:
        """A 400 whose every detail key is one of this route's ``rules`` becomes a 422: the
        request kept to the document, a rule outside it refused it."""
        if (self._rule_patterns and type(exc) is ValidationFailed and exc.details
                and all(self._is_rule(str(key), reasons) for key, reasons in exc.details.items())):
            return Unprocessable(exc.message, exc.details)
        return exc

    def _is_rule(self, key: str, reasons) -> bool:
        reasons = reasons if isinstance(reasons, list) and reasons else [str(reasons)]
        return all(any(key_rule.fullmatch(key) and reason_rule.search(str(reason))
                       for key_rule, reason_rule in self._rule_patterns) for reason in reasons)

    def finish(self, request, response):
        """Headers every answer of this route gets."""
        response.headers[CORRELATION_HEADER] = request.correlation_id
        if self.personal_data:
            response.headers["Cache-Control"] = "no-store"
        return response

    def _maybe_audit(self, request, response):
        status = response.status_code
        refused = status in (401, 403)
        revealed = getattr(request, "revealed_iins", None)
        if self.public and not refused:
            return
        if refused or request.method in WRITE_METHODS or self.audit_always or revealed:
            error, details = None, {}
            if status >= 400:
                try:
                    answer = json.loads(response.get_data(as_text=True))
                    error, details = answer.get("error"), answer.get("details") or {}
                except (ValueError, AttributeError):
                    error = "error"
            left_out = None
            if status == 401:  # counted always, audited as a sample (a flood writes no flood)
                left_out = self.guard.refusals.record(request.remote_addr, details.get("reason"))
                if left_out is None:
                    return
            self.guard.audit(request, request.principal, status, request.correlation_id, error,
                             revealed_iins=revealed, refusals_left_out=left_out)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, headers = 200, None
        if isinstance(result, tuple):
            if len(result) == 3:
                status, headers, result = result
            else:
                status, result = result
        return json_response(status, result, headers)

    def response_from_exception(self, exc):
        return response_from_exception(exc)


api = ApiRoute.decorator


def read_json(request) -> dict:
    """The request body as a JSON object, or a 400 naming the problem."""
    try:
        data = request.get_data(cache=True)
    except Exception as exc:  # werkzeug's 413 when the body exceeds the cap
        raise PayloadTooLarge("request body too large", {"max_bytes": MAX_BODY_BYTES}) from exc
    if not data:
        raise ValidationFailed("a JSON body is required", {"body": ["missing"]})
    try:
        body = edge.parse_json(data)
    except ValueError as exc:
        raise ValidationFailed("the body is not valid JSON", {"body": [str(exc)]}) from exc
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", {"body": ["not an object"]})
    return body
