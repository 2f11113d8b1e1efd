"""Administration: API keys for machine clients, and the audit trail of refusals and writes."""
from datetime import datetime, timezone

from services.gateway.access import auth

from services.gateway.access import policy
from services.gateway.access.keys import public_key_view, require_key
from services.gateway.base import GatewayBase
from services.gateway.edge.http import api, read_json
from services.gateway.edge.schemas import (ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeyListQuery,
                                      ApiKeyPageSchema, ApiKeySchema, AuditPageSchema, AuditQuery,
                                      load_body, load_query)

TAGS = ("admin",)


class AdminRoutes(GatewayBase):

    @api("POST", "/api/v1/admin/api-keys", permission=("api_keys", "admin"), tags=TAGS,
         summary="Create an API key for a machine client (the key is shown in this answer only)",
         body=ApiKeyCreateSchema, response=ApiKeyCreatedSchema,
         responses={201: "the key, with its plaintext"})
    def admin_create_api_key(self, request):
        body = load_body(ApiKeyCreateSchema(), read_json(request))
        plaintext, record = auth.generate_api_key(body["role"], body["region"], body["label"],
                                                  now=datetime.now(timezone.utc))
        record["created_by"] = request.principal.subject
        self.api_keys.insert(record)
        return 201, ApiKeyCreatedSchema().dump({**public_key_view(record), "api_key": plaintext})

    @api("GET", "/api/v1/admin/api-keys", permission=("api_keys", "admin"), tags=TAGS,
         summary="List API keys (never their secrets or hashes)",
         query=ApiKeyListQuery, response=ApiKeyPageSchema)
    def admin_list_api_keys(self, request):
        query = load_query(ApiKeyListQuery(), request.args)
        records, total = self.api_keys.list_keys(include_revoked=query["include_revoked"],
                                                 limit=query["limit"], offset=query["offset"])
        return {"items": [ApiKeySchema().dump(public_key_view(r)) for r in records],
                "total": total, "limit": query["limit"], "offset": query["offset"]}

    @api("DELETE", "/api/v1/admin/api-keys/<string:key_id>", permission=("api_keys", "admin"),
         tags=TAGS, summary="Revoke an API key (at once; revoking again keeps the first date)",
         response=ApiKeySchema)
    def admin_revoke_api_key(self, request, key_id):
        record = require_key(self.api_keys.revoke(key_id, datetime.now(timezone.utc)), key_id)
        return ApiKeySchema().dump(public_key_view(record))

    @api("GET", "/api/v1/admin/audit", permission=("audit", "read"), tags=TAGS,
         summary="Audit trail of refused requests and writes, newest first",
         query=AuditQuery, response=AuditPageSchema)
    def admin_audit(self, request):
        query = load_query(AuditQuery(), request.args)
        items, total = self.audit_log.query(
            subject=query.get("subject"), outcome=query.get("outcome"),
            path_prefix=query.get("path_prefix"), since=query.get("since"),
            until=query.get("until"), limit=query["limit"], offset=query["offset"])
        items = [policy.redact(request.principal, "audit", item) for item in items]
        return {"items": [_jsonable(item) for item in items], "total": total,
                "limit": query["limit"], "offset": query["offset"]}


def _jsonable(record: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in record.items()}
