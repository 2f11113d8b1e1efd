"""Query-string and body schemas of the gateway's own routes (hub, regions, health)."""
from marshmallow import Schema, ValidationError, fields, validate

from services.common.errors import ValidationFailed
from services.common.regions import REGION_CODES

MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class JournalQuery(PageQuery):
    region = fields.Str(validate=validate.OneOf(REGION_CODES))
    source = fields.Str(validate=validate.OneOf(("investments", "budgets", "personnel")))
    type = fields.Str(validate=validate.Regexp(r"^[a-z_]{3,64}$"))
    correlation_id = fields.Str(validate=validate.Length(max=100))
    since = fields.AwareDateTime(format="iso", default_timezone=None)
    until = fields.AwareDateTime(format="iso", default_timezone=None)


def load_query(schema: Schema, args) -> dict:
    """Validate query-string ``args`` (a werkzeug MultiDict) with ``schema``; 400 naming fields."""
    try:
        return schema.load(args.to_dict(flat=True))
    except ValidationError as exc:
        raise ValidationFailed("invalid query parameters", exc.messages)


def load_body(schema: Schema, body: dict, **kwargs) -> dict:
    try:
        return schema.load(body, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed("invalid request body", exc.messages)
