"""The event catalogue as an AsyncAPI 3.0 document, generated from the registered schemas.

    regionctl asyncapi > docs/asyncapi.yaml

Every event the platform publishes is a channel on ``<source>.events`` (topic exchange, routing
key = event type); every inbound contract is a channel on ``ministry.inbound`` (routing key
``<source>.<event type>``), for event types registered with a source that is not a platform
service. A message is the common envelope with the event's payload schema inside it, as JSON
Schema derived from the marshmallow schema, plus a worked example that the schema itself accepts.
The output is deterministic (sorted, fixed example ids), so a test regenerates it and compares it
with the checked-in file: the document cannot drift from the code.
"""
import sys
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate

from services.common import topology
from services.common.events import EVENT_TYPES, EnvelopeSchema, EventType

DOCUMENT_VERSION = "1.0.0"
EXAMPLE_NAMESPACE = uuid.UUID("7d0c4a52-3f59-4a0e-9a57-8f8d2b1f6c11")
EXAMPLE_INSTANT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
EXAMPLE_DATE = date(2026, 3, 2)
AMQP_BINDING_VERSION = "0.3.0"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
# Examples for payloads whose rules no generated value can satisfy (domain checks in
# @validates_schema). A schema may instead carry its own: a class attribute ``example = {...}``.
KNOWN_EXAMPLES = {
    "revenue_executed": {"reference": "MF-2026-000123", "region_code": "KZ-10",
                         "budget_level": "oblast", "district": None, "fiscal_year": 2026,
                         "period": "M02", "ebk_code": "101111", "phase": "executed",
                         "amount_kzt": "125000.50"},
}


# -- marshmallow -> JSON Schema --------------------------------------------------------------------

def schema_to_json(schema) -> dict:
    """JSON Schema (draft 7 subset, as AsyncAPI uses it) of what ``schema`` dumps and loads."""
    schema = schema() if isinstance(schema, type) else schema
    properties, required = {}, []
    for name, field in schema.fields.items():
        key = field.data_key or name
        properties[key] = field_to_json(field)
        if field.required:
            required.append(key)
    result: dict = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if schema.unknown == RAISE:  # consumers load with the schema: unknown keys are refused
        result["additionalProperties"] = False
    doc = (type(schema).__doc__ or "").strip()
    if doc:
        result["description"] = " ".join(doc.split())
    return result


def field_to_json(field: fields.Field) -> dict:
    result = _base_type(field)
    for validator in _validators(field):
        _apply_validator(result, validator, field)
    metadata = field.metadata or {}
    for key in ("description", "format", "title", "examples"):
        if key in metadata:
            result[key] = metadata[key]
    default = field.load_default
    if default is not missing and not callable(default):
        result["default"] = _jsonable(default)
    if field.allow_none:
        result = _nullable(result)
    return result


def _base_type(field) -> dict:
    # most specific first: many field classes subclass others (UUID is a String, ...)
    if isinstance(field, fields.Nested):
        inner = schema_to_json(field.schema)
        return {"type": "array", "items": inner} if field.many else inner
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_to_json(field.inner)}
    if isinstance(field, fields.Tuple):
        items = [field_to_json(f) for f in field.tuple_fields]
        return {"type": "array", "items": items, "minItems": len(items), "maxItems": len(items)}
    if isinstance(field, fields.Mapping):
        result: dict = {"type": "object"}
        if field.value_field is not None:
            result["additionalProperties"] = field_to_json(field.value_field)
        return result
    if isinstance(field, fields.Constant):
        return {"const": _jsonable(field.constant)}
    if isinstance(field, fields.Enum):
        return {"enum": [m.name if field.by_value is False else m.value for m in field.enum]}
    if isinstance(field, (fields.NaiveDateTime, fields.AwareDateTime, fields.DateTime)):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, fields.Time):
        return {"type": "string", "format": "time"}
    if isinstance(field, fields.Decimal):
        if field.as_string:
            result = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
            places = _places(field)
            if places is not None:
                result["description"] = f"decimal number as a string, {places} decimal places"
            return result
        return {"type": "number"}
    if isinstance(field, fields.Integer):
        return {"type": "integer"}
    if isinstance(field, fields.Number):
        return {"type": "number"}
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.UUID):
        return {"type": "string", "format": "uuid"}
    if isinstance(field, fields.Email):
        return {"type": "string", "format": "email"}
    if isinstance(field, fields.URL):
        return {"type": "string", "format": "uri"}
    if isinstance(field, fields.String):
        return {"type": "string"}
    return {}  # Raw, Method, Function: any JSON value


def _places(field) -> int | None:
    # marshmallow keeps ``places`` as the quantum (Decimal("0.01")), older versions as an int
    places = field.places
    if places is None:
        return None
    return -places.as_tuple().exponent if isinstance(places, Decimal) else int(places)


def _validators(field):
    pending = list(field.validators)
    while pending:
        validator = pending.pop(0)
        if isinstance(validator, validate.And):
            pending.extend(validator.validators)
        else:
            yield validator


def _apply_validator(result: dict, validator, field) -> None:
    is_array = result.get("type") == "array"
    if isinstance(validator, validate.OneOf):
        result["enum"] = [_jsonable(c) for c in validator.choices]
    elif isinstance(validator, validate.Equal):
        result["const"] = _jsonable(validator.comparable)
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            result["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            result["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    elif isinstance(validator, validate.Length):
        low, high = ("minItems", "maxItems") if is_array else ("minLength", "maxLength")
        if validator.equal is not None:
            result[low] = result[high] = validator.equal
        else:
            if validator.min is not None:
                result[low] = validator.min
            if validator.max is not None:
                result[high] = validator.max
    elif isinstance(validator, validate.Regexp):
        result["pattern"] = validator.regex.pattern


def _nullable(result: dict) -> dict:
    result = dict(result)
    kind = result.get("type")
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    elif kind is None:
        return {"anyOf": [result, {"type": "null"}]} if result else result
    if "enum" in result and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    return result


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


# -- examples ---------------------------------------------------------------------------------------

def example_payload(schema_cls: type[Schema], seed: str) -> dict:
    """A payload the schema accepts, in wire form: the schema's own ``example``, else one built
    from the field types, repaired where a cross-field rule refuses it (a nullable field set to
    null, another allowed choice)."""
    schema = schema_cls()
    given = getattr(schema_cls, "example", None) or KNOWN_EXAMPLES.get(seed)
    if isinstance(given, dict):
        return schema.dump(schema.load(given))  # a stale example fails loudly here
    candidate = {(f.data_key or n): _example_value(f, f"{seed}.{n}", n)
                 for n, f in schema.fields.items()}
    for _ in range(20):
        try:
            return schema.dump(schema.load(candidate))
        except ValidationError as exc:
            if not _repair(schema, candidate, exc.messages):
                raise ValueError(f"cannot build an example of {schema_cls.__name__}: "
                                 f"{exc.messages}; give the schema a class attribute "
                                 f"example = {{...}} (or its fields metadata={{'examples': [...]}})") from exc
    raise ValueError(f"cannot build an example of {schema_cls.__name__}")


def _example_value(field, seed: str, name: str):
    examples = (field.metadata or {}).get("examples")
    if examples:
        return examples[0]
    for validator in _validators(field):
        if isinstance(validator, validate.OneOf) and validator.choices:
            choices = list(validator.choices)
            if name in ("stage", "status"):  # project_commissioned reads best at "commissioned"
                words = set(seed.split(".", 1)[0].split("_"))
                return next((c for c in choices if c in words), choices[0])
            return choices[0]
        if isinstance(validator, validate.Equal):
            return validator.comparable
    if isinstance(field, fields.Nested):
        nested = field.schema
        one = {(f.data_key or n): _example_value(f, f"{seed}.{n}", n) for n, f in nested.fields.items()}
        return [one] if field.many else one
    if isinstance(field, (fields.List, fields.Tuple)):
        inner = [field.inner] if isinstance(field, fields.List) else list(field.tuple_fields)
        count = 1
        for validator in _validators(field):
            if isinstance(validator, validate.Length):
                count = validator.equal or max(validator.min or 1, 1)
        if isinstance(field, fields.Tuple):
            return [_example_value(f, f"{seed}.{i}", name) for i, f in enumerate(inner)]
        return [_example_value(inner[0], f"{seed}.{i}", name) for i in range(count)]
    if isinstance(field, fields.Mapping):
        value = _example_value(field.value_field, seed, name) if field.value_field else "value"
        return {"2026": value}
    if isinstance(field, (fields.DateTime,)):
        return EXAMPLE_INSTANT.isoformat()
    if isinstance(field, fields.Date):
        return EXAMPLE_DATE.isoformat()
    if isinstance(field, fields.Decimal):
        text = "1250000.00" if (_places(field) == 2 or name.endswith("_kzt")) else "0.4731"
        return text if field.as_string else float(text)
    if isinstance(field, fields.Integer):
        low = _range_min(field)
        return 2026 if "year" in name else max(low if low is not None else 1, 1)
    if isinstance(field, fields.Number):
        return 1.5
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, fields.UUID):
        return str(uuid.uuid5(EXAMPLE_NAMESPACE, seed))
    if isinstance(field, fields.String):
        return _example_text(field, seed, name)
    return "value"


def _range_min(field):
    for validator in _validators(field):
        if isinstance(validator, validate.Range) and validator.min is not None:
            return validator.min
    return None


def _example_text(field, seed: str, name: str) -> str:
    for validator in _validators(field):
        if isinstance(validator, validate.Regexp):
            pattern = validator.regex.pattern
            digits = pattern.removeprefix("^\\d{").removesuffix("}$")
            if digits.isdigit():
                return "1" * int(digits)
    if name == "id" or name.endswith("_id"):
        text = str(uuid.uuid5(EXAMPLE_NAMESPACE, seed))
    elif name == "by" or name.endswith("_by"):
        text = "officer@kz-10"
    else:
        text = f"example {name.replace('_', ' ')}"
    for validator in _validators(field):
        if isinstance(validator, validate.Length) and validator.max is not None:
            text = text[: validator.max]
    return text


def _repair(schema, data: dict, errors) -> bool:
    """Change one thing per bad field the way the message suggests; False when nothing helps."""
    changed = False
    if not isinstance(errors, dict):
        return False
    for key, problem in errors.items():
        field = next((f for n, f in schema.fields.items() if (f.data_key or n) == key), None)
        if field is None:
            continue
        if isinstance(field, fields.Nested) and isinstance(problem, dict) and isinstance(data.get(key), dict):
            changed |= _repair(field.schema, data[key], problem)
        elif field.allow_none and data.get(key) is not None:
            data[key] = None
            changed = True
        else:
            choices = next((list(v.choices) for v in _validators(field)
                            if isinstance(v, validate.OneOf)), [])
            if data.get(key) in choices and choices.index(data[key]) + 1 < len(choices):
                data[key] = choices[choices.index(data[key]) + 1]
                changed = True
    return changed


def example_envelope(spec: EventType) -> dict:
    payload = example_payload(spec.schema, spec.name)
    region = payload.get("region_code", payload.get("home_region", "KZ-10"))
    return {
        "event_id": str(uuid.uuid5(EXAMPLE_NAMESPACE, f"event.{spec.source}.{spec.name}")),
        "event_type": spec.name,
        "schema_version": spec.version,
        "occurred_at": EXAMPLE_INSTANT.isoformat(),
        "source": spec.source,
        "region_code": region,
        "correlation_id": str(uuid.uuid5(EXAMPLE_NAMESPACE, f"correlation.{spec.name}")),
        "payload": payload,
    }


# -- the document ---------------------------------------------------------------------------------

INTRODUCTION = """\
Facts published by the platform's services, and the inbound contracts ministry systems publish to
it, over RabbitMQ (AMQP 0-9-1).

Every message is one JSON envelope: event_id (UUID, unique per fact: de-duplicate on it),
event_type, schema_version, occurred_at (UTC ISO 8601), source, region_code (ISO 3166-2:KZ or
null), correlation_id and payload (the event's own schema, below).

Published events: exchange `<source>.events` (topic, durable), routing key = event type. Messages
are persistent and published with publisher confirms from a transactional outbox, so every state
change is published at least once and never without its state change; consumers must be idempotent
by event_id. To receive them, declare your own durable queue, bind it to the exchange with the
event types you want (or `#`), and acknowledge after processing: see examples/external_consumer.py.

Inbound contracts: publish to exchange `ministry.inbound` (topic, durable) with routing key
`<source>.<event type>`, persistent, content type application/json. The platform validates the
envelope and the payload on receipt; a message that fails (bad envelope, bad payload, not JSON) is
moved to the platform's dead-letter queue with the reason and is never partly applied."""


def is_platform_contract(spec: EventType) -> bool:
    # schemas registered by tests or tools outside the platform's packages are not contracts
    return spec.schema.__module__.startswith("services.")


def route_of(spec: EventType) -> tuple[str, str, str]:
    """(exchange, routing key, action of the platform): ``send`` for its own facts,
    ``receive`` for inbound contracts."""
    if spec.source in topology.SOURCES:
        return spec.exchange, spec.name, "send"
    return topology.INBOUND_EXCHANGE, f"{spec.source}.{spec.name}", "receive"


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])
    return match(pattern.split("."), key.split("."))


def consumers_of(exchange: str, routing_key: str) -> list[str]:
    return sorted({f"{sub.consumer}.{sub.handler} (queue {sub.queue})"
                   for sub in topology.SUBSCRIPTIONS for ex, key in sub.bindings
                   if ex == exchange and topic_matches(key, routing_key)})


def envelope_json(spec: EventType) -> dict:
    envelope = schema_to_json(EnvelopeSchema)
    properties = envelope["properties"]
    properties["event_type"] = {"const": spec.name}
    properties["source"] = {"const": spec.source}
    properties["schema_version"] = {"const": spec.version}
    properties["payload"] = schema_to_json(spec.schema)
    return envelope


def _ids(spec: EventType) -> tuple[str, str]:
    exchange, key, action = route_of(spec)
    base = f"{spec.source}-{spec.name}" if action == "send" else f"inbound-{spec.source}-{spec.name}"
    return base, f"{action}-{base}"


def build_document(event_types: dict[str, EventType] | None = None) -> dict:
    specs = sorted((s for s in (event_types or EVENT_TYPES).values() if is_platform_contract(s)),
                   key=lambda s: (route_of(s)[2] == "receive", s.source, s.name))
    channels, operations, messages = {}, {}, {}
    for spec in specs:
        exchange, key, action = route_of(spec)
        channel_id, operation_id = _ids(spec)
        ref = {"$ref": f"#/components/messages/{channel_id}"}
        consumers = consumers_of(exchange, key)
        channels[channel_id] = {
            "address": key,
            "title": f"{exchange} / {key}",
            "description": spec.description,
            "messages": {channel_id: ref},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": True,
                             "autoDelete": False, "vhost": "/"},
                "bindingVersion": AMQP_BINDING_VERSION}},
            **({"x-platform-consumers": consumers} if consumers else {}),
        }
        operations[operation_id] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": (f"{spec.source} publishes {spec.name}" if action == "send" else
                        f"{spec.source} (ministry system) publishes {spec.name} to the platform"),
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{channel_id}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "mandatory": action == "send",
                                  "bindingVersion": AMQP_BINDING_VERSION}},
        }
        messages[channel_id] = {
            "name": spec.name,
            "title": spec.name.replace("_", " "),
            "summary": spec.description,
            "contentType": "application/json",
            "correlationId": {"location": "$message.payload#/correlation_id"},
            "headers": _headers(spec),
            "payload": envelope_json(spec),
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": spec.name,
                                  "bindingVersion": AMQP_BINDING_VERSION}},
            "examples": [{"name": f"{spec.name}-example", "payload": example_envelope(spec)}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Regional Development Platform events", "version": DOCUMENT_VERSION,
                 "description": INTRODUCTION},
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:5672", "protocol": "amqp",
                              "protocolVersion": "0.9.1", "pathname": "/",
                              "description": "the local stack (`make run`); set AMQP_URI elsewhere"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": {"Envelope": schema_to_json(EnvelopeSchema)},
                       "messages": messages},
    }


def _headers(spec: EventType) -> dict:
    properties = {"event_type": {"const": spec.name}, "source": {"const": spec.source},
                  "correlation_id": {"type": "string"}}
    if route_of(spec)[2] == "receive":  # publishers outside the platform need not set headers
        return {"type": "object", "properties": properties}
    return {"type": "object", "properties": properties,
            "required": ["event_type", "source", "correlation_id"]}


HEADER = ("# The platform's event catalogue. Generated: regionctl asyncapi > "
          "docs/asyncapi.yaml\n# Do not edit by hand: a test regenerates it and fails when it "
          "differs from the event schemas.\n")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so the descriptions read as written."""


def _text(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render(document: dict | None = None) -> str:
    document = document if document is not None else build_document()
    return HEADER + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                              width=100, default_flow_style=False)


def write_document(stream) -> int:
    """Write the document of every registered event to ``stream`` (the caller registers the
    platform's contracts: ``regionctl asyncapi``)."""
    missing_inbound = [f"{ex} {key}" for sub in topology.SUBSCRIPTIONS for ex, key in sub.bindings
                       if ex == topology.INBOUND_EXCHANGE
                       and key.split(".", 1)[-1] not in EVENT_TYPES]
    for item in missing_inbound:  # generated from what exists; said, so it is not missed
        print(f"note: inbound contract {item} has no registered payload schema yet", file=sys.stderr)
    stream.write(render())
    return 0
