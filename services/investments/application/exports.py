"""Exports of the pipeline: pages of CSV rows or IATI-like activity documents (the gateway writes
the bytes).

IATI codes used (IATI Standard 2.03 codelists):
- ActivityStatus: 1 pipeline/identification, 2 implementation, 3 finalisation, 4 closed,
  5 cancelled, 6 suspended. Pipeline stages up to ``financed`` are 1; ``commissioned`` is 3
  (in operation, evaluation pending); ``evaluated`` is 4.
- ActivityDateType: 1 planned start, 2 actual start, 3 planned end, 4 actual end (commissioning).
- RegionVocabulary / SectorVocabulary 99: the reporting organisation's own codes (ISO 3166-2:KZ
  regions, the platform's sector codes).
- OrganisationRole 1 funding (the investor); BudgetType 1 original; BudgetStatus 1 indicative;
  ActivityScope 6 (single first-level administrative area: one region).
``recipient-region`` carries the ISO 3166-2:KZ region under vocabulary 99; strict IATI keeps
recipient regions for supranational areas, so ``recipient-country`` KZ is given as well.
"""
from services.common.csv_cells import safe_cell
from services.common.errors import ValidationFailed
from services.common.money import money_str
from services.common.regions import AGGLOMERATIONS, REGIONS
from services.investments.domain import normalise_query
from services.investments.domain.reference import PROJECT_TYPES, SECTORS
from services.investments.domain.settings import DEFAULT_SETTINGS
from services.investments.domain.values import iso, local_today

EXPORT_FORMATS = ("csv", "iati")

IATI_ACTIVITY_STATUS = {
    "proposed": "1", "appraised": "1", "approved": "1", "financed": "1",
    "under_implementation": "2", "commissioned": "3", "evaluated": "4",
    "cancelled": "5", "suspended": "6",
}

CSV_COLUMNS = (
    "id", "external_ref", "title", "region_code", "region_name", "district", "agglomeration",
    "sector", "project_type", "stage", "stage_entered_at", "priority", "investor_name",
    "investor_country", "investor_bin", "cost_amount", "cost_currency", "exchange_rate",
    "cost_kzt", "financing_kzt", "jobs_planned", "jobs_created", "invested_to_date_kzt",
    "planned_start", "planned_commissioning", "actual_start", "actual_commissioning",
    "expected_annual_local_revenue_kzt", "created_at", "updated_at", "version",
)
# Free-text columns: a cell starting with one of these would run as a formula in a spreadsheet.
_TEXT_COLUMNS = {"external_ref", "title", "district", "investor_name"}


def csv_row(project: dict) -> list[str]:
    cost = project["total_cost"]
    investor = project["investor"]
    values = {
        "id": project["id"], "external_ref": project["external_ref"], "title": project["title"],
        "region_code": project["region_code"],
        "region_name": REGIONS[project["region_code"]].name,
        "district": project["district"], "agglomeration": project["agglomeration"],
        "sector": project["sector"], "project_type": project["project_type"],
        "stage": project["stage"], "stage_entered_at": iso(project["stage_entered_at"]),
        "priority": project["priority"], "investor_name": investor["name"],
        "investor_country": investor["country"], "investor_bin": investor["bin"],
        "cost_amount": money_str(cost["amount"]), "cost_currency": cost["currency"],
        "exchange_rate": cost["exchange_rate"], "cost_kzt": money_str(project["cost_kzt"]),
        "financing_kzt": money_str(sum(s["amount_kzt"] for s in project["financing_sources"])),
        "jobs_planned": project["jobs_planned"], "jobs_created": project["jobs_created"],
        "invested_to_date_kzt": money_str(project["invested_to_date_kzt"]),
        "planned_start": iso(project["planned_start"]),
        "planned_commissioning": iso(project["planned_commissioning"]),
        "actual_start": iso(project["actual_start"]),
        "actual_commissioning": iso(project["actual_commissioning"]),
        "expected_annual_local_revenue_kzt": money_str(
            project["expected_annual_local_revenue_kzt"]),
        "created_at": iso(project["created_at"]), "updated_at": iso(project["updated_at"]),
        "version": project["version"],
    }
    return [safe_cell(values[c], numbers_ok=c not in _TEXT_COLUMNS)
            for c in CSV_COLUMNS]


def to_csv_rows(projects) -> list[list[str]]:
    """Header row then one row of strings per project, in the order given."""
    return [list(CSV_COLUMNS)] + [csv_row(p) for p in projects]


def _narrative(text: str) -> dict:
    return {"narrative": [{"text": text}]}


def to_iati_activity(project: dict, config=DEFAULT_SETTINGS) -> dict:
    """An IATI-like activity (JSON form of the IATI 2.03 ``iati-activity`` element)."""
    region = REGIONS[project["region_code"]]
    investor = project["investor"]
    dates = [("1", project["planned_start"]), ("2", project["actual_start"]),
             ("3", project["planned_commissioning"]), ("4", project["actual_commissioning"])]
    value_date = project["planned_start"] or local_today(project["created_at"], config)
    location = [project["district"]] if project["district"] else []
    if project["agglomeration"]:
        location.append(AGGLOMERATIONS[project["agglomeration"]].name)
    activity = {
        "iati-identifier": f"{config.iati_reporting_org_ref}-{project['external_ref']}",
        "last-updated-datetime": iso(project["updated_at"]),
        "default-currency": "KZT",
        "reporting-org": {"ref": config.iati_reporting_org_ref, "type": "10",
                          **_narrative(config.iati_reporting_org_name)},
        "title": _narrative(project["title"]),
        "description": [{"type": "1", **_narrative(project["description"] or project["title"])}],
        "participating-org": [{"role": "1", "ref": f"KZ-BIN-{investor['bin']}",
                               "country": investor["country"], **_narrative(investor["name"])}],
        "activity-status": {"code": IATI_ACTIVITY_STATUS[project["stage"]]},
        "activity-date": [{"type": t, "iso-date": iso(d)} for t, d in dates if d is not None],
        "recipient-country": {"code": "KZ", "percentage": "100"},
        "recipient-region": {"code": project["region_code"], "vocabulary": "99",
                             "percentage": "100", **_narrative(region.name)},
        "sector": [{"code": project["sector"], "vocabulary": "99", "percentage": "100",
                    **_narrative(SECTORS[project["sector"]])}],
        "activity-scope": {"code": "6"},  # 6: sub-national, single first-level administrative area
        "tag": [{"code": project["project_type"], "vocabulary": "99",
                 **_narrative(PROJECT_TYPES[project["project_type"]])}],
        "budget": [{
            "type": "1", "status": "1",
            **({"period-start": {"iso-date": iso(project["planned_start"])}}
               if project["planned_start"] else {}),
            **({"period-end": {"iso-date": iso(project["planned_commissioning"])}}
               if project["planned_commissioning"] else {}),
            "value": {"currency": "KZT", "value-date": iso(value_date),
                      "value": money_str(project["cost_kzt"])},
        }],
    }
    if location:
        activity["location"] = [{"name": _narrative(", ".join(location))}]
    return activity


class ProjectExports:
    def __init__(self, projects, settings=DEFAULT_SETTINGS):
        self.projects = projects
        self.settings = settings

    def page(self, query: dict, export_format: str) -> dict:
        """One page (the largest page size) of the pipeline as CSV rows, header first, or as
        IATI-like activities; ``next_cursor`` continues it."""
        if export_format not in EXPORT_FORMATS:
            raise ValidationFailed("unknown export format",
                                   {"format": [f"one of: {', '.join(EXPORT_FORMATS)}"]})
        query = {**query, "page_size": self.settings.max_page_size}
        page = self.projects.query(normalise_query(query, self.settings))
        if export_format == "csv":
            rows = to_csv_rows(page["items"])
        else:
            rows = [to_iati_activity(p, self.settings) for p in page["items"]]
        return {"rows": rows, "next_cursor": page["next_cursor"]}
