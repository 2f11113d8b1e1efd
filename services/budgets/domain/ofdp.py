"""Open Fiscal Data Package (OpenSpending's Fiscal Data Package) export of revenue lines (pure).

A package is ``datapackage.json`` plus one CSV resource. Following the Fiscal Data Package
specification, the budget phase is a property of a *measure*, so the CSV is "wide": one row per
budget, period and revenue code, with one amount column per phase:

=====================  =====================================================================
column                 meaning
=====================  =====================================================================
region_code            ISO 3166-2:KZ region (location / entity dimension)
budget_level           oblast, city_republican, district, rural_district
district               district or rural-district budget name (empty for oblast / city)
fiscal_year            the fiscal year (calendar year)
period                 M01..M12, Q1..Q4 or Y (see :mod:`services.budgets.domain.periods`)
period_start/_end      ISO dates the period covers (datetime dimension)
ebk_code … class_name  the revenue code and its category / class names (classification)
amount_planned         measure, phase ``proposed`` (the platform's ``planned``)
amount_approved        measure, phase ``approved``
amount_executed        measure, phase ``executed``
=====================  =====================================================================

Every measure has ``currency: KZT``, ``direction: revenue`` and ``factor: 1``. An empty cell means
no line of that phase. :func:`measure_phases` reads the model back for imports.
"""
import calendar
import csv
from datetime import date, datetime
from itertools import groupby

from services.budgets.domain.ebk import EbkClassification, EbkEditions, default_editions
from services.budgets.domain.lines import PHASES, natural_key
from services.budgets.domain.periods import parse_period
from services.common.csv_cells import safe_row
from services.common.errors import ValidationFailed
from services.common.money import money_str

RESOURCE_NAME = "local-budget-revenue"
RESOURCE_PATH = "data/local-budget-revenue.csv"

# The platform's phases and the Fiscal Data Package phase vocabulary
# (proposed, approved, adjusted, executed).
PHASE_TO_FDP = {"planned": "proposed", "approved": "approved", "executed": "executed"}
FDP_TO_PHASE = {"proposed": "planned", "approved": "approved", "adjusted": "approved",
                "executed": "executed"}
MEASURE_COLUMNS = {phase: f"amount_{phase}" for phase in PHASES}

DIMENSION_COLUMNS = ("region_code", "budget_level", "district", "fiscal_year", "period",
                     "period_start", "period_end", "ebk_code", "ebk_name", "ebk_category",
                     "category_name", "ebk_class", "class_name")
CSV_COLUMNS = DIMENSION_COLUMNS + tuple(MEASURE_COLUMNS[p] for p in PHASES)

_FIELD_TYPES = {"fiscal_year": "year", "period_start": "date", "period_end": "date",
                "ebk_category": "integer"}


def period_dates(fiscal_year: int, period: str) -> tuple[date, date]:
    spec = parse_period(period)
    last_day = calendar.monthrange(fiscal_year, spec.last_month)[1]
    return date(fiscal_year, spec.first_month, 1), date(fiscal_year, spec.last_month, last_day)


def _group_key(line: dict) -> tuple:
    key = natural_key(line)
    return key[:6]  # every part but the phase


def ofdp_rows(lines, classification: EbkClassification | EbkEditions | None = None, *,
              presorted: bool = False):
    """Wide CSV rows (dicts keyed by :data:`CSV_COLUMNS`) from revenue line documents.

    Lines of the same budget, period and code but different phases share a row. With
    ``presorted=True`` the lines must arrive ordered by :func:`natural_key` and are streamed;
    otherwise they are sorted in memory first (exports are per region and year, so bounded).
    """
    classification = classification or default_editions()
    ordered = lines if presorted else sorted(lines, key=natural_key)
    for key, group in groupby(ordered, key=_group_key):
        region_code, level, district, year, period, ebk_code = key
        start, end = period_dates(year, period)
        names = classification.for_year(year).describe(ebk_code)  # the year's edition
        row = {"region_code": region_code, "budget_level": level, "district": district,
               "fiscal_year": year, "period": period, "period_start": start.isoformat(),
               "period_end": end.isoformat(), "ebk_code": ebk_code, "ebk_name": names["name"],
               "ebk_category": int(names["category"]), "category_name": names["category_name"],
               "ebk_class": names["class"], "class_name": names["class_name"]}
        row.update({column: "" for column in MEASURE_COLUMNS.values()})
        for line in group:
            row[MEASURE_COLUMNS[line["phase"]]] = money_str(line["amount_kzt"])
        yield row


def write_ofdp_csv(lines, out, classification: EbkClassification | EbkEditions | None = None, *,
                   presorted: bool = False) -> int:
    """Write the CSV resource to the text stream ``out``; returns the number of data rows."""
    return write_rows(ofdp_rows(lines, classification, presorted=presorted), out)


def write_rows(rows, out) -> int:
    """Write the header and ``rows`` (dicts keyed by :data:`CSV_COLUMNS`), every cell through
    ``safe_cell`` (names of the classification are text a spreadsheet must not evaluate)."""
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))
        count += 1
    return count


def _schema_fields() -> list[dict]:
    fields = []
    for column in CSV_COLUMNS:
        field = {"name": column, "type": _FIELD_TYPES.get(column, "string")}
        if column in MEASURE_COLUMNS.values():
            field.update({"type": "number", "decimalChar": ".", "groupChar": ""})
        fields.append(field)
    return fields


def datapackage_descriptor(*, fiscal_years, region_codes, created_at: datetime,
                           name: str | None = None, title: str | None = None,
                           resource_path: str = RESOURCE_PATH) -> dict:
    """The ``datapackage.json`` descriptor for a CSV written by :func:`write_ofdp_csv`."""
    years = sorted({int(y) for y in fiscal_years})
    regions = sorted(set(region_codes))
    if not years:
        raise ValueError("a package covers at least one fiscal year")
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    scope = regions[0].lower() if len(regions) == 1 else "kz"
    measures = {
        MEASURE_COLUMNS[phase]: {"source": MEASURE_COLUMNS[phase], "resource": RESOURCE_NAME,
                                 "currency": "KZT", "factor": 1, "direction": "revenue",
                                 "phase": PHASE_TO_FDP[phase]}
        for phase in PHASES}
    dimensions = {
        "location": {"dimensionType": "location", "primaryKey": ["region_code"],
                     "attributes": {"region_code": {"source": "region_code"}}},
        "budget": {"dimensionType": "entity", "primaryKey": ["budget_level", "district"],
                   "attributes": {"budget_level": {"source": "budget_level"},
                                  "district": {"source": "district"}}},
        "date": {"dimensionType": "datetime", "primaryKey": ["fiscal_year", "period"],
                 "attributes": {"fiscal_year": {"source": "fiscal_year"},
                                "period": {"source": "period"},
                                "period_start": {"source": "period_start"},
                                "period_end": {"source": "period_end"}}},
        "revenue-classification": {
            "dimensionType": "classification", "classificationType": "economic",
            "primaryKey": ["ebk_code"],
            "attributes": {
                "ebk_code": {"source": "ebk_code"},
                "ebk_name": {"source": "ebk_name", "labelfor": "ebk_code"},
                "ebk_category": {"source": "ebk_category"},
                "category_name": {"source": "category_name", "labelfor": "ebk_category"},
                "ebk_class": {"source": "ebk_class", "parent": "ebk_category"},
                "class_name": {"source": "class_name", "labelfor": "ebk_class"}}},
    }
    return {
        "profile": "fiscal-data-package",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "name": name or f"local-budget-revenue-{scope}-{span}",
        "title": title or f"Local budget revenue, {', '.join(regions) or 'Kazakhstan'}, {span}",
        "countryCode": "KZ",
        "granularity": "aggregated",
        "fiscalPeriod": {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"},
        "created": created_at.isoformat(),
        "regions": regions,
        "resources": [{"name": RESOURCE_NAME, "path": resource_path, "format": "csv",
                       "mediatype": "text/csv", "encoding": "utf-8",
                       "schema": {"fields": _schema_fields()}}],
        "model": {"measures": measures, "dimensions": dimensions},
    }


def measure_phases(descriptor: dict) -> tuple[str, dict[str, str], dict[str, dict]]:
    """Read an import's model: ``(resource_path, {measure column: platform phase}, attributes)``.

    ``attributes`` maps attribute names to their ``{source | constant}`` spec, so a package whose
    columns are named differently still maps to the platform's fields when the model's attribute
    names are the platform's (``region_code``, ``budget_level``, ``district``, ``fiscal_year``,
    ``period``, ``ebk_code``, and ``phase`` for packages with one measure and a phase column).
    Raises ``ValidationFailed`` when the descriptor cannot be read that way.
    """
    problems: dict = {}
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    model = descriptor.get("model") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not resources or not isinstance(resources[0], dict):
        problems.setdefault("resources", []).append("at least one CSV resource is required")
    if not isinstance(model, dict) or not isinstance(model.get("measures"), dict) \
            or not isinstance(model.get("dimensions"), dict):
        problems.setdefault("model", []).append("measures and dimensions are required")
    if problems:
        raise ValidationFailed("invalid data package", problems)
    resource = resources[0]
    measures: dict[str, str] = {}
    for measure_name, spec in model["measures"].items():
        if spec.get("currency", "KZT") != "KZT":
            problems.setdefault(f"model.measures.{measure_name}", []).append("currency must be KZT")
        if spec.get("direction", "revenue") != "revenue":
            problems.setdefault(f"model.measures.{measure_name}", []).append(
                "direction must be revenue")
        if spec.get("factor", 1) != 1:
            problems.setdefault(f"model.measures.{measure_name}", []).append("factor must be 1")
        phase = spec.get("phase")
        if phase is not None and phase not in FDP_TO_PHASE:
            problems.setdefault(f"model.measures.{measure_name}", []).append(
                f"unknown phase {phase!r}")
        measures[spec.get("source", measure_name)] = FDP_TO_PHASE.get(phase) if phase else None
    attributes = {name: spec for dim in model["dimensions"].values()
                  for name, spec in (dim.get("attributes") or {}).items()}
    needed = ["region_code", "budget_level", "fiscal_year", "period", "ebk_code"]
    if any(phase is None for phase in measures.values()):
        needed.append("phase")
    for name in needed:
        if name not in attributes:
            problems.setdefault("model.dimensions", []).append(f"no attribute named {name}")
    if problems:
        raise ValidationFailed("invalid data package", problems)
    return resource.get("path"), measures, attributes
