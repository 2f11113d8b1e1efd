"""The one shape of a page of results, in two pagings.

* cursor paging (``items``, ``next_cursor``): keyset pages over large, changing collections;
* numbered paging (``items``, ``total``, ``page``, ``page_size``): small, bounded lists;
* offset paging (``items``, ``total``, ``limit``, ``offset``): the gateway's own listings
  (journal, keys, audit, initiatives, settlements).

``page_schema(ItemSchema)`` makes the output schema for the OpenAPI document and the services'
answers, named ``<Item>Page``.
"""
from marshmallow import Schema, fields

CURSOR, NUMBERED, OFFSET = "cursor", "numbered", "offset"
_made: dict[tuple[type, str], type[Schema]] = {}


def page_schema(item_schema: type[Schema], paging: str = CURSOR, *, name: str | None = None
                ) -> type[Schema]:
    """The page schema of ``item_schema`` (one class per item schema and paging, so apispec
    names it once); ``name`` overrides the class name the OpenAPI document shows."""
    key = (item_schema, paging)
    if key not in _made:
        body = {"items": fields.List(fields.Nested(item_schema), required=True)}
        if paging == CURSOR:
            body["next_cursor"] = fields.Str(allow_none=True, metadata={
                "description": "pass as `cursor` for the next page; null on the last page"})
        elif paging == NUMBERED:
            body.update(total=fields.Int(required=True), page=fields.Int(),
                        page_size=fields.Int())
        elif paging == OFFSET:
            body.update(total=fields.Int(), limit=fields.Int(), offset=fields.Int())
        else:
            raise ValueError(f"unknown paging {paging!r}")
        name = name or item_schema.__name__.removesuffix("Schema").removesuffix("Out") + "Page"
        _made[key] = type(name, (Schema,), body)
    return _made[key]
