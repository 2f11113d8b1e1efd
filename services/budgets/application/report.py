"""The annual report due to the Ministry of National Economy by 1 April of the next year, and the
region's revenue lines of a year as an Open Fiscal Data Package, one page at a time."""
import io

from services.budgets.application.fiscal import INTERNAL_KEYS
from services.budgets.application.recalculation import Stores, recalculate
from services.budgets.domain.ofdp import datapackage_descriptor, write_ofdp_csv
from services.budgets.domain.report import annual_report_generated_fact, build_annual_report
from services.common.clock import now_utc
from services.common.errors import NotFound, ValidationFailed

OFDP_PAGE_LINES = 20_000


class AnnualReports:
    """Built per call from the service's repositories."""

    def __init__(self, stores: Stores, forecasts, blocks, reports):
        self.stores = stores
        self.forecasts = forecasts
        self.blocks = blocks
        self.reports = reports

    def generate(self, query: dict) -> dict:
        """Build and store the report; emits ``annual_report_generated``."""
        region_code, year = query["region_code"], query["reporting_year"]
        indicators = recalculate(self.stores, [(region_code, year)], now_utc())[(region_code, year)]
        forecast_doc, _ = self.forecasts.load(region_code)
        report = build_annual_report(
            region_code, year,
            indicators={k: v for k, v in indicators.items() if k not in INTERNAL_KEYS},
            transfers=self.stores.transfers.find(region_code, year),
            blocks=self.blocks.list_blocks(region_code, year), forecast_doc=forecast_doc,
            now=now_utc())
        self.reports.store(report, [annual_report_generated_fact(report)])
        return report

    def find(self, query: dict) -> dict:
        region_code, year = query["region_code"], query["reporting_year"]
        report = self.reports.find(region_code, year)
        if report is None:
            raise NotFound(f"no annual report of {region_code} for {year} yet",
                           {"region_code": region_code, "reporting_year": year})
        report.pop("version", None)
        return report

    def ofdp_page(self, query: dict, cursor=None, max_lines=OFDP_PAGE_LINES) -> dict:
        """``{datapackage, csv, next_cursor}``; ``next_cursor`` None means the last page. The
        descriptor and the CSV header come with the first page; pages end between
        budgets/periods/codes, never inside one wide CSV row."""
        if not isinstance(max_lines, int) or not 1 <= max_lines <= OFDP_PAGE_LINES:
            raise ValidationFailed("invalid page size",
                                   {"max_lines": [f"between 1 and {OFDP_PAGE_LINES}"]})
        region_code, year = query["region_code"], query["reporting_year"]
        lines = self.stores.lines.page_sorted(region_code, year, cursor, max_lines + 1)
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
