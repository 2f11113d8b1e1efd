"""Investments service: the regional investment project pipeline (entrypoints only)."""
import uuid
from datetime import datetime, timezone

from nameko.rpc import rpc

from services.common.errors import ValidationFailed
from services.common.health import health_report
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.regions import is_region
from services.investments import domain, events  # noqa: F401  (events registers the schemas)
from services.investments.repository import ProjectRepository
from services.investments.schemas import dump_project

EXPORT_FORMATS = ("csv", "iati")
EXPORT_PAGE = 500


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _money_strings(value):
    if isinstance(value, dict):
        return {k: _money_strings(v) for k, v in value.items()}
    return str(value) if hasattr(value, "as_tuple") else value


class InvestmentsService:
    name = "investments"
    metrics = Metrics()
    projects = Store(ProjectRepository)

    @rpc
    def health(self):
        return health_report(self.name, self.projects)

    @rpc
    def register(self, data, by):
        project, facts = domain.register_project(data, project_id=str(uuid.uuid4()), now=_now(), by=by)
        return dump_project(self.projects.save_new(project, facts))

    @rpc
    def get(self, project_id):
        return dump_project(self.projects.get(project_id))

    @rpc
    def query(self, query=None):
        page = self.projects.query(domain.normalise_query(query))
        return {"items": [dump_project(p) for p in page["items"]], "next_cursor": page["next_cursor"]}

    @rpc
    def update(self, project_id, data, by):
        project = self.projects.get(project_id)
        new, facts = domain.update_project(project, data, now=_now(), by=by)
        return dump_project(self.projects.save_versioned(new, project["version"], facts))

    @rpc
    def change_stage(self, project_id, data, by):
        project = self.projects.get(project_id)
        new, facts = domain.change_stage(project, data, now=_now(), by=by)
        return dump_project(self.projects.save_versioned(new, project["version"], facts))

    @rpc
    def report_progress(self, project_id, data, by):
        project = self.projects.get(project_id)
        new, facts = domain.report_progress(project, data, now=_now(), by=by)
        return dump_project(self.projects.save_versioned(new, project["version"], facts))

    @rpc
    def region_summary(self, region_code):
        if not is_region(region_code):
            raise ValidationFailed("unknown region", {"region_code": ["unknown region code"]})
        summary = domain.region_summary(self.projects.summary_rows(region_code))
        return {"region_code": region_code, **_money_strings(summary)}

    @rpc
    def export_page(self, query, export_format):
        """One page of the pipeline as CSV rows (header first) or IATI-like activities."""
        if export_format not in EXPORT_FORMATS:
            raise ValidationFailed("unknown export format", {"format": [f"one of {EXPORT_FORMATS}"]})
        normalised = domain.normalise_query({**(query or {}), "page_size": EXPORT_PAGE})
        page = self.projects.query(normalised)
        if export_format == "csv":
            rows = domain.to_csv_rows(page["items"])
        else:
            rows = [domain.to_iati_activity(p) for p in page["items"]]
        return {"rows": rows, "next_cursor": page["next_cursor"]}
