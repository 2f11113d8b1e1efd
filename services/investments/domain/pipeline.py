"""Stage transitions of an investment project (World Bank PIM pipeline).

    proposed → appraised → approved → financed → under_implementation → commissioned → evaluated

- ``suspended`` and ``cancelled`` are reachable from every open stage (proposed to
  under_implementation), and suspended itself may be cancelled. A commissioned project is in
  operation: it can neither be suspended nor cancelled, only evaluated. ``evaluated`` and
  ``cancelled`` are final.
- Resuming leaves ``suspended`` for exactly the stage it was suspended from (kept in
  ``suspended_from``).
- Any other move raises ``RuleViolation`` rule ``stage_transition`` with ``from``, ``to`` and the
  sorted ``allowed`` next stages.
- Commissioning needs an ``actual_commissioning`` date (in the command or already on the
  project) and ``jobs_created > 0`` (from progress reports). Missing ones are a state problem,
  not bad input: ``RuleViolation`` rule ``commissioning_prerequisites``, ``missing`` naming the
  fields.
- Cancelling needs a non-blank ``reason`` (``ValidationFailed`` on ``reason``); other moves take an
  optional one.
- ``actual_start`` is accepted with a move to under_implementation or commissioned,
  ``actual_commissioning`` only with the move to commissioned.
"""
from datetime import datetime

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.investments.contract import limits
from services.investments.domain import facts
from services.investments.domain.projects import (
    check_actor,
    check_consistency,
    check_version,
    read_expected_version,
    touched,
)
from services.investments.domain.reference import (
    CANCELLED,
    COMMISSIONED,
    DATE_TARGETS,
    OPEN_STAGES,
    STAGE_SEQUENCE,
    STAGES,
    SUSPENDED,
)
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import check_now, local_today, parse_choice, parse_date, parse_text

NEXT_STAGE: dict[str, str] = dict(zip(STAGE_SEQUENCE, STAGE_SEQUENCE[1:], strict=False))
STAGE_CHANGE_FIELDS = frozenset({"stage", "expected_version", "reason", "actual_start",
                                 "actual_commissioning"})


def allowed_next_stages(stage: str, suspended_from: str | None = None) -> list[str]:
    """Sorted stages a project at ``stage`` may move to next."""
    allowed = set()
    if stage in NEXT_STAGE:
        allowed.add(NEXT_STAGE[stage])
    if stage in OPEN_STAGES:
        allowed.add(CANCELLED)
        if stage != SUSPENDED:
            allowed.add(SUSPENDED)
    if stage == SUSPENDED and suspended_from:
        allowed.add(suspended_from)
    return sorted(allowed)


def check_transition(stage: str, target: str, suspended_from: str | None = None) -> None:
    allowed = allowed_next_stages(stage, suspended_from)
    if target not in allowed:
        raise RuleViolation(f"a project cannot move from {stage} to {target}",
                            {"rule": "stage_transition", "from": stage, "to": target,
                             "allowed": allowed})


def _read_command(command: dict, problems: dict, config) -> dict:
    for key in sorted(set(command) - STAGE_CHANGE_FIELDS):
        require(False, key, "unknown field", problems)
    parsed = {"expected_version": read_expected_version(command, problems)}
    require("stage" in command, "stage", "required", problems)
    target = parse_choice(command["stage"], "stage", problems, STAGES) if "stage" in command \
        else None
    parsed["stage"] = target
    reason = command.get("reason")
    if reason is not None:
        reason = parse_text(reason, "reason", problems, max_length=limits.MAX_REASON_LENGTH,
                            required=False) or None
    if target == CANCELLED and reason is None and "reason" not in problems:
        require(False, "reason", "required when cancelling", problems)
    parsed["reason"] = reason
    for key, targets in DATE_TARGETS.items():
        raw = command.get(key)
        if raw is None:
            continue
        if target is not None and target not in targets:
            require(False, key, f"only accepted when moving to {' or '.join(targets)}", problems)
            continue
        parsed[key] = parse_date(raw, key, problems, config)
    return parsed


def change_stage(project: dict, command: dict, *, now: datetime, by: str,
                 config=DEFAULT_SETTINGS) -> tuple[dict, list]:
    """Move ``project`` to ``command['stage']``; emits ``project_stage_changed`` and, for the moves
    to commissioned or cancelled, ``project_commissioned`` / ``project_cancelled`` after it."""
    now, by = check_now(now), check_actor(by)
    if not isinstance(command, dict):
        raise ValidationFailed("invalid stage change", {"_schema": ["must be an object"]})
    problems: dict = {}
    parsed = _read_command(command, problems, config)
    raise_if_problems(problems, "invalid stage change")
    check_version(project, parsed["expected_version"])
    source, target = project["stage"], parsed["stage"]
    check_transition(source, target, project.get("suspended_from"))

    dates = {key: parsed[key] for key in DATE_TARGETS if key in parsed}
    if target == COMMISSIONED:
        missing = []
        if (dates.get("actual_commissioning") or project["actual_commissioning"]) is None:
            missing.append("actual_commissioning")
        if project["jobs_created"] <= 0:
            missing.append("jobs_created")
        if missing:
            raise RuleViolation("commissioning needs an actual commissioning date and jobs created",
                                {"rule": "commissioning_prerequisites", "missing": missing})
    check_consistency({**project, **dates}, problems, config, today=local_today(now, config))
    raise_if_problems(problems, "invalid stage change")

    new = touched(project, now, by)
    new.update(dates)
    entry = {"from": source, "to": target, "at": now, "by": by, "reason": parsed["reason"]}
    new["stage"] = target
    new["stage_entered_at"] = now
    new["stage_history"].append(entry)
    new["suspended_from"] = source if target == SUSPENDED else None
    if target == CANCELLED:
        new["cancellation_reason"] = parsed["reason"]
    events = [facts.stage_changed(new, entry)]
    if target == COMMISSIONED:
        events.append(facts.commissioned(new))
    elif target == CANCELLED:
        events.append(facts.cancelled(new, entry))
    return new, events
