"""Local budget revenue over HTTP: revenue lines, bulk imports, indicators, forecast, transfers,
block budgets and annual reports (``/api/v1/budgets/...``).

Authorisation: the route gate checks the permission (``budgets:read`` / ``budgets:write`` /
``budgets:report``); each handler then checks the region of what it touches, so a regional
officer reads and writes only their own region (403 otherwise, guessed block or import ids
included). The budgets service validates the input and answers 400 naming the field.

Imports travel in chunks (the HTTP body cap is 1 MiB): ``POST /imports`` opens one, ``PUT
/imports/{id}/chunks/{seq}`` sends text chunk ``seq`` (0, 1, …; each valid UTF-8 on its own),
``POST /imports/{id}/finish`` queues it, ``GET /imports/{id}`` reports progress and the row errors.
A file that fits the cap can be posted at once: ``POST /imports/csv`` (CSV body) or ``POST
/imports/ofdp`` (a zip of ``datapackage.json`` and its CSV resource, as the export produces); the
gateway streams it to the service in chunks. The Open Fiscal Data Package of a report is served as
one zip (``datapackage.json`` + ``data/local-budget-revenue.csv``), not as two links, so a
download is always a consistent pair.
"""
import codecs
import io
import json
import zipfile

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from services.budgets.contract import (BlockCreateSchema, BlockOutSchema, ForecastOutSchema,
                                      ImportFinishSchema, ImportStartSchema, ImportStatusSchema,
                                      IndicatorsOutSchema, PageSchema, ReportOutSchema,
                                      RevenueBatchSchema, RevenueQuerySchema, TransfersOutSchema)
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.common.regions import REGIONS
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.edge import parse_json
from services.gateway.http import api, read_json
from services.gateway.import_limits import (MAX_DESCRIPTOR_BYTES, CappedReader, ImportLimits,
                                            check_zip_member, read_zip_member)

PIECE_BYTES = 256 * 1024
BASE = "/api/v1/budgets"
TAGS = ("budgets",)

# Extra answers of the OpenAPI document, shared by the routes.
BAD_INPUT = "invalid input; details map each bad field to its reasons"
FORBIDDEN = "the caller's role or region does not allow this"
LIMIT = ("a block rule refused it (details: rule block_limit or insufficient_line_balance, "
         "with the figures)")


# ---- shapes of the queries and bodies (for the OpenAPI document) ---------------------------------

class ImportModeQuery(Schema):
    mode = fields.Str(load_default="partial",
                      validate=validate.OneOf(("partial", "all_or_nothing")))


class IndicatorsAsOfQuery(Schema):
    as_of = fields.Str(load_default="Y", metadata={
        "description": "Y (year to date, stored) or a period: M01..M12, Q1..Q4"})


class BlockListQuery(Schema):
    fiscal_year = fields.Int()


class TransfersBody(Schema):
    subventions_kzt = fields.Str(metadata={"description": "decimal string, KZT"})
    withdrawals_kzt = fields.Str(metadata={"description": "decimal string, KZT"})
    earmarked_kzt = fields.Str(metadata={"description": "decimal string, KZT"})


class BlockAllocateBody(Schema):
    line_id = fields.Str(required=True)
    name = fields.Str()
    allocated_kzt = fields.Str(required=True)


class BlockMoveBody(Schema):
    from_line = fields.Str(required=True)
    to_line = fields.Str(required=True)
    amount_kzt = fields.Str(required=True)
    move_id = fields.Str(metadata={"description": "makes a retried move a no-op"})


class BlockExecutionBody(Schema):
    line_id = fields.Str(required=True)
    amount_kzt = fields.Str(required=True)


def _known_region(region: str) -> str:
    if region not in REGIONS:
        raise ValidationFailed("unknown region", {
            "region_code": ["unknown region: use an ISO 3166-2:KZ code such as KZ-61"]})
    return region


def _scope(request, action: str):
    regions = policy.region_filter(request.principal, "budgets", action)
    return sorted(regions) if regions is not None else None


def _block_region(block_id: str) -> str:
    parts = block_id.split("|")
    if len(parts) < 3 or parts[-2] not in REGIONS:
        raise NotFound(f"block {block_id} not found", {"id": block_id})
    return parts[-2]


def _pieces(stream, size: int = PIECE_BYTES):
    """Decoded text pieces of a byte stream (a character cut between reads is kept whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while True:
            data = stream.read(size)
            if not data:
                break
            text = decoder.decode(data)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the body is not UTF-8 text", {"body": [str(exc)]})


class BudgetsRoutes(GatewayBase):
    import_limits = ImportLimits()

    def _out(self, request, body):
        return policy.redact(request.principal, "budgets", body)

    # -- revenue lines -----------------------------------------------------------------------------
    @api("GET", f"{BASE}/revenues", permission=("budgets", "read"),
         summary="List revenue lines (filters; page_size capped at 500)",
         query=RevenueQuerySchema, response=PageSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: "a region outside the caller's scope was asked for"})
    def budgets_list_revenues(self, request):
        filters = request.args.to_dict(flat=True)
        if filters.get("region_code") in REGIONS:
            policy.authorize(request.principal, "budgets", "read", filters["region_code"])
        page = self.budgets.query_lines(filters, _scope(request, "read"))
        return self._out(request, page)

    @api("POST", f"{BASE}/revenues", permission=("budgets", "write"),
         summary="Record one revenue line, or a batch {lines, batch_id?} (natural-key upsert)",
         body=RevenueBatchSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_record_revenues(self, request):
        body = read_json(request)
        batch = "lines" in body
        lines = body.get("lines") if batch else [body]
        if isinstance(lines, list):
            for region in {item.get("region_code") for item in lines if isinstance(item, dict)}:
                if region in REGIONS:  # an unknown region is the service's 400
                    policy.authorize(request.principal, "budgets", "write", region)
        if batch:
            return self.budgets.record_lines(body, request.principal.subject)
        return self.budgets.record_line(body)

    # -- imports ---------------------------------------------------------------------------------
    def _import_for(self, request, import_id: str, action: str) -> dict:
        status = self.budgets.import_status(import_id)
        covered = status.get("scope_regions")

        def outside(scope):
            return scope is not None and (covered is None or not set(covered) <= scope)
        if outside(policy.region_filter(request.principal, "budgets", "read")):
            # the answer the service gives for an unknown id: "elsewhere" looks like "nowhere"
            raise NotFound(f"import {import_id} not found", {"import_id": import_id})
        if outside(policy.region_filter(request.principal, "budgets", action)):
            raise Forbidden(f"{request.principal.role} may not {action} this import",
                            {"role": request.principal.role, "resource": "budgets",
                             "action": action, "region": None})
        return status

    @api("POST", f"{BASE}/imports", permission=("budgets", "write"),
         summary="Open a chunked import (CSV, or OFDP with its datapackage)",
         body=ImportStartSchema, response=ImportStatusSchema, tags=TAGS,
         responses={201: "opened: send the chunks, then finish", 400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_start_import(self, request):
        body = read_json(request)
        credential = request.principal.rate_limit_key
        self.import_limits.open_imports.check(credential)  # 429 past the open imports allowed
        status = self.budgets.import_start(body.get("format"), body.get("mode", "partial"),
                                           body.get("datapackage"), _scope(request, "write"),
                                           request.principal.subject)
        self.import_limits.open_imports.opened(credential, status["import_id"])
        return 201, status

    @api("PUT", f"{BASE}/imports/<string:import_id>/chunks/<int:seq>",
         permission=("budgets", "write"),
         summary="Send text chunk seq (0, 1, ...) of an import (UTF-8 body, at most 1 MiB)",
         tags=TAGS, responses={400: BAD_INPUT, 403: FORBIDDEN, 404: "no such import",
                               409: "another text under this seq, or the import is closed"})
    def budgets_import_chunk(self, request, import_id, seq):
        self.import_limits.check_chunk(seq)  # 413: chunks beyond the import's size limit
        self._import_for(request, import_id, "write")
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("a chunk must be UTF-8 text cut at a character boundary",
                                   {"body": [str(exc)]})
        return self.budgets.import_chunk(import_id, seq, text)

    @api("POST", f"{BASE}/imports/<string:import_id>/finish", permission=("budgets", "write"),
         summary="Every chunk is sent: queue the import (poll its status)",
         body=ImportFinishSchema, response=ImportStatusSchema, tags=TAGS,
         responses={202: "queued", 403: FORBIDDEN, 404: "no such import",
                    409: "not every chunk has arrived (details: chunks_total, chunks_received)"})
    def budgets_finish_import(self, request, import_id):
        self._import_for(request, import_id, "write")
        body = read_json(request)
        finished = self.budgets.import_finish(import_id, body.get("chunks"))
        self.import_limits.open_imports.closed(request.principal.rate_limit_key, import_id)
        return 202, finished

    @api("GET", f"{BASE}/imports/<string:import_id>", permission=("budgets", "read"),
         summary="Progress of an import and its row errors (row, field, reason)",
         response=ImportStatusSchema, tags=TAGS,
         responses={403: FORBIDDEN, 404: "no such import"})
    def budgets_import_status(self, request, import_id):
        return self._out(request, self._import_for(request, import_id, "read"))

    @api("POST", f"{BASE}/imports/csv", permission=("budgets", "write"),
         summary="Import a CSV body at once (up to 1 MiB; larger files: chunked import)",
         query=ImportModeQuery, response=ImportStatusSchema, tags=TAGS,
         responses={202: "queued", 400: BAD_INPUT, 403: FORBIDDEN, 413: "body over 1 MiB"})
    def budgets_import_csv(self, request):
        mode = request.args.get("mode", "partial")
        self.import_limits.open_imports.check(request.principal.rate_limit_key)
        status = self.budgets.import_start("csv", mode, None, _scope(request, "write"),
                                           request.principal.subject)
        body = CappedReader(request.stream, self.import_limits.max_bytes, "body")
        return 202, self._send(status["import_id"], _pieces(body))

    @api("POST", f"{BASE}/imports/ofdp", permission=("budgets", "write"),
         summary="Import an OFDP zip (datapackage.json and its CSV resource) at once",
         query=ImportModeQuery, response=ImportStatusSchema, tags=TAGS,
         responses={202: "queued", 400: BAD_INPUT, 403: FORBIDDEN, 413: "body over 1 MiB"})
    def budgets_import_ofdp(self, request):
        mode = request.args.get("mode", "partial")
        self.import_limits.open_imports.check(request.principal.rate_limit_key)
        max_bytes = self.import_limits.max_bytes
        try:  # sizes checked before inflating; the reader stops at the cap if a header lies
            package = zipfile.ZipFile(io.BytesIO(request.get_data(cache=False)))
            descriptor = parse_json(read_zip_member(package, "datapackage.json",
                                                    MAX_DESCRIPTOR_BYTES), "datapackage.json")
            path = descriptor["resources"][0]["path"]
            check_zip_member(package, path, max_bytes)
            resource = CappedReader(package.open(path), max_bytes, path)
        except (zipfile.BadZipFile, KeyError, IndexError, TypeError, ValueError) as exc:
            raise ValidationFailed("the body must be a zip holding datapackage.json and its CSV "
                                   "resource", {"body": [f"{type(exc).__name__}: {exc}"]})
        status = self.budgets.import_start("ofdp", mode, descriptor, _scope(request, "write"),
                                           request.principal.subject)
        return 202, self._send(status["import_id"], _pieces(resource))

    def _send(self, import_id: str, pieces) -> dict:
        count = 0
        for seq, text in enumerate(pieces):
            self.budgets.import_chunk(import_id, seq, text)
            count = seq + 1
        return self.budgets.import_finish(import_id, count)

    # -- indicators, forecast, transfers -----------------------------------------------------------
    @api("GET", f"{BASE}/regions/<string:region>/indicators/<int:year>",
         permission=("budgets", "read"),
         summary="Fiscal autonomy indicators of a region and year (stored, or as of a period)",
         query=IndicatorsAsOfQuery, response=IndicatorsOutSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_indicators(self, request, region, year):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        as_of = request.args.get("as_of", "Y")
        return self._out(request, self.budgets.indicators(region, year, as_of))

    @api("GET", f"{BASE}/regions/<string:region>/forecast", permission=("budgets", "read"),
         summary="Local revenue forecast of a region, with commissioned projects",
         response=ForecastOutSchema, tags=TAGS, responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_forecast(self, request, region):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        return self._out(request, self.budgets.forecast(region))

    @api("GET", f"{BASE}/regions/<string:region>/transfers/<int:year>",
         permission=("budgets", "read"),
         summary="Transfers of a region and year (subventions, withdrawals, earmarked)",
         response=TransfersOutSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: "no transfers recorded"})
    def budgets_get_transfers(self, request, region, year):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        return self._out(request, self.budgets.get_transfers(region, year))

    @api("PUT", f"{BASE}/regions/<string:region>/transfers/<int:year>",
         permission=("budgets", "write"),
         summary="Record the transfers of a region and year; indicators follow",
         body=TransfersBody, tags=TAGS, responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_set_transfers(self, request, region, year):
        policy.authorize(request.principal, "budgets", "write", _known_region(region))
        body = dict(read_json(request), region_code=region, fiscal_year=year)
        return self._out(request, self.budgets.set_transfers(body))

    # -- block budgets ---------------------------------------------------------------------------
    def _block_for(self, request, block_id: str, action: str) -> dict:
        # The id names the region: refuse before touching the store, then check the stored one.
        policy.authorize(request.principal, "budgets", action, _block_region(block_id))
        block = self.budgets.get_block(block_id)
        policy.authorize(request.principal, "budgets", action, block["region_code"])
        return block

    @api("POST", f"{BASE}/blocks", permission=("budgets", "write"),
         summary="Create a block budget (limit, targets, lines)",
         body=BlockCreateSchema, response=BlockOutSchema, tags=TAGS,
         responses={201: "created", 400: BAD_INPUT, 403: FORBIDDEN,
                    409: "the block exists, or allocations exceed the limit (figures in details)"})
    def budgets_create_block(self, request):
        body = read_json(request)
        if body.get("region_code") in REGIONS:
            policy.authorize(request.principal, "budgets", "write", body["region_code"])
        return 201, self.budgets.create_block(body)

    @api("GET", f"{BASE}/regions/<string:region>/blocks", permission=("budgets", "read"),
         summary="Block budgets of a region (optionally of one fiscal_year)",
         query=BlockListQuery, tags=TAGS, responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_list_blocks(self, request, region):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        year = request.args.get("fiscal_year")
        if year is not None and not year.isdigit():
            raise ValidationFailed("invalid query parameters", {"fiscal_year": ["not a year"]})
        return self._out(request, self.budgets.list_blocks(region, int(year) if year else None))

    @api("GET", f"{BASE}/blocks/<path:block_id>", permission=("budgets", "read"),
         summary="One block budget with its totals", response=BlockOutSchema, tags=TAGS,
         responses={403: FORBIDDEN, 404: "no such block"})
    def budgets_get_block(self, request, block_id):
        return self._out(request, self._block_for(request, block_id, "read"))

    def _block_command(self, request, block_id: str, method: str):
        self._block_for(request, block_id, "write")
        body = dict(read_json(request), block_id=block_id)
        return getattr(self.budgets, method)(body)

    @api("POST", f"{BASE}/blocks/<path:block_id>/allocations", permission=("budgets", "write"),
         summary="Set a line's allocation (a new line is added); the limit holds",
         body=BlockAllocateBody, response=BlockOutSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: "no such block", 409: LIMIT})
    def budgets_allocate_block_line(self, request, block_id):
        return self._block_command(request, block_id, "allocate_block_line")

    @api("POST", f"{BASE}/blocks/<path:block_id>/moves", permission=("budgets", "write"),
         summary="Move allocation between two lines (refusals emit block_move_rejected)",
         body=BlockMoveBody, response=BlockOutSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: "no such block", 409: LIMIT})
    def budgets_move_block_funds(self, request, block_id):
        return self._block_command(request, block_id, "move_block_funds")

    @api("POST", f"{BASE}/blocks/<path:block_id>/executions", permission=("budgets", "write"),
         summary="Book spending on a block line (never above its allocation)",
         body=BlockExecutionBody, response=BlockOutSchema, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: "no such block", 409: LIMIT})
    def budgets_record_block_execution(self, request, block_id):
        return self._block_command(request, block_id, "record_block_execution")

    @api("POST", f"{BASE}/blocks/<path:block_id>/carry-over", permission=("budgets", "write"),
         summary="Carry a closed year's unspent balance into next year's block (once)",
         tags=TAGS, responses={403: FORBIDDEN, 404: "no such block",
                               409: "the fiscal year is still open (rule year_not_closed)"})
    def budgets_carry_over_block(self, request, block_id):
        self._block_for(request, block_id, "write")
        return self.budgets.carry_over_block({"block_id": block_id})

    # -- annual reports --------------------------------------------------------------------------
    @api("POST", f"{BASE}/regions/<string:region>/reports/<int:year>",
         permission=("budgets", "read"),
         summary="Generate the annual report due by 1 April of the next year",
         response=ReportOutSchema, tags=TAGS,
         responses={201: "generated and stored", 400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_generate_report(self, request, region, year):
        # The region's own body files its report (write); the ministry may generate any (report).
        _known_region(region)
        principal = request.principal
        if not (policy.can(principal, "budgets", "write", region)
                or policy.can(principal, "budgets", "report", region)):
            raise Forbidden(f"{principal.role} may not generate the report of {region}",
                            {"role": principal.role, "resource": "budgets", "action": "report",
                             "region": region})
        return 201, self._out(request, self.budgets.generate_annual_report(region, year))

    @api("GET", f"{BASE}/regions/<string:region>/reports/<int:year>",
         permission=("budgets", "read"),
         summary="The stored annual report of a region and year (JSON)",
         response=ReportOutSchema, tags=TAGS,
         responses={403: FORBIDDEN, 404: "not generated yet"})
    def budgets_get_report(self, request, region, year):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        return self._out(request, self.budgets.annual_report(region, year))

    @api("GET", f"{BASE}/regions/<string:region>/reports/<int:year>/ofdp.zip",
         permission=("budgets", "report"),
         summary="Open Fiscal Data Package of the year's revenue lines, as one zip",
         tags=TAGS, responses={200: "application/zip: datapackage.json and "
                                    "data/local-budget-revenue.csv", 403: FORBIDDEN})
    def budgets_report_ofdp(self, request, region, year):
        policy.authorize(request.principal, "budgets", "report", _known_region(region))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            page = self.budgets.annual_report_ofdp(region, year)
            descriptor = page["datapackage"]
            with package.open(descriptor["resources"][0]["path"], "w") as resource:
                while True:
                    resource.write(page["csv"].encode("utf-8"))
                    if not page["next_cursor"]:
                        break
                    page = self.budgets.annual_report_ofdp(region, year, page["next_cursor"])
            package.writestr("datapackage.json", json.dumps(descriptor, indent=2))
        name = f"local-budget-revenue-{region.lower()}-{year}.zip"
        return Response(buffer.getvalue(), mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
