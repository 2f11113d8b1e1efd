"""The fields of a project a client supplies, read one by one into their stored form.

Each reader names the dotted path of every bad value (``investor.bin``,
``financing_sources.0.amount_kzt``) and leaves the value out, so a command reports every bad field
at once. The service hands the commands input already loaded by the contract schemas, which check
the same shapes; these readers keep direct callers (the demo seed, benchmarks, tests) to them.
"""
import re

from services.common.errors import require
from services.common.money import ZERO
from services.common.regions import AGGLOMERATIONS, REGIONS
from services.common.srs import KATO_PATTERN, SRS_STANDARDS
from services.investments.contract import limits
from services.investments.contract.identifiers import is_valid_bin
from services.investments.domain.reference import (
    COUNTRY_CODES,
    CURRENCIES,
    FINANCING_SOURCES,
    PROJECT_TYPES,
    SECTORS,
)
from services.investments.domain.values import (
    parse_choice,
    parse_count,
    parse_date,
    parse_money,
    parse_rate,
    parse_text,
)

# Fields a client supplies. ``jobs_created`` and ``invested_to_date_kzt`` follow progress reports;
# actual dates come with stage changes (and may be corrected by an update); ``region_code`` and
# ``external_ref`` identify the project and its owner region, so they never change.
CREATE_REQUIRED = ("external_ref", "title", "region_code", "sector", "project_type", "investor",
                   "total_cost", "jobs_planned")
CREATE_DEFAULTS = {"description": "", "district": "", "agglomeration": None,
                   "financing_sources": [], "planned_start": None, "planned_commissioning": None,
                   "expected_annual_local_revenue_kzt": ZERO, "srs_gaps": []}
CREATE_FIELDS = frozenset(CREATE_REQUIRED) | frozenset(CREATE_DEFAULTS)
UPDATABLE_FIELDS = (CREATE_FIELDS - {"external_ref", "region_code"}) | {"actual_start",
                                                                       "actual_commissioning"}
NULLABLE_FIELDS = frozenset({"agglomeration", "planned_start", "planned_commissioning",
                             "actual_start", "actual_commissioning"})


# ---- single fields -------------------------------------------------------------------------------

def _parse_investor(raw, problems: dict, config) -> dict | None:
    if not isinstance(raw, dict):
        require(False, "investor", "must be an object with name, country and bin", problems)
        return None
    before = len(problems)
    for key in sorted(set(raw) - {"name", "country", "bin"}):
        require(False, f"investor.{key}", "unknown field", problems)
    for key in ("name", "country", "bin"):
        require(key in raw, f"investor.{key}", "required", problems)
    name = country = bin_ = None
    if "name" in raw:
        name = parse_text(raw["name"], "investor.name", problems,
                          max_length=limits.MAX_INVESTOR_NAME_LENGTH, single_line=True)
    if "country" in raw:
        country = raw["country"]
        require(isinstance(country, str) and country in COUNTRY_CODES, "investor.country",
                "must be an ISO 3166-1 alpha-2 code in capitals, e.g. KZ", problems)
    if "bin" in raw:
        bin_ = raw["bin"]
        if not is_valid_bin(bin_, verify_check_digit=False):
            require(False, "investor.bin", "must be 12 digits", problems)
        elif not is_valid_bin(bin_, verify_check_digit=config.verify_bin_check_digit):
            require(False, "investor.bin", "check digit does not match", problems)
    if len(problems) != before:
        return None
    return {"name": name, "country": country, "bin": bin_}


def _parse_total_cost(raw, problems: dict, config) -> dict | None:
    if not isinstance(raw, dict):
        require(False, "total_cost", "must be an object with amount and currency", problems)
        return None
    before = len(problems)
    for key in sorted(set(raw) - {"amount", "currency", "exchange_rate"}):
        require(False, f"total_cost.{key}", "unknown field", problems)
    require("amount" in raw, "total_cost.amount", "required", problems)
    require("currency" in raw, "total_cost.currency", "required", problems)
    amount = currency = rate = None
    if "amount" in raw:
        amount = parse_money(raw["amount"], "total_cost.amount", problems, config, positive=True)
    if "currency" in raw:
        currency = parse_choice(raw["currency"], "total_cost.currency", problems, CURRENCIES)
    raw_rate = raw.get("exchange_rate")
    if currency == "USD":
        if raw_rate is None:
            require(False, "total_cost.exchange_rate", "required when currency is USD", problems)
        else:
            rate = parse_rate(raw_rate, "total_cost.exchange_rate", problems, config)
    elif currency == "KZT" and raw_rate is not None:
        require(False, "total_cost.exchange_rate", "only for amounts in USD", problems)
    if len(problems) != before:
        return None
    return {"amount": amount, "currency": currency, "exchange_rate": rate}


def _parse_financing(raw, problems: dict, config) -> list | None:
    if not isinstance(raw, list):
        require(False, "financing_sources", "must be a list", problems)
        return None
    if len(raw) > limits.MAX_FINANCING_SOURCES:
        require(False, "financing_sources",
                f"at most {limits.MAX_FINANCING_SOURCES} sources", problems)
        return None
    before = len(problems)
    sources = []
    for i, item in enumerate(raw):
        path = f"financing_sources.{i}"
        if not isinstance(item, dict):
            require(False, path, "must be an object with source and amount_kzt", problems)
            continue
        for key in sorted(set(item) - {"source", "amount_kzt"}):
            require(False, f"{path}.{key}", "unknown field", problems)
        require("source" in item, f"{path}.source", "required", problems)
        require("amount_kzt" in item, f"{path}.amount_kzt", "required", problems)
        source = parse_choice(item["source"], f"{path}.source", problems,
                              FINANCING_SOURCES) if "source" in item else None
        amount = parse_money(item["amount_kzt"], f"{path}.amount_kzt", problems, config,
                             positive=True) if "amount_kzt" in item else None
        sources.append({"source": source, "amount_kzt": amount})
    return None if len(problems) != before else sources


_KATO = re.compile(KATO_PATTERN)


def _parse_srs_gaps(raw, problems: dict) -> list | None:
    """The settlements (KATO codes) and the SRS standard whose gap the project closes."""
    if not isinstance(raw, list) or len(raw) > limits.MAX_SRS_GAPS:
        require(False, "srs_gaps", f"must be a list of at most {limits.MAX_SRS_GAPS} "
                "{kato, standard} objects", problems)
        return None
    before, gaps = len(problems), []
    for i, item in enumerate(raw):
        path = f"srs_gaps.{i}"
        if not isinstance(item, dict) or set(item) != {"kato", "standard"}:
            require(False, path, "must be an object with kato and standard", problems)
            continue
        require(isinstance(item["kato"], str) and bool(_KATO.match(item["kato"])),
                f"{path}.kato", "must be a 9-digit KATO code", problems)
        require(item["standard"] in SRS_STANDARDS, f"{path}.standard",
                f"one of {', '.join(SRS_STANDARDS)}", problems)
        gap = {"kato": item["kato"], "standard": item["standard"]}
        require(gap not in gaps, path, "named twice", problems)
        gaps.append(gap)
    return None if len(problems) != before else gaps


def _parse_field(key: str, raw, problems: dict, config):
    if raw is None and key in NULLABLE_FIELDS:
        return None
    if key == "external_ref":
        value = parse_text(raw, key, problems, max_length=limits.MAX_EXTERNAL_REF_LENGTH,
                           single_line=True)
        if value is not None and value != raw:
            require(False, key, "must not start or end with whitespace", problems)
            return None
        return value
    if key == "title":
        return parse_text(raw, key, problems, max_length=limits.MAX_TITLE_LENGTH,
                          single_line=True)
    if key == "description":
        return parse_text(raw, key, problems, max_length=limits.MAX_DESCRIPTION_LENGTH,
                          required=False)
    if key == "district":
        return parse_text(raw, key, problems, max_length=limits.MAX_DISTRICT_LENGTH,
                          required=False, single_line=True)
    if key == "region_code":
        return parse_choice(raw, key, problems, REGIONS)
    if key == "agglomeration":
        return parse_choice(raw, key, problems, AGGLOMERATIONS)
    if key == "sector":
        return parse_choice(raw, key, problems, SECTORS)
    if key == "project_type":
        return parse_choice(raw, key, problems, PROJECT_TYPES)
    if key == "investor":
        return _parse_investor(raw, problems, config)
    if key == "srs_gaps":
        return _parse_srs_gaps(raw, problems)
    if key == "total_cost":
        return _parse_total_cost(raw, problems, config)
    if key == "financing_sources":
        return _parse_financing(raw, problems, config)
    if key == "jobs_planned":
        return parse_count(raw, key, problems, config)
    if key == "expected_annual_local_revenue_kzt":
        return parse_money(raw, key, problems, config)
    if key in ("planned_start", "planned_commissioning", "actual_start", "actual_commissioning"):
        return parse_date(raw, key, problems, config)
    raise KeyError(key)


def parse_fields(raw: dict, allowed, problems: dict, config) -> dict:
    """Normalise every known key of ``raw``; unknown keys are reported, refused values left out."""
    parsed = {}
    for key in sorted(raw):
        if key not in allowed:
            require(False, key, "unknown field", problems)
            continue
        before = len(problems)
        value = _parse_field(key, raw[key], problems, config)
        if len(problems) == before:
            parsed[key] = value
    return parsed
