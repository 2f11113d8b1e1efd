"""Tokens and API keys of the gateway: what verifies, and every way a credential is refused."""
import base64
import copy
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.common.errors import Unauthenticated, ValidationFailed
from services.gateway.access import auth
from services.gateway.access.auth import (
    API_KEY,
    JWT,
    Principal,
    api_key_public_view,
    generate_api_key,
    issue_token,
    revoke_api_key,
    verify_api_key,
    verify_token,
)

SECRET = "platform-signing-key-for-unit-tests-" + "s" * 40  # 76 bytes: fine for HS512 too
OTHER_SECRET = "another-signing-key-entirely-" + "o" * 40
ISSUER = "rdp-gateway"
AUDIENCE = "rdp-api"
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
TTL = 900


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(obj: dict) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def hs256(signing_input: str, secret: str = SECRET) -> str:
    return b64url(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


def claims(**overrides) -> dict:
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "officer-7", "jti": "tok-1", "role": "admin",
            "iat": T0, "nbf": T0, "exp": T0 + TTL}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def signed(payload: dict, header: dict | None = None, secret: str = SECRET) -> str:
    """A token built segment by segment, so any header/claim combination can be tried."""
    signing_input = f"{segment(header or {'alg': 'HS256', 'typ': 'JWT'})}.{segment(payload)}"
    return f"{signing_input}.{hs256(signing_input, secret)}"


def token(role="regional_officer", region="KZ-35", **kw) -> str:
    kw.setdefault("subject", "officer-7")
    kw.setdefault("issuer", ISSUER)
    kw.setdefault("audience", AUDIENCE)
    kw.setdefault("now", T0)
    kw.setdefault("ttl_seconds", TTL)
    return issue_token(SECRET, role, region, **kw)


def verify(tok, now=T0 + 10, **kw):
    kw.setdefault("leeway_seconds", 30)
    return verify_token(tok, SECRET, kw.pop("issuer", ISSUER), kw.pop("audience", AUDIENCE),
                        now=now, **kw)


def refusal(tok, **kw) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        verify(tok, **kw)
    err = caught.value
    # A credential never travels back to the caller, in the message or the details.
    if isinstance(tok, str) and len(tok) > 8:
        shown = err.message + json.dumps(err.details)
        assert all(part not in shown for part in tok.split(".") if len(part) > 8)
    return err


# --- tokens that verify ---------------------------------------------------------------------

@pytest.mark.parametrize("role, region", [
    ("admin", None), ("ministry_analyst", None), ("office_coordinator", None),
    ("regional_officer", "KZ-35"), ("hr_officer", None), ("hr_officer", "KZ-71"),
])
def test_issued_token_verifies_to_its_principal(role, region):
    tok = token(role, region, token_id="jti-42")
    principal = verify(tok)
    assert principal == Principal(subject="officer-7", role=role, region=region,
                                  credential_kind=JWT, credential_id="jti-42")
    assert principal.rate_limit_key == "jwt:jti-42"


def test_issued_token_carries_hs256_header_and_standard_claims():
    tok = token(now=T0)
    assert jwt.get_unverified_header(tok)["alg"] == "HS256"
    body = jwt.decode(tok, options={"verify_signature": False})
    assert body["iss"] == ISSUER and body["aud"] == AUDIENCE and body["sub"] == "officer-7"
    assert (body["iat"], body["nbf"], body["exp"]) == (T0, T0, T0 + TTL)
    assert body["region"] == "KZ-35" and body["role"] == "regional_officer"


def test_each_token_gets_its_own_id():
    assert verify(token()).credential_id != verify(token()).credential_id


def test_aware_datetime_is_accepted_as_now():
    moment = datetime.fromtimestamp(T0, timezone.utc)
    tok = token(now=moment)
    assert verify(tok, now=moment + timedelta(seconds=TTL - 1)).role == "regional_officer"
    with pytest.raises(ValueError):
        verify(tok, now=datetime(2026, 1, 1))  # naive: ambiguous, refused


# --- tampering and wrong algorithms -----------------------------------------------------------

def test_alg_none_crafted_by_hand_is_refused():
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims())}."
    assert refusal(unsigned).details["reason"] == "algorithm_not_allowed"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "HS512", "HS384", "RS256", "ES256", ""])
def test_any_algorithm_but_hs256_is_refused_even_when_hmac_signed(alg):
    # RS256 signed with the shared secret is the classic key-confusion attack.
    tok = signed(claims(), header={"alg": alg, "typ": "JWT"})
    assert refusal(tok).details["reason"] == "algorithm_not_allowed"


def test_header_without_alg_is_refused():
    tok = signed(claims(), header={"typ": "JWT"})
    assert refusal(tok).details["reason"] == "algorithm_not_allowed"


def test_hs512_token_from_pyjwt_with_same_secret_is_refused():
    tok = jwt.encode(claims(), SECRET, algorithm="HS512")
    assert refusal(tok).details["reason"] == "algorithm_not_allowed"


def test_token_signed_with_another_secret_is_refused():
    assert refusal(signed(claims(), secret=OTHER_SECRET)).details["reason"] == "bad_signature"


def test_tampered_payload_is_refused():
    header, _, signature = token(role="regional_officer").split(".")
    forged = f"{header}.{segment(claims(role='admin', region=...))}.{signature}"
    assert refusal(forged).details["reason"] == "bad_signature"


def test_tampered_signature_is_refused():
    header, payload, signature = token().split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert refusal(f"{header}.{payload}.{flipped}").details["reason"] == "bad_signature"


def test_stripped_signature_is_refused():
    header, payload, _ = token().split(".")
    assert refusal(f"{header}.{payload}.").details["reason"] == "bad_signature"


@pytest.mark.parametrize("tok", [
    "", "abc", "a.b", "a.b.c.d", "!!!.###.$$$", "x" * 9000, None, b"bytes.not.str", 12,
    f"{segment({'alg': 'HS256'})}.not-base64-json.sig",
])
def test_malformed_tokens_are_refused(tok):
    assert refusal(tok).details["reason"] == "malformed"


# --- time claims and leeway -------------------------------------------------------------------

@pytest.mark.parametrize("leeway", [0, 30, 120])
@pytest.mark.parametrize("offset, reason", [
    # offset from exp + leeway: the token dies exactly there
    (-1, None), (0, "expired"), (1, "expired"),
])
def test_expiry_boundary_is_exp_plus_leeway(leeway, offset, reason):
    tok = token(now=T0)
    now = T0 + TTL + leeway + offset
    if reason is None:
        assert verify(tok, now=now, leeway_seconds=leeway).subject == "officer-7"
    else:
        assert refusal(tok, now=now, leeway_seconds=leeway).details["reason"] == reason


@pytest.mark.parametrize("leeway", [0, 30, 120])
@pytest.mark.parametrize("offset, reason", [
    # offset from nbf - leeway: a token from a clock running ahead is accepted up to the leeway
    (-1, "not_yet_valid"), (0, None), (1, None),
])
def test_not_before_boundary_is_nbf_minus_leeway(leeway, offset, reason):
    tok = token(now=T0)
    now = T0 - leeway + offset
    if reason is None:
        assert verify(tok, now=now, leeway_seconds=leeway).subject == "officer-7"
    else:
        assert refusal(tok, now=now, leeway_seconds=leeway).details["reason"] == reason


def test_later_nbf_than_iat_is_honoured():
    tok = signed(claims(nbf=T0 + 600))
    assert refusal(tok, now=T0 + 500).details["reason"] == "not_yet_valid"
    assert verify(tok, now=T0 + 580).role == "admin"  # within the 30 s leeway


def test_iat_in_the_future_without_nbf_is_refused():
    tok = signed(claims(nbf=..., iat=T0 + 100, exp=T0 + 1000))
    assert refusal(tok, now=T0).details["reason"] == "not_yet_valid"


@pytest.mark.parametrize("leeway", [-1, 301, 10_000])
def test_leeway_is_bounded(leeway):
    with pytest.raises(ValueError):
        verify(token(), leeway_seconds=leeway)


# --- issuer, audience, claims -----------------------------------------------------------------

@pytest.mark.parametrize("iss", ["someone-else", "rdp", "rdp-gateway-evil", "RDP-GATEWAY"])
def test_wrong_issuer_is_refused(iss):
    assert refusal(signed(claims(iss=iss))).details["reason"] == "wrong_issuer"


@pytest.mark.parametrize("aud", ["another-api", "rdp", ["another-api"], "RDP-API"])
def test_wrong_audience_is_refused(aud):
    assert refusal(signed(claims(aud=aud))).details["reason"] == "wrong_audience"


def test_audience_list_containing_ours_is_accepted():
    assert verify(signed(claims(aud=["other", AUDIENCE]))).role == "admin"


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "jti", "iat", "exp", "role"])
def test_missing_required_claim_is_refused(claim):
    err = refusal(signed(claims(**{claim: ...})))
    assert err.details == {"reason": "missing_claim", "claim": claim}


@pytest.mark.parametrize("override, claim", [
    ({"exp": str(T0 + TTL)}, "exp"), ({"iat": 1.5}, "iat"), ({"nbf": True}, "nbf"),
    ({"sub": ""}, "sub"), ({"sub": 7}, "sub"), ({"role": ["admin"]}, "role"), ({"jti": ""}, "jti"),
    ({"jti": 5}, "jti"),
])
def test_ill_typed_claims_are_refused(override, claim):
    err = refusal(signed(claims(**override)))
    assert err.details == {"reason": "invalid_claim", "claim": claim}


@pytest.mark.parametrize("override, reason", [
    ({"role": "superuser"}, "unknown_role"),
    ({"role": "Admin"}, "unknown_role"),
    ({"role": "regional_officer"}, "region_required"),
    ({"role": "regional_officer", "region": None}, "region_required"),
    ({"role": "regional_officer", "region": "KZ-99"}, "unknown_region"),
    ({"role": "regional_officer", "region": "kz-35"}, "unknown_region"),
    ({"role": "regional_officer", "region": 35}, "unknown_region"),
    ({"role": "hr_officer", "region": "KZ-02"}, "unknown_region"),
    ({"role": "admin", "region": "KZ-35"}, "region_not_allowed"),
    ({"role": "ministry_analyst", "region": "KZ-35"}, "region_not_allowed"),
])
def test_scope_claims_are_checked(override, reason):
    assert refusal(signed(claims(**override))).details["reason"] == reason


def test_every_region_code_is_a_valid_officer_scope():
    from services.common.regions import REGION_CODES
    assert len(REGION_CODES) == 20
    for code in REGION_CODES:
        assert verify(token("regional_officer", code)).region == code


# --- configuration errors are not client errors -----------------------------------------------

def test_short_secret_is_a_configuration_error():
    with pytest.raises(ValueError):
        issue_token("short", "admin", subject="a", issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError):
        verify_token(token(), "short", ISSUER, AUDIENCE)
    with pytest.raises(ValueError):
        auth.check_token_secret(b"x" * 31)
    auth.check_token_secret(b"x" * 32)


@pytest.mark.parametrize("issuer, audience", [(None, AUDIENCE), (ISSUER, None), ("", AUDIENCE)])
def test_verification_needs_issuer_and_audience(issuer, audience):
    with pytest.raises(ValueError):
        verify_token(token(), SECRET, issuer, audience, now=T0)


@pytest.mark.parametrize("kwargs, field", [
    ({"role": "superuser"}, "role"),
    ({"role": "regional_officer", "region": None}, "region"),
    ({"role": "regional_officer", "region": "KZ-00"}, "region"),
    ({"role": "admin", "region": "KZ-35"}, "region"),
    ({"ttl_seconds": 0}, "ttl_seconds"),
    ({"ttl_seconds": 10 ** 7}, "ttl_seconds"),
    ({"subject": " "}, "subject"),
])
def test_issuing_an_unusable_token_fails_validation(kwargs, field):
    params = {"role": "regional_officer", "region": "KZ-35", **kwargs}
    with pytest.raises(ValidationFailed) as caught:
        token(**params)
    assert field in caught.value.details


@pytest.mark.parametrize("role, region", [
    ("regional_officer", None), ("admin", "KZ-35"), ("nobody", None), ("hr_officer", "KZ-1"),
])
def test_principal_refuses_an_impossible_scope(role, region):
    with pytest.raises(ValueError):
        Principal("x", role, region, JWT, "id")


def test_principal_refuses_unknown_credential_kind():
    with pytest.raises(ValueError):
        Principal("x", "admin", None, "cookie", "id")


# --- API keys ---------------------------------------------------------------------------------

class KeyTable:
    """In-memory stand-in for the API-key repository, counting lookups."""

    def __init__(self, *records):
        self.records = {r["key_id"]: r for r in records}
        self.lookups = []

    def find(self, key_id):
        self.lookups.append(key_id)
        return self.records.get(key_id)


NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def new_key(role="regional_officer", region="KZ-35", label="treasury sync", **kw):
    kw.setdefault("now", NOW)
    return generate_api_key(role, region, label, **kw)


def test_generated_key_has_documented_shape_and_record():
    plaintext, record = new_key()
    prefix, key_id, secret = plaintext.split("_", 2)
    assert prefix == "rdp" and key_id == record["key_id"] and len(key_id) == 16
    assert len(secret) == 43
    assert record["role"] == "regional_officer" and record["region"] == "KZ-35"
    assert record["label"] == "treasury sync"
    assert record["created_at"] == NOW and record["revoked_at"] is None
    # Only a salted, stretched hash is kept: no plaintext, no plain digest of it.
    stored = json.dumps(record, default=str)
    assert secret not in stored and plaintext not in stored
    assert record["secret_hash"] not in (hashlib.sha256(secret.encode()).hexdigest(),
                                         hashlib.sha256(plaintext.encode()).hexdigest())
    assert record["kdf"] == "pbkdf2_sha256" and record["iterations"] == auth.KDF_ITERATIONS
    expected = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(record["salt"]),
                                   record["iterations"])
    assert record["secret_hash"] == expected.hex()


def test_every_key_has_its_own_id_and_salt():
    records = [new_key()[1] for _ in range(5)]
    assert len({r["key_id"] for r in records}) == 5
    assert len({r["salt"] for r in records}) == 5


def test_api_key_verifies_to_its_principal():
    plaintext, record = new_key()
    principal = verify_api_key(plaintext, KeyTable(record).find)
    assert principal == Principal(subject=f"api_key:{record['key_id']}", role="regional_officer",
                                  region="KZ-35", credential_kind=API_KEY,
                                  credential_id=record["key_id"])
    assert principal.rate_limit_key == f"api_key:{record['key_id']}"


def test_national_key_verifies_without_region():
    plaintext, record = new_key(role="ministry_analyst", region=None)
    assert verify_api_key(plaintext, KeyTable(record).find).region is None


def api_refusal(plaintext, lookup) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        verify_api_key(plaintext, lookup)
    if isinstance(plaintext, str) and plaintext:
        assert plaintext not in caught.value.message
        assert plaintext not in json.dumps(caught.value.details)
    return caught.value


def test_wrong_secret_is_refused_like_an_unknown_key():
    plaintext, record = new_key()
    other_plaintext, _ = new_key()
    forged = f"rdp_{record['key_id']}_{other_plaintext.split('_', 2)[2]}"
    table = KeyTable(record)
    assert api_refusal(forged, table.find).details == {"reason": "invalid_api_key"}
    assert api_refusal(other_plaintext, table.find).details == {"reason": "invalid_api_key"}


def test_comparison_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    plaintext, record = new_key()
    verify_api_key(plaintext, KeyTable(record).find)
    assert len(calls) == 1 and calls[0][1] == bytes.fromhex(record["secret_hash"])


def test_revoked_key_is_refused_and_revocation_keeps_first_date():
    plaintext, record = new_key()
    revoked = revoke_api_key(record, NOW + timedelta(days=1))
    assert record["revoked_at"] is None  # the original is left alone
    assert revoked["revoked_at"] == NOW + timedelta(days=1)
    assert revoke_api_key(revoked, NOW + timedelta(days=9))["revoked_at"] == revoked["revoked_at"]
    assert api_refusal(plaintext, KeyTable(revoked).find).details == {"reason": "revoked"}


def test_revocation_is_not_disclosed_without_the_secret():
    plaintext, record = new_key()
    other, _ = new_key()
    forged = f"rdp_{record['key_id']}_{other.split('_', 2)[2]}"
    table = KeyTable(revoke_api_key(record, NOW))
    assert api_refusal(forged, table.find).details == {"reason": "invalid_api_key"}


VALID_ID = "0123456789abcdef"
VALID_SECRET = "A" * 43


@pytest.mark.parametrize("plaintext", [
    "", "rdp_", "rdp__", f"rdx_{VALID_ID}_{VALID_SECRET}", f"RDP_{VALID_ID}_{VALID_SECRET}",
    f"rdp_{VALID_ID.upper()}_{VALID_SECRET}", f"rdp_{VALID_ID[:-1]}_{VALID_SECRET}",
    f"rdp_{VALID_ID}_{VALID_SECRET[:-1]}", f"rdp_{VALID_ID}_{VALID_SECRET}A",
    f" rdp_{VALID_ID}_{VALID_SECRET}", f"rdp_{VALID_ID}_{VALID_SECRET}\n",
    f"rdp_{VALID_ID}_{'=' * 43}", f"rdp-{VALID_ID}-{VALID_SECRET}", "Bearer x", None,
    f"rdp_{VALID_ID}_{VALID_SECRET}".encode(),
])
def test_malformed_api_keys_are_refused_without_a_lookup(plaintext):
    table = KeyTable()
    assert api_refusal(plaintext, table.find).details == {"reason": "malformed"}
    assert table.lookups == []


def test_lookup_answer_for_another_key_id_is_not_trusted():
    plaintext, record = new_key()
    _, other_record = new_key()
    assert api_refusal(plaintext, lambda _key_id: other_record).details["reason"] == \
        "invalid_api_key"


@pytest.mark.parametrize("corruption", [
    {"kdf": "sha256"}, {"iterations": 1}, {"iterations": "10000"}, {"salt": "zz"},
    {"secret_hash": None}, {"salt": ...},
])
def test_unusable_stored_record_refuses_the_key(corruption):
    plaintext, record = new_key()
    broken = {**record, **corruption}
    broken = {k: v for k, v in broken.items() if v is not ...}
    assert api_refusal(plaintext, KeyTable(broken).find).details["reason"] == "invalid_api_key"


def test_stored_role_no_longer_valid_refuses_the_key():
    plaintext, record = new_key()
    assert api_refusal(plaintext, KeyTable({**record, "role": "retired_role"}).find) \
        .details["reason"] == "unknown_role"


def test_store_outage_is_not_turned_into_a_bad_credential():
    plaintext, _ = new_key()

    def down(_key_id):
        raise ConnectionError("store unreachable")

    with pytest.raises(ConnectionError):
        verify_api_key(plaintext, down)


def test_verification_costs_a_few_milliseconds_at_most():
    plaintext, record = new_key()
    lookup = KeyTable(record).find
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        verify_api_key(plaintext, lookup)
        timings.append(time.perf_counter() - started)
    # Generous for loaded CI machines; typical is 1-3 ms.
    assert min(timings) < 0.05


@pytest.mark.parametrize("role, region, label, field", [
    ("superuser", None, "x", "role"), ("regional_officer", None, "x", "region"),
    ("admin", "KZ-35", "x", "region"), ("hr_officer", "KZ-35", "", "label"),
    ("hr_officer", None, "x" * 201, "label"),
])
def test_generating_an_unusable_key_fails_validation(role, region, label, field):
    with pytest.raises(ValidationFailed) as caught:
        generate_api_key(role, region, label, now=NOW)
    assert field in caught.value.details


def test_public_view_hides_hash_material():
    _, record = new_key()
    view = api_key_public_view(record)
    assert set(view) == {"key_id", "role", "region", "body", "label", "created_at", "revoked_at"}
    original = copy.deepcopy(record)
    api_key_public_view(record)
    assert record == original


def test_an_unknown_key_id_costs_no_key_derivation(monkeypatch):
    derivations = []
    real = auth._derive
    monkeypatch.setattr(auth, "_derive", lambda *a: derivations.append(a) or real(*a))
    plaintext, record = new_key()
    other, _ = new_key()
    derivations.clear()  # making the keys derived their hashes
    assert api_refusal(other, KeyTable(record).find).details == {"reason": "invalid_api_key"}
    assert derivations == []
    verify_api_key(plaintext, KeyTable(record).find)  # a known id still pays one derivation
    assert len(derivations) == 1


def test_a_key_speaks_for_the_person_who_created_it():
    """A token and an API key of one person are one subject: rules such as "the requester does
    not approve" cannot be sidestepped by switching credentials."""
    plaintext, record = new_key(role="hr_officer", region="KZ-35")
    record["created_by"] = "alice"
    through_key = verify_api_key(plaintext, KeyTable(record).find)
    token = issue_token(SECRET, "hr_officer", "KZ-35", subject="alice", issuer=ISSUER,
                        audience=AUDIENCE, now=NOW)
    through_token = verify_token(token, SECRET, ISSUER, AUDIENCE, now=NOW)
    assert through_key.subject == through_token.subject == "alice"
    assert through_key.rate_limit_key != through_token.rate_limit_key  # limits stay per credential


def test_a_key_without_a_recorded_creator_is_its_own_subject():
    plaintext, record = new_key()
    record.pop("created_by", None)
    assert verify_api_key(plaintext, KeyTable(record).find).subject == f"api_key:{record['key_id']}"


# --- a central body's officer: the token names the body ----------------------------------------

def test_a_central_officer_token_carries_its_body():
    who = verify(token("central_officer", None, body="MIC"))
    assert (who.role, who.region, who.body) == ("central_officer", None, "MIC")
    assert verify(token("admin", None)).body is None


@pytest.mark.parametrize("role, region, body, reason", [
    ("central_officer", None, None, "body_required"),
    ("central_officer", None, "MINISTRY", "unknown_body"),
    ("ministry_analyst", None, "MNE", "body_not_allowed"),
    ("regional_officer", "KZ-35", "MNE", "body_not_allowed"),
])
def test_issuing_a_token_with_a_wrong_body_fails_naming_the_field(role, region, body, reason):
    with pytest.raises(ValidationFailed) as caught:
        token(role, region, body=body)
    assert caught.value.details["body"] == [reason]


@pytest.mark.parametrize("override, reason", [
    ({"role": "central_officer", "body": "XX"}, "unknown_body"),
    ({"role": "admin", "body": "MNE"}, "body_not_allowed"),
    ({"role": "central_officer", "body": "MF", "region": "KZ-35"}, "region_not_allowed"),
])
def test_a_forged_body_claim_is_refused(override, reason):
    assert refusal(signed(claims(**override))).details["reason"] == reason


def test_a_central_officers_api_key_acts_for_its_body():
    plaintext, record = new_key(role="central_officer", region=None, body="MF")
    assert record["body"] == "MF"
    who = verify_api_key(plaintext, KeyTable(record).find)
    assert (who.role, who.region, who.body, who.credential_kind) == ("central_officer", None, "MF",
                                                                     API_KEY)
    assert verify_api_key(*_key_and_lookup(role="admin", region=None)).body is None


def _key_and_lookup(**kw):
    plaintext, record = new_key(**kw)
    return plaintext, KeyTable(record).find


@pytest.mark.parametrize("role, region, body, reason", [
    ("central_officer", None, None, "body_required"),
    ("central_officer", None, "MINISTRY", "unknown_body"),
    ("admin", None, "MNE", "body_not_allowed"),
    ("regional_officer", "KZ-35", "MNE", "body_not_allowed"),
])
def test_creating_a_key_with_a_wrong_body_fails_naming_the_field(role, region, body, reason):
    with pytest.raises(ValidationFailed) as caught:
        new_key(role=role, region=region, body=body)
    assert caught.value.details["body"] == [reason]


def test_a_stored_key_with_a_forged_body_is_refused():
    plaintext, record = new_key(role="central_officer", region=None, body="MF")
    record["body"] = "XX"
    with pytest.raises(Unauthenticated) as caught:
        verify_api_key(plaintext, KeyTable(record).find)
    assert caught.value.details["reason"] == "unknown_body"


def test_a_central_officers_key_stored_without_a_body_holds_nothing_body_scoped():
    plaintext, record = new_key(role="central_officer", region=None, body="MF")
    record["body"] = None  # a record from before keys carried a body
    assert verify_api_key(plaintext, KeyTable(record).find).body is None
