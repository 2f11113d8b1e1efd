"""The document says what the routes take and give (edge/openapi_exact.py), and the edge keeps
the promises it makes there (Allow on a 405, no U+0000 in a JSON body)."""
import re

import pytest
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Map, Rule

from services.common.errors import ValidationFailed
from services.common.regions import REGION_CODES
from services.gateway.edge.checks import parse_json
from services.gateway.edge.http import _allowed
from services.gateway.edge.openapi import build_openapi
from services.gateway.edge.openapi_exact import DECIMAL_PATTERN, NO_NUL_PATTERN, PERCENT_PATTERN
from tests.support.hub_events import full_gateway_class

DOCUMENT = build_openapi(full_gateway_class())
SCHEMAS = DOCUMENT["components"]["schemas"]


def _operation(operation_id):
    for path, operations in DOCUMENT["paths"].items():
        for method, op in operations.items():
            if op["operationId"] == operation_id:
                return path, method, op
    raise KeyError(operation_id)


def _parameter(operation_id, name):
    return next(p for p in _operation(operation_id)[2]["parameters"] if p["name"] == name)


def test_path_values_are_as_exact_as_the_routes_check_them():
    assert _parameter("budgets_indicators", "region")["schema"]["enum"] == list(REGION_CODES)
    assert _parameter("budgets_indicators", "year")["schema"] == {
        "type": "integer", "minimum": 2020, "maximum": 2035}
    assert _parameter("hub_get_settlement", "kato")["schema"]["pattern"] == "^[0-9]{9}$"
    assert _parameter("budgets_import_chunk", "seq")["schema"]["maximum"] >= 0
    # the positions of a body take its org_id from the path, never from the query
    names = [(p["name"], p["in"]) for p in
             _operation("personnel_list_organisation_positions")[2]["parameters"]]
    assert ("org_id", "path") in names and ("org_id", "query") not in names


def test_answers_that_are_not_json_are_documented_with_their_type():
    assert set(_operation("projects_export")[2]["responses"]["200"]["content"]) == {
        "application/json", "text/csv"}
    assert set(_operation("budgets_report_ofdp")[2]["responses"]["200"]["content"]) == {
        "application/zip"}
    assert _operation("hub_checks")[2]["requestBody"]["required"] is False


def test_creating_operations_link_to_what_they_created():
    links = _operation("projects_create")[2]["responses"]["201"]["links"]
    assert links["projects_get"] == {"operationId": "projects_get",
                                     "parameters": {"project_id": "$response.body#/id"}}
    ids = {op["operationId"] for ops in DOCUMENT["paths"].values() for op in ops.values()}
    for ops in DOCUMENT["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in ids


def test_request_copies_are_strict_where_answers_stay_loose():
    body = _operation("hub_put_assessment")[2]["requestBody"]["content"]["application/json"]
    coverage = SCHEMAS[body["schema"]["$ref"].rsplit("/", 1)[-1]]["properties"]["coverage"]
    request_copy = SCHEMAS[coverage["$ref"].rsplit("/", 1)[-1]]
    assert request_copy["properties"]["education"]["pattern"] == PERCENT_PATTERN
    assert "pattern" not in SCHEMAS["Coverage"]["properties"]["education"]  # the answer's
    assert SCHEMAS["BlockCreate"]["properties"]["limit_kzt"]["pattern"] == DECIMAL_PATTERN
    assert re.fullmatch(DECIMAL_PATTERN[1:-1], "1250000.00")
    assert not re.fullmatch(DECIMAL_PATTERN[1:-1], "")
    assert re.fullmatch(PERCENT_PATTERN[1:-1], "100") and not re.fullmatch(
        PERCENT_PATTERN[1:-1], "100.5")


def test_a_json_body_with_a_nul_is_a_400_naming_the_body():
    with pytest.raises(ValidationFailed) as refused:
        parse_json(b'{"name": {"inner": ["ok", "bad\\u0000"]}}')
    assert refused.value.details == {"body": ["text must not contain U+0000"]}
    assert parse_json(b'{"name": "fine"}') == {"name": "fine"}
    assert NO_NUL_PATTERN == "^[^\\u0000]*$"


def test_allow_names_the_methods_of_the_one_resource_the_url_names():
    urls = Map([Rule("/imports/ofdp", methods=["POST"]),
                Rule("/imports/<string:import_id>", methods=["GET"]),
                Rule("/blocks/<path:block_id>", methods=["GET"]),
                Rule("/blocks/<path:block_id>/carry-over", methods=["POST"])]).bind("localhost")
    for url, expected in (("/imports/ofdp", ["POST"]), ("/blocks/a|b/carry-over", ["POST"]),
                          ("/imports/123", ["GET", "HEAD"])):
        with pytest.raises(MethodNotAllowed) as refused:
            urls.match(url, method="DELETE")
        methods = list(refused.value.valid_methods)
        for order in (methods, methods[::-1]):  # whatever order werkzeug lists them in
            assert sorted(_allowed(urls, order, url)) == sorted(expected), url
