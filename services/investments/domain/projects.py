"""Registration and update of investment projects, and the checks every command shares.

A project is a plain dict, the document as stored: money ``Decimal`` (0.01 KZT), dates
``datetime.date``, instants aware UTC ``datetime``. Input may carry money as decimal strings and
dates as ISO strings (what ``schemas`` loads or what a JSON client sends); it is normalised here.
"""
import copy
import re
from datetime import datetime

from services.common.errors import RuleViolation, StaleVersion, ValidationFailed, raise_if_problems, require
from services.common.money import ZERO
from services.common.money import money as quantize_money
from services.common.regions import AGGLOMERATIONS, REGIONS, agglomeration_in_region
from services.common.srs import KATO_PATTERN, SRS_STANDARDS, kato_region
from services.investments.contract import limits
from services.investments.contract.identifiers import is_valid_bin
from services.investments.domain import facts
from services.investments.domain.priority import assess_priority, mci_year_for
from services.investments.domain.reference import (
    CLOSED_STAGES,
    COMMISSIONED,
    COUNTRY_CODES,
    CURRENCIES,
    FINANCING_SOURCES,
    PROJECT_TYPES,
    SECTORS,
)
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import (
    check_now,
    local_today,
    parse_choice,
    parse_count,
    parse_date,
    parse_money,
    parse_rate,
    parse_text,
    parse_version,
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


def cost_in_kzt(total_cost: dict):
    if total_cost["currency"] == "KZT":
        return total_cost["amount"]
    return quantize_money(total_cost["amount"] * total_cost["exchange_rate"])


def check_consistency(doc: dict, problems: dict, config, *, today=None) -> None:
    """Cross-field rules over a complete (merged) project; each reason names the field to fix."""
    region, agglomeration = doc.get("region_code"), doc.get("agglomeration")
    if region and agglomeration and not agglomeration_in_region(agglomeration, region):
        require(False, "agglomeration", f"not part of region {region}", problems)
    for i, gap in enumerate(doc.get("srs_gaps") or []):
        if region and kato_region(gap["kato"]) != region:
            require(False, f"srs_gaps.{i}.kato", f"not a settlement of region {region}",
                    problems)
    for start, end in (("planned_start", "planned_commissioning"),
                       ("actual_start", "actual_commissioning")):
        if doc.get(start) and doc.get(end) and doc[end] < doc[start]:
            require(False, end, f"must not be before {start}", problems)
    if today is not None:
        for key in ("actual_start", "actual_commissioning"):
            if doc.get(key) and doc[key] > today:
                require(False, key, "must not be in the future", problems)
    cost = doc.get("total_cost")
    if cost:
        cost_kzt = cost_in_kzt(cost)
        require(cost_kzt <= config.max_amount_kzt, "total_cost.amount",
                f"amount in KZT must not exceed {config.max_amount_kzt}", problems)
        sources = doc.get("financing_sources") or []
        financed = sum((s["amount_kzt"] for s in sources), ZERO)
        require(financed <= cost_kzt, "financing_sources",
                f"total {financed} exceeds the project cost {cost_kzt} KZT", problems)


# ---- shared by every command ---------------------------------------------------------------------

def check_actor(by) -> str:
    if not isinstance(by, str) or not by:
        raise TypeError("by must be the acting user's id")
    return by


def read_expected_version(command: dict, problems: dict) -> int | None:
    if "expected_version" not in command:
        require(False, "expected_version", "required", problems)
        return None
    return parse_version(command["expected_version"], "expected_version", problems)


def check_version(project: dict, expected: int) -> None:
    if project["version"] != expected:
        raise StaleVersion("the project was changed by someone else; reload it and retry",
                           {"expected": expected, "actual": project["version"]})


def check_not_closed(project: dict, action: str) -> None:
    if project["stage"] in CLOSED_STAGES:
        raise RuleViolation(f"a {project['stage']} project accepts no {action}",
                            {"rule": "project_closed", "stage": project["stage"]})


def touched(project: dict, now: datetime, by: str) -> dict:
    """A deep copy with the version bumped and the update stamp set: every command's result."""
    new = copy.deepcopy(project)
    new["version"] = project["version"] + 1
    new["updated_at"] = now
    new["updated_by"] = by
    return new


def reprice(project: dict, config) -> None:
    """Recompute ``cost_kzt`` and the priority flag from the cost, type, sector and dates."""
    project["cost_kzt"] = cost_in_kzt(project["total_cost"])
    registered_on = local_today(project["created_at"], config)
    assessment = assess_priority(project["project_type"], project["sector"], project["cost_kzt"],
                                 mci_year_for(project["planned_start"], registered_on), config)
    project["priority"] = assessment.priority
    project["priority_basis"] = assessment.as_document()


# ---- commands ------------------------------------------------------------------------------------

def register_project(command: dict, *, project_id: str, now: datetime, by: str,
                     config=DEFAULT_SETTINGS) -> tuple[dict, list]:
    """A new project at stage ``proposed``, version 1, and its ``project_registered`` fact."""
    now, by = check_now(now), check_actor(by)
    if not isinstance(project_id, str) or not project_id:
        raise TypeError("project_id must be a non-empty string")
    if not isinstance(command, dict):
        raise ValidationFailed("invalid project", {"_schema": ["must be an object"]})
    problems: dict = {}
    for key in CREATE_REQUIRED:
        require(key in command, key, "required", problems)
    parsed = parse_fields(command, CREATE_FIELDS, problems, config)
    doc = {**copy.deepcopy(CREATE_DEFAULTS), **parsed}
    if not problems:
        check_consistency(doc, problems, config)
    raise_if_problems(problems, "invalid project")
    project = {
        "id": project_id, **doc,
        "jobs_created": 0, "invested_to_date_kzt": ZERO,
        "actual_start": None, "actual_commissioning": None,
        "stage": "proposed", "stage_entered_at": now, "suspended_from": None,
        "cancellation_reason": None,
        "stage_history": [{"from": None, "to": "proposed", "at": now, "by": by, "reason": None}],
        "progress_reports": [], "last_report_date": None,
        "created_at": now, "created_by": by, "updated_at": now, "updated_by": by,
        "version": 1,
    }
    reprice(project, config)
    return project, [facts.registered(project)]


def update_project(project: dict, command: dict, *, now: datetime, by: str,
                   config=DEFAULT_SETTINGS) -> tuple[dict, list]:
    """Partial update of the descriptive fields (``UPDATABLE_FIELDS``); emits ``project_updated``.

    ``actual_commissioning`` can only be corrected on a commissioned project and never cleared
    there: it is set by the move to ``commissioned``.
    """
    now, by = check_now(now), check_actor(by)
    if not isinstance(command, dict):
        raise ValidationFailed("invalid update", {"_schema": ["must be an object"]})
    problems: dict = {}
    expected = read_expected_version(command, problems)
    changes = {k: v for k, v in command.items() if k != "expected_version"}
    require(bool(changes), "_schema", "no fields to update", problems)
    parsed = parse_fields(changes, UPDATABLE_FIELDS, problems, config)
    raise_if_problems(problems, "invalid update")
    check_version(project, expected)
    check_not_closed(project, "updates")
    if "actual_commissioning" in parsed:
        if project["stage"] != COMMISSIONED:
            require(False, "actual_commissioning",
                    "set by the move to commissioned; correctable only on a commissioned project",
                    problems)
        elif parsed["actual_commissioning"] is None:
            require(False, "actual_commissioning", "cannot be cleared on a commissioned project",
                    problems)
    check_consistency({**project, **parsed}, problems, config, today=local_today(now, config))
    raise_if_problems(problems, "invalid update")
    new = touched(project, now, by)
    new.update(copy.deepcopy(parsed))
    reprice(new, config)
    changed = [key for key, value in parsed.items() if value != project.get(key)]
    return new, [facts.updated(new, changed)]
