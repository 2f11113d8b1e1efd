"""Access to the gateway over real HTTP: the role × route × region matrix, credentials (tampered
tokens, API keys and their revocation, the CLI), the audit trail, and the limits (rate, body size,
page size)."""
import io
import json
import time
import uuid
from argparse import Namespace
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.gateway import cli
from tests.support import gateway_matrix as matrix
from tests.support.gateway_harness import gateway, start_gateway  # noqa: F401  (fixture)

pytestmark = pytest.mark.integration


def test_role_route_region_matrix(gateway):
    """Every caller × representative route × own/other region (the e2e suite runs the same table
    one case per test, plus the routes of the domain services)."""
    objects = matrix.setup_objects(gateway.api("admin"))
    mismatches = []
    clients = {}
    for role, credential_region, route, side in matrix.cases():
        client = clients.setdefault((role, credential_region),
                                    gateway.api(role, credential_region))
        answer = matrix.call(client, route, matrix.region_for(credential_region, side), objects)
        expected = route.expected(role, credential_region, side)
        if answer.status_code != expected:
            mismatches.append(f"{role}@{credential_region} {route.method} {route.path} ({side}): "
                              f"{answer.status_code} != {expected} {answer.text[:120]}")
        if answer.status_code == 403:
            assert answer.json()["error"] == "forbidden"
    assert mismatches == []


# --- tokens -----------------------------------------------------------------------------------

def _claims(gateway, **overrides):
    now = int(time.time())
    claims = {"iss": gateway.settings.jwt_issuer, "aud": gateway.settings.jwt_audience,
              "sub": "mallory", "jti": uuid.uuid4().hex, "iat": now, "nbf": now,
              "exp": now + 600, "role": "admin"}
    claims.update(overrides)
    return claims


def _unsigned(claims: dict) -> str:
    import base64

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("forge,reason", [
    (lambda g: _unsigned(_claims(g)), "algorithm_not_allowed"),
    (lambda g: jwt.encode(_claims(g), "another-secret-that-is-long-enough-32b", "HS256"),
     "bad_signature"),
    (lambda g: g.token("admin")[:-4] + ("AAAA" if not g.token("admin").endswith("AAAA")
                                         else "BBBB"), "bad_signature"),
    (lambda g: jwt.encode(_claims(g, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200,
                                  exp=int(time.time()) - 3600), g.settings.jwt_secret, "HS256"),
     "expired"),
    (lambda g: jwt.encode(_claims(g, aud="another-api"), g.settings.jwt_secret, "HS256"),
     "wrong_audience"),
    (lambda g: jwt.encode(_claims(g, iss="someone-else"), g.settings.jwt_secret, "HS256"),
     "wrong_issuer"),
    (lambda g: jwt.encode(_claims(g, role="superuser"), g.settings.jwt_secret, "HS256"),
     "unknown_role"),
    (lambda g: "not.a.token", "malformed"),
])
def test_tampered_tokens_are_refused(gateway, forge, reason):
    token = forge(gateway)
    answer = gateway.raw({"Authorization": f"Bearer {token}"}).get("/api/v1/hub/journal")
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "unauthenticated" and body["details"]["reason"] == reason
    assert token not in answer.text


def test_a_genuine_token_passes(gateway):
    assert gateway.api("admin").get("/api/v1/hub/journal").status_code == 200


# --- API keys -----------------------------------------------------------------------------------

def test_api_key_life_cycle(gateway):
    admin = gateway.api("admin", subject="admin-7")
    created = admin.post("/api/v1/admin/api-keys",
                         json={"role": "regional_officer", "region": "KZ-47",
                               "label": "Mangystau statistics feed"})
    assert created.status_code == 201, created.text
    key = created.json()
    plaintext = key["api_key"]
    assert plaintext.startswith(f"rdp_{key['key_id']}_")
    assert key["created_by"] == "admin-7" and key["revoked_at"] is None

    machine = gateway.raw({"X-API-Key": plaintext})
    assert machine.get("/api/v1/hub/scorecards/KZ-47").status_code == 200
    assert machine.get("/api/v1/hub/scorecards/KZ-10").status_code == 403  # scoped like a person

    listing = admin.get("/api/v1/admin/api-keys")
    assert listing.status_code == 200
    listed = next(i for i in listing.json()["items"] if i["key_id"] == key["key_id"])
    assert set(listed) == {"key_id", "role", "region", "body", "label", "created_at",
                           "created_by", "revoked_at"}
    text = listing.text
    stored = gateway.db.api_keys.find_one({"key_id": key["key_id"]})
    assert plaintext.rsplit("_", 1)[1] not in text
    assert stored["secret_hash"] not in text and stored["salt"] not in text

    revoked = admin.delete(f"/api/v1/admin/api-keys/{key['key_id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = machine.get("/api/v1/hub/scorecards/KZ-47")
    assert refused.status_code == 401 and refused.json()["details"]["reason"] == "revoked"
    again = admin.delete(f"/api/v1/admin/api-keys/{key['key_id']}")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # the first date is kept
    active = admin.get("/api/v1/admin/api-keys", params={"include_revoked": "false"}).json()
    assert key["key_id"] not in [i["key_id"] for i in active["items"]]
    assert admin.delete("/api/v1/admin/api-keys/0123456789abcdef").status_code == 404
    wrong = gateway.raw({"X-API-Key": f"rdp_{key['key_id']}_{'A' * 43}"}).get("/api/v1/regions")
    assert wrong.status_code == 401 and wrong.json()["details"]["reason"] == "invalid_api_key"


def test_cli_creates_lists_and_revokes_keys(gateway):
    out = io.StringIO()
    assert cli.keys_create(Namespace(role="ministry_analyst", region=None, label="ministry ETL",
                                     by="operator"), out=out) == 0
    record_line, key_line = out.getvalue().strip().splitlines()
    record = json.loads(record_line)
    plaintext = key_line.rsplit(" ", 1)[1]
    assert record["created_by"] == "operator" and "secret_hash" not in record
    machine = gateway.raw({"X-API-Key": plaintext})
    assert machine.get("/api/v1/hub/journal").status_code == 200

    listing = io.StringIO()
    assert cli.keys_list(Namespace(active=False), out=listing) == 0
    assert record["key_id"] in listing.getvalue() and plaintext not in listing.getvalue()
    assert "salt" not in listing.getvalue()

    assert cli.keys_revoke(Namespace(key_id=record["key_id"]), out=io.StringIO()) == 0
    assert machine.get("/api/v1/hub/journal").status_code == 401
    assert cli.keys_revoke(Namespace(key_id="ffffffffffffffff"), out=io.StringIO()) == 1
    active = io.StringIO()
    cli.keys_list(Namespace(active=True), out=active)
    assert record["key_id"] not in active.getvalue()


# --- audit --------------------------------------------------------------------------------------

def test_audit_trail_filters_and_never_holds_credentials(gateway):
    officer_token = gateway.token("regional_officer", "KZ-35", subject="officer-35")
    officer = gateway.raw({"Authorization": f"Bearer {officer_token}"})
    assert officer.put("/api/v1/hub/regions/KZ-35/srs",
                       json={"cities_pct": "1", "source": "x", "as_of": "2025-01-01"}
                       ).status_code == 403
    before = datetime.now(timezone.utc)
    coordinator_token = gateway.token("office_coordinator", subject="coord-9")
    coordinator = gateway.raw({"Authorization": f"Bearer {coordinator_token}"})
    assert coordinator.post("/api/v1/hub/initiatives", json={
        "region_code": "KZ-35", "title": "t", "responsible_body": "b",
        "due_date": "2027-01-01"}).status_code == 201
    admin = gateway.api("admin")
    key = admin.post("/api/v1/admin/api-keys", json={"role": "admin", "label": "ops"}).json()
    gateway.raw({"X-API-Key": key["api_key"]}).get("/api/v1/admin/audit")
    gateway.raw({"Authorization": "Bearer forged.token.value"}).get("/api/v1/hub/journal")

    analyst = gateway.api("ministry_analyst")
    refused = analyst.get("/api/v1/admin/audit", params={"subject": "officer-35"}).json()
    assert [(i["method"], i["path"], i["status"], i["outcome"]) for i in refused["items"]] == [
        ("PUT", "/api/v1/hub/regions/KZ-35/srs", 403, "forbidden")]
    assert "ip" not in refused["items"][0]  # the caller's address is for admins only
    writes = analyst.get("/api/v1/admin/audit", params={
        "outcome": "ok", "path_prefix": "/api/v1/hub/", "since": before.isoformat()}).json()
    assert [(i["subject"], i["method"]) for i in writes["items"]] == [("coord-9", "POST")]
    unauthenticated = analyst.get("/api/v1/admin/audit",
                                  params={"outcome": "unauthenticated"}).json()
    assert unauthenticated["total"] >= 1 and unauthenticated["items"][0]["subject"] is None
    everything = admin.get("/api/v1/admin/audit", params={"limit": 200})
    assert everything.status_code == 200
    assert everything.json()["items"][0]["ip"] == "127.0.0.1"
    stored = json.dumps(list(gateway.db.audit.find({}, {"_id": 0})), default=str)
    for secret in (officer_token, coordinator_token, key["api_key"], "forged.token.value",
                   key["api_key"].rsplit("_", 1)[1]):
        assert secret not in everything.text and secret not in stored
    future = analyst.get("/api/v1/admin/audit", params={
        "since": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}).json()
    assert future["total"] == 0


# --- limits -------------------------------------------------------------------------------------

def test_rate_limit_per_credential_answers_429_with_retry_after(container_factory, nameko_config,
                                                                monkeypatch):
    limited = start_gateway(container_factory, nameko_config, monkeypatch,
                            RATE_LIMIT_PER_SECOND="0.05", RATE_LIMIT_BURST="3")
    analyst = limited.api("ministry_analyst", subject="busy")
    statuses = [analyst.get("/api/v1/regions").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = analyst.get("/api/v1/regions")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert int(refused.headers["Retry-After"]) == refused.json()["details"]["retry_after_seconds"]
    # another credential has a bucket of its own
    assert limited.api("ministry_analyst", subject="calm").get("/api/v1/regions").status_code \
        == 200


def test_body_cap_answers_413(gateway):
    coordinator = gateway.api("office_coordinator")
    huge = {"region_code": "KZ-35", "title": "t", "responsible_body": "b",
            "due_date": "2027-01-01", "description": "x" * (1024 * 1024 + 10)}
    answer = coordinator.post("/api/v1/hub/initiatives", json=huge)
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"
    assert answer.json()["details"] == {"max_bytes": 1024 * 1024}


@pytest.mark.parametrize("path", ["/api/v1/hub/journal", "/api/v1/hub/initiatives",
                                  "/api/v1/admin/audit", "/api/v1/admin/api-keys"])
def test_page_size_is_capped(gateway, path):
    admin = gateway.api("admin")
    assert admin.get(path, params={"limit": 200}).status_code == 200
    refused = admin.get(path, params={"limit": 201})
    assert refused.status_code == 400 and "limit" in refused.json()["details"]


@pytest.mark.parametrize("body,status", [("{not json", 400), ("[1, 2]", 400), ("", 400)])
def test_malformed_bodies_are_400_in_the_error_shape(gateway, body, status):
    answer = gateway.api("office_coordinator").post(
        "/api/v1/hub/initiatives", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == status
    assert set(answer.json()) == {"error", "message", "details"}


def test_unknown_urls_and_methods_answer_in_the_error_shape(gateway):
    missing = gateway.raw().get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found" and set(missing.json()) == {
        "error", "message", "details"}
    wrong = gateway.api("admin").delete("/api/v1/hub/scorecards")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
