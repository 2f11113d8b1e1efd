"""The AsyncAPI catalogue: marshmallow -> JSON Schema, examples, the document, and no drift."""
import os
import re
import subprocess
import sys
from dataclasses import replace

import jsonschema_rs
import pytest
import yaml
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from services.common import asyncapi, topology
from services.common.events import EVENT_TYPES, EventType, parse_event
from tests.conftest import ROOT
from tests.support.contracts import registered_contracts

CHECKED_IN = os.path.join(ROOT, "docs", "asyncapi.yaml")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")  # AsyncAPI 3.0 channel / operation keys


@pytest.fixture(scope="module")
def document():
    return asyncapi.build_document()


def _resolve(document: dict, ref: str):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return _resolve(document, node["$ref"]) if "$ref" in node else node


def _platform_specs():
    registered_contracts()
    return [s for s in EVENT_TYPES.values() if asyncapi.is_platform_contract(s)]


# -- fields ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, expected", [
    (fields.Str(), {"type": "string"}),
    (fields.Int(), {"type": "integer"}),
    (fields.Float(), {"type": "number"}),
    (fields.Bool(), {"type": "boolean"}),
    (fields.Date(), {"type": "string", "format": "date"}),
    (fields.AwareDateTime(format="iso"), {"type": "string", "format": "date-time"}),
    (fields.UUID(), {"type": "string", "format": "uuid"}),
    (fields.Email(), {"type": "string", "format": "email"}),
    (fields.Decimal(), {"type": "number"}),
    (fields.Decimal(as_string=True, places=2),
     {"type": "string", "format": "decimal", "pattern": asyncapi.DECIMAL_PATTERN,
      "description": "decimal number as a string, 2 decimal places"}),
    (fields.List(fields.Int()), {"type": "array", "items": {"type": "integer"}}),
    (fields.Dict(keys=fields.Str(), values=fields.Int()),
     {"type": "object", "additionalProperties": {"type": "integer"}}),
    (fields.Raw(), {}),
    (fields.Str(validate=validate.OneOf(("a", "b"))), {"type": "string", "enum": ["a", "b"]}),
    (fields.Int(validate=validate.Range(min=1, max=9)),
     {"type": "integer", "minimum": 1, "maximum": 9}),
    (fields.Int(validate=validate.Range(min=0, min_inclusive=False)),
     {"type": "integer", "exclusiveMinimum": 0}),
    (fields.Str(validate=validate.Length(min=1, max=5)),
     {"type": "string", "minLength": 1, "maxLength": 5}),
    (fields.List(fields.Str(), validate=validate.Length(equal=2)),
     {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}),
    (fields.Str(validate=validate.Regexp(r"^\d{12}$")), {"type": "string", "pattern": r"^\d{12}$"}),
    (fields.Str(validate=validate.And(validate.Length(max=3), validate.OneOf(("x",)))),
     {"type": "string", "maxLength": 3, "enum": ["x"]}),
    (fields.Int(load_default=7), {"type": "integer", "default": 7}),
    (fields.Str(metadata={"description": "why"}), {"type": "string", "description": "why"}),
])
def test_field_types_map_to_json_schema(field, expected):
    assert asyncapi.field_to_json(field) == expected


@pytest.mark.parametrize("field, expected", [
    (fields.Str(allow_none=True), {"type": ["string", "null"]}),
    (fields.Str(allow_none=True, validate=validate.OneOf(("a",))),
     {"type": ["string", "null"], "enum": ["a", None]}),
    (fields.Raw(allow_none=True), {}),
])
def test_nullable_fields_accept_null(field, expected):
    assert asyncapi.field_to_json(field) == expected


class Inner(Schema):
    """An inner object."""
    code = fields.Str(required=True)


class Outer(Schema):
    one = fields.Nested(Inner, required=True)
    many = fields.List(fields.Nested(Inner))
    nested_many = fields.Nested(Inner, many=True)
    renamed = fields.Int(data_key="wireName", required=True)


def test_schema_maps_nesting_required_and_wire_names():
    result = asyncapi.schema_to_json(Outer)
    assert result["required"] == ["one", "wireName"]
    assert result["additionalProperties"] is False  # marshmallow refuses unknown keys
    inner = result["properties"]["one"]
    assert inner == {"type": "object", "properties": {"code": {"type": "string"}},
                     "required": ["code"], "additionalProperties": False,
                     "description": "An inner object."}
    assert result["properties"]["many"] == {"type": "array", "items": inner}
    assert result["properties"]["nested_many"] == {"type": "array", "items": inner}
    assert result["properties"]["wireName"] == {"type": "integer"}


def test_schema_that_includes_unknown_keys_says_so():
    class Open(Schema):
        class Meta:
            unknown = INCLUDE
        a = fields.Str()
    assert "additionalProperties" not in asyncapi.schema_to_json(Open)


# -- examples --------------------------------------------------------------------------------------

class CrossField(Schema):
    kind = fields.Str(required=True, validate=validate.OneOf(("central", "regional")))
    region_code = fields.Str(required=True, allow_none=True)
    bin = fields.Str(required=True, validate=validate.Regexp(r"^\d{12}$"))
    when = fields.Date(required=True)
    amount_kzt = fields.Decimal(as_string=True, places=2, required=True)
    tags = fields.List(fields.Str(), required=True, validate=validate.Length(min=2))

    @validates_schema
    def _central_has_no_region(self, data, **kwargs):
        if data["kind"] == "central" and data["region_code"] is not None:
            raise ValidationError("must be null for a central body", "region_code")


def test_example_is_repaired_until_the_schema_accepts_it():
    example = asyncapi.example_payload(CrossField, "thing_changed")
    assert CrossField().load(example)  # accepted, cross-field rule included
    assert example["kind"] == "central" and example["region_code"] is None
    assert example["bin"] == "1" * 12
    assert example["when"] == "2026-03-02"
    assert example["amount_kzt"] == "1250000.00"
    assert len(example["tags"]) == 2


def test_example_that_cannot_be_repaired_names_the_schema():
    class Impossible(Schema):
        code = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z]{3}-\d+$"))
    with pytest.raises(ValueError, match="Impossible"):
        asyncapi.example_payload(Impossible, "x_happened")


def test_field_metadata_examples_are_used_first():
    class WithExample(Schema):
        code = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z]{3}-\d+$"),
                          metadata={"examples": ["ABC-12"]})
    assert asyncapi.example_payload(WithExample, "x_happened") == {"code": "ABC-12"}


# -- routing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, key, matches", [
    ("#", "project_commissioned", True),
    ("project_commissioned", "project_commissioned", True),
    ("project_commissioned", "project_cancelled", False),
    ("finance.*", "finance.revenue_executed", True),
    ("finance.*", "finance.revenue.executed", False),
    ("finance.#", "finance.revenue.executed", True),
    ("*.revenue_executed", "finance.revenue_executed", True),
    ("#.executed", "finance.revenue.executed", True),
    ("*", "finance.revenue_executed", False),
])
def test_topic_patterns_match_like_rabbitmq(pattern, key, matches):
    assert asyncapi.topic_matches(pattern, key) is matches


def test_platform_events_go_to_their_source_exchange_and_inbound_ones_to_ministry_inbound():
    platform = EventType("thing_done", "investments", 1, Inner, "")
    inbound = EventType("revenue_executed", "finance", 1, Inner, "")
    assert asyncapi.route_of(platform) == ("investments.events", "thing_done", "send")
    assert asyncapi.route_of(inbound) == ("ministry.inbound", "finance.revenue_executed", "receive")


def test_consumers_come_from_the_declared_topology():
    consumers = asyncapi.consumers_of("investments.events", "project_commissioned")
    assert any(c.startswith("budgets.on_project_commissioned") for c in consumers)
    assert any(c.startswith("gateway.record_event") for c in consumers)
    assert asyncapi.consumers_of("ministry.inbound", "finance.revenue_executed") == [
        "budgets.on_revenue_executed (queue budgets.on_revenue_executed)"]


# -- the document ----------------------------------------------------------------------------------

def test_every_registered_contract_has_a_channel_an_operation_and_a_message(document):
    specs = _platform_specs()
    assert len(specs) >= 20
    for spec in specs:
        exchange, key, action = asyncapi.route_of(spec)
        channel_id, operation_id = asyncapi._ids(spec)
        channel = document["channels"][channel_id]
        assert channel["address"] == key
        assert channel["bindings"]["amqp"]["exchange"]["name"] == exchange
        assert channel["bindings"]["amqp"]["exchange"]["type"] == "topic"
        operation = document["operations"][operation_id]
        assert operation["action"] == action
        assert _resolve(document, operation["channel"]["$ref"]) is channel
        message = _resolve(document, channel["messages"][channel_id]["$ref"])
        assert message["name"] == spec.name
        assert message["payload"]["properties"]["event_type"] == {"const": spec.name}
        assert message["payload"]["properties"]["payload"] == asyncapi.schema_to_json(spec.schema)


def test_inbound_contracts_are_received_on_ministry_inbound(document):
    inbound = [s for s in _platform_specs() if s.source not in topology.SOURCES]
    assert {s.source for s in inbound} <= {"finance", "civil_service"}
    assert any(s.name == "organisation_changed" for s in inbound)
    for spec in inbound:
        channel_id, operation_id = asyncapi._ids(spec)
        assert document["operations"][operation_id]["action"] == "receive"
        assert document["channels"][channel_id]["address"] == f"{spec.source}.{spec.name}"
        assert document["channels"][channel_id]["x-platform-consumers"]


def test_document_structure_follows_asyncapi_3(document):
    assert document["asyncapi"] == "3.0.0"
    assert set(document["info"]) >= {"title", "version", "description"}
    for section in ("channels", "operations"):
        for key in document[section]:
            assert ID_PATTERN.match(key), key
    for operation in document["operations"].values():
        for ref in operation["messages"]:
            assert _resolve(document, ref["$ref"])["contentType"] == "application/json"


def test_every_example_satisfies_its_json_schema_and_the_platforms_own_validation(document):
    for message_id, message in document["components"]["messages"].items():
        assert jsonschema_rs.meta.is_valid(message["payload"]), message_id
        validator = jsonschema_rs.Draft7Validator(message["payload"])
        for example in message["examples"]:
            errors = [e.message for e in validator.iter_errors(example["payload"])]
            assert errors == [], (message_id, errors)
            assert parse_event(example["payload"])["event_type"] == message["name"]


def test_json_schema_refuses_what_the_platform_refuses(document):
    message = document["components"]["messages"]["investments-project_commissioned"]
    validator = jsonschema_rs.Draft7Validator(message["payload"])
    good = message["examples"][0]["payload"]
    broken = [
        {**good, "region_code": "KZ-99"},
        {**good, "payload": {**good["payload"], "cost_kzt": 12.5}},
        {**good, "payload": {k: v for k, v in good["payload"].items() if k != "project_id"}},
        {**good, "payload": {**good["payload"], "unexpected": 1}},
        {**good, "event_type": "project_cancelled"},
    ]
    for body in broken:
        assert not validator.is_valid(body)


def test_schemas_registered_outside_the_platform_are_not_contracts():
    test_only = EventType("probe_happened", "investments", 1, Inner, "")
    assert not asyncapi.is_platform_contract(test_only)
    registry = {s.name: s for s in _platform_specs()} | {"probe_happened": test_only}
    assert "investments-probe_happened" not in asyncapi.build_document(registry)["channels"]


# -- no drift --------------------------------------------------------------------------------------

def test_checked_in_document_matches_the_schemas():
    with open(CHECKED_IN, encoding="utf-8") as f:
        checked_in = f.read()
    generated = asyncapi.render()
    assert generated == checked_in, (
        "docs/asyncapi.yaml differs from the event schemas: regenerate it with\n"
        "    regionctl asyncapi > docs/asyncapi.yaml")
    assert yaml.safe_load(checked_in)["asyncapi"] == "3.0.0"


def test_a_schema_change_shows_up_as_drift():
    specs = {s.name: s for s in _platform_specs()}

    class Changed(specs["project_commissioned"].schema):
        added_field = fields.Str(required=True)
    Changed.__module__ = specs["project_commissioned"].schema.__module__
    changed = dict(specs, project_commissioned=replace(specs["project_commissioned"], schema=Changed))
    assert asyncapi.render(asyncapi.build_document(changed)) != asyncapi.render(
        asyncapi.build_document(specs))


def test_generator_command_prints_the_document():
    command = "from services.regionctl import main; raise SystemExit(main(['asyncapi']))"
    result = subprocess.run([sys.executable, "-c", command], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with open(CHECKED_IN, encoding="utf-8") as f:
        assert result.stdout == f.read()


def test_a_schema_may_carry_its_own_example_and_a_stale_one_fails_loudly():
    class Carried(Schema):
        code = fields.Str(required=True, validate=validate.Regexp(r"^[A-Z]{3}-\d+$"))
        example = {"code": "KZT-7"}
    assert asyncapi.example_payload(Carried, "x_happened") == {"code": "KZT-7"}
    Carried.example = {"code": "stale"}
    with pytest.raises(ValidationError):
        asyncapi.example_payload(Carried, "x_happened")
