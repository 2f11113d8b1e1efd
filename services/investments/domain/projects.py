"""Registration and update of investment projects, and the checks every command shares.

A project is a plain dict, the document as stored: money ``Decimal`` (0.01 KZT), dates
``datetime.date``, instants aware UTC ``datetime``. Input may carry money as decimal strings and
dates as ISO strings (what a direct caller sends) or loaded by the contract schemas (what the
service sends); ``project_fields`` reads it into the stored form.
"""
import copy
from datetime import datetime

from services.common.errors import RuleViolation, StaleVersion, ValidationFailed, raise_if_problems, require
from services.common.money import ZERO
from services.common.money import money as quantize_money
from services.common.regions import agglomeration_in_region
from services.common.srs import kato_region
from services.investments.domain import facts
from services.investments.domain.priority import assess_priority, mci_year_for
from services.investments.domain.project_fields import (  # noqa: F401  (re-exported)
    CREATE_DEFAULTS,
    CREATE_FIELDS,
    CREATE_REQUIRED,
    NULLABLE_FIELDS,
    UPDATABLE_FIELDS,
    parse_fields,
)
from services.investments.domain.reference import (
    CLOSED_STAGES,
    COMMISSIONED,
)
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import (
    check_now,
    local_today,
    parse_version,
)


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
