"""Priority-project flag from MCI thresholds.

Rule (thresholds and MCI values come from ``InvestmentSettings``):
- Only project types with a threshold are priority-eligible: by default new production
  (2,000,000 MCI) and expansion (5,000,000 MCI). Modernisation, single-industry-town anchors and
  infrastructure are not priority-eligible by cost (their support comes through other programmes);
  adding a type to ``priority_threshold_mci_by_type`` makes it eligible.
- For an eligible type, a sector with its own threshold replaces the type's: food and light
  industry 1,000,000 MCI, tourism 200,000 MCI.
- A project is priority when ``cost_kzt >= threshold_mci * MCI`` (exactly at the threshold counts).
- The MCI is the one of the year of ``planned_start``, else of the registration year. For a year the
  budget law has not fixed yet (or a year before the first configured one), the latest configured
  year not after it is used, else the earliest configured year.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.common.money import money as quantize_money
from services.common.money import money_str


@dataclass(frozen=True)
class PriorityAssessment:
    priority: bool
    basis: str  # "sector", "project_type" or "not_eligible"
    threshold_mci: int | None
    mci_year: int
    mci_kzt: Decimal
    threshold_kzt: Decimal | None

    def as_document(self) -> dict:
        """Stored next to the flag so a reader can see why a project is (not) priority."""
        return {
            "basis": self.basis,
            "threshold_mci": self.threshold_mci,
            "mci_year": self.mci_year,
            "mci_kzt": self.mci_kzt,
            "threshold_kzt": self.threshold_kzt,
        }


def mci_for_year(year: int, config) -> tuple[int, Decimal]:
    """(year whose MCI applies, MCI in KZT) for ``year``; see the module rule for unknown years."""
    table = config.mci_kzt_by_year
    if not table:
        raise ValueError("config.mci_kzt_by_year is empty")
    known = sorted(table)
    earlier = [y for y in known if y <= year]
    used = earlier[-1] if earlier else known[0]
    return used, Decimal(str(table[used]))


def mci_year_for(planned_start: date | None, registered_on: date) -> int:
    return (planned_start or registered_on).year


def assess_priority(project_type: str, sector: str, cost_kzt: Decimal, year: int,
                    config) -> PriorityAssessment:
    used_year, mci = mci_for_year(year, config)
    type_threshold = config.priority_threshold_mci_by_type.get(project_type)
    if type_threshold is None:
        return PriorityAssessment(False, "not_eligible", None, used_year, mci, None)
    sector_threshold = config.priority_threshold_mci_by_sector.get(sector)
    if sector_threshold is not None:
        basis, threshold_mci = "sector", sector_threshold
    else:
        basis, threshold_mci = "project_type", type_threshold
    threshold_kzt = quantize_money(Decimal(threshold_mci) * mci)
    return PriorityAssessment(Decimal(cost_kzt) >= threshold_kzt, basis, threshold_mci,
                              used_year, mci, threshold_kzt)


def priority_basis_json(basis: dict | None) -> dict | None:
    """The stored basis with Decimals as strings (for payloads and API output)."""
    if basis is None:
        return None
    threshold = basis["threshold_kzt"]  # None when the type is not priority-eligible
    return {**basis, "mci_kzt": money_str(basis["mci_kzt"]),
            "threshold_kzt": None if threshold is None else money_str(threshold)}
