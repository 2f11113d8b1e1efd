import uuid

import pytest
from marshmallow import Schema, fields

from services.common.errors import ValidationFailed
from services.common.events import build_event, event_schema, parse_event, register


@event_schema("kernel_probe_noted", source="investments", version=2)
class KernelProbeNoted(Schema):
    """A test-only fact."""
    amount_kzt = fields.Decimal(as_string=True, required=True)
    region_code = fields.Str(required=True)


register(KernelProbeNoted)


def _event(**payload):
    return build_event("kernel_probe_noted", {"amount_kzt": "10.50", "region_code": "KZ-10", **payload},
                       region_code="KZ-10", correlation_id="c-1")


def test_envelope_carries_every_field_of_the_contract():
    event = _event()
    assert set(event) == {"event_id", "event_type", "schema_version", "occurred_at", "source",
                          "region_code", "correlation_id", "payload"}
    uuid.UUID(event["event_id"])
    assert event["schema_version"] == 2 and event["source"] == "investments"
    assert event["occurred_at"].endswith("+00:00")
    assert event["payload"]["amount_kzt"] == "10.50"


def test_parse_loads_payload_and_keeps_wire_form():
    parsed = parse_event(_event())
    assert str(parsed["payload"]["amount_kzt"]) == "10.50"
    assert parsed["wire_payload"]["amount_kzt"] == "10.50"


@pytest.mark.parametrize("mutate,field", [
    (lambda e: e.update(event_id="nope"), "event_id"),
    (lambda e: e.update(region_code="KZ-99"), "region_code"),
    (lambda e: e.pop("occurred_at"), "occurred_at"),
    (lambda e: e.update(event_type="Bad-Type"), "event_type"),
])
def test_malformed_envelopes_name_the_field(mutate, field):
    event = _event()
    mutate(event)
    with pytest.raises(ValidationFailed) as caught:
        parse_event(event)
    assert field in caught.value.details


def test_bad_payload_and_unknown_type_are_refused():
    event = _event()
    event["payload"]["amount_kzt"] = "lots"
    with pytest.raises(ValidationFailed) as caught:
        parse_event(event)
    assert "amount_kzt" in caught.value.details["payload"]
    unknown = dict(_event(), event_type="nothing_happened")
    with pytest.raises(ValidationFailed):
        parse_event(unknown)


def test_a_publisher_bug_is_not_hidden():
    with pytest.raises(ValueError):
        build_event("kernel_probe_noted", {"region_code": "KZ-10"}, region_code="KZ-10")
    with pytest.raises(ValueError):
        build_event("never_registered", {}, region_code=None)
