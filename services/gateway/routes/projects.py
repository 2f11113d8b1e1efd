"""Investment projects over HTTP: /api/v1/projects, exports and the per-region summary.

Input is validated by the investments service (the domain names every bad field at once); the
gateway checks who may act where: listings are narrowed to the caller's regions, and a command on
a project is checked against the region of the stored project, loaded first (ids can be guessed).
"""
import csv
import io

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from services.common.errors import NotFound, ValidationFailed
from services.common.pages import CURSOR, page_schema
from services.common.regions import is_region
from services.gateway.access import policy
from services.gateway.edge.http import read_json
from services.gateway.routes import project_reads
from services.investments.contract import DECIMAL_STRING, ProjectOut, ProjectQuery

EXPORT_LIMIT = 20_000  # projects in one export answer; narrow the filters for more
EXPORT_FORMATS = ("csv", "iati")
TAGS = ("projects",)

# Extra answers of the OpenAPI document, shared by the routes.
BAD_INPUT = "invalid input; details map each bad field to its reasons"
FORBIDDEN = "the caller's role or region does not allow this"
NOT_FOUND = "no project with this id"
STALE = "stale expected_version (details: expected, actual)"


# ---- shapes of the answers (for the OpenAPI document) --------------------------------------------

ProjectPage = page_schema(ProjectOut, paging=CURSOR)


class ExportQuery(ProjectQuery):
    format = fields.Str(load_default="csv", validate=validate.OneOf(EXPORT_FORMATS),
                        metadata={"description": "csv (text/csv) or iati (IATI 2.03-like JSON)"})


class IatiExport(Schema):
    version = fields.Str()
    generated_by = fields.Str()
    iati_activities = fields.List(fields.Dict(), data_key="iati-activities")


class SummaryBucket(Schema):
    count = fields.Int()
    cost_kzt = fields.Str(metadata=DECIMAL_STRING)
    jobs_planned = fields.Int()
    jobs_created = fields.Int()
    invested_to_date_kzt = fields.Str(metadata=DECIMAL_STRING)
    priority_count = fields.Int()


class RegionProjectsSummary(Schema):
    region_code = fields.Str()
    total = fields.Nested(SummaryBucket)
    by_stage = fields.Dict(keys=fields.Str(), values=fields.Nested(SummaryBucket))
    by_sector = fields.Dict(keys=fields.Str(), values=fields.Nested(SummaryBucket))


def _query_from_args(args) -> dict:
    return {key: value for key, value in args.to_dict(flat=True).items() if key != "format"}


def _scoped_query(svc, principal, query: dict) -> dict:
    """Narrow a listing to the caller's regions; asking for another region is refused."""
    allowed = policy.region_filter(principal, "projects")
    if allowed is None:
        return query
    asked = query.get("region_code")
    if asked:
        for code in str(asked).split(","):
            if code.strip():
                policy.authorize(principal, "projects", "read", code.strip())
        return query
    return {**query, "region_code": ",".join(sorted(allowed))}


def _write_project(svc, request, project_id: str, command: str) -> dict:
    """A command on a stored project: the caller must write in the project's own region."""
    body = read_json(request)
    _project_for(svc, request.principal, project_id, "write")
    result = getattr(svc.investments, command)(project_id, body, request.principal.subject)
    project_reads.keep_written(svc, result)  # before answering: read-your-writes on any replica
    return policy.redact(request.principal, "projects", result)


def _project_for(svc, principal, project_id: str, action: str) -> dict:
    return project_reads.reach(principal, project_id, svc.investments.get(project_id), action)


def projects_list(svc, request):
    query = _scoped_query(svc, request.principal, _query_from_args(request.args))
    return policy.redact(request.principal, "projects", svc.investments.query(query))


def projects_create(svc, request):
    body = read_json(request)
    region = body.get("region_code")
    if not isinstance(region, str) or not is_region(region):
        raise ValidationFailed("invalid project", {"region_code": ["unknown region code"]})
    policy.authorize(request.principal, "projects", "write", region)
    created = svc.investments.register(body, request.principal.subject)
    project_reads.keep_written(svc, created)
    return 201, policy.redact(request.principal, "projects", created)


def projects_export(svc, request):
    export_format = request.args.get("format", "csv")
    if export_format not in EXPORT_FORMATS:
        raise ValidationFailed("unknown export format",
                               {"format": [f"one of: {', '.join(EXPORT_FORMATS)}"]})
    query = _scoped_query(svc, request.principal, _query_from_args(request.args))
    rows, cursor = [], None
    while True:
        page = svc.investments.export_page({**query, "cursor": cursor}, export_format)
        rows.extend(page["rows"][1:] if export_format == "csv" and rows else page["rows"])
        cursor = page["next_cursor"]
        if not cursor or len(rows) >= EXPORT_LIMIT:
            break
    rows = policy.redact(request.principal, "projects", rows)
    if export_format == "iati":
        return {"version": "2.03", "generated_by": "regional-development-platform",
                "iati-activities": rows}
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=projects.csv"})


def projects_get(svc, request, project_id):
    # from the gateway's copy when it may answer (routes/project_reads.py)
    return project_reads.projects_get(svc, request, project_id)


def projects_update(svc, request, project_id):
    # region_code never changes (the service refuses it as an unknown field): the stored
    # project's region is the one written in
    return _write_project(svc, request, project_id, "update")


def projects_change_stage(svc, request, project_id):
    return _write_project(svc, request, project_id, "change_stage")


def projects_report_progress(svc, request, project_id):
    return _write_project(svc, request, project_id, "report_progress")


def projects_region_summary(svc, request, code):
    if not is_region(code):  # as /api/v1/regions/<code> answers for an unknown code
        raise NotFound(f"no region with code {code}", {"code": code})
    policy.authorize(request.principal, "projects", "read", code)
    return svc.investments.region_summary(code)
