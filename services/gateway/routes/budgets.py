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

from services.budgets.contract import ImportFinishSchema
from services.budgets.contract.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from services.common.errors import Forbidden, NotFound, ValidationFailed
from services.common.loading import load, load_query
from services.common.money import Kzt
from services.common.regions import REGIONS
from services.gateway.access import policy
from services.gateway.edge.checks import parse_json
from services.gateway.edge.http import INVALID_BODY, read_json
from services.gateway.edge.import_limits import (
    MAX_DESCRIPTOR_BYTES,
    CappedReader,
    check_zip_member,
    read_zip_member,
)

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
    fiscal_year = fields.Int(validate=validate.Range(min=FIRST_FISCAL_YEAR, max=LAST_FISCAL_YEAR))


# The bodies as the budgets service loads them (contract/rpc.py), the path's values left out.
class TransfersBody(Schema):
    subventions_kzt = Kzt()  # 0 when left out
    withdrawals_kzt = Kzt()  # 0 when left out
    earmarked_kzt = Kzt()  # 0 when left out


class BlockAllocateBody(Schema):
    line_id = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    name = fields.Str(validate=validate.Length(max=200))
    allocated_kzt = Kzt(required=True)


class BlockMoveBody(Schema):
    from_line = fields.Str(required=True)
    to_line = fields.Str(required=True)
    amount_kzt = Kzt(required=True)
    move_id = fields.Str(validate=validate.Length(min=1, max=100),
                         metadata={"description": "makes a retried move a no-op"})


class BlockExecutionBody(Schema):
    line_id = fields.Str(required=True)
    amount_kzt = Kzt(required=True)


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
        raise ValidationFailed("the body is not UTF-8 text", {"body": [str(exc)]}) from exc


def _out(svc, request, body):
    return policy.redact(request.principal, "budgets", body)


# -- revenue lines -----------------------------------------------------------------------------
def budgets_list_revenues(svc, request):
    filters = request.args.to_dict(flat=True)
    if filters.get("region_code") in REGIONS:
        policy.authorize(request.principal, "budgets", "read", filters["region_code"])
    page = svc.budgets.query_lines(filters, _scope(request, "read"))
    return _out(svc, request, page)


def budgets_record_revenues(svc, request):
    body = read_json(request)
    batch = "lines" in body
    lines = body.get("lines") if batch else [body]
    if isinstance(lines, list):
        for region in {item.get("region_code") for item in lines if isinstance(item, dict)}:
            if region in REGIONS:  # an unknown region is the service's 400
                policy.authorize(request.principal, "budgets", "write", region)
    if batch:
        return svc.budgets.record_lines(body, request.principal.subject)
    return svc.budgets.record_line(body)


# -- imports ---------------------------------------------------------------------------------
def _import_for(svc, request, import_id: str, action: str) -> dict:
    status = svc.budgets.import_status(import_id)
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


def budgets_start_import(svc, request):
    body = read_json(request)
    credential = request.principal.rate_limit_key
    svc.import_limits.open_imports.check(credential)  # 429 past the open imports allowed
    status = svc.budgets.import_start(body.get("format"), body.get("mode", "partial"),
                                       body.get("datapackage"), _scope(request, "write"),
                                       request.principal.subject)
    svc.import_limits.open_imports.opened(credential, status["import_id"])
    return 201, status


def budgets_import_chunk(svc, request, import_id, seq):
    svc.import_limits.check_chunk(seq)  # 413: chunks beyond the import's size limit
    _import_for(svc, request, import_id, "write")
    try:
        text = request.get_data(cache=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("a chunk must be UTF-8 text cut at a character boundary",
                               {"body": [str(exc)]}) from exc
    return svc.budgets.import_chunk(import_id, seq, text)


def budgets_finish_import(svc, request, import_id):
    _import_for(svc, request, import_id, "write")
    body = load(ImportFinishSchema, read_json(request), message=INVALID_BODY)
    if body["chunks"] > svc.import_limits.max_chunks:  # no import can have sent more
        svc.import_limits.check_chunk(body["chunks"] - 1)
    finished = svc.budgets.import_finish(import_id, body["chunks"])
    svc.import_limits.open_imports.closed(request.principal.rate_limit_key, import_id)
    return 202, finished


def budgets_import_status(svc, request, import_id):
    return _out(svc, request, _import_for(svc, request, import_id, "read"))


def budgets_import_csv(svc, request):
    mode = request.args.get("mode", "partial")
    svc.import_limits.open_imports.check(request.principal.rate_limit_key)
    status = svc.budgets.import_start("csv", mode, None, _scope(request, "write"),
                                       request.principal.subject)
    body = CappedReader(request.stream, svc.import_limits.max_bytes, "body")
    return 202, _send(svc, status["import_id"], _pieces(body))


def budgets_import_ofdp(svc, request):
    mode = request.args.get("mode", "partial")
    svc.import_limits.open_imports.check(request.principal.rate_limit_key)
    max_bytes = svc.import_limits.max_bytes
    try:  # sizes checked before inflating; the reader stops at the cap if a header lies
        package = zipfile.ZipFile(io.BytesIO(request.get_data(cache=False)))
        descriptor = parse_json(read_zip_member(package, "datapackage.json",
                                                MAX_DESCRIPTOR_BYTES), "datapackage.json")
        path = descriptor["resources"][0]["path"]
        check_zip_member(package, path, max_bytes)
        resource = CappedReader(package.open(path), max_bytes, path)
    except (zipfile.BadZipFile, KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValidationFailed("the body must be a zip holding datapackage.json and its CSV "
                               "resource", {"body": [f"{type(exc).__name__}: {exc}"]}) from exc
    status = svc.budgets.import_start("ofdp", mode, descriptor, _scope(request, "write"),
                                       request.principal.subject)
    return 202, _send(svc, status["import_id"], _pieces(resource))


def _send(svc, import_id: str, pieces) -> dict:
    count = 0
    for seq, text in enumerate(pieces):
        svc.budgets.import_chunk(import_id, seq, text)
        count = seq + 1
    return svc.budgets.import_finish(import_id, count)


# -- indicators, forecast, transfers -----------------------------------------------------------
def budgets_indicators(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    as_of = request.args.get("as_of", "Y")
    return _out(svc, request, svc.budgets.indicators(region, year, as_of))


def budgets_forecast(svc, request, region):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    return _out(svc, request, svc.budgets.forecast(region))


def budgets_get_transfers(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    return _out(svc, request, svc.budgets.get_transfers(region, year))


def budgets_set_transfers(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "write", _known_region(region))
    body = dict(read_json(request), region_code=region, fiscal_year=year)
    return _out(svc, request, svc.budgets.set_transfers(body))


# -- block budgets ---------------------------------------------------------------------------
def _block_for(svc, request, block_id: str, action: str) -> dict:
    # The id names the region: refuse before touching the store, then check the stored one.
    policy.authorize(request.principal, "budgets", action, _block_region(block_id))
    block = svc.budgets.get_block(block_id)
    policy.authorize(request.principal, "budgets", action, block["region_code"])
    return block


def budgets_create_block(svc, request):
    body = read_json(request)
    if isinstance(body.get("region_code"), str) and body["region_code"] in REGIONS:
        policy.authorize(request.principal, "budgets", "write", body["region_code"])
    return 201, svc.budgets.create_block(body)


def budgets_list_blocks(svc, request, region):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    year = load_query(BlockListQuery(), request.args).get("fiscal_year")
    return _out(svc, request, svc.budgets.list_blocks(region, year))


def budgets_get_block(svc, request, block_id):
    return _out(svc, request, _block_for(svc, request, block_id, "read"))


def _block_command(svc, request, block_id: str, method: str):
    _block_for(svc, request, block_id, "write")
    body = dict(read_json(request), block_id=block_id)
    return getattr(svc.budgets, method)(body)


def budgets_allocate_block_line(svc, request, block_id):
    return _block_command(svc, request, block_id, "allocate_block_line")


def budgets_move_block_funds(svc, request, block_id):
    return _block_command(svc, request, block_id, "move_block_funds")


def budgets_record_block_execution(svc, request, block_id):
    return _block_command(svc, request, block_id, "record_block_execution")


def budgets_carry_over_block(svc, request, block_id):
    _block_for(svc, request, block_id, "write")
    return svc.budgets.carry_over_block({"block_id": block_id})


# -- annual reports --------------------------------------------------------------------------
def budgets_generate_report(svc, request, region, year):
    # The region's own body files its report (write); the ministry may generate any (report).
    _known_region(region)
    principal = request.principal
    if not (policy.can(principal, "budgets", "write", region)
            or policy.can(principal, "budgets", "report", region)):
        raise Forbidden(f"{principal.role} may not generate the report of {region}",
                        {"role": principal.role, "resource": "budgets", "action": "report",
                         "region": region})
    return 201, _out(svc, request, svc.budgets.generate_annual_report(region, year))


def budgets_get_report(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    return _out(svc, request, svc.budgets.annual_report(region, year))


def budgets_report_ofdp(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "report", _known_region(region))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        page = svc.budgets.annual_report_ofdp(region, year)
        descriptor = page["datapackage"]
        with package.open(descriptor["resources"][0]["path"], "w") as resource:
            while True:
                resource.write(page["csv"].encode("utf-8"))
                if not page["next_cursor"]:
                    break
                page = svc.budgets.annual_report_ofdp(region, year, page["next_cursor"])
        package.writestr("datapackage.json", json.dumps(descriptor, indent=2))
    name = f"local-budget-revenue-{region.lower()}-{year}.zip"
    return Response(buffer.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
