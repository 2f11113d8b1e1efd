"""What the routes' marshmallow schemas cannot say, added to the OpenAPI document in one place.

A fuzzer that trusts the document (schemathesis, every check on) must find it exact: a value
the document allows is accepted, one it forbids is refused, and every answer (status, content
type, ``Allow``) is documented. The routes declare bodies and queries as schemas; these tables
add what those leave out:

- path parameters by name: a region is one of the 20 codes, a KATO code is nine digits;
- decimal strings (``format: decimal``) carry the pattern the services parse;
- a query parameter named like a path parameter is the path's (the route ignores the query);
- bodies a route also takes empty (run-now commands), answers that are not JSON (CSV, zip,
  Prometheus text, HTML pages);
- OpenAPI links from each creating operation to the operations on what it created, so a stateful
  run walks the main flows (project, civil servant, rotation, block budget, API key, import).
"""
from __future__ import annotations

import copy
import re
from datetime import date

from marshmallow import fields, validate

from services.budgets.contract.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from services.common import clock
from services.common.config import load_settings
from services.common.regions import REGION_CODES
from services.gateway.access.principal import CENTRAL_OFFICER, ROLE_REGION_RULE, RegionRule
from services.gateway.edge import openapi_formats
from services.gateway.edge.import_limits import CHUNK_MAX_BYTES
from services.gateway.hub.central_bodies import CENTRAL_BODY_CODES
from services.investments.contract.codes import SORT_FIELDS
from services.investments.contract.fields import CodeList, ExternalRef, Text

# an amount as the services parse it (services/common/money.py): not negative, two places at most
DECIMAL_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"
PERCENT_PATTERN = r"^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)$"  # a 0..100 decimal string
PATH_PARAMETERS = {
    "region": {"type": "string", "enum": list(REGION_CODES)},
    "code": {"type": "string", "enum": list(REGION_CODES)},
    "kato": {"type": "string", "pattern": "^[0-9]{9}$"},
    "body_code": {"type": "string", "enum": list(CENTRAL_BODY_CODES)},  # hub/central_bodies.py
}


def list_pattern(items, prefix: str = "") -> str:
    """A comma-separated list of the given words (each optionally after ``prefix``)."""
    words = (item if re.fullmatch(r"[\w-]+", item) else re.escape(item) for item in sorted(items))
    one = prefix + "(" + "|".join(words) + ")"  # a bare '-' (no "\-": ECMA's u-mode refuses it)
    return f"^{one}(,{one})*$"


def unique_list_pattern(items, prefix: str = "") -> str:
    """``list_pattern`` where each word appears once (with or without ``prefix``): a lookahead
    refuses a word that comes again later in the list (ECMA regexes have lookaheads and
    back-references, so the document states the rule the route applies)."""
    words = "(" + "|".join(item if re.fullmatch(r"[\w-]+", item) else re.escape(item)
                           for item in sorted(items)) + ")"
    repeated = f"(?!(.*,)?{prefix}{words},(.*,)?{prefix}\\2(,|$))"
    return "^" + repeated + list_pattern(items, prefix)[1:]


# projects: -field = descending; a field at most once (investments/domain/queries.py)
QUERY_PATTERNS = {"sort": unique_list_pattern(SORT_FIELDS, prefix="-?")}
# Bodies that must carry one of some optional fields (a change that changes nothing is a 400).
ONE_OF_REQUIRED = {
    "SrsValues": ("cities_pct", "rural_pct", "rural_population_pct"),
    "InitiativeChange": ("status", "due_date", "responsible_body"),
    "CivilServantUpdate": ("full_name", "home_region", "status"),
}
# Bodies whose fields depend on each other (the services' @validates_schema rules).
DEPENDENT = {
    "OrganisationCreate": {"oneOf": [  # a central body has no region; the others need one
        {"properties": {"kind": {"enum": ["central"]}, "region_code": {"enum": [None]}}},
        {"properties": {"kind": {"enum": ["regional", "district"]},
                        "region_code": {"type": "string"}}, "required": ["region_code"]}]},
}
DEPENDENT["ImportStart"] = {"oneOf": [  # budgets: a descriptor comes with an OFDP import only
    {"properties": {"format": {"enum": ["csv"]}, "datapackage": {"enum": [None]}}},
    {"properties": {"format": {"enum": ["ofdp"]}, "datapackage": {"type": "object"}},
     "required": ["datapackage"]}]}
DEPENDENT["MeasureIn"] = {"oneOf": [  # hub action plan: a local body's measure names its region
    {"properties": {"level": {"enum": ["local"]}, "region_code": {"type": "string"}},
     "required": ["region_code"]},
    {"properties": {"level": {"enum": ["central"]}, "region_code": {"enum": [None]}}}]}
DEPENDENT["MeasureChange"] = {"oneOf": [  # a measure is done on evidence
    {"properties": {"status": {"enum": ["done"]}, "evidence": {"minItems": 1}},
     "required": ["evidence"]},
    {"properties": {"status": {"enum": ["planned", "in_progress", "cancelled"]}}}]}
_REGIONAL = sorted(r for r, rule in ROLE_REGION_RULE.items() if rule is RegionRule.REQUIRED)
_NATIONAL = sorted(r for r, rule in ROLE_REGION_RULE.items() if rule is RegionRule.FORBIDDEN)
_EITHER = sorted(r for r, rule in ROLE_REGION_RULE.items() if rule is RegionRule.OPTIONAL)
_NO_BODY = {"enum": [None]}
DEPENDENT["ApiKeyCreate"] = {"oneOf": [  # access/principal.py: ROLE_REGION_RULE; a body only for
    # a central officer, who must name one (access/auth.py: generate_api_key)
    {"properties": {"role": {"enum": _REGIONAL}, "region": {"type": "string"}, "body": _NO_BODY},
     "required": ["region"]},
    {"properties": {"role": {"enum": [r for r in _NATIONAL if r != CENTRAL_OFFICER]},
                    "region": {"enum": [None]}, "body": _NO_BODY}},
    {"properties": {"role": {"enum": [CENTRAL_OFFICER]}, "region": {"enum": [None]},
                    "body": {"type": "string"}}, "required": ["body"]},
    {"properties": {"role": {"enum": _EITHER}, "body": _NO_BODY}}]}
# Query parameters a route does not read (the export pages by itself; the path names the region).
IGNORED_QUERY = {"projects_export": {"cursor", "page_size"},
                 "personnel_region_statistics": {"region"}}
# Bodies whose route reads the fields it knows and ignores the rest.
LENIENT = frozenset({"ScanBody"})
# Operations whose JSON body may be left out (every field has a default).
OPTIONAL_BODY = frozenset({"hub_checks", "personnel_scan_due_rotations"})
# operationId -> {status: {media type: schema}} for answers that are not (only) JSON.
_BINARY = {"type": "string", "format": "binary"}
_TEXT = {"type": "string"}
CONTENT = {
    "projects_export": {"200": {"text/csv": _TEXT}},  # format=csv; the IATI JSON stays beside it
    "budgets_report_ofdp": {"200": {"application/zip": _BINARY}},
    "metrics_endpoint": {"200": {"text/plain": _TEXT}},
    "openapi_docs": {"200": {"text/html": _TEXT}},
    "console_page": {"200": {"text/html": _TEXT}},
    "console_static": {"200": {"*/*": _BINARY}},
}
REPLACED_CONTENT = frozenset({"budgets_report_ofdp", "metrics_endpoint", "openapi_docs",
                              "console_page", "console_static"})
# creating operation -> (status, {link name: (target operationId, {parameter: expression})})
LINKS = {
    "projects_create": ("201", {
        f"{target}": (target, {"project_id": "$response.body#/id"})
        for target in ("projects_get", "projects_update", "projects_change_stage",
                       "projects_report_progress")}),
    "personnel_create_organisation": ("201", {
        "personnel_get_organisation": ("personnel_get_organisation",
                                       {"org_id": "$response.body#/org_id"}),
        "personnel_create_position": ("personnel_create_position",
                                      {"org_id": "$response.body#/org_id"})}),
    "personnel_create_position": ("201", {
        "personnel_get_position": ("personnel_get_position",
                                   {"position_id": "$response.body#/position_id"})}),
    "personnel_register_servant": ("201", {
        f"{target}": (target, {"servant_id": "$response.body#/servant_id"})
        for target in ("personnel_get_servant", "personnel_update_servant",
                       "personnel_extend_servant_term")}),
    "personnel_request_rotation": ("201", {
        f"{target}": (target, {"rotation_id": "$response.body#/rotation_id"})
        for target in ("personnel_get_rotation", "personnel_approve_rotation",
                       "personnel_reject_rotation", "personnel_cancel_rotation",
                       "personnel_record_incentive")}),
    "personnel_approve_rotation": ("200", {
        "personnel_start_rotation": ("personnel_start_rotation",
                                     {"rotation_id": "$response.body#/rotation_id"})}),
    "budgets_create_block": ("201", {
        f"{target}": (target, {"block_id": "$response.body#/block_id"})
        for target in ("budgets_get_block", "budgets_allocate_block_line",
                       "budgets_move_block_funds", "budgets_record_block_execution")}),
    "budgets_start_import": ("201", {
        f"{target}": (target, {"import_id": "$response.body#/import_id"})
        for target in ("budgets_import_status", "budgets_import_chunk", "budgets_finish_import")}),
    "hub_create_initiative": ("201", {
        f"{target}": (target, {"initiative_id": "$response.body#/id"})
        for target in ("hub_get_initiative", "hub_change_initiative")}),
    "admin_create_api_key": ("201", {
        "admin_revoke_api_key": ("admin_revoke_api_key", {"key_id": "$response.body#/key_id"})}),
    "hub_import_settlements": ("201", {
        "hub_settlement_import": ("hub_settlement_import",
                                  {"import_id": "$response.body#/import_id"})}),
}


def _max_chunks() -> int:
    """Chunks an import may have under this deployment's byte cap (edge/import_limits.py)."""
    return max(1, -(-load_settings().import_max_bytes // CHUNK_MAX_BYTES))


def exact(document: dict) -> dict:
    """The document with the tables above applied (in place; returned for chaining)."""
    chunks = _max_chunks()
    PATH_PARAMETERS["seq"] = {"type": "integer", "minimum": 0, "maximum": chunks - 1}
    finish = document.get("components", {}).get("schemas", {}).get("ImportFinish", {})
    if "chunks" in finish.get("properties", {}):
        finish["properties"]["chunks"]["maximum"] = chunks
    for path, operations in document["paths"].items():
        for op in operations.values():
            _parameters(path, op)
            _content(op)
            if op["operationId"] in OPTIONAL_BODY and "requestBody" in op:
                op["requestBody"]["required"] = False
            _links(op)
    schemas = document.get("components", {}).get("schemas", {})
    for name, fields_ in ONE_OF_REQUIRED.items():
        if name in schemas:
            schemas[name]["anyOf"] = [{"required": [field]} for field in fields_]
    for name in LENIENT & set(schemas):
        schemas[name]["additionalProperties"] = True
    for name, rule in DEPENDENT.items():
        if name in schemas:
            schemas[name].update(rule)
    request_side = _request_decimals(document)
    openapi_formats.apply(document, request_side)
    _object_lengths(document)
    return document


def code_list_pattern(converter, field, **kwargs) -> dict:
    """apispec attribute function: a ``CodeList`` query value as the pattern of its closed list;
    a date within whole years (``Range(date(2000, 1, 1), date(2100, 12, 31))``) as a pattern
    naming those years (OpenAPI 3.0 has no bounds for dates)."""
    if isinstance(field, CodeList):
        return {"pattern": list_pattern(field.choices)}
    if isinstance(field, Text):  # stripped, then not blank and (mostly) on one line
        return {"pattern": openapi_formats.text_pattern(
            blank=field.blank, single_line=field.single_line, exact=isinstance(field, ExternalRef))}
    if isinstance(field, fields.Date):
        for rule in field.validators:
            low, high = getattr(rule, "min", None), getattr(rule, "max", None)
            if (isinstance(rule, validate.Range) and isinstance(low, date)
                    and isinstance(high, date) and (low.month, low.day) == (1, 1)
                    and (high.month, high.day) == (12, 31)):
                years = "|".join(str(year) for year in range(low.year, high.year + 1))
                return {"pattern": f"^({years})-[0-9]{{2}}-[0-9]{{2}}$"}
    return {}


def _path_schema(path: str, name: str) -> dict | None:
    if name == "year" and path.startswith("/api/v1/budgets/"):
        return {"type": "integer", "minimum": FIRST_FISCAL_YEAR, "maximum": LAST_FISCAL_YEAR}
    if name == "year" and path.startswith(("/api/v1/hub/concept-reports/",
                                           "/api/v1/hub/central-reports/")):  # Concept's years
        return {"type": "integer", "minimum": 2025, "maximum": clock.civil_today().year}
    if name == "year" and path.startswith("/api/v1/hub/settlements/"):  # no future assessment
        return {"type": "integer", "minimum": 2000, "maximum": clock.civil_today().year}
    return PATH_PARAMETERS.get(name)


def _parameters(path: str, op: dict) -> None:
    parameters = op.get("parameters")
    if not parameters:
        return
    in_path = {p["name"] for p in parameters if p["in"] == "path"}
    kept = []
    for parameter in parameters:
        if parameter["in"] == "query" and (parameter["name"] in in_path or parameter["name"]
                                           in IGNORED_QUERY.get(op["operationId"], ())):
            continue  # the route takes the path's value, or pages by itself
        if parameter["in"] == "query" and parameter["name"] in QUERY_PATTERNS:
            parameter["schema"] = {"type": "string", "pattern": QUERY_PATTERNS[parameter["name"]]}
        exact_schema = _path_schema(path, parameter["name"])
        if parameter["in"] == "path" and exact_schema is not None:
            parameter["schema"] = dict(exact_schema)
        kept.append(parameter)
    op["parameters"] = kept


def _content(op: dict) -> None:
    for status, media in CONTENT.get(op["operationId"], {}).items():
        response = op["responses"].setdefault(status, {"description": "OK"})
        content = {} if op["operationId"] in REPLACED_CONTENT else response.get("content", {})
        content.update({kind: {"schema": dict(schema)} for kind, schema in media.items()})
        response["content"] = content


def _links(op: dict) -> None:
    status, links = LINKS.get(op["operationId"], (None, {}))
    if not links:
        return
    response = op["responses"].get(status)
    if response is None or "$ref" in response:
        return
    response["links"] = {name: {"operationId": target, "parameters": dict(parameters)}
                         for name, (target, parameters) in links.items()}


def _refs(node, found: set) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _closure(names: set, schemas: dict) -> set:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name], set()))
    return seen


def _request_decimals(document: dict) -> set[str]:
    """Decimal strings a request carries get the amount pattern (no empty or signed text); a
    schema an answer shares keeps its looser shape (ratios have four places)."""
    schemas = document.get("components", {}).get("schemas", {})
    bodies, parameters, answers = [], [], []
    for operations in document["paths"].values():
        for op in operations.values():
            bodies.append(op.get("requestBody", {}))
            parameters.append(op.get("parameters", []))
            answers.append(op.get("responses", {}))
    answer_side = _closure(_refs(answers, set()), schemas)
    _own_copies(bodies, schemas, answer_side)  # a request may then be stricter than an answer
    request_side = _closure(_refs(bodies, set()), schemas) - answer_side
    _decimals(parameters, in_body=False)
    _decimals(bodies)
    for name in request_side:
        _decimals(schemas[name])
    return request_side


NO_NUL_PATTERN = "^[^\\u0000]*$"  # edge/checks.py refuses U+0000 in a JSON body


def _own_copies(node, schemas: dict, shared: set, seen: set | None = None) -> None:
    """Point request bodies at copies (``<Name>_request``) of the components answers use too."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        ref = node.get("$ref")
        name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
        if name in shared:
            name = f"{name}_request"
            if name not in schemas:
                schemas[name] = copy.deepcopy(schemas[ref.rsplit("/", 1)[-1]])
            node["$ref"] = f"#/components/schemas/{name}"
        if name in schemas and name not in seen:  # a request-only component: its refs too
            seen.add(name)
            _own_copies(schemas[name], schemas, shared, seen)
        for key, value in node.items():
            if key != "$ref":
                _own_copies(value, schemas, shared, seen)
    elif isinstance(node, list):
        for value in node:
            _own_copies(value, schemas, shared, seen)


def _object_lengths(node) -> None:
    """apispec writes ``Length`` on a ``Dict`` as minLength/maxLength; for an object they are
    minProperties/maxProperties. It names a ``fields.Url`` format ``url``: JSON Schema's is ``uri``."""
    if isinstance(node, dict):
        if node.get("format") == "url":
            node["format"] = "uri"
        if node.get("type") == "object":
            for old, new in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
                if old in node:
                    node[new] = node.pop(old)
        for value in node.values():
            _object_lengths(value)
    elif isinstance(node, list):
        for value in node:
            _object_lengths(value)


def _decimals(node, in_body: bool = True) -> None:
    """Request strings: an amount's pattern for decimals, no NUL in free text."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "decimal":
            percent = node.get("minimum") == 0 and node.get("maximum") == 100
            node.setdefault("pattern", PERCENT_PATTERN if percent else DECIMAL_PATTERN)
        elif (in_body and node.get("type") == "string"
              and not ({"pattern", "enum", "format"} & set(node))):
            node["pattern"] = NO_NUL_PATTERN
        for value in node.values():
            _decimals(value, in_body)
    elif isinstance(node, list):
        for value in node:
            _decimals(value, in_body)
