"""The one event envelope, and the registry of every event schema the platform publishes.

Every message on the bus is an envelope::

    {event_id, event_type, schema_version, occurred_at, source, region_code, correlation_id, payload}

Each service declares its payload schemas in its contract's ``events.py`` with ``@event_schema``
and lists them in ``EVENTS``; each process registers the contracts it uses (``register``). The
registry here is what publishers validate against, what consumers validate on receipt, and what the
AsyncAPI document is generated from.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

from services.common.errors import ValidationFailed
from services.common.regions import REGION_CODES


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.Str(required=True, validate=validate.Regexp(r"^[a-z]+(_[a-z]+)+$"))
    schema_version = fields.Int(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    source = fields.Str(required=True)
    # None only for facts about no single region (a national batch, say).
    region_code = fields.Str(required=True, allow_none=True, validate=validate.OneOf(REGION_CODES))
    correlation_id = fields.Str(required=True, allow_none=True)
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class EventType:
    name: str
    source: str
    version: int
    schema: type[Schema]
    description: str

    @property
    def exchange(self) -> str:
        return exchange_name(self.source)


EVENT_TYPES: dict[str, EventType] = {}


def exchange_name(source: str) -> str:
    return f"{source}.events"


def event_schema(name: str, *, source: str, version: int = 1, description: str = ""):
    """Class decorator declaring a marshmallow schema as the payload of event ``name`` (it becomes
    the class's ``event_type``). Declaring registers nothing: a process knows the events it is
    handed with :func:`register`, from the ``EVENTS`` of the contracts it publishes or consumes."""
    def declare(schema_cls: type[Schema]) -> type[Schema]:
        schema_cls.event_type = EventType(name, source, version, schema_cls,
                                          description or (schema_cls.__doc__ or "").strip())
        return schema_cls
    return declare


def register(*schemas: type[Schema]) -> None:
    """Make declared event schemas known to this process (publishers validate against them,
    consumers validate on receipt). Registering one schema twice is harmless; two schemas for one
    event name are a programming error."""
    for schema_cls in schemas:
        spec = schema_cls.event_type
        existing = EVENT_TYPES.get(spec.name)
        if existing is not None and existing.schema is not schema_cls:
            raise ValueError(f"event {spec.name!r} registered twice")
        EVENT_TYPES[spec.name] = spec


# One instance per schema: building a marshmallow schema deep-copies its fields, 5-13% of a
# publisher's time when done per event (py-spy); load and dump keep no state on the instance.
_INSTANCES: dict[type[Schema], Schema] = {}


def _instance(schema_cls: type[Schema]) -> Schema:
    instance = _INSTANCES.get(schema_cls)
    if instance is None:
        instance = _INSTANCES[schema_cls] = schema_cls()
    return instance


def build_event(event_type: str, payload: dict, *, region_code: str | None,
                correlation_id: str | None = None, occurred_at: datetime | None = None) -> dict:
    """A validated envelope, ready to be stored in an outbox and published as JSON."""
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise ValueError(f"unknown event type {event_type!r}")
    schema = _instance(spec.schema)
    try:
        dumped = schema.dump(schema.load(schema.dump(payload)))
    except ValidationError as exc:  # a publisher bug, never user input
        raise ValueError(f"payload of {event_type} does not match its schema: {exc.messages}"
                         ) from None
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": spec.version,
        "occurred_at": (occurred_at or datetime.now(timezone.utc)).isoformat(),
        "source": spec.source,
        "region_code": region_code,
        "correlation_id": correlation_id,
        "payload": dumped,
    }


def parse_event(body: dict, *, expected_type: str | None = None) -> dict:
    """Validate an envelope received from the bus; the payload is loaded with its own schema.

    Raises ``ValidationFailed`` naming the bad fields: the consumer dead-letters such a message.
    ``payload`` comes back loaded (Decimal, date); ``wire_payload`` is the payload as published.
    """
    try:
        envelope = _instance(EnvelopeSchema).load(body)
    except ValidationError as exc:
        raise ValidationFailed("malformed event envelope", exc.messages) from None
    event_type = envelope["event_type"]
    if expected_type is not None and event_type != expected_type:
        raise ValidationFailed("unexpected event type", {"event_type": [f"expected {expected_type}"]})
    spec = EVENT_TYPES.get(event_type)
    if spec is None:
        raise ValidationFailed("unknown event type", {"event_type": [f"unknown: {event_type}"]})
    envelope["wire_payload"] = body["payload"]
    try:
        envelope["payload"] = _instance(spec.schema).load(body["payload"])
    except ValidationError as exc:
        raise ValidationFailed(f"payload of {event_type} is invalid",
                               {"payload": exc.messages}) from None
    envelope["event_id"] = str(envelope["event_id"])
    return envelope
