"""Who may be rotated into which post: each rule named, all failures reportable at once."""
from dataclasses import dataclass, field
from datetime import date

from services.common.errors import RuleViolation
from services.personnel.domain.dates import add_months
from services.personnel.domain.rotation_states import OPEN_STATUSES
from services.personnel.domain.settings import ASSUMED_SETTINGS, DEFAULT_SETTINGS, PersonnelSettings
from services.personnel.domain.terms import near_retirement, retirement_date

TARGET_POST_STATUSES = ("vacant", "being_vacated")


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    message: str
    details: dict = field(default_factory=dict)


def category_problem(own_corps: str, own_category: str, target_corps: str, target_category: str,
                     settings: PersonnelSettings = DEFAULT_SETTINGS) -> str | None:
    """Why a holder of ``own_category`` may not take a ``target_category`` post, or None."""
    register = settings.categories
    if own_category not in register or target_category not in register:
        return "category not in the register"
    if own_corps != target_corps and not settings.allow_corps_change:
        return f"corps {own_corps} cannot move to a corps {target_corps} post"
    step = register.step(own_category, target_category)
    up, down = settings.max_category_steps_up, settings.max_category_steps_down
    if step > up:
        return f"{target_category} is {step} steps above {own_category} (max {up})"
    if -step > down:
        return f"{target_category} is {-step} steps below {own_category} (max {down})"
    return None


def _assumed(setting: str, value) -> dict:
    """Details naming the assumed setting a refusal rests on (ASSUMED_SETTINGS: no decree read by
    the platform fixes it), so the answer says it is an assumption and which one."""
    return {"assumption": {"setting": setting, "value": value,
                           "rationale": ASSUMED_SETTINGS[setting]}}


def _category_assumption(problem: str, settings: PersonnelSettings) -> dict:
    if "steps above" in problem:
        return _assumed("max_category_steps_up", settings.max_category_steps_up)
    if "steps below" in problem:
        return _assumed("max_category_steps_down", settings.max_category_steps_down)
    if "cannot move to a corps" in problem:
        return _assumed("allow_corps_change", settings.allow_corps_change)
    return {}  # a category outside the register: the register's rule, not an assumption


def eligibility_failures(servant: dict, target_post: dict, *, today: date, open_rotations=(),
                         settings: PersonnelSettings = DEFAULT_SETTINGS) -> list[RuleFailure]:
    """Every rule that keeps ``servant`` from a rotation into ``target_post`` on ``today``.

    ``open_rotations``: the servant's rotations known to the caller (any status; open ones count)
    besides the servant's own ``open_rotation_id``.
    """
    failures = []
    if servant["status"] != "active":
        failures.append(RuleFailure("servant_not_active", f"servant is {servant['status']}",
                                    {"status": servant["status"]}))
    open_ids = sorted({r["rotation_id"] for r in open_rotations
                       if r["status"] in OPEN_STATUSES and r["servant_id"] == servant["servant_id"]}
                      | ({servant["open_rotation_id"]} if servant.get("open_rotation_id") else set()))
    if open_ids:
        failures.append(RuleFailure("open_rotation_exists", "another rotation is open",
                                    {"rotation_ids": open_ids}))
    earliest = add_months(servant["post_start"], settings.min_months_in_post)
    if today < earliest:
        failures.append(RuleFailure(
            "min_time_in_post", f"in the current post for less than {settings.min_months_in_post} months",
            {"post_start": servant["post_start"].isoformat(), "eligible_from": earliest.isoformat(),
             **_assumed("min_months_in_post", settings.min_months_in_post)}))
    if near_retirement(servant, today, settings):
        failures.append(RuleFailure(
            "near_retirement",
            f"within {settings.retirement_exemption_years} years of retirement age",
            {"retirement_date": retirement_date(servant, settings).isoformat(),
             **_assumed("retirement_exemption_years", settings.retirement_exemption_years)}))
    problem = category_problem(servant["corps"], servant["category"], target_post["corps"],
                               target_post["category"], settings)
    if problem is not None:
        failures.append(RuleFailure("category_incompatible", problem, {
            "category": servant["category"], "target_category": target_post["category"],
            **_category_assumption(problem, settings)}))
    if target_post["status"] not in TARGET_POST_STATUSES:
        failures.append(RuleFailure("target_post_occupied", f"target post is {target_post['status']}", {
            "position_id": target_post["position_id"], "status": target_post["status"],
            "allowed": list(TARGET_POST_STATUSES)}))
    return failures


def raise_first(failures: list[RuleFailure]) -> None:
    """Raise the first failure as ``RuleViolation``; ``failed_rules`` lists all of them."""
    if failures:
        first = failures[0]
        raise RuleViolation(first.message, {"rule": first.rule, **first.details,
                                            "failed_rules": [f.rule for f in failures]})


def check_eligibility(servant: dict, target_post: dict, *, today: date, open_rotations=(),
                      settings: PersonnelSettings = DEFAULT_SETTINGS) -> None:
    raise_first(eligibility_failures(servant, target_post, today=today,
                                     open_rotations=open_rotations, settings=settings))
