"""The assumed settings of budgets, investments and personnel, for the hub's one list of assumed
rules (GET /api/v1/hub/assumptions).

The rationale of each is the service's published contract (``contract/assumptions.py``); the
value is the one the service ships with (its ``domain/settings.py``, which the hub may not import:
``tests/unit/gateway/test_hub_assumptions.py`` holds the two equal). Each service's answer that
rests on one names it: the forecast's ``assumptions``, a project's
``priority_basis.assumption``, an eligibility refusal's ``details.assumption``.
"""
from __future__ import annotations

from services.budgets.contract.assumptions import ASSUMED_SETTINGS as BUDGETS
from services.investments.contract.assumptions import ASSUMED_SETTINGS as INVESTMENTS
from services.personnel.contract.assumptions import ASSUMED_SETTINGS as PERSONNEL

# (service, setting, value as shipped, unit, where the answer names it)
SHIPPED = (
    ("budgets", "years_after_commissioning", 1, "years",
     "budgets forecast: contributions of commissioned projects (forecast answer 'assumptions')"),
    ("investments", "priority_threshold_mci_by_type",
     {"new_production": 2_000_000, "expansion": 5_000_000}, "MCI",
     "investments priority flag (a project's priority_basis.assumption)"),
    ("investments", "priority_threshold_mci_by_sector",
     {"food_light_industry": 1_000_000, "tourism": 200_000}, "MCI",
     "investments priority flag (a project's priority_basis.assumption)"),
    ("personnel", "min_months_in_post", 12, "months",
     "rotation eligibility (refusal details.assumption)"),
    ("personnel", "max_category_steps_up", 1, "ladder steps",
     "rotation eligibility (refusal details.assumption)"),
    ("personnel", "max_category_steps_down", 1, "ladder steps",
     "rotation eligibility (refusal details.assumption)"),
    ("personnel", "retirement_exemption_years", 2, "years",
     "rotation eligibility (refusal details.assumption)"),
    ("personnel", "allow_corps_change", False, "flag",
     "rotation eligibility (refusal details.assumption)"),
    ("personnel", "min_term_months", 12, "months", "rotation terms"),
    ("personnel", "max_term_months", 36, "months", "rotation terms"),
)
RATIONALES = {"budgets": BUDGETS, "investments": INVESTMENTS, "personnel": PERSONNEL}


def service_assumptions() -> list[dict]:
    return [{"key": f"{service}.{setting}", "value": value, "unit": unit,
             "rationale": RATIONALES[service][setting], "applied_in": applied_in,
             "source": "platform assumption (no legal act read by the platform fixes this value)"}
            for service, setting, value, unit, applied_in in SHIPPED]
