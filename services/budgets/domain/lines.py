"""Rules for local budget revenue lines and inter-budget transfers (pure: no I/O, no clock).

A *revenue line* is one amount booked by one budget for one revenue code, period and phase::

    {region_code, budget_level, district, fiscal_year, period, ebk_code, ebk_category, phase,
     amount_kzt}

* ``budget_level``: ``oblast`` (regional budget), ``city_republican`` (Astana, Almaty, Shymkent),
  ``district`` (district or city of regional significance) or ``rural_district`` (the fourth level:
  village, settlement, rural okrug). ``district`` names the budget for the last two levels and is
  None for the first two.
* ``period``: see :mod:`services.budgets.domain.periods` (``M01``..``M12``, ``Q1``..``Q4``, ``Y``).
* ``ebk_code``: a six-digit revenue code known to the classification edition of the line's fiscal
  year (:mod:`services.budgets.domain.ebk`): a FY2026 line books transfers under category 5, and
  a FY2026 line coded the FY2025 way is refused naming ``ebk_code`` and the code to use.
* ``phase``: ``planned`` (draft), ``approved`` (adopted by the maslikhat, including amendments) or
  ``executed`` (cash received).

The natural key (:func:`natural_key`) identifies a line; importing a line with a known key replaces
its amount, so a re-sent file changes nothing.

The stored document is what this module returns; the service layer maps Decimal amounts to its
storage form.
"""
from datetime import datetime

from services.budgets.contract.vocabulary import BUDGET_LEVELS, PHASES
from services.budgets.domain.ebk import EbkClassification, EbkEditions, category_of, default_editions
from services.budgets.domain.periods import period_problems
from services.budgets.domain.settings import DEFAULT_SETTINGS, LineSettings
from services.common.errors import raise_if_problems, require
from services.common.money import AmountError, money_str, parse_amount
from services.common.regions import REGIONS

LEVELS_WITH_DISTRICT = frozenset({"district", "rural_district"})

LINE_FIELDS = ("region_code", "budget_level", "district", "fiscal_year", "period", "ebk_code",
               "phase", "amount_kzt")


DEFAULT_LINE_SETTINGS = DEFAULT_SETTINGS.lines


def _fiscal_year(raw, rules: LineSettings, problems: dict, field_name: str = "fiscal_year"):
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        require(False, field_name, "must be a whole year such as 2025", problems)
        return None
    require(rules.min_fiscal_year <= raw <= rules.max_fiscal_year, field_name,
            f"must be between {rules.min_fiscal_year} and {rules.max_fiscal_year}", problems)
    return raw


def _region(raw, problems: dict):
    require(isinstance(raw, str) and raw in REGIONS, "region_code",
            "unknown region: use an ISO 3166-2:KZ code such as KZ-61", problems)
    return raw if isinstance(raw, str) and raw in REGIONS else None


def _amount(raw, field_name: str, problems: dict):
    try:
        return parse_amount(raw)
    except AmountError as exc:
        require(False, field_name, str(exc), problems)
        return None


def _normalise_district(raw) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw  # reported as a problem by the caller
    text = " ".join(raw.split())
    return text or None


def _code_problems(raw_code, fiscal_year, classification) -> list[str]:
    if not isinstance(classification, EbkEditions):
        return classification.problems(raw_code)
    try:
        return classification.problems(raw_code, fiscal_year)
    except (TypeError, ValueError):  # no usable year (reported under fiscal_year)
        found = [edition.problems(raw_code) for edition in classification.editions]
        return [] if any(not f for f in found) else found[-1]  # unknown to every edition


def check_revenue_line(raw: dict, rules: LineSettings = DEFAULT_LINE_SETTINGS,
                       classification: EbkClassification | EbkEditions | None = None
                       ) -> tuple[dict | None, dict]:
    """Validate one raw line; returns ``(line_document, {})`` or ``(None, {field: [reasons]})``.

    Every bad field is reported at once. Strings from files are accepted for ``fiscal_year``;
    ``amount_kzt`` must be a decimal string, an int or a Decimal (never a float). The code is
    checked against the edition of ``fiscal_year`` (``classification`` may be one edition, used
    for every year, or all of them; default: the shipped editions).
    """
    classification = classification or default_editions()
    problems: dict = {}
    if not isinstance(raw, dict):
        return None, {"_line": ["must be an object"]}
    region_code = _region(raw.get("region_code"), problems)

    level = raw.get("budget_level")
    require(level in BUDGET_LEVELS, "budget_level", f"must be one of {', '.join(BUDGET_LEVELS)}",
            problems)
    if region_code and level in BUDGET_LEVELS:
        allowed = rules.levels_by_region_kind.get(REGIONS[region_code].kind, ())
        require(level in allowed, "budget_level",
                f"{REGIONS[region_code].name} has no {level} budget (allowed: {', '.join(allowed)})",
                problems)

    district = _normalise_district(raw.get("district"))
    if district is not None and not isinstance(district, str):
        require(False, "district", "must be text", problems)
    elif level in LEVELS_WITH_DISTRICT:
        require(district is not None, "district", f"required for the {level} level", problems)
        require(district is None or len(district) <= rules.max_district_length, "district",
                f"at most {rules.max_district_length} characters", problems)
    elif level in BUDGET_LEVELS:
        require(district is None, "district", "only district and rural_district budgets name one",
                problems)

    fiscal_year = _fiscal_year(raw.get("fiscal_year"), rules, problems)
    for reason in period_problems(raw.get("period")):
        require(False, "period", reason, problems)
    for reason in _code_problems(raw.get("ebk_code"), fiscal_year, classification):
        require(False, "ebk_code", reason, problems)
    require(raw.get("phase") in PHASES, "phase", f"must be one of {', '.join(PHASES)}", problems)
    amount = _amount(raw.get("amount_kzt"), "amount_kzt", problems)

    if problems:
        return None, problems
    return {
        "region_code": region_code,
        "budget_level": level,
        "district": district,
        "fiscal_year": fiscal_year,
        "period": raw["period"],
        "ebk_code": raw["ebk_code"],
        "ebk_category": category_of(raw["ebk_code"]),
        "phase": raw["phase"],
        "amount_kzt": amount,
    }, {}


def validate_revenue_line(raw: dict, rules: LineSettings = DEFAULT_LINE_SETTINGS,
                          classification: EbkClassification | EbkEditions | None = None) -> dict:
    """The line document, or ``ValidationFailed`` naming every bad field."""
    line, problems = check_revenue_line(raw, rules, classification)
    raise_if_problems(problems, "invalid revenue line")
    return line


def natural_key(line: dict) -> tuple:
    """(region_code, budget_level, district, fiscal_year, period, ebk_code, phase).

    ``district`` is ``""`` for the oblast and city levels so the key has no None in it.
    """
    return (line["region_code"], line["budget_level"], line.get("district") or "",
            int(line["fiscal_year"]), line["period"], line["ebk_code"], line["phase"])


def natural_key_id(line: dict) -> str:
    """The natural key as one string, usable as a document ``_id`` (``|`` never occurs in parts)."""
    return "|".join(str(part) for part in natural_key(line))


def line_changed(stored: dict | None, incoming: dict) -> bool:
    """Whether upserting ``incoming`` over ``stored`` (same natural key) changes anything."""
    return stored is None or stored["amount_kzt"] != incoming["amount_kzt"]


def line_as_output(line: dict) -> dict:
    """A line with its amount as a decimal string (API output, OFDP rows)."""
    out = {name: line.get(name) for name in LINE_FIELDS}
    out["ebk_category"] = line.get("ebk_category", category_of(line["ebk_code"]))
    out["amount_kzt"] = money_str(line["amount_kzt"])
    return out


# ---------------------------------------------------------------------------------------------
# Transfers between the republican budget and a region (fixed by the three-year budget law)

def check_transfers(raw: dict, rules: LineSettings = DEFAULT_LINE_SETTINGS
                    ) -> tuple[dict | None, dict]:
    """Validate ``{region_code, fiscal_year, subventions_kzt, withdrawals_kzt, earmarked_kzt}``.

    Subventions and earmarked transfers are received by the region; withdrawals are paid by it to
    the republican budget. Missing amounts count as zero; at least one key field must be present.
    """
    problems: dict = {}
    if not isinstance(raw, dict):
        return None, {"_transfers": ["must be an object"]}
    region_code = _region(raw.get("region_code"), problems)
    fiscal_year = _fiscal_year(raw.get("fiscal_year"), rules, problems)
    amounts = {}
    for name in ("subventions_kzt", "withdrawals_kzt", "earmarked_kzt"):
        amounts[name] = _amount(raw.get(name, "0"), name, problems)
    if problems:
        return None, problems
    return {"region_code": region_code, "fiscal_year": fiscal_year, **amounts}, {}


def validate_transfers(raw: dict, rules: LineSettings = DEFAULT_LINE_SETTINGS) -> dict:
    record, problems = check_transfers(raw, rules)
    raise_if_problems(problems, "invalid transfers")
    return record


def transfers_key(record: dict) -> tuple[str, int]:
    return record["region_code"], int(record["fiscal_year"])


def transfers_as_output(record: dict) -> dict:
    return {
        "region_code": record["region_code"],
        "fiscal_year": record["fiscal_year"],
        "subventions_kzt": money_str(record["subventions_kzt"]),
        "withdrawals_kzt": money_str(record["withdrawals_kzt"]),
        "earmarked_kzt": money_str(record["earmarked_kzt"]),
    }


# ---------------------------------------------------------------------------------------------
# Batch import summary

def revenue_batch_imported_fact(*, batch_id: str, source_format: str, rows_read: int,
                                lines_inserted: int, lines_updated: int, lines_unchanged: int,
                                rows_rejected: int, region_codes, fiscal_years,
                                imported_at: datetime) -> tuple[str, dict]:
    """The ``revenue_batch_imported`` fact for a finished import (the service counts, we shape)."""
    if source_format not in ("api", "csv", "ofdp"):
        raise ValueError(f"unknown source format {source_format!r}")
    return ("revenue_batch_imported", {
        "batch_id": batch_id,
        "source_format": source_format,
        "rows_read": rows_read,
        "lines_inserted": lines_inserted,
        "lines_updated": lines_updated,
        "lines_unchanged": lines_unchanged,
        "rows_rejected": rows_rejected,
        "region_codes": sorted(set(region_codes)),
        "fiscal_years": sorted(set(int(y) for y in fiscal_years)),
        "imported_at": imported_at.isoformat(),
    })


__all__ = [
    "BUDGET_LEVELS", "LEVELS_WITH_DISTRICT", "PHASES", "LINE_FIELDS", "LineSettings",
    "DEFAULT_LINE_SETTINGS", "check_revenue_line", "validate_revenue_line", "natural_key",
    "natural_key_id", "line_changed", "line_as_output", "check_transfers", "validate_transfers",
    "transfers_key", "transfers_as_output", "revenue_batch_imported_fact",
]
