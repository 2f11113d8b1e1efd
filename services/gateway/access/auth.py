"""Credentials the gateway accepts: signed tokens for people, API keys for machine clients.

Both end in a ``Principal``, the one thing the policy (``policy.py``), the rate limiter and the
audit trail look at. Pure Python (no nameko, no pymongo): API-key records are read through a
lookup callable, so storage is the repository's business (see ``ApiKeyRepository``).

Every refusal is ``Unauthenticated`` with ``details["reason"]``, a stable code a client can act on
(``expired`` → sign in again). A credential is never echoed back, in messages or details.

Tokens (JWT, RFC 7519) are signed with HS256 and only HS256: the accepted algorithm is fixed here,
never read from the token (RFC 8725 §2.1), so ``alg: none`` and algorithm-confusion tokens fail.
Time claims are checked here rather than by PyJWT so that ``now`` can be injected and the
clock-skew allowance is one explicit, bounded ``leeway_seconds``.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Protocol

import jwt

from services.common.errors import Unauthenticated, raise_if_problems, require
from services.gateway.access.principal import (  # noqa: F401  (auth.Principal, auth.JWT...)
    API_KEY,
    CENTRAL_OFFICER,
    CREDENTIAL_KINDS,
    JWT,
    Principal,
    credential_body_problem,
    credential_scope_problem,
)


def _refuse(reason: str, message: str, **extra: str) -> Unauthenticated:
    return Unauthenticated(message, {"reason": reason, **extra})


def _epoch_seconds(now: datetime | float | int | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    return float(now)


def _utc_datetime(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


# --- tokens -----------------------------------------------------------------------------------

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32        # RFC 7518 §3.2: an HS256 key at least as long as the hash output
MAX_TOKEN_CHARS = 8192       # our tokens are ~400 characters; refuse to parse anything huge
MAX_LEEWAY_SECONDS = 300
DEFAULT_TTL_SECONDS = 900
MAX_TTL_SECONDS = 24 * 3600
MAX_SUBJECT_CHARS = 256
REQUIRED_CLAIMS = ("iss", "aud", "sub", "jti", "iat", "exp", "role")


def _secret_bytes(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"the token signing secret must be at least {MIN_SECRET_BYTES} bytes")
    return key


def check_token_secret(secret: str | bytes) -> None:
    """Raise ``ValueError`` for a signing secret too short to use (call once at start-up)."""
    _secret_bytes(secret)


def issue_token(secret: str | bytes, role: str, region: str | None = None, *, subject: str,
                ttl_seconds: int = DEFAULT_TTL_SECONDS, issuer: str, audience: str,
                now: datetime | float | None = None, token_id: str | None = None,
                body: str | None = None) -> str:
    """A signed HS256 token for ``subject`` acting as ``role`` (scoped to ``region`` when given;
    a ``central_officer`` names the central ``body`` it acts for).

    Raises ``ValidationFailed`` for a scope or lifetime that could never verify, ``ValueError``
    for a short secret.
    """
    key = _secret_bytes(secret)
    problems: dict = {}
    require(isinstance(subject, str) and bool(subject.strip())
            and len(subject) <= MAX_SUBJECT_CHARS,
            "subject", f"must be a non-empty string of at most {MAX_SUBJECT_CHARS} characters",
            problems)
    scope_problem = credential_scope_problem(role, region)
    require(scope_problem != "unknown_role", "role", "unknown role", problems)
    require(scope_problem not in ("region_required", "unknown_region", "region_not_allowed"),
            "region", scope_problem or "", problems)
    body_problem = _body_problem(role, body)
    require(body_problem is None, "body", body_problem or "", problems)
    require(isinstance(ttl_seconds, int) and not isinstance(ttl_seconds, bool)
            and 0 < ttl_seconds <= MAX_TTL_SECONDS,
            "ttl_seconds", f"must be an integer in 1..{MAX_TTL_SECONDS}", problems)
    require(isinstance(issuer, str) and bool(issuer), "issuer", "must be a non-empty string",
            problems)
    require(isinstance(audience, str) and bool(audience), "audience",
            "must be a non-empty string", problems)
    raise_if_problems(problems, "cannot issue token")
    issued_at = int(_epoch_seconds(now))
    claims: dict[str, Any] = {
        "iss": issuer, "aud": audience, "sub": subject, "role": role,
        "jti": token_id or uuid.uuid4().hex,
        "iat": issued_at, "nbf": issued_at, "exp": issued_at + ttl_seconds,
    }
    if region is not None:
        claims["region"] = region
    if body is not None:
        claims["body"] = body
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify_token(token: str, secret: str | bytes, issuer: str, audience: str,
                 leeway_seconds: int = 30, now: datetime | float | None = None) -> Principal:
    """The principal a token speaks for, or ``Unauthenticated`` with the reason.

    ``leeway_seconds`` (0..300) is the clock skew tolerated on ``exp``, ``nbf`` and ``iat``:
    a token is expired from ``exp + leeway`` on, valid from ``nbf - leeway`` on.
    """
    key = _secret_bytes(secret)
    if not (isinstance(issuer, str) and issuer and isinstance(audience, str) and audience):
        # None would make PyJWT skip the check altogether.
        raise ValueError("issuer and audience must be non-empty strings")
    if not 0 <= leeway_seconds <= MAX_LEEWAY_SECONDS:
        raise ValueError(f"leeway_seconds must be within 0..{MAX_LEEWAY_SECONDS}")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise _refuse("malformed", "malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _refuse("malformed", "malformed token") from None
    if header.get("alg") != ALGORITHM:
        raise _refuse("algorithm_not_allowed", "token algorithm not accepted")
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=issuer, audience=audience,
            options={"require": list(REQUIRED_CLAIMS), "verify_exp": False,
                     "verify_nbf": False, "verify_iat": False})
    except jwt.InvalidSignatureError:
        raise _refuse("bad_signature", "token signature does not verify") from None
    except jwt.InvalidAlgorithmError:
        raise _refuse("algorithm_not_allowed", "token algorithm not accepted") from None
    except jwt.MissingRequiredClaimError as exc:
        raise _refuse("missing_claim", f"token lacks the {exc.claim} claim",
                      claim=exc.claim) from None
    except jwt.InvalidIssuerError:
        raise _refuse("wrong_issuer", "token issued by another issuer") from None
    except jwt.InvalidAudienceError:
        raise _refuse("wrong_audience", "token meant for another audience") from None
    except jwt.exceptions.InvalidSubjectError:
        raise _refuse("invalid_claim", "token sub claim is not a string", claim="sub") from None
    except jwt.exceptions.InvalidJTIError:
        raise _refuse("invalid_claim", "token jti claim is not a string", claim="jti") from None
    except jwt.PyJWTError:
        raise _refuse("malformed", "malformed token") from None
    return _principal_from_claims(claims, _epoch_seconds(now), leeway_seconds)


def _principal_from_claims(claims: Mapping[str, Any], moment: float, leeway: float) -> Principal:
    for name in ("iat", "exp", "nbf"):
        if name in claims and not _is_int(claims[name]):
            raise _refuse("invalid_claim", f"token {name} claim is not an integer", claim=name)
    for name in ("sub", "jti", "role"):
        if not isinstance(claims[name], str) or not claims[name]:
            raise _refuse("invalid_claim", f"token {name} claim is not a string", claim=name)
    if claims["exp"] <= moment - leeway:
        raise _refuse("expired", "token expired")
    not_before = max(claims["iat"], claims.get("nbf", claims["iat"]))
    if not_before > moment + leeway:
        raise _refuse("not_yet_valid", "token not yet valid")
    region = claims.get("region")
    body = claims.get("body")
    problem = (credential_scope_problem(claims["role"], region)
               or credential_body_problem(claims["role"], body))
    if problem:
        raise _refuse(problem, f"token scope refused: {problem}")
    return Principal(subject=claims["sub"], role=claims["role"], region=region,
                     credential_kind=JWT, credential_id=claims["jti"], body=body)


# --- API keys ---------------------------------------------------------------------------------
#
# Plaintext "rdp_<key_id>_<secret>": key_id is 16 hex digits (64 bits, the lookup key, safe to
# log); secret is 32 random bytes in URL-safe base64 (43 characters), shown once at creation.
#
# Hash choice: PBKDF2-HMAC-SHA256, 10,000 iterations, 16-byte salt per key. The secret carries 256
# bits of randomness, so no guessing attack needs slowing down: the KDF only keeps a leaked key
# table from being usable as-is. Every machine request verifies its key, so the cost is kept at
# ~1-3 ms. Parameters are stored per record, so raising the cost later leaves old keys valid.
# Nothing is cached: each request pays one derivation.

API_KEY_PREFIX = "rdp"
_API_KEY_PATTERN = re.compile(r"rdp_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
KDF = "pbkdf2_sha256"
KDF_ITERATIONS = 10_000
_KDF_ITERATION_BOUNDS = (1_000, 1_000_000)
SALT_BYTES = 16
MAX_LABEL_CHARS = 200


class ApiKeyRepository(Protocol):
    """What the gateway needs from API-key storage (a pymongo repository implements it)."""

    def insert(self, record: dict) -> None:
        """Store a record from ``generate_api_key``; ``DuplicateKey`` on a key_id clash."""

    def find(self, key_id: str) -> dict | None:
        """The record for ``key_id`` or None: this is the ``lookup`` of ``verify_api_key``."""

    def revoke(self, key_id: str, revoked_at: datetime) -> dict | None:
        """Set ``revoked_at`` unless already set; the resulting record, None if unknown."""

    def list_keys(self) -> list[dict]:
        """Every record, revoked ones included (show them through ``api_key_public_view``)."""


ApiKeyLookup = Callable[[str], "Mapping[str, Any] | None"]


def _derive(secret: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret.encode("ascii"), salt, iterations)


def _body_problem(role: Any, body: Any) -> str | None:
    """Why a credential issued now cannot carry ``body``: a central officer's needs one."""
    return credential_body_problem(role, body) or (
        "body_required" if role == CENTRAL_OFFICER and body is None else None)


def generate_api_key(role: str, region: str | None, label: str, *, now: datetime | None = None,
                     iterations: int = KDF_ITERATIONS, body: str | None = None) -> tuple[str, dict]:
    """A new key: (plaintext to hand over once, record to store). ``ValidationFailed`` on bad
    role/region/body/label (a ``central_officer``'s key names its central ``body``, as its
    token does)."""
    problems: dict = {}
    scope_problem = credential_scope_problem(role, region)
    require(scope_problem != "unknown_role", "role", "unknown role", problems)
    require(scope_problem not in ("region_required", "unknown_region", "region_not_allowed"),
            "region", scope_problem or "", problems)
    body_problem = _body_problem(role, body)
    require(body_problem is None, "body", body_problem or "", problems)
    require(isinstance(label, str) and bool(label.strip()) and len(label) <= MAX_LABEL_CHARS,
            "label", f"must be a non-empty string of at most {MAX_LABEL_CHARS} characters",
            problems)
    low, high = _KDF_ITERATION_BOUNDS
    require(_is_int(iterations) and low <= iterations <= high, "iterations",
            f"must be within {low}..{high}", problems)
    raise_if_problems(problems, "cannot create API key")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(SALT_BYTES)
    record = {
        "key_id": key_id,
        "kdf": KDF,
        "iterations": iterations,
        "salt": salt.hex(),
        "secret_hash": _derive(secret, salt, iterations).hex(),
        "role": role,
        "region": region,
        "body": body,
        "label": label,
        "created_at": _utc_datetime(now),
        "revoked_at": None,
    }
    return f"{API_KEY_PREFIX}_{key_id}_{secret}", record


def verify_api_key(plaintext: str, lookup: ApiKeyLookup) -> Principal:
    """The principal an API key speaks for, or ``Unauthenticated``.

    An unknown key id and a wrong secret give the same reason (``invalid_api_key``). An unknown
    id costs no key derivation: a flood of made-up keys must not buy a PBKDF2 run each (key ids
    are 64 random bits, so timing cannot enumerate them). ``revoked`` is only said to a caller
    who proved the secret. Errors raised by ``lookup`` (store down) propagate untouched: an outage
    is not a bad credential.

    The principal's subject is the person who created the key (``created_by``), so a token and an
    API key of one person are one subject (a requester cannot approve through their key).
    """
    match = _API_KEY_PATTERN.fullmatch(plaintext) if isinstance(plaintext, str) else None
    if match is None:
        raise _refuse("malformed", "malformed API key")
    key_id, secret = match.groups()
    record = lookup(key_id)
    if record is None or record.get("key_id") != key_id:
        raise _refuse("invalid_api_key", "invalid API key")
    try:
        iterations = record["iterations"]
        low, high = _KDF_ITERATION_BOUNDS
        if record["kdf"] != KDF or not _is_int(iterations) or not low <= iterations <= high:
            raise ValueError("unsupported key derivation")
        salt = bytes.fromhex(record["salt"])
        expected = bytes.fromhex(record["secret_hash"])
    except (KeyError, TypeError, ValueError):
        raise _refuse("invalid_api_key", "invalid API key") from None
    if not hmac.compare_digest(_derive(secret, salt, iterations), expected):
        raise _refuse("invalid_api_key", "invalid API key")
    if record.get("revoked_at") is not None:
        raise _refuse("revoked", "API key revoked")
    problem = (credential_scope_problem(record.get("role"), record.get("region"))
               or credential_body_problem(record.get("role"), record.get("body")))
    if problem:
        raise _refuse(problem, f"API key scope refused: {problem}")
    owner = record.get("created_by")
    subject = owner if isinstance(owner, str) and owner.strip() else f"{API_KEY}:{key_id}"
    return Principal(subject=subject, role=record["role"],
                     region=record.get("region"), credential_kind=API_KEY, credential_id=key_id,
                     body=record.get("body"))


def revoke_api_key(record: Mapping[str, Any], now: datetime | None = None) -> dict:
    """A copy of ``record`` revoked at ``now``; an already revoked record keeps its first date."""
    revoked = dict(record)
    if revoked.get("revoked_at") is None:
        revoked["revoked_at"] = _utc_datetime(now)
    return revoked


def api_key_public_view(record: Mapping[str, Any]) -> dict:
    """What a listing may show about a key: everything but the hash material."""
    return {name: record.get(name)
            for name in ("key_id", "role", "region", "body", "label", "created_at",
                         "revoked_at")}
