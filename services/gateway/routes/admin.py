"""Administration: API keys for machine clients, and the audit trail of refusals and writes."""
from datetime import datetime, timezone

from services.common.loading import load, load_query
from services.gateway.access import auth, policy
from services.gateway.access.keys import public_key_view, require_key
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.edge.schemas import (
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeyListQuery,
    ApiKeySchema,
    AuditQuery,
)

TAGS = ("admin",)


def admin_create_api_key(svc, request):
    body = load(ApiKeyCreateSchema, read_json(request), message=INVALID_BODY)
    plaintext, record = auth.generate_api_key(body["role"], body["region"], body["label"],
                                              body=body["body"], now=datetime.now(timezone.utc))
    record["created_by"] = request.principal.subject
    svc.api_keys.insert(record)
    return 201, ApiKeyCreatedSchema().dump({**public_key_view(record), "api_key": plaintext})


def admin_list_api_keys(svc, request):
    query = load_query(ApiKeyListQuery(), request.args)
    records, total = svc.api_keys.list_keys(include_revoked=query["include_revoked"],
                                             limit=query["limit"], offset=query["offset"])
    return {"items": [ApiKeySchema().dump(public_key_view(r)) for r in records],
            "total": total, "limit": query["limit"], "offset": query["offset"]}


def admin_revoke_api_key(svc, request, key_id):
    record = require_key(svc.api_keys.revoke(key_id, datetime.now(timezone.utc)), key_id)
    return ApiKeySchema().dump(public_key_view(record))


def admin_audit(svc, request):
    query = load_query(AuditQuery(), request.args)
    items, total = svc.audit_log.query(
        subject=query.get("subject"), outcome=query.get("outcome"),
        path_prefix=query.get("path_prefix"), since=query.get("since"),
        until=query.get("until"), limit=query["limit"], offset=query["offset"])
    items = [policy.redact(request.principal, "audit", item) for item in items]
    return {"items": [_jsonable(item) for item in items], "total": total,
            "limit": query["limit"], "offset": query["offset"]}


def _jsonable(record: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in record.items()}
