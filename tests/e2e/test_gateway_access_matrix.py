"""Role × route × region over the real HTTP routes of the whole platform, one case per test, plus
tampered tokens: the table is ``tests/support/gateway_matrix.py`` (written independently of the
policy module)."""
import base64
import json
import time
import uuid

import jwt
import pytest

from tests.support import gateway_matrix as matrix

pytestmark = pytest.mark.e2e

CASES = list(matrix.cases(matrix.GATEWAY_ROUTES + matrix.PROJECT_ROUTES))


@pytest.fixture(scope="module")
def objects(platform):
    return matrix.setup_objects(platform.api("admin"))


@pytest.fixture(scope="module")
def clients(platform):
    return {(role, region): platform.api(role, region) for role, region in matrix.CALLERS}


@pytest.mark.parametrize("case", CASES, ids=[matrix.case_id(c) for c in CASES])
def test_access(case, clients, objects):
    role, credential_region, route, side = case
    answer = matrix.call(clients[(role, credential_region)], route,
                         matrix.region_for(credential_region, side), objects)
    assert answer.status_code == route.expected(role, credential_region, side), answer.text
    if answer.status_code >= 400:
        assert set(answer.json()) == {"error", "message", "details"}


def _claims(platform, **overrides):
    now = int(time.time())
    claims = {"iss": "regional-platform", "aud": "regional-platform-api", "sub": "mallory",
              "jti": uuid.uuid4().hex, "iat": now, "nbf": now, "exp": now + 600, "role": "admin"}
    claims.update(overrides)
    return claims


def _alg_none(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


TAMPERED = {
    "alg_none": (lambda p: _alg_none(_claims(p)), "algorithm_not_allowed"),
    "wrong_signature": (lambda p: jwt.encode(_claims(p), "x" * 40, "HS256"), "bad_signature"),
    "expired": (lambda p: jwt.encode(_claims(p, iat=int(time.time()) - 7200,
                                             nbf=int(time.time()) - 7200,
                                             exp=int(time.time()) - 3600),
                                     p.env["JWT_SECRET"], "HS256"), "expired"),
    "wrong_audience": (lambda p: jwt.encode(_claims(p, aud="elsewhere"), p.env["JWT_SECRET"],
                                            "HS256"), "wrong_audience"),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_tokens_are_401(platform, name):
    forge, reason = TAMPERED[name]
    client = platform.api(None)
    client.headers["Authorization"] = f"Bearer {forge(platform)}"
    answer = client.get("/api/v1/hub/scorecards")
    assert answer.status_code == 401
    assert answer.json()["details"]["reason"] == reason
