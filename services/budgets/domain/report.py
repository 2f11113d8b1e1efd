"""Annual report of a region to the Ministry of National Economy (pure builder).

The Concept obliges central and local bodies to report progress by 1 April of the year after the
reporting year. The report is a JSON document assembled from what the service already holds: the
full-year indicators, the transfer record, the block budgets and the revenue forecast. Money and
ratios are decimal strings.
"""
from datetime import date, datetime

from services.budgets.domain.blocks import summarise
from services.budgets.domain.forecast import forecast_for_year
from services.budgets.domain.indicators import indicators_payload
from services.budgets.domain.lines import transfers_as_output
from services.budgets.domain.settings import DEFAULT_SETTINGS, ReportSettings
from services.common.clock import civil_date
from services.common.money import ZERO, decimal_str, money, money_str, ratio
from services.common.regions import REGIONS

DEFAULT_REPORT_SETTINGS = DEFAULT_SETTINGS.report


def report_id(region_code: str, reporting_year: int) -> str:
    return f"{region_code}|{int(reporting_year)}"


def due_date(reporting_year: int, config: ReportSettings = DEFAULT_REPORT_SETTINGS) -> date:
    return date(int(reporting_year) + 1, config.due_month, config.due_day)


def _block_use(blocks: list[dict], places: int) -> dict:
    rows, limit, allocated, executed = [], ZERO, ZERO, ZERO
    for block in sorted(blocks, key=lambda b: b["block_id"]):
        totals = summarise(block)
        limit += totals["limit_kzt"]
        allocated += totals["allocated_kzt"]
        executed += totals["executed_kzt"]
        carried = block.get("carried_over")
        rows.append({
            "block_id": block["block_id"], "spending_body": block["spending_body"],
            **{k: money_str(v) for k, v in totals.items()},
            "execution_rate": decimal_str(ratio(totals["executed_kzt"], totals["limit_kzt"], places)),
            "moves": len(block.get("moves", [])),
            "carried_over_kzt": money_str(carried["amount_kzt"]) if carried else None,
            "targets": [{"indicator": t["indicator"], "target_value": str(t["target_value"])}
                        for t in block["targets"]],
        })
    return {"blocks": rows, "totals": {
        "limit_kzt": money_str(limit), "allocated_kzt": money_str(allocated),
        "executed_kzt": money_str(executed), "unspent_kzt": money_str(limit - executed),
        "execution_rate": decimal_str(ratio(executed, limit, places))}}


def _forecast_vs_actual(forecast_doc: dict | None, indicators: dict | None, year: int,
                        places: int) -> dict:
    """Actual own revenue against the forecast, with the variance shown only against a stated
    baseline (assumption "forecast variance needs a baseline"): a forecast made of project
    contributions alone has nothing to be wrong against, so its variance stays empty."""
    forecast = forecast_for_year(forecast_doc, year)
    baseline = (forecast_doc or {}).get("base_kzt", {}).get(str(year))
    actual = indicators["own_revenue_kzt"] if indicators else None
    projects = [(pid, c) for pid, c in (forecast_doc or {}).get("contributions", {}).items()
                if year in c["years"]]
    comparable = forecast is not None and actual is not None and baseline is not None
    return {
        "forecast_own_revenue_kzt": None if forecast is None else money_str(forecast),
        "actual_own_revenue_kzt": None if actual is None else money_str(actual),
        "baseline_kzt": None if baseline is None else money_str(baseline),
        "baseline_basis": ("base forecast set for the year (set_forecast_base) plus the "
                           "expected revenue of commissioned projects" if baseline is not None
                           else "no baseline stated for the year: variance not shown"),
        "variance_kzt": money_str(actual - forecast) if comparable else None,
        "actual_to_forecast": (decimal_str(ratio(actual, forecast, places))
                               if comparable else None),
        "projects_counted": len(projects),
        "projects_expected_kzt": money_str(money(sum((c["annual_kzt"] for _, c in projects), ZERO))),
    }


def build_annual_report(region_code: str, reporting_year: int, *, indicators: dict | None,
                        transfers: dict | None, blocks: list[dict], forecast_doc: dict | None,
                        now: datetime, config: ReportSettings = DEFAULT_REPORT_SETTINGS) -> dict:
    """The annual report document (JSON-ready). ``indicators`` should be the full-year ("Y") ones."""
    if region_code not in REGIONS:
        raise ValueError(f"unknown region {region_code!r}")
    due = due_date(reporting_year, config)
    places = config.ratio_places
    region_blocks = [b for b in blocks if b["region_code"] == region_code
                     and b["fiscal_year"] == int(reporting_year)]
    return {
        "report_id": report_id(region_code, reporting_year),
        "addressee": config.addressee,
        "region_code": region_code,
        "region_name": REGIONS[region_code].name,
        "reporting_year": int(reporting_year),
        "due_date": due.isoformat(),
        "generated_at": now.isoformat(),
        "on_time": civil_date(now) <= due,  # the civil day (UTC+5) of generation
        "indicators": indicators_payload(indicators) if indicators else None,
        "transfers": transfers_as_output(transfers) if transfers else None,
        "block_budget": _block_use(region_blocks, places),
        "forecast_vs_actual": _forecast_vs_actual(forecast_doc, indicators, int(reporting_year),
                                                  places),
    }


def annual_report_generated_fact(report: dict) -> tuple[str, dict]:
    return ("annual_report_generated", {
        "report_id": report["report_id"], "region_code": report["region_code"],
        "reporting_year": report["reporting_year"], "due_date": report["due_date"],
        "generated_at": report["generated_at"], "on_time": report["on_time"]})
