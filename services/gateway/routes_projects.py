"""Investment projects over HTTP: /api/v1/projects and the per-region summary."""
import csv
import io

from werkzeug.wrappers import Response

from services.common.errors import ValidationFailed
from services.common.regions import is_region
from services.gateway import policy
from services.gateway.base import GatewayBase
from services.gateway.http import api, read_json

EXPORT_LIMIT = 20_000  # projects in one export answer; narrow the filters for more


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
                policy.authorize(principal, "projects", "read", code.strip())
            return query
        return {**query, "region_code": ",".join(sorted(allowed))}

    def _project_for(self, principal, project_id: str, action: str) -> dict:
        project = self.investments.get(project_id)
        policy.authorize(principal, "projects", action, project["region_code"])
        return project

    @api("GET", "/api/v1/projects", permission=("projects", "read"))
    def projects_list(self, request):
        query = self._scoped_query(request.principal, _query_from_args(request.args))
        return self.investments.query(query)

    @api("POST", "/api/v1/projects", permission=("projects", "write"))
    def projects_create(self, request):
        body = read_json(request)
        region = body.get("region_code")
        if not isinstance(region, str) or not is_region(region):
            raise ValidationFailed("invalid project", {"region_code": ["unknown region code"]})
        policy.authorize(request.principal, "projects", "write", region)
        return 201, self.investments.register(body, request.principal.subject)

    @api("GET", "/api/v1/projects/<string:project_id>", permission=("projects", "read"))
    def projects_get(self, request, project_id):
        return self._project_for(request.principal, project_id, "read")

    @api("PATCH", "/api/v1/projects/<string:project_id>", permission=("projects", "write"))
    def projects_update(self, request, project_id):
        body = read_json(request)
        self._project_for(request.principal, project_id, "write")
        if "region_code" in body:  # moving a project is a write in the target region too
            policy.authorize(request.principal, "projects", "write", body["region_code"])
        return self.investments.update(project_id, body, request.principal.subject)

    @api("POST", "/api/v1/projects/<string:project_id>/stage", permission=("projects", "write"))
    def projects_change_stage(self, request, project_id):
        body = read_json(request)
        self._project_for(request.principal, project_id, "write")
        return self.investments.change_stage(project_id, body, request.principal.subject)

    @api("POST", "/api/v1/projects/<string:project_id>/progress", permission=("projects", "write"))
    def projects_report_progress(self, request, project_id):
        body = read_json(request)
        self._project_for(request.principal, project_id, "write")
        return self.investments.report_progress(project_id, body, request.principal.subject)

    @api("GET", "/api/v1/regions/<string:code>/projects/summary", permission=("projects", "read"))
    def projects_region_summary(self, request, code):
        if not is_region(code):
            raise ValidationFailed("unknown region", {"code": ["unknown region code"]})
        policy.authorize(request.principal, "projects", "read", code)
        return self.investments.region_summary(code)

    @api("GET", "/api/v1/projects/export", permission=("projects", "read"))
    def projects_export(self, request):
        export_format = request.args.get("format", "csv")
        if export_format not in ("csv", "iati"):
            raise ValidationFailed("unknown export format", {"format": ["one of csv, iati"]})
        query = self._scoped_query(request.principal, _query_from_args(request.args))
        rows, cursor = [], None
        while True:
            page = self.investments.export_page({**query, "cursor": cursor}, export_format)
            rows.extend(page["rows"][1:] if export_format == "csv" and rows else page["rows"])
            cursor = page["next_cursor"]
            if not cursor or len(rows) >= EXPORT_LIMIT:
                break
        if export_format == "iati":
            return {"version": "2.03", "generated_by": "regional-development-platform",
                    "iati-activities": rows}
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=projects.csv"})
