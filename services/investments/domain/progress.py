"""Progress reports: cumulative investment and jobs to a report date, with milestone dates.

- Reports are cumulative and append to ``progress_reports``; the project's ``invested_to_date_kzt``
  and ``jobs_created`` follow the latest report.
- A figure below the project's current one is a correction: it needs a ``correction_reason``,
  otherwise ``RuleViolation`` rule ``cumulative_decrease``.
- Report dates never go back: a report dated before the latest one raises ``RuleViolation`` rule
  ``report_date_order``; the report date and milestone dates are not in the future, and milestones
  are not after the report date (``ValidationFailed``).
- Reports are accepted at every stage but the final ones (evaluated, cancelled): jobs keep being
  created after commissioning, and a suspended project still reports that nothing moves.
"""
from datetime import datetime

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.common.money import money_str
from services.investments.contract import limits
from services.investments.domain import facts
from services.investments.domain.projects import (
    check_actor,
    check_not_closed,
    check_version,
    read_expected_version,
    touched,
)
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import (
    check_now,
    iso,
    local_today,
    parse_count,
    parse_date,
    parse_money,
    parse_text,
)

REPORT_REQUIRED = ("report_date", "invested_to_date_kzt", "jobs_created_to_date")
REPORT_FIELDS = frozenset(REPORT_REQUIRED) | {"expected_version", "milestones", "note",
                                              "correction_reason"}


def _read_milestones(raw, problems: dict, config) -> list:
    if not isinstance(raw, list):
        require(False, "milestones", "must be a list", problems)
        return []
    if len(raw) > limits.MAX_MILESTONES_PER_REPORT:
        require(False, "milestones", f"at most {limits.MAX_MILESTONES_PER_REPORT}", problems)
        return []
    milestones = []
    for i, item in enumerate(raw):
        path = f"milestones.{i}"
        if not isinstance(item, dict):
            require(False, path, "must be an object with name and date", problems)
            continue
        for key in sorted(set(item) - {"name", "date"}):
            require(False, f"{path}.{key}", "unknown field", problems)
        require("name" in item, f"{path}.name", "required", problems)
        require("date" in item, f"{path}.date", "required", problems)
        name = parse_text(item["name"], f"{path}.name", problems,
                          max_length=limits.MAX_MILESTONE_NAME_LENGTH,
                          single_line=True) if "name" in item else None
        day = parse_date(item["date"], f"{path}.date", problems, config) if "date" in item else None
        milestones.append({"name": name, "date": day})
    return milestones


def _read_report(command: dict, problems: dict, config, today) -> dict:
    for key in sorted(set(command) - REPORT_FIELDS):
        require(False, key, "unknown field", problems)
    for key in REPORT_REQUIRED:
        require(key in command, key, "required", problems)
    report = {"expected_version": read_expected_version(command, problems)}
    report["report_date"] = parse_date(command["report_date"], "report_date", problems,
                                       config) if "report_date" in command else None
    report["invested_to_date_kzt"] = parse_money(
        command["invested_to_date_kzt"], "invested_to_date_kzt", problems,
        config) if "invested_to_date_kzt" in command else None
    report["jobs_created_to_date"] = parse_count(
        command["jobs_created_to_date"], "jobs_created_to_date", problems,
        config) if "jobs_created_to_date" in command else None
    report["milestones"] = _read_milestones(command.get("milestones", []), problems, config)
    for key, limit in (("note", limits.MAX_NOTE_LENGTH),
                       ("correction_reason", limits.MAX_REASON_LENGTH)):
        raw = command.get(key)
        report[key] = None if raw is None else (
            parse_text(raw, key, problems, max_length=limit, required=False) or None)
    report_date = report["report_date"]
    if report_date is not None:
        require(report_date <= today, "report_date", "must not be in the future", problems)
        for i, milestone in enumerate(report["milestones"]):
            if milestone["date"] is not None and milestone["date"] > report_date:
                require(False, f"milestones.{i}.date", "must not be after report_date", problems)
    return report


def report_progress(project: dict, command: dict, *, now: datetime, by: str,
                    config=DEFAULT_SETTINGS) -> tuple[dict, list]:
    """Append a cumulative progress report; emits ``project_progress_reported``."""
    now, by = check_now(now), check_actor(by)
    if not isinstance(command, dict):
        raise ValidationFailed("invalid progress report", {"_schema": ["must be an object"]})
    problems: dict = {}
    report = _read_report(command, problems, config, local_today(now, config))
    raise_if_problems(problems, "invalid progress report")
    check_version(project, report.pop("expected_version"))
    check_not_closed(project, "progress reports")

    latest = project["last_report_date"]
    if latest is not None and report["report_date"] < latest:
        raise RuleViolation("a report cannot be dated before the latest report",
                            {"rule": "report_date_order", "latest_report_date": iso(latest),
                             "report_date": iso(report["report_date"])})
    previous = {"invested_to_date_kzt": project["invested_to_date_kzt"],
                "jobs_created_to_date": project["jobs_created"]}
    decreased = sorted(key for key, value in previous.items() if report[key] < value)
    if decreased and report["correction_reason"] is None:
        raise RuleViolation(
            "cumulative figures cannot decrease without a correction_reason",
            {"rule": "cumulative_decrease", "fields": decreased,
             "previous": {"invested_to_date_kzt": money_str(previous["invested_to_date_kzt"]),
                          "jobs_created_to_date": previous["jobs_created_to_date"]},
             "reported": {"invested_to_date_kzt": money_str(report["invested_to_date_kzt"]),
                          "jobs_created_to_date": report["jobs_created_to_date"]}})

    new = touched(project, now, by)
    stored = {"report_no": len(project["progress_reports"]) + 1, **report,
              "reported_at": now, "reported_by": by}
    new["progress_reports"].append(stored)
    new["invested_to_date_kzt"] = report["invested_to_date_kzt"]
    new["jobs_created"] = report["jobs_created_to_date"]
    new["last_report_date"] = report["report_date"]
    invested_change = report["invested_to_date_kzt"] - previous["invested_to_date_kzt"]
    jobs_change = report["jobs_created_to_date"] - previous["jobs_created_to_date"]
    return new, [facts.progress_reported(new, stored, invested_change, jobs_change)]
