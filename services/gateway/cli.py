"""``regionctl keys create|list|revoke``: API keys for machine clients, written straight to the
gateway's database (the gateway need not be running).

    regionctl keys create --role ROLE [--region KZ-xx] [--body CODE] --label TEXT   prints the key once
    regionctl keys list [--active]                                     one JSON line per key
    regionctl keys revoke KEY_ID

Each function takes the parsed ``argparse`` namespace and returns the exit code; ``add_keys_parser``
declares the sub-commands on a ``regionctl`` sub-parser set.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from services.common.config import load_settings
from services.common.mongo import get_client
from services.gateway.access import auth
from services.gateway.access.keys import ApiKeyStore, public_key_view


def _store() -> ApiKeyStore:
    db = get_client()[load_settings().database_name("gateway")]
    ApiKeyStore.ensure_indexes(db)
    return ApiKeyStore(db)


def _line(record: dict) -> str:
    return json.dumps(public_key_view(record), default=lambda v: v.isoformat())


def keys_create(args, out=None) -> int:
    out = out or sys.stdout
    plaintext, record = auth.generate_api_key(args.role, getattr(args, "region", None),
                                              args.label, body=getattr(args, "body", None),
                                              now=datetime.now(timezone.utc))
    record["created_by"] = getattr(args, "by", None) or "regionctl"
    _store().insert(record)
    print(_line(record), file=out)
    print(f"api key (shown once, store it now): {plaintext}", file=out)
    return 0


def keys_list(args, out=None) -> int:
    out = out or sys.stdout
    records, _ = _store().list_keys(include_revoked=not getattr(args, "active", False),
                                    limit=10_000)
    for record in records:
        print(_line(record), file=out)
    return 0


def keys_revoke(args, out=None) -> int:
    out = out or sys.stdout
    record = _store().revoke(args.key_id, datetime.now(timezone.utc))
    if record is None:
        print(f"error: no API key {args.key_id}", file=sys.stderr)
        return 1
    print(_line(record), file=out)
    return 0


def add_keys_parser(subparsers) -> None:
    """Declare ``keys create|list|revoke`` on ``regionctl``'s sub-parsers."""
    keys = subparsers.add_parser("keys", help="API keys for machine clients")
    actions = keys.add_subparsers(dest="keys_action", required=True)
    create = actions.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True)
    create.add_argument("--region", default=None)
    create.add_argument("--body", default=None, help="central body code (a central_officer's key needs one)")
    create.add_argument("--label", required=True)
    create.add_argument("--by", default=None, help="who asked for it (recorded)")
    create.set_defaults(func=keys_create)
    listing = actions.add_parser("list", help="list keys (no secrets)")
    listing.add_argument("--active", action="store_true", help="hide revoked keys")
    listing.set_defaults(func=keys_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=keys_revoke)


def token_command(args) -> int:
    """``regionctl token``: a bearer token signed with the configured secret."""
    settings = load_settings()
    print(auth.issue_token(settings.jwt_secret, args.role, args.region, subject=args.subject,
                           ttl_seconds=args.ttl, issuer=settings.jwt_issuer,
                           audience=settings.jwt_audience, body=getattr(args, "body", None)))
    return 0


def seed_command(args, steps=None) -> int:
    """``regionctl seed --only hub``: the hub's demo data, which the console shows (``steps``: a
    subset of ``console.seed.HUB_SEED_STEPS``; None: all of them)."""
    from services.gateway.console.seed import HUB_SEED_STEPS
    from services.gateway.console.seed import seed_command as seed_hub
    return seed_hub(args, steps=HUB_SEED_STEPS if steps is None else steps)


def asyncapi_command(args) -> int:
    """``regionctl asyncapi``: the event catalogue of every service's contract (docs/asyncapi.yaml)."""
    from services.common import asyncapi
    from services.gateway.hub.contracts import register_contracts
    register_contracts()
    return asyncapi.write_document(sys.stdout)
