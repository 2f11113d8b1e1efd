"""The OpenAPI document: generated from every route of the gateway service, complete (summaries,
parameters, error shapes, security) and valid OpenAPI 3."""
import re

import pytest
from openapi_spec_validator import validate as validate_openapi

from services.gateway.edge.http import ApiRoute
from services.gateway.edge.openapi import ERRORS, api_routes, build_openapi, openapi_path, render_docs
from tests.support.hub_events import full_gateway_class

GATEWAY = full_gateway_class()
DOCUMENT = build_openapi(GATEWAY)
ROUTES = api_routes(GATEWAY)
OPERATIONS = [(path, method, op) for path, ops in DOCUMENT["paths"].items()
              for method, op in ops.items()]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _resolve(ref: str):
    node = DOCUMENT
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name,route", ROUTES, ids=[name for name, _ in ROUTES])
def test_every_route_has_a_summary(name, route):
    assert isinstance(route.summary, str) and route.summary.strip(), \
        f"{name} ({route.method} {route.url}) lacks summary= in its @api(...)"


def test_every_route_is_in_the_document_once():
    documented = {(path, method.upper()) for path, method, _ in OPERATIONS}
    expected = {(openapi_path(route.url)[0], route.method) for _, route in ROUTES}
    assert documented == expected
    assert len(OPERATIONS) == len(ROUTES)
    # the hub and admin routes this document is meant to describe
    assert {("/api/v1/hub/initiatives/{initiative_id}", "PATCH"), ("/openapi.json", "GET"),
            ("/api/v1/admin/api-keys/{key_id}", "DELETE"),
            ("/api/v1/hub/regions/{code}/srs", "PUT")} <= documented


def test_the_document_is_valid_openapi_3():
    assert DOCUMENT["openapi"].startswith("3.")
    validate_openapi(DOCUMENT)


def test_structure_every_reference_resolves_and_ids_are_unique():
    for ref in set(_refs(DOCUMENT)):
        assert ref.startswith("#/components/"), ref
        _resolve(ref)  # KeyError if dangling
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for path, method, op in OPERATIONS:
        assert method in HTTP_METHODS and path.startswith("/")
        assert "<" not in path and ">" not in path
        assert op["responses"], (method, path)


@pytest.mark.parametrize("path,method,op", OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_declares_its_parameters_responses_and_security(path, method, op):
    declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
    assert declared == set(re.findall(r"{(\w+)}", path))
    for parameter in op.get("parameters", []):
        assert {"name", "in", "schema"} <= set(parameter)
        assert parameter["in"] in ("path", "query", "header", "cookie")
    codes = {int(c) for c in op["responses"]}
    assert any(200 <= c < 300 for c in codes)
    assert 503 in codes
    public = op.get("security") == []
    if not public:
        assert {400, 401, 403, 429} <= codes
        assert op["x-permission"]["resource"] and "Permission" in op["description"]
    if declared:
        assert 404 in codes
    if "requestBody" in op:
        assert 413 in codes
        assert "application/json" in op["requestBody"]["content"]
    for code in codes & set(ERRORS):
        response = op["responses"][str(code)]
        response = _resolve(response["$ref"]) if "$ref" in response else response
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}


def test_error_shape_security_schemes_and_retry_after():
    error = DOCUMENT["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "details"}
    assert set(error["required"]) == {"error", "message", "details"}
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer",
                                     "bearerFormat": "JWT"}
    assert schemes["apiKeyAuth"]["in"] == "header" and schemes["apiKeyAuth"]["name"] == "X-API-Key"
    assert DOCUMENT["security"] == [{"bearerAuth": []}, {"apiKeyAuth": []}]
    assert "Retry-After" in DOCUMENT["components"]["responses"]["TooManyRequests"]["headers"]
    assert set(ERRORS) == {400, 401, 403, 404, 409, 413, 422, 429, 503}


def test_public_routes_need_no_credential():
    public = {(p, m) for p, m, op in OPERATIONS if op.get("security") == []}
    assert {("/openapi.json", "get"), ("/docs", "get"), ("/health", "get"),
            ("/metrics", "get")} <= public
    assert ("/api/v1/hub/journal", "get") not in public


def test_query_schemas_become_query_parameters_with_caps():
    op = DOCUMENT["paths"]["/api/v1/hub/initiatives"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert {"region", "status", "kind", "limit", "offset"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == 200
    assert params["status"]["schema"]["enum"] == ["open", "in_progress", "resolved", "dismissed"]


def test_created_status_and_documented_conflicts():
    create = DOCUMENT["paths"]["/api/v1/hub/initiatives"]["post"]["responses"]
    assert "201" in create and "200" not in create
    assert create["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Initiative"}
    patch = DOCUMENT["paths"]["/api/v1/hub/initiatives/{initiative_id}"]["patch"]["responses"]
    assert "transition not allowed" in patch["409"]["description"]


@pytest.mark.parametrize("url,path,params", [
    ("/api/v1/x/<string:region>", "/api/v1/x/{region}", [("region", "string")]),
    ("/a/<int:n>/b/<key>", "/a/{n}/b/{key}", [("n", "integer"), ("key", "string")]),
    ("/a/<string(length=2):c>", "/a/{c}", [("c", "string")]),
    ("/plain", "/plain", []),
])
def test_werkzeug_rules_become_openapi_paths(url, path, params):
    converted, declared = openapi_path(url)
    assert converted == path
    assert [(p["name"], p["schema"]["type"]) for p in declared] == params


def test_docs_page_is_self_contained_and_lists_every_operation():
    page = render_docs(DOCUMENT)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "<link" not in page and "http://" not in page \
        and "https://" not in page
    for _path, _method, op in OPERATIONS:
        assert f'id="{op["operationId"]}"' in page
    assert "/api/v1/hub/scorecards/{region}" in page
    assert "Invalid input: details name every bad field" in page


def test_api_routes_finds_only_api_entrypoints():
    assert all(isinstance(route, ApiRoute) for _, route in ROUTES)
    names = [name for name, _ in ROUTES]
    assert "record_event" not in names and "hub_run_checks" not in names
    assert "hub_list_initiatives" in names


def test_every_schema_gets_one_name_in_the_document():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # apispec warns when two schemas claim the same name
        build_openapi(GATEWAY)
