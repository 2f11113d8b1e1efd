"""Revenue forecast of a region and its widening by commissioned investment projects (pure).

Forecast document (one per region; year keys are strings so the document stores as is)::

    {region_code,
     base_kzt: {"2027": Decimal, ...},             # baseline local revenue forecast, optional
     contributions: {project_id: {annual_kzt, commissioned_on, years: [2027, ...]}},
     cancelled: {project_id: cancelled_on},         # tombstones: a late redelivery cannot revive
     totals_kzt: {"2027": Decimal, ...}}            # base + contributions, kept in step

A project commissioned in year Y adds its expected annual local revenue to years Y+1 …
``ForecastSettings.horizon_end_year`` (2030 by default, the Concept's horizon). Contributions are
keyed by project id, so a redelivered ``project_commissioned`` event changes nothing, and a
cancellation removes exactly what the project added.
"""
import copy
from datetime import date, datetime

from services.budgets.domain.settings import ASSUMED_SETTINGS, DEFAULT_SETTINGS, ForecastSettings
from services.common.errors import ValidationFailed, raise_if_problems, require
from services.common.money import AmountError, money, money_str, parse_amount
from services.common.regions import REGIONS

# The investments service's event payloads (``project_commissioned``: actual_commissioning,
# expected_annual_local_revenue_kzt; ``project_cancelled``: cancelled_at) are read through these
# names, first present wins, so a renamed field on the producer side is one edit here.
EVENT_FIELDS = {
    "project_id": ("project_id",),
    "region_code": ("region_code",),
    "commissioned_on": ("actual_commissioning", "commissioned_on", "actual_commissioning_date"),
    "annual_kzt": ("expected_annual_local_revenue_kzt", "expected_annual_tax_revenue_kzt"),
    "cancelled_on": ("cancelled_at", "cancelled_on"),
}


DEFAULT_FORECAST_SETTINGS = DEFAULT_SETTINGS.forecast


def new_forecast(region_code: str) -> dict:
    if region_code not in REGIONS:
        raise ValidationFailed("invalid forecast", {"region_code": ["unknown region"]})
    return {"region_code": region_code, "base_kzt": {}, "contributions": {}, "cancelled": {},
            "totals_kzt": {}}


def _payload(event: dict) -> dict:
    """Accept a whole envelope or just its payload; the envelope's region fills a gap."""
    if "payload" in event and "event_type" in event:
        payload = dict(event["payload"])
        payload.setdefault("region_code", event.get("region_code"))
        return payload
    return event


def _pick(payload: dict, name: str):
    for key in EVENT_FIELDS[name]:
        if payload.get(key) is not None:
            return payload[key]
    return None


def _date(raw, field: str, problems: dict) -> date | None:
    if isinstance(raw, datetime):  # a parsed envelope gives datetimes for *_at fields
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    require(False, field, "must be an ISO date (YYYY-MM-DD)", problems)
    return None


def _project_fields(event: dict, date_field: str, need_amount: bool) -> dict:
    payload = _payload(event)
    problems: dict = {}
    project_id = _pick(payload, "project_id")
    require(isinstance(project_id, str) and project_id.strip() != "", "project_id",
            "required", problems)
    region_code = _pick(payload, "region_code")
    require(region_code in REGIONS, "region_code", "unknown region", problems)
    raw_date = _pick(payload, date_field)
    fields = {"project_id": project_id, "region_code": region_code,
              date_field: _date(raw_date, date_field, problems) if raw_date is not None else None}
    if need_amount:
        require(raw_date is not None, date_field, "required", problems)
        try:
            fields["annual_kzt"] = parse_amount(_pick(payload, "annual_kzt"))
        except AmountError as exc:
            require(False, "annual_kzt", str(exc), problems)
    raise_if_problems(problems, "invalid project event")
    return fields


def _recompute_totals(doc: dict) -> None:
    totals: dict[str, object] = {}
    for year, amount in doc["base_kzt"].items():
        totals[year] = amount
    for contribution in doc["contributions"].values():
        for year in contribution["years"]:
            key = str(year)
            totals[key] = totals.get(key, 0) + contribution["annual_kzt"]
    doc["totals_kzt"] = {year: money(totals[year]) for year in sorted(totals)}


def _updated_fact(doc: dict, change: str, project_id: str | None, annual, years) -> tuple:
    return ("forecast_updated", {
        "region_code": doc["region_code"],
        "change": change,
        "project_id": project_id,
        "annual_kzt": None if annual is None else money_str(annual),
        "years": sorted(int(y) for y in years),
        "totals_kzt": {year: money_str(v) for year, v in doc["totals_kzt"].items()},
    })


def _check_region(doc: dict, region_code: str) -> None:
    if doc["region_code"] != region_code:
        raise ValidationFailed("project belongs to another region",
                               {"region_code": [f"forecast is for {doc['region_code']}"]})


def apply_commissioned_project(forecast_doc: dict | None, event: dict,
                               config: ForecastSettings = DEFAULT_FORECAST_SETTINGS
                               ) -> tuple[dict, list[tuple[str, dict]]]:
    """Add a commissioned project's expected annual local revenue to the region's forecast.

    ``event`` is a ``project_commissioned`` envelope or payload. Returns ``(new_doc, facts)``;
    ``facts`` is empty when nothing changed (redelivery, cancelled project, commissioning after
    the horizon). A corrected amount for a known project replaces its contribution.
    """
    fields = _project_fields(event, "commissioned_on", need_amount=True)
    doc = copy.deepcopy(forecast_doc) if forecast_doc else new_forecast(fields["region_code"])
    _check_region(doc, fields["region_code"])
    project_id = fields["project_id"]
    if project_id in doc["cancelled"]:
        return doc, []
    first = fields["commissioned_on"].year + config.years_after_commissioning
    years = list(range(first, config.horizon_end_year + 1))
    if not years:
        return doc, []
    contribution = {"annual_kzt": fields["annual_kzt"],
                    "commissioned_on": fields["commissioned_on"].isoformat(), "years": years}
    previous = doc["contributions"].get(project_id)
    if previous == contribution:
        return doc, []
    doc["contributions"][project_id] = contribution
    _recompute_totals(doc)
    change = "project_added" if previous is None else "project_updated"
    touched = set(years) | set(previous["years"] if previous else [])
    return doc, [_updated_fact(doc, change, project_id, fields["annual_kzt"], touched)]


def reverse_cancelled_project(forecast_doc: dict | None, event: dict
                              ) -> tuple[dict, list[tuple[str, dict]]]:
    """Remove a cancelled project's contribution and remember the cancellation.

    The tombstone keeps a ``project_commissioned`` redelivered after the cancellation from adding
    the project back. ``forecast_updated`` is emitted only when a contribution was removed.
    """
    fields = _project_fields(event, "cancelled_on", need_amount=False)
    doc = copy.deepcopy(forecast_doc) if forecast_doc else new_forecast(fields["region_code"])
    _check_region(doc, fields["region_code"])
    project_id = fields["project_id"]
    cancelled_on = fields["cancelled_on"].isoformat() if fields["cancelled_on"] else None
    doc["cancelled"].setdefault(project_id, cancelled_on)
    removed = doc["contributions"].pop(project_id, None)
    if removed is None:
        return doc, []
    _recompute_totals(doc)
    return doc, [_updated_fact(doc, "project_removed", project_id, removed["annual_kzt"],
                               removed["years"])]


def set_base_forecast(forecast_doc: dict | None, region_code: str, year: int, amount
                      ) -> tuple[dict, list[tuple[str, dict]]]:
    """Set the baseline local revenue forecast of one year (e.g. from the budget law)."""
    problems: dict = {}
    try:
        value = parse_amount(amount)
    except AmountError as exc:
        value = None
        require(False, "amount_kzt", str(exc), problems)
    require(isinstance(year, int) and not isinstance(year, bool), "year", "must be a year",
            problems)
    raise_if_problems(problems, "invalid base forecast")
    doc = copy.deepcopy(forecast_doc) if forecast_doc else new_forecast(region_code)
    _check_region(doc, region_code)
    if doc["base_kzt"].get(str(year)) == value:
        return doc, []
    doc["base_kzt"][str(year)] = value
    _recompute_totals(doc)
    return doc, [_updated_fact(doc, "base_updated", None, value, [year])]


def forecast_for_year(forecast_doc: dict | None, year: int):
    """Forecast total for ``year`` (Decimal) or None when the forecast says nothing about it."""
    if not forecast_doc:
        return None
    return forecast_doc["totals_kzt"].get(str(year))


def forecast_as_output(forecast_doc: dict | None, region_code: str) -> dict:
    """JSON-ready form of a region's forecast (an empty one when nothing was recorded yet)."""
    doc = forecast_doc or new_forecast(region_code)
    return {
        "region_code": doc["region_code"],
        "base_kzt": {year: money_str(v) for year, v in sorted(doc["base_kzt"].items())},
        "totals_kzt": {year: money_str(v) for year, v in sorted(doc["totals_kzt"].items())},
        "contributions": [
            {"project_id": pid, "annual_kzt": money_str(c["annual_kzt"]),
             "commissioned_on": c["commissioned_on"], "years": list(c["years"])}
            for pid, c in sorted(doc["contributions"].items())],
        "cancelled_projects": sorted(doc["cancelled"]),
        "assumptions": forecast_assumptions(),
    }


def forecast_assumptions(config: ForecastSettings = DEFAULT_FORECAST_SETTINGS) -> list[dict]:
    """The assumed rule every contribution of the forecast rests on, with its value."""
    return [{"key": "years_after_commissioning", "value": config.years_after_commissioning,
             "unit": "years", "rationale": ASSUMED_SETTINGS["years_after_commissioning"],
             "applied_in": "contributions of commissioned projects"}]
