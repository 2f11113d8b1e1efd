"""The settlement register and SRS assessments over HTTP (the Office hub).

- ``POST /api/v1/hub/settlements/imports`` takes the Bureau's KATO classifier as a CSV body (up to
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

from datetime import datetime, timezone

from services.common.csv_rows import error_entries, file_error, text_lines
from services.common.csv_rows import RowErrors
from services.common.errors import NotFound, ValidationFailed
from services.common.regions import REGION_CODES
from services.common.srs import kato_region
from services.gateway.access import policy
from services.gateway.base import GatewayBase
from services.gateway.edge.http import api, read_json
from services.gateway.hub.settlement_schemas import (AssessmentInSchema, AssessmentSchema,
                                                     GapListSchema, GapQuery, ImportQuery,
                                                     RegisterImportSchema, SettlementPageSchema,
                                                     SettlementQuery,
                                                     SettlementWithAssessmentsSchema,
                                                     SrsRollupListSchema, SrsRollupSchema,
                                                     YearQuery)
from services.gateway.hub.settlements import (Skipped, gap_list, new_assessment,
                                              parse_register_csv, scorecard_srs_record,
                                              srs_rollup)
from services.gateway.routes.budgets import _pieces
from services.gateway.edge.schemas import load_body, load_query

TAGS = ("hub", "settlements")
BATCH = 500
MAX_ERRORS_KEPT = 1000
BAD_INPUT = "invalid input; details map each bad field to its reasons"


def _now() -> datetime:
    return datetime.now(timezone.utc)


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


class SettlementRoutes(GatewayBase):

    # -- import -----------------------------------------------------------------------------------
    @api("POST", "/api/v1/hub/settlements/imports", permission=("hub.settlements", "import"),
         tags=TAGS, query=ImportQuery, response=RegisterImportSchema,
         summary="Import the Bureau's KATO classifier (CSV body), with a per-row report",
         responses={201: "imported; the report names every rejected row",
                    400: "the file cannot be read (header, encoding)", 413: "body over 1 MiB"})
    def hub_import_settlements(self, request):
        query = load_query(ImportQuery(), request.args)
        by = request.principal.subject
        job = self.settlement_imports.start(file_name=query["file_name"], by=by, now=_now())
        report = {"rows_processed": 0, "units_inserted": 0, "units_updated": 0,
                  "units_unchanged": 0, "rows_rejected": 0, "rows_skipped": 0,
                  "region_codes": [], "errors": [], "errors_total": 0}
        try:
            self._stream_register(request.stream, job, report)
        except ValidationFailed as exc:
            report["errors"] = file_error(exc) + report["errors"]
            report["errors_total"] += len(file_error(exc))
            self.settlement_imports.finish(job, report, now=_now(), failed=True)
            raise ValidationFailed(exc.message, {**exc.details, "import_id": job["import_id"]})
        touched = report["region_codes"]
        for region in touched:
            self._refresh_rollup(region)
        done = self.settlement_imports.finish(job, report, now=_now())
        return 201, _dump_import(done)

    def _stream_register(self, stream, job: dict, report: dict) -> None:
        regions, seen, batch = set(), {}, []
        lines = text_lines(_pieces(stream))
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
            outcome, operation = self.settlements.stage_unit(result, source)
            report[f"units_{outcome}"] += 1
            if operation is not None:
                regions.add(result["region_code"])
                batch.append(operation)
            if len(batch) >= BATCH:
                self.settlements.write(batch)
                batch = []
        self.settlements.write(batch)
        report["region_codes"] = sorted(regions)

    def _refresh_rollup(self, region: str, year: int | None = None) -> None:
        year = year or self.srs_assessments.latest_year([region])
        if year is None:
            return
        rollup = srs_rollup(self.settlements.of_regions([region]),
                            self.srs_assessments.of_regions([region], year), year=year)
        self.srs_assessments.store_region_rollup(region, rollup, now=_now())

    @api("GET", "/api/v1/hub/settlements/imports/<string:import_id>",
         permission=("hub.settlements", "import"), tags=TAGS, response=RegisterImportSchema,
         summary="The report of one register import (counts and rejected rows)")
    def hub_settlement_import(self, request, import_id):
        job = self.settlement_imports.get_import(import_id)
        if job is None:
            raise NotFound(f"no register import {import_id}", {"import_id": import_id})
        return _dump_import(job)

    # -- units ------------------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/settlements", permission=("hub", "read"), tags=TAGS,
         query=SettlementQuery, response=SettlementPageSchema,
         summary="Units of the settlement register (by region, kind, flag or rural district)")
    def hub_list_settlements(self, request):
        query = load_query(SettlementQuery(), request.args)
        regions = policy.region_filter(request.principal, "hub")
        if query.get("region"):
            policy.authorize(request.principal, "hub", "read", query["region"])
            regions = {query["region"]}
        if query.get("parent"):
            policy.authorize(request.principal, "hub", "read", kato_region(query["parent"]))
        items, total = self.settlements.query(
            region_codes=regions, kind=query.get("kind"), flag=query.get("flag"),
            parent_kato=query.get("parent"), limit=query["limit"], offset=query["offset"])
        return SettlementPageSchema().dump({"items": items, "total": total,
                                            "limit": query["limit"], "offset": query["offset"]})

    @api("GET", "/api/v1/hub/settlements/<string:kato>", permission=("hub", "read"), tags=TAGS,
         response=SettlementWithAssessmentsSchema,
         summary="One unit of the register with its SRS assessments by year")
    def hub_get_settlement(self, request, kato):
        policy.authorize(request.principal, "hub", "read", kato_region(_kato(kato)))
        unit = self.settlements.get_unit(kato)
        if unit is None:
            raise NotFound(f"no unit {kato} in the settlement register", {"kato": kato})
        unit["assessments"] = self.srs_assessments.of_settlement(kato)
        return SettlementWithAssessmentsSchema().dump(unit)

    # -- assessments ------------------------------------------------------------------------------
    @api("PUT", "/api/v1/hub/settlements/<string:kato>/srs/<int:year>",
         permission=("hub.srs", "write"), tags=TAGS, body=AssessmentInSchema,
         response=AssessmentSchema,
         summary="Record a settlement's SRS coverage per standard for a year (manual entry)",
         responses={400: BAD_INPUT, 404: "no such unit in the register"})
    def hub_put_assessment(self, request, kato, year):
        region = kato_region(_kato(kato))
        policy.authorize(request.principal, "hub.srs", "write", region)
        body = load_body(AssessmentInSchema(), read_json(request))
        now = _now()
        if year > now.year:
            raise ValidationFailed("invalid SRS assessment", {"year": ["must not be in the future"]})
        unit = self.settlements.get_unit(kato)
        if unit is None:
            raise NotFound(f"no unit {kato} in the settlement register", {"kato": kato})
        by = request.principal.subject
        assessment = new_assessment(
            unit, year, body["coverage"],
            source={"kind": "manual", "by": by, "at": now, "reference": body["reference"],
                    "import_id": None, "file_name": None, "row": None})
        stored = self.srs_assessments.put(assessment, by=by, now=now)
        self._refresh_rollup(region, year)
        return AssessmentSchema().dump(stored)

    # -- roll-ups and gaps ------------------------------------------------------------------------
    def _year(self, query: dict, regions) -> int | None:
        return query.get("year") or self.srs_assessments.latest_year(regions)

    @api("GET", "/api/v1/hub/regions/<string:code>/srs/settlements", permission=("hub", "read"),
         tags=TAGS, query=YearQuery, response=SrsRollupSchema,
         summary="A region's SRS figures rolled up by population from its settlements")
    def hub_region_srs_rollup(self, request, code):
        policy.authorize(request.principal, "hub", "read", _region(code))
        query = load_query(YearQuery(), request.args)
        year = self._year(query, [code])
        assessments = self.srs_assessments.of_regions([code], year) if year else []
        rollup = srs_rollup(self.settlements.of_regions([code]), assessments, year=year)
        return SrsRollupSchema().dump({"scope": code, **rollup})

    @api("GET", "/api/v1/hub/srs/rollup", permission=("hub", "read"), tags=TAGS,
         query=YearQuery, response=SrsRollupListSchema,
         summary="SRS figures per region and in total (the country for national roles)")
    def hub_srs_rollup(self, request):
        query = load_query(YearQuery(), request.args)
        allowed = policy.region_filter(request.principal, "hub")
        codes = list(REGION_CODES) if allowed is None else sorted(allowed)
        year = self._year(query, codes)
        units = self.settlements.of_regions(codes)
        assessments = self.srs_assessments.of_regions(codes, year) if year else []
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

    @api("GET", "/api/v1/hub/regions/<string:code>/srs/gaps", permission=("hub", "read"),
         tags=TAGS, query=GapQuery, response=GapListSchema,
         summary="Settlements of a region that miss an SRS standard, with the projects closing it")
    def hub_region_srs_gaps(self, request, code):
        policy.authorize(request.principal, "hub", "read", _region(code))
        query = load_query(GapQuery(), request.args)
        year = self._year(query, [code])
        assessments = self.srs_assessments.of_regions([code], year) if year else []
        gaps = gap_list(self.settlements.of_regions([code]), assessments,
                        self.hub_models.projects_of_region(code),
                        standard=query.get("standard"))
        return GapListSchema().dump({"region_code": code, "year": year, **gaps})


def _dump_import(job: dict) -> dict:
    out = RegisterImportSchema().dump(job)
    out["errors_truncated"] = job.get("errors_total", 0) > len(job.get("errors") or [])
    return out
