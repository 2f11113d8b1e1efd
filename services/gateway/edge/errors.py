"""The one table from errors to HTTP answers. Bodies are always ``{error, message, details}``.

Platform errors arrive from the services as themselves (see ``services.common.remote_errors``); a
remote error of a type we do not know, and anything unexpected, becomes a 500 with a generic
message: no stack trace or internal text ever leaves the gateway.
"""
import json
import logging

from nameko.exceptions import RemoteError
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from services.common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PlatformError,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger(__name__)


class RateLimited(PlatformError):
    error = "rate_limited"


class PayloadTooLarge(PlatformError):
    error = "payload_too_large"


class MethodNotAllowed(PlatformError):
    error = "method_not_allowed"


class Unprocessable(PlatformError):
    """A request the API document allows, refused by a rule the document cannot state (what a
    file holds, a rule between fields, a code list of the body's own year): 422 naming the field."""
    error = "unprocessable"


# Most specific first: the first matching row wins.
ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (ValidationFailed, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (MethodNotAllowed, 405),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (Unprocessable, 422),
    (RateLimited, 429),
    (ServiceUnavailable, 503),
)


def status_for(exc: Exception) -> int:
    for error_type, status in ERROR_STATUS:
        if isinstance(exc, error_type):
            return status
    return 500


def json_response(status: int, body, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, default=str), status=status, headers=headers or {},
                    mimetype="application/json")


def error_body(error: str, message: str, details=None) -> dict:
    return {"error": error, "message": message, "details": details or {}}


def response_from_exception(exc: Exception) -> Response:
    if isinstance(exc, ConnectionFailure):  # the gateway's own store is away: an outage, not a bug
        exc = ServiceUnavailable("the store is unavailable; try again shortly",
                                 {"service": "gateway", "dependency": "store"})
    if isinstance(exc, HTTPException):  # werkzeug's own (413 from the body cap, 404 routing…)
        code = exc.code or 500
        return json_response(code, error_body(exc.name.lower().replace(" ", "_"),
                                              exc.description or exc.name))
    status = status_for(exc)
    if status == 500:
        if isinstance(exc, RemoteError):
            log.error("unmapped remote error %s: %s", exc.exc_type, exc.value)
        else:
            log.exception("unexpected error", exc_info=exc)
        return json_response(500, error_body("internal_error",
                                             "the request could not be completed"))
    headers = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.details.get("retry_after_seconds", 1))
    return json_response(status, error_body(exc.error, exc.message, exc.details), headers)
