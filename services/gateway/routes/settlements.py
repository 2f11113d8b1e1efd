"""The settlement register and SRS assessments over HTTP (the Office hub).

- ``POST /api/v1/hub/settlements/imports`` takes the Bureau's KATO classifier as a CSV body, or as
  an XLSX workbook when ``file_name`` ends in ``.xlsx`` (its first sheet, the same rules; up to
  the 1 MiB body cap; a larger classifier is sent as several files, e.g. one per region), streams
  it row by row into the register and answers with the per-row report;
- units are read by region, kind, flag or parent rural district; one unit with its assessments;
- ``PUT /api/v1/hub/settlements/{kato}/srs/{year}`` records a settlement's coverage per standard
  (a manual entry: who and when are kept, with the document the figures come from);
- roll-ups by population per region and for the caller's scope, and gap lists per region.

Region scope: the unit's region is the first two digits of its KATO code; a regional officer
reads only units, roll-ups and gaps of their own region (403 otherwise).
"""
from __future__ import annotations

from services.common import clock
from services.common.csv_rows import RowErrors, error_entries, file_error, text_lines
from services.common.errors import NotFound, ValidationFailed
from services.common.loading import load, load_query
from services.common.regions import REGION_CODES
from services.common.srs import kato_region
from services.gateway.access import policy
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.hub.settlement_schemas import (
    AssessmentInSchema,
    AssessmentSchema,
    GapListSchema,
    GapQuery,
    ImportQuery,
    RegisterImportSchema,
    SettlementPageSchema,
    SettlementQuery,
    SettlementWithAssessmentsSchema,
    SrsRollupListSchema,
    SrsRollupSchema,
    YearQuery,
)
from services.gateway.hub.settlements import (
    Skipped,
    gap_list,
    new_assessment,
    parse_register_csv,
    scorecard_srs_record,
    srs_rollup,
)
from services.gateway.hub.xlsx_sheet import csv_lines, sheet_rows
from services.gateway.routes.budgets import _pieces

TAGS = ("hub", "settlements")
BATCH = 500
MAX_ERRORS_KEPT = 1000
MAX_XLSX_BYTES = 1024 * 1024  # the edge's body cap: a workbook is never larger
BAD_INPUT = "invalid input; details map each bad field to its reasons"


def _kato(code: str) -> str:
    if not (len(code) == 9 and code.isdigit()):
        raise ValidationFailed("invalid KATO code", {"kato": ["must be 9 digits"]})
    return code


def _region(code: str) -> str:
    if code not in REGION_CODES:
        raise NotFound(f"no region with code {code}", {"code": code})
    return code


def settlement_srs_by_region(settlements, assessments, region_codes, today) -> dict[str, dict]:
    """The scorecards' hook: per region, the SRS values derived from its assessed settlements
    (None where no settlement of the region is assessed yet)."""
    records = {}
    for code, rollup in assessments.region_rollups(region_codes).items():
        record = scorecard_srs_record(rollup, code, today)
        if record is not None:
            record["recorded_at"] = rollup.get("computed_at")
            records[code] = record
    return records


# -- import -----------------------------------------------------------------------------------
def hub_import_settlements(svc, request):
    query = load_query(ImportQuery(), request.args)
    by = request.principal.subject
    job = svc.settlement_imports.start(file_name=query["file_name"], by=by, now=clock.now_utc())
    report = {"rows_processed": 0, "units_inserted": 0, "units_updated": 0,
              "units_unchanged": 0, "rows_rejected": 0, "rows_skipped": 0,
              "region_codes": [], "errors": [], "errors_total": 0}
    try:
        _stream_register(svc, request.stream, job, report)
    except ValidationFailed as exc:
        report["errors"] = file_error(exc) + report["errors"]
        report["errors_total"] += len(file_error(exc))
        svc.settlement_imports.finish(job, report, now=clock.now_utc(), failed=True)
        raise ValidationFailed(exc.message, {**exc.details, "import_id": job["import_id"]}) from exc
    touched = report["region_codes"]
    for region in touched:
        _refresh_rollup(svc, region)
    done = svc.settlement_imports.finish(job, report, now=clock.now_utc())
    return 201, _dump_import(done)


def _register_lines(stream, file_name: str):
    """The register's lines: the CSV body as it comes, or an XLSX workbook's first sheet as CSV
    (the edge caps the body at 1 MiB, so the workbook is read whole; its sheet row by row)."""
    if file_name.lower().endswith(".xlsx"):
        data = stream.read(MAX_XLSX_BYTES + 1)
        if len(data) > MAX_XLSX_BYTES:
            raise ValidationFailed("the XLSX file cannot be read",
                                   {"file": [f"larger than {MAX_XLSX_BYTES} bytes"]})
        return csv_lines(sheet_rows(data))
    return text_lines(_pieces(stream))


def _stream_register(svc, stream, job: dict, report: dict) -> None:
    regions, seen, batch = set(), {}, []
    lines = _register_lines(stream, job["file_name"])
    for row, result in parse_register_csv(lines):
        report["rows_processed"] += 1
        if isinstance(result, Skipped):
            report["rows_skipped"] += 1
            continue
        if not isinstance(result, RowErrors) and result["kato"] in seen:
            result = RowErrors({"te": [f"{result['kato']} appears again in this file "
                                       f"(row {seen[result['kato']]})"]})
        if isinstance(result, RowErrors):
            report["rows_rejected"] += 1
            entries = error_entries(row, result)
            report["errors_total"] += len(entries)
            room = MAX_ERRORS_KEPT - len(report["errors"])
            report["errors"].extend(entries[:max(room, 0)])
            continue
        seen[result["kato"]] = row
        source = {"kind": "import", "import_id": job["import_id"],
                  "file_name": job["file_name"], "row": row, "by": job["imported_by"],
                  "at": job["started_at"], "reference": None}
        outcome, operation = svc.settlements.stage_unit(result, source)
        report[f"units_{outcome}"] += 1
        if operation is not None:
            regions.add(result["region_code"])
            batch.append(operation)
        if len(batch) >= BATCH:
            svc.settlements.write(batch)
            batch = []
    svc.settlements.write(batch)
    report["region_codes"] = sorted(regions)


def _refresh_rollup(svc, region: str, year: int | None = None) -> None:
    year = year or svc.srs_assessments.latest_year([region])
    if year is None:
        return
    rollup = srs_rollup(svc.settlements.of_regions([region]),
                        svc.srs_assessments.of_regions([region], year), year=year)
    svc.srs_assessments.store_region_rollup(region, rollup, now=clock.now_utc())


def hub_settlement_import(svc, request, import_id):
    job = svc.settlement_imports.get_import(import_id)
    if job is None:
        raise NotFound(f"no register import {import_id}", {"import_id": import_id})
    return _dump_import(job)


# -- units ------------------------------------------------------------------------------------
def hub_list_settlements(svc, request):
    query = load_query(SettlementQuery(), request.args)
    regions = policy.region_filter(request.principal, "hub")
    if query.get("region"):
        policy.authorize(request.principal, "hub", "read", query["region"])
        regions = {query["region"]}
    if query.get("parent"):
        policy.authorize(request.principal, "hub", "read", kato_region(query["parent"]))
    items, total = svc.settlements.query(
        region_codes=regions, kind=query.get("kind"), flag=query.get("flag"),
        parent_kato=query.get("parent"), limit=query["limit"], offset=query["offset"])
    return SettlementPageSchema().dump({"items": items, "total": total,
                                        "limit": query["limit"], "offset": query["offset"]})


def hub_get_settlement(svc, request, kato):
    policy.authorize(request.principal, "hub", "read", kato_region(_kato(kato)))
    unit = svc.settlements.get_unit(kato)
    if unit is None:
        raise NotFound(f"no unit {kato} in the settlement register", {"kato": kato})
    unit["assessments"] = svc.srs_assessments.of_settlement(kato)
    return SettlementWithAssessmentsSchema().dump(unit)


# -- assessments ------------------------------------------------------------------------------
def hub_put_assessment(svc, request, kato, year):
    region = kato_region(_kato(kato))
    policy.authorize(request.principal, "hub.srs", "write", region)
    body = load(AssessmentInSchema, read_json(request), message=INVALID_BODY)
    now = clock.now_utc()
    if year > now.year:
        raise ValidationFailed("invalid SRS assessment", {"year": ["must not be in the future"]})
    unit = svc.settlements.get_unit(kato)
    if unit is None:
        raise NotFound(f"no unit {kato} in the settlement register", {"kato": kato})
    by = request.principal.subject
    assessment = new_assessment(
        unit, year, body["coverage"],
        source={"kind": "manual", "by": by, "at": now, "reference": body["reference"],
                "import_id": None, "file_name": None, "row": None})
    stored = svc.srs_assessments.put(assessment, by=by, now=now)
    _refresh_rollup(svc, region, year)
    return AssessmentSchema().dump(stored)


# -- roll-ups and gaps ------------------------------------------------------------------------
def _year(svc, query: dict, regions) -> int | None:
    return query.get("year") or svc.srs_assessments.latest_year(regions)


def hub_region_srs_rollup(svc, request, code):
    policy.authorize(request.principal, "hub", "read", _region(code))
    query = load_query(YearQuery(), request.args)
    year = _year(svc, query, [code])
    assessments = svc.srs_assessments.of_regions([code], year) if year else []
    rollup = srs_rollup(svc.settlements.of_regions([code]), assessments, year=year)
    return SrsRollupSchema().dump({"scope": code, **rollup})


def hub_srs_rollup(svc, request):
    query = load_query(YearQuery(), request.args)
    allowed = policy.region_filter(request.principal, "hub")
    codes = list(REGION_CODES) if allowed is None else sorted(allowed)
    year = _year(svc, query, codes)
    units = svc.settlements.of_regions(codes)
    assessments = svc.srs_assessments.of_regions(codes, year) if year else []
    items = []
    for code in codes:
        mine = [u for u in units if u["region_code"] == code]
        if mine:
            rollup = srs_rollup(mine, [a for a in assessments if a["region_code"] == code],
                                year=year)
            items.append({"scope": code, **rollup})
    total = {"scope": "national" if allowed is None else "regions",
             **srs_rollup(units, assessments, year=year)}
    return SrsRollupListSchema().dump({"items": items, "total": total})


def hub_region_srs_gaps(svc, request, code):
    policy.authorize(request.principal, "hub", "read", _region(code))
    query = load_query(GapQuery(), request.args)
    year = _year(svc, query, [code])
    assessments = svc.srs_assessments.of_regions([code], year) if year else []
    gaps = gap_list(svc.settlements.of_regions([code]), assessments,
                    svc.hub_models.projects_of_region(code),
                    standard=query.get("standard"))
    return GapListSchema().dump({"region_code": code, "year": year, **gaps})


def _dump_import(job: dict) -> dict:
    out = RegisterImportSchema().dump(job)
    out["errors_truncated"] = job.get("errors_total", 0) > len(job.get("errors") or [])
    return out
