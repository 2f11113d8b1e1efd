"""Query-string and body schemas of the gateway's own routes (journal, administration) and the
shapes every route shares (the error body). Hub schemas: ``hub.schemas``."""
from marshmallow import Schema, fields, validate

from services.common.pages import OFFSET, page_schema
from services.common.regions import REGION_CODES
from services.gateway.access.policy import ROLES
from services.gateway.hub.central_bodies import CENTRAL_BODY_CODES

MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class JournalQuery(PageQuery):
    region = fields.Str(validate=validate.OneOf(REGION_CODES))
    source = fields.Str(validate=validate.OneOf(("investments", "budgets", "personnel", "gateway")))
    type = fields.Str(validate=validate.Regexp(r"^[a-z_]{3,64}$"))
    correlation_id = fields.Str(validate=validate.Length(max=100))
    since = fields.AwareDateTime(format="iso", default_timezone=None)
    until = fields.AwareDateTime(format="iso", default_timezone=None)


# --- shapes shared by every route (documented in /openapi.json) ---------------------------------

class ErrorSchema(Schema):
    """Every error answer: a stable code, a human message, and details naming what went wrong."""
    error = fields.Str(required=True, metadata={"example": "validation_failed"})
    message = fields.Str(required=True)
    details = fields.Dict(required=True, metadata={
        "description": "for validation_failed: {field: [reasons]}; for rule_violation: "
                       "{rule, ...}; for rate_limited: {retry_after_seconds}"})


class JournalEntrySchema(Schema):
    event_id = fields.Str()
    event_type = fields.Str()
    schema_version = fields.Int()
    source = fields.Str()
    region_code = fields.Str(allow_none=True)
    correlation_id = fields.Str(allow_none=True)
    occurred_at = fields.Str(metadata={"format": "date-time"})
    received_at = fields.Str(metadata={"format": "date-time"})
    payload = fields.Dict(metadata={"description": "the payload as published, with the field "
                                    "rules of the caller's role; {} when payload_hidden"})
    payload_hidden = fields.Bool(metadata={"description": "the caller may not read the source "
                                           "service's resource in this region (docs/security.md)"})


JournalPageSchema = page_schema(JournalEntrySchema, OFFSET, name="JournalPageSchema")


# --- administration: API keys and the audit trail -----------------------------------------------

class ApiKeyCreateSchema(Schema):
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))
    region = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(REGION_CODES))
    body = fields.Str(load_default=None, allow_none=True, validate=validate.OneOf(CENTRAL_BODY_CODES),
                      metadata={"description": "the central body a central_officer's key acts for "
                                               "(required for that role, refused for the others)"})
    label = fields.Str(required=True, validate=validate.Length(min=1, max=200),
                       metadata={"description": "who or what uses the key"})


class ApiKeySchema(Schema):
    key_id = fields.Str()
    role = fields.Str()
    region = fields.Str(allow_none=True)
    body = fields.Str(allow_none=True)
    label = fields.Str()
    created_at = fields.DateTime(format="iso")
    created_by = fields.Str(allow_none=True)
    revoked_at = fields.DateTime(format="iso", allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    api_key = fields.Str(metadata={"description": "the key itself: shown once, never again"})


ApiKeyPageSchema = page_schema(ApiKeySchema, OFFSET, name="ApiKeyPageSchema")


class ApiKeyListQuery(PageQuery):
    include_revoked = fields.Bool(load_default=True)


class AuditQuery(PageQuery):
    subject = fields.Str(validate=validate.Length(min=1, max=300))
    outcome = fields.Str(validate=validate.Regexp(r"^[a-z_]{1,64}$"),
                         metadata={"description": "ok, or the error code of the answer"})
    path_prefix = fields.Str(validate=validate.Regexp(r"^/[\w\-./{}]{0,299}$"))
    since = fields.AwareDateTime(format="iso", default_timezone=None)
    until = fields.AwareDateTime(format="iso", default_timezone=None)


class AuditRecordSchema(Schema):
    at = fields.DateTime(format="iso")
    method = fields.Str()
    path = fields.Str()
    status = fields.Int()
    outcome = fields.Str()
    subject = fields.Str(allow_none=True)
    role = fields.Str(allow_none=True)
    region = fields.Str(allow_none=True)
    credential_kind = fields.Str(allow_none=True)
    credential_id = fields.Str(allow_none=True)
    ip = fields.Str(allow_none=True, metadata={"description": "shown to admins only"})
    remote_addr = fields.Str(allow_none=True, metadata={"description": "shown to admins only"})
    correlation_id = fields.Str(allow_none=True)
    refusals_left_out = fields.Int(metadata={
        "description": "401s are audited as a sample: how many this record stands for"})
    revealed_iins = fields.List(fields.Str(), metadata={
        "description": "civil servants whose full IIN the answer carried (their ids)"})


AuditPageSchema = page_schema(AuditRecordSchema, OFFSET, name="AuditPageSchema")
