"""When the gateway may answer ``GET /api/v1/projects/{id}`` from its own copy of the project.

The copy (``gateway_project_views``, one document per project) holds the full ``ProjectOut`` the
investments service last gave the gateway, and ``floor``: the highest project version any event
the hub handled has named. Pure decisions here; the store is project_views_repository.py.

Where the copy comes from, and why a read of it is never older than the caller may see:
- every 2xx command through any gateway replica writes the ``ProjectOut`` it returns (over an
  older copy only) before it answers, so the next read through any replica finds that version or
  a newer one: read-your-writes through the gateway;
- a change made elsewhere (the seed, a ministry import) reaches the copy as the project's event:
  the hub raises ``floor`` to the event's version, and a copy older than its floor is not served;
  so such a change shows once the hub has handled its event (the outbox guarantees delivery);
- a read that finds no copy, an older one or one of another contract shape asks the service, and
  stores its answer (over an older copy only) for the next read.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Mapping

from marshmallow import Schema, fields

from services.investments.contract import ProjectOut

COLLECTION = "gateway_project_views"

# Response headers of GET one project: where the answer came from and as of when
SOURCE_HEADER = "X-Read-Source"
AS_OF_HEADER = "X-Read-As-Of"
FROM_COPY = "read-model"
FROM_SERVICE = "investments"

RESPONSE_HEADERS = {
    SOURCE_HEADER: {
        "description": (
            f"Where the answer came from. `{FROM_SERVICE}`: the investments service, current "
            f"when answered. `{FROM_COPY}`: the gateway's copy of the project, which holds every "
            "change made through the gateway (any replica) before that change was answered; a "
            "change made elsewhere (the demo seed, a ministry import) shows once the hub has "
            "handled the project's event, normally within a second (the outbox delivers it)."),
        "required": True,
        "schema": {"type": "string", "enum": [FROM_SERVICE, FROM_COPY]}},
    AS_OF_HEADER: {
        "description": (
            f"When the answer was read from the service (`{FROM_SERVICE}`), or when the copy was "
            f"stored (`{FROM_COPY}`): an ISO 8601 instant. The body's `version` is the project's "
            "version either way."),
        "required": True,
        "schema": {"type": "string", "format": "date-time"}},
}


def _field_shape(field: fields.Field) -> str:
    if isinstance(field, fields.Nested):
        nested = field.schema
        return "{" + schema_shape(nested) + "}"
    if isinstance(field, fields.List):
        return "[" + _field_shape(field.inner) + "]"
    return type(field).__name__


def schema_shape(schema: Schema) -> str:
    """The names and kinds of every field of ``schema``, nested ones included, in one string."""
    return ",".join(f"{field.data_key or name}:{_field_shape(field)}"
                    for name, field in sorted(schema.fields.items()))


# A copy stored under another contract (a field added, renamed or retyped since) is not served.
SHAPE = hashlib.sha256(schema_shape(ProjectOut()).encode()).hexdigest()[:16]


def servable(doc: Mapping | None, shape: str = SHAPE) -> dict | None:
    """The stored project when the copy may answer a read, else None (ask the service)."""
    if not doc or doc.get("shape") != shape:
        return None
    project = doc.get("project")
    version = doc.get("version")
    if not isinstance(project, dict) or not isinstance(version, int) or version < 1:
        return None
    if project.get("version") != version or version < (doc.get("floor") or 0):
        return None
    return project


def answer_headers(source: str, as_of: datetime) -> dict:
    return {SOURCE_HEADER: source, AS_OF_HEADER: as_of.isoformat()}
