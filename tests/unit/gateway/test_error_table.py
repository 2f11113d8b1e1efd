import json

import pytest
from nameko.exceptions import RemoteError

from services.common import errors
from services.gateway.edge.errors import PayloadTooLarge, RateLimited, response_from_exception


@pytest.mark.parametrize("exc,status,code", [
    (errors.ValidationFailed("bad", {"title": ["required"]}), 400, "validation_failed"),
    (errors.Unauthenticated("who", {"reason": "expired"}), 401, "unauthenticated"),
    (errors.Forbidden("no"), 403, "forbidden"),
    (errors.NotFound("gone", {"id": "x"}), 404, "not_found"),
    (errors.DuplicateKey("dup", {"fields": ["external_ref"]}), 409, "duplicate"),
    (errors.StaleVersion("old", {"expected": 1, "actual": 2}), 409, "stale_version"),
    (errors.RuleViolation("rule", {"rule": "stage_transition", "allowed": ["appraised"]}), 409,
     "rule_violation"),
    (PayloadTooLarge("big", {"max_bytes": 1}), 413, "payload_too_large"),
    (errors.ServiceUnavailable("slow", {"service": "budgets"}), 503, "service_unavailable"),
])
def test_one_table_maps_errors_to_status_and_json(exc, status, code):
    response = response_from_exception(exc)
    assert response.status_code == status
    body = json.loads(response.get_data(as_text=True))
    assert body == {"error": code, "message": exc.message, "details": exc.details}


def test_rate_limited_says_when_to_retry():
    response = response_from_exception(RateLimited("slow down", {"retry_after_seconds": 7}))
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"


@pytest.mark.parametrize("exc", [KeyError("secret internal detail"),
                                 RemoteError("KeyError", "secret internal detail")])
def test_unexpected_errors_never_leak_internals(exc):
    response = response_from_exception(exc)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret" not in text and "Traceback" not in text
    assert json.loads(text)["error"] == "internal_error"
