"""Formats, code lists and cross-field shapes the OpenAPI document states beyond the route schemas.

``openapi_exact`` makes the document exact where a table of patterns does; this module adds what
takes a closer look at the body components:

- identification numbers carry a named format (``kz-bin``, ``kz-iin``: twelve digits, the last a
  check digit, an IIN's first seven its birth date and sex) besides their twelve-digit pattern; a
  client (or a fuzzer) that knows the format makes valid ones, as the platform's tests do;
- an amount that must be above zero says so in its pattern (apispec writes a Range's minimum as
  ``x-minimum`` and drops ``min_inclusive=False``; every such amount here is "above zero");
- a project's cost names its exchange rate when, and only when, it is in USD;
- an action-plan indicator's targets are keyed by year (``properties`` per year, none other).

What no OpenAPI 3.0 construct can say (the sum of financing within the cost, dates in order, an
EBK code in its year's classification, what a file holds) is a documented 422 naming the field:
the routes list those rules (``rules=`` on ``api``, edge/http.py).
"""
from __future__ import annotations

# digits with at least one above zero; at most 15 before the point and 2 after (money.py)
POSITIVE_DECIMAL_PATTERN = r"^(?=[0-9.]*[1-9])[0-9]{1,15}(\.[0-9]{1,2})?$"
ID_NUMBER_PATTERN = "^[0-9]{12}$"
IIN_FORMAT = "kz-iin"
BIN_FORMAT = "kz-bin"
TARGET_YEARS = range(2000, 2100)  # hub/action_plan.py: target keys are "20dd"


# what Python's str.strip() removes (the services strip free text before checking it)
STRIPPED = ("\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
            "\\u2028\\u2029\\u202f\\u205f\\u3000")
_KEPT = f"[^{STRIPPED}\\u0000]"  # a character strip() keeps (never U+0000: edge/checks.py)
_LINE = "[^\\u0000\\r\\n\\t]"  # a character of a single line


def text_pattern(*, blank: bool, single_line: bool, exact: bool = False) -> str:
    """The pattern of free text as investments' ``Text`` reads it: stripped, then not blank
    (unless ``blank``), on one line (``single_line``), with no surrounding whitespace at all
    (``exact``, an external reference kept as given)."""
    inner = _LINE if single_line else "[^\\u0000]"
    core = f"{_KEPT}({inner}*{_KEPT})?"
    if blank:
        core = f"({core})?"
    if exact:  # (?!\n): Python's $ also matches before a final line break, ECMA's does not
        return f"^{core}(?!\\n)$"
    return f"^[{STRIPPED}]*{core}[{STRIPPED}]*$"


def _named(schemas: dict, base: str):
    """The component and its request copy (``<Name>_request``) when there is one."""
    return [schemas[name] for name in (base, f"{base}_request") if name in schemas]


def _positive_amounts(node) -> None:
    if isinstance(node, dict):
        if node.get("format") == "decimal" and node.get("x-minimum") in ("0", "0.00"):
            node["pattern"] = POSITIVE_DECIMAL_PATTERN
        for value in node.values():
            _positive_amounts(value)
    elif isinstance(node, list):
        for value in node:
            _positive_amounts(value)


def apply(document: dict, request_side: set[str]) -> None:
    """Apply the rules above to the request-side components (names in ``request_side``)."""
    schemas = document.get("components", {}).get("schemas", {})
    for name in request_side:
        if name in schemas:
            _positive_amounts(schemas[name])
    for schema in _named(schemas, "CivilServantCreate"):
        iin = schema.get("properties", {}).get("iin")
        if iin is not None:
            iin.update(pattern=ID_NUMBER_PATTERN, format=IIN_FORMAT,
                       description="IIN: 12 digits; the first six the birth date (YYMMDD), the "
                                   "seventh century and sex, the last a check digit")
    for schema in _named(schemas, "InvestorIn"):
        number = schema.get("properties", {}).get("bin")
        if number is not None:
            number["format"] = BIN_FORMAT
    for schema in _named(schemas, "TotalCostIn"):
        schema["oneOf"] = [
            {"properties": {"currency": {"enum": ["USD"]}, "exchange_rate": {"type": "string"}},
             "required": ["exchange_rate"]},
            {"properties": {"currency": {"enum": ["KZT"]}, "exchange_rate": {"enum": [None]}}}]
    for schema in _named(schemas, "RevenueLine"):  # budgets: a district budget names its district
        schema["oneOf"] = [  # (budgets/domain/lines.py: blank text is no district)
            {"properties": {"budget_level": {"enum": ["district", "rural_district"]},
                            "district": {"type": "string", "pattern": text_pattern(
                                blank=False, single_line=False)}}, "required": ["district"]},
            {"properties": {"budget_level": {"enum": ["oblast", "city_republican"]},
                            "district": {"anyOf": [{"enum": [None]}, {
                                "type": "string", "pattern": f"^[{STRIPPED}]*$"}]}}}]
    for schema in _named(schemas, "ProjectUpdate"):  # a change that changes nothing is a 400
        changed = sorted(set(schema.get("properties", {})) - {"expected_version"})
        schema["anyOf"] = [{"required": [name]} for name in changed]
    for name in ("BlockExecutionBody", "BlockMoveBody"):  # budgets: an amount moved is above 0
        for schema in _named(schemas, name):
            amount = schema.get("properties", {}).get("amount_kzt")
            if amount is not None:
                amount["pattern"] = POSITIVE_DECIMAL_PATTERN
    for schema in _named(schemas, "Incentive_request"):  # personnel: "other" is described
        schema["oneOf"] = [
            {"properties": {"kind": {"enum": ["other"]}, "description": {
                "type": "string", "pattern": text_pattern(blank=False, single_line=False)}},
             "required": ["description"]},
            {"properties": {"kind": {"enum": ["housing_compensation", "relocation_allowance"]}}}]
    for schema in _named(schemas, "IndicatorIn"):
        targets = schema.get("properties", {}).get("targets")
        if targets is not None:
            value = targets.get("additionalProperties") or {"type": "number"}
            targets["properties"] = {str(year): dict(value) for year in TARGET_YEARS}
            targets["additionalProperties"] = False
