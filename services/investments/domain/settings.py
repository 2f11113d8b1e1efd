"""Tunables of the investment-project rules: thresholds, MCI values, page sizes, export identifiers.

Every number a rule compares against lives here, with a default, so a rule never hard-codes one
and a test (or an operator) can pass other settings. Decimal only: MCI values and thresholds feed
money comparisons. The bounds of single input values are part of the contract
(``services.investments.contract.limits``): the schemas that load the input check them.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from services.investments.contract import limits
from services.investments.contract.assumptions import ASSUMED_SETTINGS  # noqa: F401  (read here)


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class InvestmentSettings:
    # Monthly calculation index (MCI) in KZT, set yearly by the republican budget law (2025: 3932,
    # 2026: 4325); a year not listed uses the nearest earlier one (see priority).
    mci_kzt_by_year: Mapping[int, Decimal] = field(
        default_factory=lambda: _frozen({2025: Decimal("3932"), 2026: Decimal("4325")}))
    # Priority thresholds in MCI (an assumption, see ASSUMED_SETTINGS). A project is
    # priority-eligible only if its type has a threshold; a sector threshold, when present,
    # replaces the type's (it is the sector-specific rule).
    priority_threshold_mci_by_type: Mapping[str, int] = field(
        default_factory=lambda: _frozen({"new_production": 2_000_000, "expansion": 5_000_000}))
    priority_threshold_mci_by_sector: Mapping[str, int] = field(
        default_factory=lambda: _frozen({"food_light_industry": 1_000_000, "tourism": 200_000}))

    # "today" for the rule "actual dates and report dates are not in the future" is the civil
    # calendar day (UTC+5) of services.common.clock, shared by every service.

    # The cost in KZT of a USD project (amount x rate) is bounded like an amount given in KZT.
    max_amount_kzt: Decimal = limits.MAX_AMOUNT_KZT
    # The check digit of a BIN is verified; an assumption kept switchable for test data sets that
    # carry made-up BINs.
    verify_bin_check_digit: bool = True

    # Queries: a larger page size is capped, not refused (assumed: 50 reads well, 200 keeps one
    # answer small enough for the gateway).
    default_page_size: int = 50
    max_page_size: int = 200

    # Exports: identifier of the reporting organisation, prefixed to each IATI activity identifier
    # (assumed: the platform's operator reports under this IATI organisation reference).
    iati_reporting_org_ref: str = "KZ-GOV-RDC"
    iati_reporting_org_name: str = "Office of Regional Initiatives"


DEFAULT_SETTINGS = InvestmentSettings()


