"""Incentives recorded per rotation: housing compensation, relocation allowance, other.

``amount_kzt`` is paid each month for ``period_months`` months; a one-off payment (a relocation
allowance, typically) has ``period_months`` = 1.
"""
from decimal import Decimal

from services.common.errors import RuleViolation, ValidationFailed, raise_if_problems, require
from services.common.money import AmountError, parse_amount
from services.personnel.domain.settings import DEFAULT_SETTINGS, PersonnelSettings

KZT = Decimal("0.01")


def _amount(value) -> Decimal | None:
    try:
        return parse_amount(value)
    except AmountError:
        return None


def validate_incentive(data: dict, settings: PersonnelSettings = DEFAULT_SETTINGS) -> dict:
    """``{kind, amount_kzt, period_months, description}`` checked and normalised.

    Raises ``ValidationFailed`` naming every bad field.
    """
    problems: dict = {}
    kind = data.get("kind")
    require(kind in settings.incentive_kinds, "kind", f"must be one of {list(settings.incentive_kinds)}",
            problems)
    amount = _amount(data.get("amount_kzt"))
    require(amount is not None, "amount_kzt", "must be a decimal amount with at most 2 decimals",
            problems)
    if amount is not None:
        require(Decimal(0) < amount <= settings.max_incentive_amount_kzt, "amount_kzt",
                f"must be above 0 and at most {settings.max_incentive_amount_kzt}", problems)
    period = data.get("period_months")
    require(isinstance(period, int) and not isinstance(period, bool)
            and 1 <= period <= settings.max_incentive_period_months, "period_months",
            f"must be a whole number of months, 1..{settings.max_incentive_period_months}", problems)
    description = data.get("description")
    if description is not None:
        require(isinstance(description, str) and len(description) <= 500, "description",
                "at most 500 characters", problems)
    if kind == "other":
        require(isinstance(description, str) and description.strip() != "", "description",
                "required for kind 'other'", problems)
    raise_if_problems(problems, "invalid incentive")
    return {"kind": kind, "amount_kzt": amount, "period_months": period,
            "description": description.strip() if isinstance(description, str) else None}


def validate_incentives(items, settings: PersonnelSettings = DEFAULT_SETTINGS) -> list[dict]:
    """Every incentive in ``items``; errors are keyed ``incentives.<index>.<field>``."""
    valid, problems = [], {}
    for index, item in enumerate(items or []):
        try:
            valid.append(validate_incentive(item, settings))
        except ValidationFailed as exc:
            for field, reasons in exc.details.items():
                problems[f"incentives.{index}.{field}"] = reasons
    raise_if_problems(problems, "invalid incentives")
    return valid


def incentive_total_kzt(incentive: dict) -> Decimal:
    """What the incentive costs over its whole period."""
    return (incentive["amount_kzt"] * incentive["period_months"]).quantize(KZT)


def check_incentives_total(incentives: list[dict], settings: PersonnelSettings = DEFAULT_SETTINGS) -> None:
    """``RuleViolation(rule="incentives_total")`` when the incentives of one rotation together
    cost more than ``settings.max_incentives_total_kzt``."""
    total = sum((incentive_total_kzt(item) for item in incentives), Decimal(0)).quantize(KZT)
    cap = settings.max_incentives_total_kzt
    if total > cap:
        raise RuleViolation(f"incentives of one rotation total at most {cap} KZT", {
            "rule": "incentives_total", "field": "incentives", "total_kzt": str(total),
            "max_total_kzt": str(cap.quantize(KZT))})
