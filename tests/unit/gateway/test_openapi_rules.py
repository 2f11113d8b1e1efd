"""What the document states beyond the route schemas is what the services do
(edge/openapi_formats.py), and a rule it cannot state is a 422 naming the field
(edge/business_rules.py, ApiRoute.business_refusal)."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from services.common.errors import NotFound, ValidationFailed
from services.gateway.edge import business_rules
from services.gateway.edge.errors import Unprocessable, status_for
from services.gateway.edge.http import ApiRoute
from services.gateway.edge.openapi import build_openapi
from services.gateway.edge.openapi_exact import QUERY_PATTERNS
from services.gateway.edge.openapi_formats import POSITIVE_DECIMAL_PATTERN, text_pattern
from services.investments.contract.codes import SORT_FIELDS
from services.investments.contract.fields import ExternalRef, Text
from services.investments.domain.queries import normalise_query
from tests.support.hub_events import full_gateway_class

DOCUMENT = build_openapi(full_gateway_class())
SCHEMAS = DOCUMENT["components"]["schemas"]
# text as a client may send it: letters, every kind of whitespace the services strip, breaks
TEXT = st.text(st.sampled_from(list("ab \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2000\u3000") + ["\x00"]),
               max_size=6)


def _accepted(field, value) -> bool:
    class One(Schema):
        text = field
    try:
        One().load({"text": value})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("blank,single_line", [(False, True), (False, False), (True, True)])
@settings(max_examples=400, deadline=None)
@given(value=TEXT)
def test_free_text_pattern_is_what_the_field_accepts(blank, single_line, value):
    field = Text(300, blank=blank, single_line=single_line)
    pattern = text_pattern(blank=blank, single_line=single_line)
    assert (re.search(pattern, value) is not None) == (_accepted(field, value) and "\x00" not in value)


@settings(max_examples=300, deadline=None)
@given(value=TEXT)
def test_an_external_reference_pattern_is_what_the_field_accepts(value):
    pattern = text_pattern(blank=False, single_line=True, exact=True)
    accepted = _accepted(ExternalRef(64, single_line=True), value) and "\x00" not in value
    assert (re.search(pattern, value) is not None) == accepted


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.sampled_from(SORT_FIELDS), min_size=1, max_size=4),
       descending=st.lists(st.booleans(), min_size=4, max_size=4))
def test_the_sort_pattern_accepts_exactly_the_sorts_the_service_takes(keys, descending):
    value = ",".join(("-" if down else "") + key for key, down in zip(keys, descending[:len(keys)], strict=True))
    try:
        normalise_query({"sort": value})
        taken = True
    except ValidationFailed:
        taken = False
    assert (re.search(QUERY_PATTERNS["sort"], value) is not None) == taken, value


@pytest.mark.parametrize("amount,positive", [("0", False), ("0.00", False), ("00.0", False),
                                             ("0.01", True), ("10", True), ("1.5", True),
                                             ("-1", False), ("1234567890123456", False)])
def test_an_amount_above_zero(amount, positive):
    assert (re.search(POSITIVE_DECIMAL_PATTERN, amount) is not None) == positive


def test_the_document_states_formats_and_shapes_between_fields():
    iin = SCHEMAS["CivilServantCreate"]["properties"]["iin"]
    assert (iin["format"], iin["pattern"]) == ("kz-iin", "^[0-9]{12}$")
    assert SCHEMAS["InvestorIn"]["properties"]["bin"]["format"] == "kz-bin"
    assert SCHEMAS["TotalCostIn"]["properties"]["amount"]["pattern"] == POSITIVE_DECIMAL_PATTERN
    usd, kzt = SCHEMAS["TotalCostIn"]["oneOf"]
    assert usd["required"] == ["exchange_rate"] and kzt["properties"]["exchange_rate"] == {
        "enum": [None]}
    targets = SCHEMAS["IndicatorIn"]["properties"]["targets"]
    assert targets["additionalProperties"] is False and "2030" in targets["properties"]
    assert {"required": ["title"]} in SCHEMAS["ProjectUpdate"]["anyOf"]
    assert {"required": ["expected_version"]} not in SCHEMAS["ProjectUpdate"]["anyOf"]


def test_an_operation_with_rules_documents_its_422_with_them():
    documented = {(path, method) for path, operations in DOCUMENT["paths"].items()
                  for method, op in operations.items() if "422" in op["responses"]}
    assert ("/api/v1/projects", "post") in documented
    assert ("/api/v1/projects/{project_id}", "get") not in documented
    text = DOCUMENT["paths"]["/api/v1/projects"]["post"]["responses"]["422"]["description"]
    assert business_rules.PROJECT[("financing_sources", "exceeds the project cost")] in text


def test_a_refusal_naming_only_rule_fields_is_a_422():
    route = ApiRoute("POST", "/api/v1/projects", rules=business_rules.PROJECT)
    cross = ValidationFailed("invalid project", {
        "financing_sources": ["total 5.00 exceeds the project cost 1.00 KZT"],
        "srs_gaps.3.kato": ["not a settlement of region KZ-10"]})
    refused = route.business_refusal(cross)
    assert isinstance(refused, Unprocessable) and status_for(refused) == 422
    assert refused.details == cross.details
    mixed = ValidationFailed("invalid project", {
        "financing_sources": ["total 5.00 exceeds the project cost 1.00 KZT"],
        "title": ["must not be blank"]})
    assert route.business_refusal(mixed) is mixed  # a field the document states: still a 400
    enum = ValidationFailed("invalid project", {"agglomeration": ["Must be one of: almaty."]})
    assert route.business_refusal(enum) is enum  # a rule's field broken as the document says
    outside = ValidationFailed("invalid project", {"agglomeration": ["not part of region KZ-10"]})
    assert isinstance(route.business_refusal(outside), Unprocessable)
    assert not isinstance(route.business_refusal(ValidationFailed("x", {
        "srs_gaps": ["not a settlement of region KZ-10"]})), Unprocessable)  # the key in full
    missing = NotFound("unknown", {"financing_sources": ["exceeds the project cost"]})
    assert route.business_refusal(missing) is missing
    plain = ApiRoute("GET", "/api/v1/regions")
    assert plain.business_refusal(cross) is cross
