"""Tunables of the budgets rules: one frozen dataclass per area, gathered in ``BudgetSettings``.

Every rule function takes its area's settings with ``DEFAULT_SETTINGS.<area>`` as the default, so
a test (or a later configuration) can change one figure without touching the rules. Each value
says where it comes from or that it is an assumption.
"""
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from services.budgets.contract.assumptions import ASSUMED_SETTINGS  # noqa: F401  (read here)
from services.budgets.contract.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR


def _levels_by_region_kind() -> dict:
    # Budget Code art. 3: cities of republican significance keep one city budget; the other
    # regions have an oblast budget, district budgets and (since 2018) rural district budgets.
    return {"region": ("oblast", "district", "rural_district"), "city": ("city_republican",)}


@dataclass(frozen=True)
class LineSettings:
    """Revenue line and transfers validation."""
    # Assumption: the platform holds data from FY2020 (first digitised year) to the 2035 horizon;
    # the published contract states the same range.
    min_fiscal_year: int = FIRST_FISCAL_YEAR
    max_fiscal_year: int = LAST_FISCAL_YEAR
    max_district_length: int = 120  # assumption: longest district name seen is ~60 characters
    levels_by_region_kind: dict = field(default_factory=_levels_by_region_kind)


@dataclass(frozen=True)
class BlockSettings:
    """Block budgets (a spending body's limit split into lines)."""
    max_lines: int = 200        # assumption: a block with more lines is an input mistake
    max_targets: int = 50       # assumption: same reasoning for performance targets
    max_name_length: int = 200  # assumption: fits the longest programme names in use
    # Carry-over closes a year: refuse it while the year is still running.
    carry_over_only_after_year_end: bool = True
    line_rules: LineSettings = field(default_factory=LineSettings)


@dataclass(frozen=True)
class ForecastSettings:
    """The revenue forecast widened by commissioned investment projects."""
    horizon_end_year: int = 2030  # the Concept's horizon
    # Assumption: a project pays local taxes from the year after it is commissioned.
    years_after_commissioning: int = 1


@dataclass(frozen=True)
class IndicatorSettings:
    """Fiscal autonomy indicators."""
    # Assumption (ASSUMED_SETTINGS): a region covering less than half of its revenue itself is
    # flagged dependent (autonomy_below_threshold is published below this floor).
    min_own_revenue_share: Decimal = Decimal("0.5")
    ratio_places: int = 4  # shares are shown as 0.1234 (two decimals as a percentage)
    # None: the prefixes the year's classification edition names (see domain.indicators).
    consolidation_excluded_prefixes: tuple[str, ...] | None = None




@dataclass(frozen=True)
class ReportSettings:
    """The annual report to the Ministry of National Economy."""
    due_month: int = 4  # due by 1 April of the next year (the ministry's reporting rules)
    due_day: int = 1
    addressee: str = "Ministry of National Economy of the Republic of Kazakhstan"
    ratio_places: int = 4  # the same precision as the indicators


@dataclass(frozen=True)
class ImportSettings:
    """Bulk imports of revenue files (chunks staged in the store, jobs run in the background)."""
    batch_size: int = 5000               # lines per store write (measured: bench_budgets_import)
    max_errors_kept: int = 1000          # row errors kept in the status; the rest are counted
    max_chunk_chars: int = 2_000_000     # one chunk of text (<= 8 MB even as 4-byte UTF-8)
    max_line_chars: int = 1_000_000      # a "line" longer than this is cut (and reported bad)
    lease_seconds: float = 300           # a job not renewed for this long is taken over
    max_attempts: int = 3                # jobs failing unexpectedly this often are failed
    poll_seconds: float = 1.0            # how often idle runners look for queued jobs
    # Assumption: an upload left unfinished for a day will not be finished.
    abandon_after: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class BudgetSettings:
    lines: LineSettings = field(default_factory=LineSettings)
    blocks: BlockSettings = field(default_factory=BlockSettings)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    indicators: IndicatorSettings = field(default_factory=IndicatorSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)


DEFAULT_SETTINGS = BudgetSettings()
