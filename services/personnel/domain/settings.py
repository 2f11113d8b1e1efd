"""Tunables of the personnel rules (``PersonnelSettings``), one frozen dataclass passed to every
rule that needs one; ``DEFAULT_SETTINGS`` holds the values the platform runs with.

Values marked *assumed* in the domain notes (secondment length, return guarantee, career credit,
incentives) and the statutory numbers (4/6/8-year rotation terms, retirement ages) alike live here,
so a change of decree is a change of settings. (How often the service scans and reconciles is
read from the environment next to its timers, in ``service.py``.)
"""
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from services.personnel.contract.assumptions import ASSUMED_SETTINGS  # noqa: F401  (read here)
from services.personnel.contract.lists import DIRECTIONS, INCENTIVE_KINDS, MAX_INCENTIVE_PERIOD_MONTHS
from services.personnel.domain.categories import CategoryRegister, default_category_register


@dataclass(frozen=True)
class PersonnelSettings:
    categories: CategoryRegister = field(default_factory=default_category_register)
    # eligibility (assumed minimums, see ASSUMED_SETTINGS)
    min_months_in_post: int = 12
    retirement_age_years: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"male": 63, "female": 61}))
    retirement_exemption_years: int = 2  # no rotation within this many years of retirement age
    max_category_steps_up: int = 1  # target post at most this many ladder steps above own category
    max_category_steps_down: int = 1  # assumed symmetric with steps up
    allow_corps_change: bool = False  # assumed: corps A and B do not exchange staff by rotation
    # registration
    min_service_age_years: int = 18  # assumed: the age of majority
    # secondment / posting terms (assumed 1-3 years)
    min_term_months: int = 12
    max_term_months: int = 36
    # mandatory rotation in a post (decree No. 265 of 19 Jun 2023)
    rotation_due_years: int = 4
    head_extension_limit_years: int = 6
    agency_extension_limit_years: int = 8
    # return guarantee and career credit (assumed)
    return_post_required_for: frozenset[str] = frozenset({"region_to_centre"})
    career_credit_for: frozenset[str] = frozenset({"region_to_centre"})
    # incentives recorded per rotation (assumed)
    incentive_kinds: tuple[str, ...] = INCENTIVE_KINDS
    max_incentive_period_months: int = MAX_INCENTIVE_PERIOD_MONTHS  # assumed: the longest posting term
    max_incentive_amount_kzt: Decimal = Decimal("100000000.00")  # assumed: a typo guard per month
    # all incentives of one rotation together, amount x period (assumed budget ceiling)
    max_incentives_total_kzt: Decimal = Decimal("60000000.00")

    def __post_init__(self):
        if not self.max_incentives_total_kzt > 0:
            raise ValueError("max_incentives_total_kzt must be positive")
        if not 0 < self.min_term_months <= self.max_term_months:
            raise ValueError("need 0 < min_term_months <= max_term_months")
        if not (0 < self.rotation_due_years <= self.head_extension_limit_years
                <= self.agency_extension_limit_years):
            raise ValueError("need 0 < rotation_due_years <= head limit <= agency limit")
        if set(self.retirement_age_years) != {"male", "female"}:
            raise ValueError("retirement_age_years needs 'male' and 'female'")
        if min(self.max_category_steps_up, self.max_category_steps_down, self.min_months_in_post,
               self.retirement_exemption_years) < 0:
            raise ValueError("steps, months and years must not be negative")
        unknown = (set(self.return_post_required_for) | set(self.career_credit_for)) - set(DIRECTIONS)
        if unknown:
            raise ValueError(f"unknown directions {sorted(unknown)}")


DEFAULT_SETTINGS = PersonnelSettings()
