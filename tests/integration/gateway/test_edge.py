"""What the gateway refuses before (or without) knowing the caller: a malformed correlation id,
JSON nested too deeply, a flood from one address, a flood of bad credentials (counted, sampled
into the audit trail), and /health probes per request."""
import json
import time

import pytest
from prometheus_client import REGISTRY

from tests.support.gateway_harness import gateway, start_gateway  # noqa: F401

pytestmark = pytest.mark.integration


def _unauthenticated(reason):
    return REGISTRY.get_sample_value("gateway_unauthenticated_requests_total",
                                     {"reason": reason}) or 0


@pytest.mark.parametrize("value", ["a;b", "x" * 129, "<script>", "-starts-with-dash", "a b"])
def test_a_malformed_correlation_id_is_a_400_naming_the_header(gateway, value):  # noqa: F811
    answer = gateway.api("admin").get("/api/v1/regions", headers={"X-Correlation-Id": value})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "validation_failed" and list(body["details"]) == ["X-Correlation-Id"]
    assert answer.headers["X-Correlation-Id"] != value  # a fresh one names the refusal


def test_a_well_formed_correlation_id_is_echoed(gateway):  # noqa: F811
    answer = gateway.api("admin").get("/api/v1/regions",
                                      headers={"X-Correlation-Id": "batch-42.run:7"})
    assert answer.status_code == 200 and answer.headers["X-Correlation-Id"] == "batch-42.run:7"


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deeply_nested_json_is_a_400_and_stores_nothing(gateway, depth):  # noqa: F811
    coordinator = gateway.api("office_coordinator")
    before = coordinator.get("/api/v1/hub/initiatives").json()["total"]
    body = '{"title": ' + "[" * depth + "]" * depth + "}"
    answer = coordinator.post("/api/v1/hub/initiatives", data=body,
                              headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["details"] == {"body": ["nested deeper than 32 levels"]}
    assert coordinator.get("/api/v1/hub/initiatives").json()["total"] == before


def test_one_address_is_limited_before_authentication(container_factory, nameko_config,
                                                      monkeypatch):
    limited = start_gateway(container_factory, nameko_config, monkeypatch,
                            RATE_LIMIT_PER_ADDRESS_PER_SECOND="0.05",
                            RATE_LIMIT_PER_ADDRESS_BURST="3")
    stranger = limited.raw({"Authorization": "Bearer not-a-token"})
    statuses = [stranger.get("/api/v1/regions").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    refused = stranger.get("/api/v1/regions")
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    # a valid credential from the same address is refused too: the address is out of budget
    assert limited.api("admin").get("/api/v1/regions").status_code == 429


def test_bad_credentials_are_counted_and_audited_as_a_sample(gateway):  # noqa: F811
    stranger = gateway.raw({"Authorization": "Bearer not-a-token"})
    before = _unauthenticated("malformed")
    for _ in range(25):
        assert stranger.get("/api/v1/regions").status_code == 401
    assert _unauthenticated("malformed") - before == 25
    audited = list(gateway.db.audit.find({"status": 401}, {"_id": 0}))
    assert len(audited) == 1
    assert audited[0]["refusals_left_out"] == 0
    # a refused permission (403) is still audited one by one
    officer = gateway.api("regional_officer", "KZ-35")
    for _ in range(3):
        assert officer.get("/api/v1/admin/audit").status_code == 403
    assert gateway.db.audit.count_documents({"status": 403}) == 3


def test_health_answers_from_a_cached_probe(gateway, monkeypatch):  # noqa: F811
    from services.gateway.routes import platform as routes_platform
    probes = []
    real = routes_platform._broker_status
    monkeypatch.setattr(routes_platform, "_broker_status",
                        lambda: probes.append(time.monotonic()) or real())
    client = gateway.raw()
    answers = [client.get("/health") for _ in range(10)]
    assert len({json.dumps(a.json()["components"]["rabbitmq"]) for a in answers}) == 1
    assert len(probes) == 1
    time.sleep(gateway.settings.health_cache_seconds + 0.1)
    client.get("/health")
    assert len(probes) == 2


def test_the_journal_is_never_cached(gateway):  # noqa: F811
    answer = gateway.api("ministry_analyst").get("/api/v1/hub/journal")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
