"""Tunables of the investment-project rules: thresholds, bounds, page sizes, export identifiers.

Every number a rule compares against lives here, with a default, so a rule never hard-codes one
and a test (or an operator) can pass another configuration. Decimal only: MCI values and
thresholds feed money comparisons.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class InvestmentsConfig:
    # Monthly calculation index (MCI) in KZT, set yearly by the republican budget law.
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

    # Input bounds. Amounts stay far below what an int64 count of tiyn can hold (9.2e16 KZT).
    max_amount_kzt: Decimal = Decimal("1000000000000000")  # 10^15 KZT
    max_exchange_rate: Decimal = Decimal("100000")
    exchange_rate_places: int = 6
    max_jobs: int = 1_000_000
    earliest_date: date = date(2000, 1, 1)
    latest_date: date = date(2100, 12, 31)
    max_title_length: int = 300
    max_description_length: int = 5000
    max_district_length: int = 200
    max_investor_name_length: int = 300
    max_external_ref_length: int = 64
    max_reason_length: int = 1000
    max_note_length: int = 2000
    max_milestones_per_report: int = 50
    max_milestone_name_length: int = 200
    max_financing_sources: int = 20
    verify_bin_check_digit: bool = True

    # Queries.
    default_page_size: int = 50
    max_page_size: int = 200
    max_text_query_length: int = 200
    max_cursor_length: int = 1024

    # Exports: identifier of the reporting organisation, prefixed to each IATI activity identifier.
    iati_reporting_org_ref: str = "KZ-GOV-RDC"
    iati_reporting_org_name: str = "Office of Regional Initiatives"


DEFAULT_CONFIG = InvestmentsConfig()


# Settings no law read by the platform fixes, with why they have their value. The priority
# threshold used for a project is shown with it (``priority_basis`` in its events: basis,
# threshold in MCI, MCI year and value).
ASSUMED_SETTINGS = {
    "priority_threshold_mci_by_type": (
        "Investment-priority thresholds as the platform's domain notes summarise the "
        "investment-priority rules (new production 2,000,000 MCI, expansion 5,000,000 MCI); "
        "check against the current Government resolution before use."),
    "priority_threshold_mci_by_sector": (
        "Lower thresholds for food and light industry (1,000,000 MCI) and tourism (200,000 MCI), "
        "from the same summary; a sector threshold replaces the type's."),
}
