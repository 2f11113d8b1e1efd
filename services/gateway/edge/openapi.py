"""The OpenAPI 3 document of the gateway, generated from its routes, and the routes serving it.

Nothing is written by hand per route: every ``@api`` entrypoint of the service class is found by
introspection and described from what it declares (method, url, permission, summary, body, query
and response schemas, extra responses, tags); the marshmallow schemas become components through
apispec. Every error answer has the one shape ``{error, message, details}`` (``ErrorSchema``).

``/docs`` renders the document as plain HTML on the server: no script or stylesheet is fetched
from anywhere, so it works where no CDN is reachable.
"""
from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from werkzeug.wrappers import Response

from services.gateway.access.policy import MATRIX
from services.gateway.edge.http import ApiRoute
from services.gateway.edge.openapi_exact import code_list_pattern, exact
from services.gateway.edge.schemas import ErrorSchema

OPENAPI_VERSION = "3.0.3"
TITLE = "Regional Development Platform API"
API_VERSION = "0.1.0"
DESCRIPTION = (
    "HTTP API of the Office of Regional Initiatives (Regional Development Concept 2025-2030): "
    "investment projects, local budget revenue, civil-service mobility and the coordination hub. "
    "Every request but the public ones needs a bearer JWT or an `X-API-Key`; every answer carries "
    "`X-Correlation-Id` (sent back as given, or a new one). Errors are always "
    "`{error, message, details}`.")

ERRORS = {  # status -> (component name, description)
    400: ("BadRequest", "Invalid input: details name every bad field"),
    401: ("Unauthorized", "Missing, malformed, expired or revoked credential"),
    403: ("Forbidden", "The credential's role or region does not allow this"),
    404: ("NotFound", "No such resource"),
    409: ("Conflict", "Collides with the stored state or a business rule (details.rule)"),
    413: ("PayloadTooLarge", "The request body exceeds the size cap"),
    422: ("Unprocessable", "Kept to this document, refused by a rule it cannot state: details "
                           "name the field"),
    429: ("TooManyRequests", "Rate limit of this credential exceeded; retry after Retry-After"),
    503: ("ServiceUnavailable", "A service, the store or the broker did not answer in time"),
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "HS256 token with iss, aud, sub, jti, iat, exp, role, region"},
    "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "Key of a machine client (POST /api/v1/admin/api-keys)"},
}
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_PARAM_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"},
                "uuid": {"type": "string", "format": "uuid"}}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def openapi_path(url: str) -> tuple[str, list[dict]]:
    """A werkzeug rule as an OpenAPI path and its path parameters (``<string:x>`` → ``{x}``)."""
    params = []
    for match in _CONVERTER.finditer(url):
        params.append({"name": match["name"], "in": "path", "required": True,
                       "schema": dict(_PARAM_TYPES.get(match["converter"] or "string",
                                                       {"type": "string"}))})
    return _CONVERTER.sub(lambda m: "{" + m["name"] + "}", url), params


def api_routes(service_cls) -> list[tuple[str, ApiRoute]]:
    """(method name, route) of every ``@api`` entrypoint of the class, sorted by url and method."""
    found = []
    for name in dir(service_cls):
        member = getattr(service_cls, name, None)
        for entrypoint in getattr(member, "nameko_entrypoints", ()) or ():
            if isinstance(entrypoint, ApiRoute):
                found.append((name, entrypoint))
    return sorted(found, key=lambda item: (item[1].url, item[1].method))


def _permission_text(permission) -> str:
    resource, action = permission
    row = MATRIX.get((resource, action), {})
    reach = {"all": "all regions", "own_region": "own region", "own_body": "own central body"}
    holders = ", ".join(f"{role} ({reach[scope.value]})" for role, scope in row.items())
    return f"Permission `{resource}:{action}`, held by: {holders or 'nobody'}."


def _tags(route: ApiRoute) -> list[str]:
    if route.tags:
        return list(route.tags)
    parts = [p for p in route.url.split("/") if p and not p.startswith("<")]
    if len(parts) >= 3 and parts[0] == "api":
        return [parts[2]]
    return ["platform"]


def _error(status: int, description: str | None = None):
    name, default = ERRORS[status]
    if description is None:
        return name  # apispec turns a name into a $ref to components.responses
    return {"description": description,
            "content": {"application/json": {"schema": "Error"}}}


def operation(name: str, route: ApiRoute) -> tuple[str, str, dict]:
    path, path_params = openapi_path(route.url)
    method = route.method.split(",")[0].strip().upper()
    extra = {int(code): text for code, text in (route.extra_responses or {}).items()}
    success = min([c for c in extra if 200 <= c < 300], default=200)
    success_response: dict = {"description": extra.get(success, "OK")}
    if route.response_schema is not None:
        success_response["content"] = {"application/json": {"schema": route.response_schema}}
    if route.response_headers:
        success_response["headers"] = {name: dict(header)
                                       for name, header in route.response_headers.items()}
    responses: dict = {str(success): success_response}
    error_codes = {503}
    if not route.public:
        error_codes |= {400, 401, 403, 429}
    if path_params:
        error_codes |= {400, 404}
    if route.query_schema is not None:
        error_codes.add(400)
    if route.body_schema is not None or method in WRITE_METHODS:
        error_codes |= {400, 413}
    if method in ("PUT", "PATCH"):
        error_codes.add(409)
    error_codes |= {c for c in extra if c >= 400 and c in ERRORS}
    if route.rules:
        error_codes.add(422)
        extra.setdefault(422, "Refused by a rule this document cannot state; details name the "
                              "field: " + "; ".join(sorted(set(route.rules.values()))))
    for code in sorted(error_codes):
        responses[str(code)] = _error(code, extra.get(code))
    for code, text in extra.items():  # documented codes outside the error table
        if code >= 300 and code not in ERRORS:
            responses[str(code)] = {"description": text,
                                    "content": {"application/json": {"schema": "Error"}}}
    parameters = list(path_params)
    if route.query_schema is not None:
        parameters.append({"in": "query", "schema": route.query_schema})
    op: dict = {"operationId": name, "summary": route.summary, "tags": _tags(route),
                "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if route.body_schema is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": route.body_schema}}}
    if route.public:
        op["security"] = []
    if route.permission:
        op["description"] = _permission_text(route.permission)
        op["x-permission"] = {"resource": route.permission[0], "action": route.permission[1]}
    return path, method.lower(), op


def build_openapi(service_cls) -> dict:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title=TITLE, version=API_VERSION, openapi_version=OPENAPI_VERSION,
                   plugins=[marshmallow], info={"description": DESCRIPTION},
                   security=[{"bearerAuth": []}, {"apiKeyAuth": []}])
    marshmallow.converter.add_attribute_function(code_list_pattern)
    spec.components.schema("Error", schema=ErrorSchema)
    for scheme, definition in SECURITY_SCHEMES.items():
        spec.components.security_scheme(scheme, definition)
    for status, (name, description) in ERRORS.items():
        response = {"description": description,
                    "content": {"application/json": {"schema": "Error"}}}
        if status == 429:
            response["headers"] = {"Retry-After": {
                "description": "seconds to wait", "schema": {"type": "integer"}}}
        spec.components.response(name, response)
    paths: dict[str, dict] = {}
    for name, route in api_routes(service_cls):
        path, method, op = operation(name, route)
        paths.setdefault(path, {})[method] = op
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return exact(_json_safe(spec.to_dict()))


_NUMERIC_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}


def _json_safe(node, key: str = ""):
    """Plain JSON values only: the bound of a ``Range`` becomes a number (OpenAPI wants numeric
    bounds, also on decimal-string fields), any other Decimal or date its string."""
    if isinstance(node, dict):
        return {k: _json_safe(v, k) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_json_safe(v, key) for v in node]
    if key in _NUMERIC_KEYWORDS and isinstance(node, (Decimal, str)):
        number = Decimal(str(node))  # apispec writes the bound of a decimal-string field as text
        return int(number) if number == number.to_integral_value() else float(number)
    if isinstance(node, Decimal):
        return str(node)
    if isinstance(node, (date, datetime)):
        return node.isoformat()
    return node


@lru_cache(maxsize=8)
def cached_openapi(service_cls) -> dict:
    return build_openapi(service_cls)


# --- the HTML page ------------------------------------------------------------------------------

def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _schema_html(schema: dict, components: dict, depth: int = 0, seen=()) -> str:
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        if name in seen or depth > 4:
            return f"<code>{html.escape(name)}</code>"
        return (f"<code>{html.escape(name)}</code>"
                + _schema_html(components.get(name, {}), components, depth + 1, (*seen, name)))
    if schema.get("type") == "array":
        return "array of " + _schema_html(schema.get("items", {}), components, depth, seen)
    properties = schema.get("properties")
    if not properties:
        kind = schema.get("type", "object")
        fmt = f" ({schema['format']})" if schema.get("format") else ""
        return f"<code>{html.escape(str(kind) + fmt)}</code>"
    required = set(schema.get("required", []))
    rows = []
    for field, sub in properties.items():
        mark = " <em>required</em>" if field in required else ""
        doc = sub.get("description", "")
        rows.append(f"<li><b>{html.escape(field)}</b>{mark}: "
                    f"{_schema_html(sub, components, depth + 1, seen)} "
                    f"{html.escape(doc)}</li>")
    return "<ul>" + "".join(rows) + "</ul>"


def render_docs(document: dict) -> str:
    components = document.get("components", {}).get("schemas", {})
    by_tag: dict[str, list] = {}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            by_tag.setdefault(op.get("tags", ["other"])[0], []).append((path, method, op))
    parts = [f"<h1>{html.escape(document['info']['title'])} "
             f"<small>{html.escape(document['info']['version'])}</small></h1>",
             f"<p>{html.escape(document['info'].get('description', ''))}</p>",
             '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>',
             "<nav><ul>" + "".join(f'<li><a href="#tag-{html.escape(t)}">{html.escape(t)}</a> '
                                    f"({len(ops)})</li>" for t, ops in sorted(by_tag.items()))
             + "</ul></nav>"]
    for tag, ops in sorted(by_tag.items()):
        parts.append(f'<h2 id="tag-{html.escape(tag)}">{html.escape(tag)}</h2>')
        for path, method, op in ops:
            parts.append(_operation_html(path, method, op, components))
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(document['info']['title'])}</title><style>{_CSS}</style>"
            "</head><body>" + "".join(parts) + "</body></html>")


def _operation_html(path: str, method: str, op: dict, components: dict) -> str:
    anchor = html.escape(op.get("operationId", f"{method}-{path}"))
    out = [f'<section class="op" id="{anchor}"><h3><span class="m {method}">'
           f"{method.upper()}</span> <code>{html.escape(path)}</code></h3>",
           f"<p>{html.escape(op.get('summary', ''))}</p>"]
    if op.get("description"):
        out.append(f"<p class=\"perm\">{html.escape(op['description'])}</p>")
    out.append("<p>Authentication: " + ("none (public)" if op.get("security") == []
                                        else "bearer JWT or X-API-Key") + "</p>")
    if op.get("parameters"):
        rows = "".join(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p['in'])}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{_schema_html(p.get('schema', {}), components)}</td>"
            f"<td>{html.escape(p.get('description', ''))}</td></tr>" for p in op["parameters"])
        out.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th>"
                   f"<th>description</th></tr>{rows}</table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        out.append("<h4>Request body</h4>" + _schema_html(body["schema"], components))
    out.append("<h4>Responses</h4><ul>")
    for code, response in op["responses"].items():
        if "$ref" in response:
            name = _ref_name(response["$ref"])
            description = _ERROR_DESCRIPTIONS.get(name, name)
        else:
            description = response.get("description", "")
        out.append(f"<li><b>{html.escape(code)}</b> {html.escape(description)}</li>")
    out.append("</ul></section>")
    return "".join(out)


_ERROR_DESCRIPTIONS = {name: description for name, description in ERRORS.values()}

_CSS = ("body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em;color:#222}"
        ".op{border:1px solid #ccc;border-radius:4px;padding:.5em 1em;margin:1em 0}"
        ".m{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;"
        "padding:0 .3em}.get{background:#2b7bb9}.post{background:#2e8b57}.put{background:#b8860b}"
        ".patch{background:#8a6d3b}.delete{background:#b22222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;"
        "text-align:left;vertical-align:top}.perm{color:#555}ul{margin:.2em 0}")


def openapi_document(svc, request):
    return cached_openapi(type(svc))


def openapi_docs(svc, request):
    return Response(render_docs(cached_openapi(type(svc))), mimetype="text/html")
