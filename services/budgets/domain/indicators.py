"""Fiscal autonomy indicators of a region for a fiscal year, as of a period (pure).

Definitions (all on the region's consolidated budget: oblast or city budget plus its district and
rural-district budgets):

* own revenue = executed lines of the tax, non-tax and sale-of-fixed-capital categories (1–3);
* transfers received = executed lines of the transfers category (4 up to FY2025, 5 from FY2026:
  the year's classification edition says which, :mod:`services.budgets.domain.ebk`);
* total revenue = every executed line (from FY2026 it includes special receipts, category 4,
  which are neither own revenue nor transfers);
* own-revenue share = own ÷ total; transfer dependency = transfers ÷ total;
* execution against plan = executed total ÷ plan total, the plan being the ``approved`` phase when
  the region has any approved line for the year, else ``planned``;
* revenue per resident = total revenue ÷ population (the table at 1 January of the fiscal year,
  :mod:`services.common.population`); ``population_quality`` says whether the figure divided by is
  the Bureau's (``exact``) or the platform's estimate (``estimated``), and every reader of a
  per-resident figure shows that flag with it;
* donor / recipient status from the year's transfer record: ``recipient`` when subventions exceed
  withdrawals, ``donor`` when withdrawals are paid and no subvention is received, ``neutral``
  otherwise, ``unknown`` without a transfer record.

Consolidation: transfers between budgets of the same region (oblast → district, district → rural
district, withdrawals from lower budgets) are revenue of one budget and spending of another inside
the region, so counting them would count the same money twice. Each classification edition names
the codes left out of every sum (FY2025: 401, 4022, 4023; FY2026: 501, 5022, 5023), so a transfer
is counted once, where it enters the region (from the republican budget);
``IndicatorSettings.consolidation_excluded_prefixes`` replaces that list when set.

"To date": a line counts toward "as of P" when its period ends by the end of P. The same series
(budget, code, phase) may be booked at several granularities (monthly executions and a yearly
total, say); for each series the granularity covering most of the span is used (the finest on a
tie), so nothing is counted twice. When a plan exists only as a yearly figure and the span is
shorter than a year, execution is measured against the annual plan (``plan_basis = "annual"``).

Ratios are Decimal rounded half-up to ``ratio_places`` (4); money is Decimal to 0.01 KZT.

:class:`IndicatorAccumulator` computes the same figures from lines streamed in one at a time,
holding one running total per series and granularity instead of the lines, so a region's lines
are read from a cursor of any length in bounded memory.
"""
from collections import defaultdict
from decimal import Decimal

from services.budgets.domain.ebk import (
    OWN_REVENUE_KINDS,
    TRANSFERS,
    EbkClassification,
    classification_for_year,
)
from services.budgets.domain.periods import GRANULARITY_RANK, YEAR_CODE, is_full_year, parse_period
from services.budgets.domain.settings import DEFAULT_SETTINGS, IndicatorSettings
from services.common.money import ZERO, decimal_str, money, money_str, ratio

STATUSES = ("recipient", "donor", "neutral", "unknown")

# Fields compared to decide whether a recalculation changed anything (computed_at excluded).
_COMPARED = ("own_revenue_kzt", "total_revenue_kzt", "transfers_received_kzt", "own_revenue_share",
             "transfer_dependency", "plan_kzt", "plan_phase", "plan_basis", "execution_rate",
             "population", "population_quality", "population_as_of",
             "revenue_per_resident_kzt", "subvention_per_resident_kzt",
             "subventions_kzt", "withdrawals_kzt", "earmarked_kzt", "status", "by_category")


DEFAULT_INDICATOR_SETTINGS = DEFAULT_SETTINGS.indicators


def fiscal_status(transfers: dict | None) -> str:
    if transfers is None:
        return "unknown"
    subventions, withdrawals = transfers["subventions_kzt"], transfers["withdrawals_kzt"]
    if subventions > withdrawals:
        return "recipient"
    if withdrawals > 0 and subventions == 0:
        return "donor"
    return "neutral"


def _series_key(line: dict) -> tuple:
    return line["budget_level"], line.get("district") or "", line["ebk_code"], line["phase"]


def amounts_to_date(lines, as_of: str) -> list[tuple[dict, Decimal]]:
    """The lines counted toward "as of ``as_of``", one granularity per series (see module doc)."""
    span_end = parse_period(as_of).last_month
    by_series: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        kind = parse_period(line["period"]).kind
        by_series[_series_key(line)][kind].append(line)
    chosen: list[tuple[dict, Decimal]] = []
    for granularities in by_series.values():
        best_kind, best_cover, best_lines = None, -1, []
        for kind in sorted(granularities, key=GRANULARITY_RANK.__getitem__):
            inside = [ln for ln in granularities[kind]
                      if parse_period(ln["period"]).last_month <= span_end]
            covered = {m for ln in inside for m in parse_period(ln["period"]).months}
            if len(covered) > best_cover:
                best_kind, best_cover, best_lines = kind, len(covered), inside
        if best_kind is not None:
            chosen.extend((ln, ln["amount_kzt"]) for ln in best_lines)
    return chosen


def _months_mask(period) -> int:
    return ((1 << (period.last_month - period.first_month + 1)) - 1) << (period.first_month - 1)


class _SeriesTotals:
    """Per series (budget, code, phase) and granularity: the sum and the months covered.

    Enough to answer :func:`amounts_to_date` for one span without keeping the lines: the chosen
    granularity is the one covering most months (the finest on a tie), its sum is the answer.
    """
    __slots__ = ("by_series",)

    def __init__(self):
        self.by_series: dict[tuple, dict[str, list]] = {}

    def add(self, series: tuple, kind: str, amount: Decimal, mask: int) -> None:
        kinds = self.by_series.get(series)
        if kinds is None:
            kinds = self.by_series[series] = {}
        slot = kinds.get(kind)
        if slot is None:
            kinds[kind] = [amount, mask]
        else:
            slot[0] += amount
            slot[1] |= mask

    def chosen(self, phase: str):
        """``(ebk_code, amount)`` of every series of ``phase``, one granularity per series."""
        for (code, series_phase, *_), kinds in self.by_series.items():
            if series_phase != phase:
                continue
            best_cover, best_sum = -1, ZERO
            for kind in sorted(kinds, key=GRANULARITY_RANK.__getitem__):
                amount, mask = kinds[kind]
                cover = bin(mask).count("1")
                if cover > best_cover:
                    best_cover, best_sum = cover, amount
            yield code, best_sum


class IndicatorAccumulator:
    """Lines of one region and year streamed in, indicators out (:func:`compute_indicators`).

    Memory grows with the number of series (budget, code, phase), not of lines, so a region's
    lines can be read from a cursor of any length. Lines of other regions, years or of codes left
    out by consolidation are ignored, as :func:`compute_indicators` does.
    """

    def __init__(self, region_code: str, fiscal_year: int, as_of: str = YEAR_CODE,
                 config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS,
                 classification: EbkClassification | None = None):
        self.region_code = region_code
        self.fiscal_year = int(fiscal_year)
        self.classification = classification or classification_for_year(self.fiscal_year)
        self._excluded = (config.consolidation_excluded_prefixes
                          if config.consolidation_excluded_prefixes is not None
                          else self.classification.info.consolidation_excluded_prefixes)
        self.as_of = as_of
        self.config = config
        self._span_end = parse_period(as_of).last_month
        self._full_year = is_full_year(as_of)
        self._to_date = _SeriesTotals()
        self._plan_annual = _SeriesTotals()  # plan phases over the whole year (annual basis)
        self._phase_lines = {phase: 0 for phase in ("planned", "approved", "executed")}
        self._plan_subannual = {"planned": False, "approved": False}
        self.lines_seen = 0

    @property
    def series_count(self) -> int:
        """How many series are held (what the accumulator's memory grows with)."""
        return len(self._to_date.by_series) + len(self._plan_annual.by_series)

    def add(self, line: dict) -> None:
        """Count a line in. A correction of a line already counted may be added as a line whose
        ``amount_kzt`` is the difference (the months covered are the same)."""
        admitted = self._admit(line)
        if admitted is not None and admitted[1].last_month <= self._span_end:
            series, period, amount, mask = admitted
            self._to_date.add(series, period.kind, amount, mask)

    def _admit(self, line: dict):
        """Everything of ``add`` that does not depend on the span: ``(series, period, amount,
        mask)`` of a line that counts, None for one that does not."""
        if line["region_code"] != self.region_code or int(line["fiscal_year"]) != self.fiscal_year:
            return None
        code = line["ebk_code"]
        if self._excluded and code.startswith(self._excluded):
            return None
        phase = line["phase"]
        period = parse_period(line["period"])
        self.lines_seen += 1
        self._phase_lines[phase] = self._phase_lines.get(phase, 0) + 1
        series = (code, phase, line["budget_level"], line.get("district") or "")
        mask = _months_mask(period)
        amount = line["amount_kzt"]
        if phase in self._plan_subannual:
            if period.kind != "year":
                self._plan_subannual[phase] = True
            if not self._full_year:
                self._plan_annual.add(series, period.kind, amount, mask)
        return series, period, amount, mask

    def result(self, *, transfers: dict | None, population: int | dict | None) -> dict:
        """``population``: residents, or a figure ``{population, population_quality,
        population_as_of, ...}`` (:meth:`PopulationTable.figure`) whose flag is carried along."""
        figure = population if isinstance(population, dict) else None
        population = figure["population"] if figure else population
        categories = self.classification.info.categories
        executed = {c: ZERO for c in sorted(categories)}
        for code, amount in self._to_date.chosen("executed"):
            digit = int(code[0])
            if digit in executed:  # a line stored under another edition's digits is not guessed
                executed[digit] += amount
        own = money(sum((v for c, v in executed.items() if categories[c] in OWN_REVENUE_KINDS),
                        ZERO))
        received = money(sum((v for c, v in executed.items() if categories[c] == TRANSFERS),
                             ZERO))
        total = money(sum(executed.values(), ZERO))

        plan_phase = ("approved" if self._phase_lines.get("approved")
                      else "planned" if self._phase_lines.get("planned") else None)
        plan_amount, plan_basis = None, None
        if plan_phase is not None:
            plan_amount = money(sum((a for _, a in self._to_date.chosen(plan_phase)), ZERO))
            plan_basis = "period"
            if not self._full_year and not self._plan_subannual[plan_phase]:
                plan_amount = money(sum((a for _, a in self._plan_annual.chosen(plan_phase)),
                                        ZERO))
                plan_basis = "annual"

        places = self.config.ratio_places
        subventions = transfers["subventions_kzt"] if transfers else None
        return {
            "region_code": self.region_code,
            "fiscal_year": self.fiscal_year,
            "as_of_period": self.as_of,
            "by_category": {str(c): money(v) for c, v in executed.items()},
            "own_revenue_kzt": own,
            "transfers_received_kzt": received,
            "total_revenue_kzt": total,
            "own_revenue_share": ratio(own, total, places),
            "transfer_dependency": ratio(received, total, places),
            "plan_phase": plan_phase,
            "plan_basis": plan_basis,
            "plan_kzt": plan_amount,
            "execution_rate": ratio(total, plan_amount, places) if plan_amount else None,
            "population": population,
            "population_quality": figure.get("population_quality") if figure else None,
            "population_as_of": figure.get("population_as_of") if figure else None,
            "revenue_per_resident_kzt": money(total / population) if population else None,
            "subvention_per_resident_kzt": (money(subventions / population)
                                            if population and subventions is not None else None),
            "subventions_kzt": money(subventions) if transfers else None,
            "withdrawals_kzt": money(transfers["withdrawals_kzt"]) if transfers else None,
            "earmarked_kzt": money(transfers["earmarked_kzt"]) if transfers else None,
            "status": fiscal_status(transfers),
        }


def compute_indicators(region_code: str, fiscal_year: int, lines, *, transfers: dict | None,
                       population: int | dict | None, as_of: str = YEAR_CODE,
                       config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS) -> dict:
    """The indicator document of ``region_code`` for ``fiscal_year`` as of period ``as_of``.

    ``lines`` (any iterable, read once) may hold other regions' or years' lines; only this
    region's and year's are used. ``transfers`` is the year's transfer record (or None);
    ``population`` the residents (or None).
    """
    accumulator = IndicatorAccumulator(region_code, fiscal_year, as_of, config)
    for line in lines:
        accumulator.add(line)
    return accumulator.result(transfers=transfers, population=population)


def is_below_threshold(indicators: dict | None, config: IndicatorSettings) -> bool:
    share = indicators.get("own_revenue_share") if indicators else None
    return share is not None and share < config.min_own_revenue_share


def indicators_payload(indicators: dict) -> dict:
    """JSON-ready form (money and ratios as decimal strings) for events and API output."""
    out = {}
    for name, value in indicators.items():
        if name == "by_category":
            out[name] = {k: money_str(v) for k, v in value.items()}
        elif name.endswith("_kzt"):
            out[name] = None if value is None else money_str(value)
        elif isinstance(value, Decimal):
            out[name] = decimal_str(value)
        else:
            out[name] = value
    return out


def compare_indicators(previous: dict | None, new: dict,
                       config: IndicatorSettings = DEFAULT_INDICATOR_SETTINGS
                       ) -> list[tuple[str, dict]]:
    """Facts for replacing ``previous`` by ``new`` (same region, year and as-of period).

    * ``indicators_recalculated`` when anything changed (or there was nothing before); a
      recalculation that reproduces the stored figures is not news;
    * ``autonomy_below_threshold`` only when the own-revenue share *crosses* below
      ``config.min_own_revenue_share``: from at or above (or unknown) to below. Staying below
      emits nothing more; rising above and falling again emits again.
    """
    facts: list[tuple[str, dict]] = []
    changed = previous is None or any(previous.get(k) != new.get(k) for k in _COMPARED)
    if changed:
        facts.append(("indicators_recalculated", indicators_payload(new)))
    if is_below_threshold(new, config) and not is_below_threshold(previous, config):
        facts.append(("autonomy_below_threshold", {
            "region_code": new["region_code"],
            "fiscal_year": new["fiscal_year"],
            "as_of_period": new["as_of_period"],
            "own_revenue_share": decimal_str(new["own_revenue_share"]),
            "previous_share": decimal_str(previous.get("own_revenue_share")) if previous else None,
            "threshold": decimal_str(config.min_own_revenue_share),
            "transfer_dependency": decimal_str(new["transfer_dependency"]),
            "status": new["status"],
        }))
    return facts
