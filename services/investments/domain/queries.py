"""Project list queries (validated and normalised here, turned into a store filter by the
repository) and the pure per-region aggregate.

``normalise_query`` returns::

    {"filters": {...only the filters given...}, "sort": [(field, 1 | -1), ...],
     "page_size": int, "cursor": str | None}

- List filters (``region_code``, ``agglomeration``, ``sector``, ``stage``, ``project_type``) take
  one code, a comma-separated string or a list, and come back as a sorted list of distinct codes. An
  empty value is refused rather than read as "no filter": a caller that computed an empty scope
  must not get every region's projects.
- ``priority``: a boolean (``true``/``false``/``1``/``0`` accepted as text).
- ``min_cost_kzt`` / ``max_cost_kzt``: decimal amounts, min not above max.
- ``text``: free text matched by the repository against title, description, district and investor
  name (it must escape it: the text is not a pattern); blank means no text filter.
- ``sort``: ``field`` or ``-field`` (descending), several separated by commas, from
  ``SORT_FIELDS``; ``id`` is appended as the tie-breaker so cursor paging is stable.
- ``page_size``: default and cap from config; a larger value is capped, not refused.
- ``cursor``: opaque to callers; ``encode_cursor`` / ``decode_cursor`` are the format the repository
  may use (URL-safe base64 of JSON).
"""
import base64
import binascii
import json
import re
from decimal import Decimal

from services.common.errors import ValidationFailed, raise_if_problems, require
from services.common.money import ZERO
from services.common.money import money as quantize_money
from services.common.regions import AGGLOMERATIONS, REGIONS
from services.investments.contract import limits
from services.investments.contract.codes import SORT_FIELDS
from services.investments.domain.reference import PROJECT_TYPES, SECTORS, STAGES
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import parse_money

LIST_FILTERS = {"region_code": REGIONS, "agglomeration": AGGLOMERATIONS, "sector": SECTORS,
                "stage": STAGES, "project_type": PROJECT_TYPES}
DEFAULT_SORT = "-created_at"
QUERY_FIELDS = frozenset(LIST_FILTERS) | {"priority", "min_cost_kzt", "max_cost_kzt", "text",
                                          "sort", "page_size", "cursor"}
_CURSOR_CHARS = re.compile(r"^[A-Za-z0-9_\-=]+$")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def _codes(raw, field: str, problems: dict, choices) -> list | None:
    if isinstance(raw, str):
        values = [part.strip() for part in raw.split(",")]
        values = [v for v in values if v]
    elif isinstance(raw, (list, tuple)) and all(isinstance(v, str) for v in raw):
        values = [v.strip() for v in raw]
    else:
        require(False, field, "must be a code, a comma-separated list or a list of codes", problems)
        return None
    if not values:
        require(False, field, "must name at least one value", problems)
        return None
    unknown = sorted({v for v in values if v not in choices})
    if unknown:
        require(False, field, f"unknown: {', '.join(unknown)}", problems)
        return None
    return sorted(set(values))


def _flag(raw, field: str, problems: dict) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    require(False, field, "must be true or false", problems)
    return None


def _sort(raw, problems: dict) -> list | None:
    if isinstance(raw, str):
        keys = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, (list, tuple)) and all(isinstance(v, str) for v in raw):
        keys = [v.strip() for v in raw]
    else:
        require(False, "sort", "must be field names, '-' prefixed for descending", problems)
        return None
    if not keys:
        require(False, "sort", "must name at least one field", problems)
        return None
    order, seen = [], set()
    for key in keys:
        direction, name = (-1, key[1:]) if key.startswith("-") else (1, key.lstrip("+"))
        if name not in SORT_FIELDS:
            require(False, "sort", f"cannot sort by {name!r}; one of: {', '.join(SORT_FIELDS)}",
                    problems)
            return None
        if name in seen:
            require(False, "sort", f"{name} given twice", problems)
            return None
        seen.add(name)
        order.append((name, direction))
    if "id" not in seen:
        order.append(("id", order[-1][1]))
    return order


def _page_size(raw, problems: dict, config) -> int | None:
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        require(False, "page_size", "must be a whole number of at least 1", problems)
        return None
    return min(raw, config.max_page_size)


def normalise_query(query: dict | None, config=DEFAULT_SETTINGS) -> dict:
    """Validate a project list query; ``ValidationFailed`` names every bad parameter."""
    query = {} if query is None else query
    if not isinstance(query, dict):
        raise ValidationFailed("invalid query", {"_schema": ["must be an object"]})
    problems: dict = {}
    for key in sorted(set(query) - QUERY_FIELDS):
        require(False, key, "unknown query parameter", problems)
    given = {k: v for k, v in query.items() if v is not None and k in QUERY_FIELDS}
    filters: dict = {}
    for key, choices in LIST_FILTERS.items():
        if key in given:
            filters[key] = _codes(given[key], key, problems, choices)
    if "priority" in given:
        filters["priority"] = _flag(given["priority"], "priority", problems)
    for key in ("min_cost_kzt", "max_cost_kzt"):
        if key in given:
            filters[key] = parse_money(given[key], key, problems, config)
    if filters.get("min_cost_kzt") is not None and filters.get("max_cost_kzt") is not None:
        require(filters["min_cost_kzt"] <= filters["max_cost_kzt"], "min_cost_kzt",
                "must not exceed max_cost_kzt", problems)
    if "text" in given:
        if not isinstance(given["text"], str):
            require(False, "text", "must be text", problems)
        elif len(given["text"].strip()) > limits.MAX_TEXT_QUERY_LENGTH:
            require(False, "text", f"at most {limits.MAX_TEXT_QUERY_LENGTH} characters", problems)
        elif given["text"].strip():
            filters["text"] = given["text"].strip()
    sort = _sort(given.get("sort", DEFAULT_SORT), problems)
    page_size = _page_size(given.get("page_size", config.default_page_size), problems, config)
    cursor = given.get("cursor")
    if cursor is not None:
        if not isinstance(cursor, str):
            require(False, "cursor", "must be the opaque cursor of a previous page", problems)
        elif cursor == "":
            cursor = None
        elif len(cursor) > limits.MAX_CURSOR_LENGTH or not _CURSOR_CHARS.match(cursor):
            require(False, "cursor", "malformed cursor", problems)
    raise_if_problems(problems, "invalid query")
    return {"filters": filters, "sort": sort, "page_size": page_size, "cursor": cursor}


def encode_cursor(position: dict) -> str:
    """Opaque cursor for the position after the last item of a page (JSON-serialisable values)."""
    # UTF-8, not \u escapes: a title in Kazakh or Russian then takes 2 bytes a letter, not 6, and
    # a cursor carrying it stays within ``max_cursor_length``.
    text = json.dumps(position, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError):
        raise ValidationFailed("invalid query", {"cursor": ["malformed cursor"]}) from None
    if not isinstance(position, dict):
        raise ValidationFailed("invalid query", {"cursor": ["malformed cursor"]})
    return position


def _bucket() -> dict:
    return {"count": 0, "cost_kzt": ZERO, "jobs_planned": 0, "jobs_created": 0,
            "invested_to_date_kzt": ZERO, "priority_count": 0}


def _add(bucket: dict, project: dict) -> None:
    bucket["count"] += 1
    bucket["cost_kzt"] += quantize_money(Decimal(str(project["cost_kzt"])))
    bucket["jobs_planned"] += project["jobs_planned"]
    bucket["jobs_created"] += project["jobs_created"]
    bucket["invested_to_date_kzt"] += quantize_money(
        Decimal(str(project.get("invested_to_date_kzt") or 0)))
    bucket["priority_count"] += 1 if project.get("priority") else 0


def region_summary(projects) -> dict:
    """Counts, cost (KZT, Decimal), jobs and investment in total, by stage and by sector.

    Every stage and sector is present (zero when no project has it) so the shape is stable;
    cancelled projects are counted in their own stage and in the total.
    """
    summary = {"total": _bucket(), "by_stage": {s: _bucket() for s in STAGES},
               "by_sector": {s: _bucket() for s in SECTORS}}
    for project in projects:
        _add(summary["total"], project)
        _add(summary["by_stage"][project["stage"]], project)
        _add(summary["by_sector"][project["sector"]], project)
    return summary
