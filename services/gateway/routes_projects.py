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
from services.common.regions import is_region
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json
from services.investments.contract import (
    DECIMAL_STRING, ProgressReport, ProjectCreate, ProjectOut, ProjectQuery, ProjectUpdate,
    StageChange)

EXPORT_LIMIT = 20_000  # projects in one export answer; narrow the filters for more
EXPORT_FORMATS = ("csv", "iati")
TAGS = ("projects",)

# Extra answers of the OpenAPI document, shared by the routes.
BAD_INPUT = "invalid input; details map each bad field to its reasons"
FORBIDDEN = "the caller's role or region does not allow this"
NOT_FOUND = "no project with this id"
STALE = "stale expected_version (details: expected, actual)"


# ---- shapes of the answers (for the OpenAPI document) --------------------------------------------

class ProjectPage(Schema):
    items = fields.List(fields.Nested(ProjectOut), required=True)
    next_cursor = fields.Str(allow_none=True, metadata={
        "description": "pass as `cursor` for the next page; null on the last page"})


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


class ProjectRoutes(GatewayBase):

    def _scoped_query(self, principal, query: dict) -> dict:
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

    def _write_project(self, request, project_id: str, command: str) -> dict:
        """A command on a stored project: the caller must write in the project's own region."""
        body = read_json(request)
        self._project_for(request.principal, project_id, "write")
        result = getattr(self.investments, command)(project_id, body, request.principal.subject)
        return policy.redact(request.principal, "projects", result)

    def _project_for(self, principal, project_id: str, action: str) -> dict:
        project = self.investments.get(project_id)
        if not policy.can(principal, "projects", "read", project["region_code"]):
            # the answer the service gives for an unknown id: "elsewhere" looks like "nowhere"
            raise NotFound(f"project {project_id} not found", {"id": str(project_id)})
        policy.authorize(principal, "projects", action, project["region_code"])
        return project

    @api("GET", "/api/v1/projects", permission=("projects", "read"),
         summary="List investment projects (filters, sort, keyset cursor paging)",
         query=ProjectQuery, response=ProjectPage, tags=TAGS,
         responses={400: BAD_INPUT, 403: "a region outside the caller's scope was asked for"})
    def projects_list(self, request):
        query = self._scoped_query(request.principal, _query_from_args(request.args))
        return policy.redact(request.principal, "projects", self.investments.query(query))

    @api("POST", "/api/v1/projects", permission=("projects", "write"),
         summary="Register an investment project (stage proposed)",
         body=ProjectCreate, response=ProjectOut, tags=TAGS,
         responses={201: "registered", 400: BAD_INPUT, 403: FORBIDDEN,
                    409: "external_ref already registered"})
    def projects_create(self, request):
        body = read_json(request)
        region = body.get("region_code")
        if not isinstance(region, str) or not is_region(region):
            raise ValidationFailed("invalid project", {"region_code": ["unknown region code"]})
        policy.authorize(request.principal, "projects", "write", region)
        created = self.investments.register(body, request.principal.subject)
        return 201, policy.redact(request.principal, "projects", created)

    @api("GET", "/api/v1/projects/export", permission=("projects", "read"),
         summary="Export the (filtered) pipeline as CSV or as IATI-like activities",
         query=ExportQuery, response=IatiExport, tags=TAGS,
         responses={200: "format=csv: text/csv, one row per project under a header row; "
                         "format=iati: the JSON document below",
                    400: BAD_INPUT, 403: "a region outside the caller's scope was asked for"})
    def projects_export(self, request):
        export_format = request.args.get("format", "csv")
        if export_format not in EXPORT_FORMATS:
            raise ValidationFailed("unknown export format",
                                   {"format": [f"one of: {', '.join(EXPORT_FORMATS)}"]})
        query = self._scoped_query(request.principal, _query_from_args(request.args))
        rows, cursor = [], None
        while True:
            page = self.investments.export_page({**query, "cursor": cursor}, export_format)
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

    @api("GET", "/api/v1/projects/<string:project_id>", permission=("projects", "read"),
         summary="One investment project", response=ProjectOut, tags=TAGS,
         responses={403: FORBIDDEN, 404: NOT_FOUND})
    def projects_get(self, request, project_id):
        project = self._project_for(request.principal, project_id, "read")
        return policy.redact(request.principal, "projects", project)

    @api("PATCH", "/api/v1/projects/<string:project_id>", permission=("projects", "write"),
         summary="Update descriptive fields of a project (expected_version required)",
         body=ProjectUpdate, response=ProjectOut, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND,
                    409: f"{STALE}, or the project is closed (evaluated, cancelled)"})
    def projects_update(self, request, project_id):
        # region_code never changes (the service refuses it as an unknown field): the stored
        # project's region is the one written in
        return self._write_project(request, project_id, "update")

    @api("POST", "/api/v1/projects/<string:project_id>/stage", permission=("projects", "write"),
         summary="Move a project to another pipeline stage (expected_version required)",
         body=StageChange, response=ProjectOut, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND,
                    409: f"{STALE}; a move the pipeline forbids (details.allowed lists the next "
                         "stages); commissioning without its date or jobs created"})
    def projects_change_stage(self, request, project_id):
        return self._write_project(request, project_id, "change_stage")

    @api("POST", "/api/v1/projects/<string:project_id>/progress", permission=("projects", "write"),
         summary="File a cumulative progress report (investment and jobs to date)",
         body=ProgressReport, response=ProjectOut, tags=TAGS,
         responses={400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND,
                    409: f"{STALE}; a report dated before the latest one; lower figures without "
                         "correction_reason; the project is closed"})
    def projects_report_progress(self, request, project_id):
        return self._write_project(request, project_id, "report_progress")

    @api("GET", "/api/v1/regions/<string:code>/projects/summary", permission=("projects", "read"),
         summary="Projects of a region: counts, cost, jobs and investment by stage and sector",
         response=RegionProjectsSummary, tags=TAGS,
         responses={403: FORBIDDEN, 404: "no region with this code"})
    def projects_region_summary(self, request, code):
        if not is_region(code):  # as /api/v1/regions/<code> answers for an unknown code
            raise NotFound(f"no region with code {code}", {"code": code})
        policy.authorize(request.principal, "projects", "read", code)
        return self.investments.region_summary(code)
