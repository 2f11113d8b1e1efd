"""Entrypoints for indicators, transfers, the revenue forecast (widened by commissioned
investment projects) and the annual report with its Open Fiscal Data Package."""
import io

from services.common.rpc import rpc

from services.budgets.domain import transfers_as_output
from services.budgets.forecast import (apply_commissioned_project, forecast_as_output,
                                       reverse_cancelled_project, set_base_forecast)
from services.budgets.ofdp import datapackage_descriptor, write_ofdp_csv
from services.budgets.periods import YEAR_CODE
from services.budgets.recalculation import compute_as_of
from services.budgets.report import annual_report_generated_fact, build_annual_report
from services.budgets.schemas import (IndicatorsOutSchema, IndicatorsQuerySchema,
                                      ReportRequestSchema, TransfersSchema)
from services.budgets.service_base import BudgetsBase, load, now_utc
from services.common.consuming import subscribe
from services.common.errors import (DuplicateKey, NotFound, StaleVersion, ValidationFailed,
                                    raise_if_problems, require)
from services.common.regions import REGIONS

OFDP_PAGE_LINES = 20_000
MAX_WRITE_ATTEMPTS = 5
_INTERNAL_KEYS = ("_id", "version", "computed_at")


def _indicators_output(doc: dict, stored: bool) -> dict:
    out = IndicatorsOutSchema().dump({k: v for k, v in doc.items() if k not in _INTERNAL_KEYS})
    computed_at = doc.get("computed_at")
    out["stored"] = stored
    out["computed_at"] = computed_at.isoformat() if computed_at is not None else None
    return out


def _region(region_code) -> str:
    problems: dict = {}
    require(region_code in REGIONS, "region_code",
            "unknown region: use an ISO 3166-2:KZ code such as KZ-61", problems)
    raise_if_problems(problems, "invalid region")
    return region_code


class FiscalEntrypoints(BudgetsBase):

    # -- indicators ----------------------------------------------------------------------------
    @rpc
    def indicators(self, region_code, fiscal_year, as_of_period=YEAR_CODE):
        """Indicators of a region and year: the stored year-to-date figures, or computed as of an
        earlier period (``M01``..``M12``, ``Q1``..``Q4``)."""
        query = load(IndicatorsQuerySchema(), {"region_code": region_code,
                                               "fiscal_year": fiscal_year,
                                               "as_of_period": as_of_period},
                     "invalid indicators query")
        if query["as_of_period"] == YEAR_CODE:
            doc, _ = self.indicator_docs.load(query["region_code"], query["fiscal_year"])
            if doc is not None:
                return _indicators_output(doc, stored=True)
        doc = compute_as_of(self._stores(), query["region_code"], query["fiscal_year"],
                            query["as_of_period"])
        return _indicators_output(doc, stored=False)

    # -- transfers -----------------------------------------------------------------------------
    @rpc
    def set_transfers(self, data):
        """Record a region's transfers for a year (subventions, withdrawals, earmarked)."""
        record = load(TransfersSchema(), data, "invalid transfers")
        self.transfers.put(record, now_utc())
        pair = (record["region_code"], record["fiscal_year"])
        indicators = self._recalculate([pair])[pair]
        return {"transfers": transfers_as_output(record),
                "indicators": _indicators_output(indicators, stored=True)}

    @rpc
    def get_transfers(self, region_code, fiscal_year):
        _region(region_code)
        record = self.transfers.find(region_code, fiscal_year)
        if record is None:
            raise NotFound(f"no transfers recorded for {region_code} in {fiscal_year}",
                           {"region_code": region_code, "fiscal_year": fiscal_year})
        return transfers_as_output(record)

    # -- forecast ------------------------------------------------------------------------------
    @rpc
    def forecast(self, region_code):
        doc, _ = self.forecasts.load(_region(region_code))
        return forecast_as_output(doc, region_code)

    @rpc
    def set_forecast_base(self, region_code, year, amount_kzt):
        """Set the baseline local revenue forecast of one year (e.g. from the budget law)."""
        _region(region_code)
        doc = self._change_forecast(
            region_code, lambda current: set_base_forecast(current, region_code, year, amount_kzt))
        return forecast_as_output(doc, region_code)

    @subscribe()
    def on_project_commissioned(self, envelope):
        """A commissioned project widens its region's tax base (once per project)."""
        region_code = envelope["payload"]["region_code"]
        self._change_forecast(region_code,
                              lambda current: apply_commissioned_project(current, envelope))

    @subscribe()
    def on_project_cancelled(self, envelope):
        """A cancelled project's contribution is taken out again (and it stays out)."""
        region_code = envelope["payload"]["region_code"]
        self._change_forecast(region_code,
                              lambda current: reverse_cancelled_project(current, envelope))

    def _change_forecast(self, region_code, change):
        """Apply ``change`` (a domain command) to the stored forecast; versioned, retried."""
        for attempt in range(MAX_WRITE_ATTEMPTS):
            current, version = self.forecasts.load(region_code)
            new, facts = change(current)
            if new == current:
                return current
            try:
                self.forecasts.store(new, version, facts)
                return new
            except (StaleVersion, DuplicateKey):
                if attempt == MAX_WRITE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # -- annual report ---------------------------------------------------------------------------
    @rpc
    def generate_annual_report(self, region_code, reporting_year):
        """Build and store the report due to the Ministry of National Economy by 1 April of the
        next year; emits ``annual_report_generated``."""
        query = load(ReportRequestSchema(), {"region_code": region_code,
                                             "reporting_year": reporting_year},
                     "invalid report request")
        region_code, year = query["region_code"], query["reporting_year"]
        indicators = self._recalculate([(region_code, year)])[(region_code, year)]
        forecast_doc, _ = self.forecasts.load(region_code)
        report = build_annual_report(
            region_code, year,
            indicators={k: v for k, v in indicators.items() if k not in _INTERNAL_KEYS},
            transfers=self.transfers.find(region_code, year),
            blocks=self.blocks.list_blocks(region_code, year), forecast_doc=forecast_doc,
            now=now_utc())
        self.reports.store(report, [annual_report_generated_fact(report)])
        return report

    @rpc
    def annual_report(self, region_code, reporting_year):
        query = load(ReportRequestSchema(), {"region_code": region_code,
                                             "reporting_year": reporting_year},
                     "invalid report request")
        report = self.reports.find(query["region_code"], query["reporting_year"])
        if report is None:
            raise NotFound(f"no annual report of {region_code} for {reporting_year} yet",
                           {"region_code": region_code, "reporting_year": reporting_year})
        report.pop("version", None)
        return report

    @rpc
    def annual_report_ofdp(self, region_code, reporting_year, cursor=None,
                           max_lines=OFDP_PAGE_LINES):
        """The region's revenue lines of the year as an Open Fiscal Data Package, one page of
        CSV text at a time (the descriptor comes with the first page, the CSV header too).

        Returns ``{datapackage, csv, next_cursor}``; ``next_cursor`` None means the last page.
        Pages end between budgets/periods/codes, never inside one wide CSV row.
        """
        query = load(ReportRequestSchema(), {"region_code": region_code,
                                             "reporting_year": reporting_year},
                     "invalid report request")
        if not isinstance(max_lines, int) or not 1 <= max_lines <= OFDP_PAGE_LINES:
            raise ValidationFailed("invalid page size",
                                   {"max_lines": [f"between 1 and {OFDP_PAGE_LINES}"]})
        region_code, year = query["region_code"], query["reporting_year"]
        lines = self.lines.page_sorted(region_code, year, cursor, max_lines + 1)
        more = len(lines) > max_lines
        lines = lines[:max_lines]
        if more:  # do not cut a wide row (same budget, period and code) across two pages
            group = lines[-1]["_id"].rsplit("|", 1)[0]
            kept = [ln for ln in lines if ln["_id"].rsplit("|", 1)[0] != group]
            lines = kept or lines
        out = io.StringIO()
        write_ofdp_csv(lines, out, presorted=True)
        text = out.getvalue()
        if cursor:
            text = text.split("\n", 1)[1]
        page = {"csv": text, "lines": len(lines),
                "next_cursor": lines[-1]["_id"] if more and lines else None}
        if not cursor:
            page["datapackage"] = datapackage_descriptor(
                fiscal_years=[year], region_codes=[region_code], created_at=now_utc())
        return page
