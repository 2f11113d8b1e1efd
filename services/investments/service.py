"""Investments service: the regional investment project pipeline (entrypoints only)."""
from services.common.startup import SecretsCheck
import uuid
from datetime import datetime

from services.common.rpc import rpc
from services.common import clock

from services.common.errors import ValidationFailed
from services.common.health import health_report
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.regions import is_region
from services.investments import domain, events  # noqa: F401  (events registers the schemas)
from services.investments.repository import ProjectRepository
from services.investments.schemas import dump_project
from services.investments.seed_loading import SeedBatchRepository, load_batch, plan_for

EXPORT_FORMATS = ("csv", "iati")


def _now() -> datetime:
    # The store keeps instants to the millisecond: the platform clock truncates, so what a
    # command returns is exactly what a later read gives back.
    return clock.now_utc()


def _money_strings(value):
    if isinstance(value, dict):
        return {k: _money_strings(v) for k, v in value.items()}
    return str(value) if hasattr(value, "as_tuple") else value


class InvestmentsService:
    name = "investments"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
    metrics = Metrics()
    projects = Store(ProjectRepository)
    seed_batches = Store(SeedBatchRepository)  # outbox carriers of the demo seed's events

    @rpc
    def health(self):
        return health_report(self.name, self.projects)

    @rpc
    def register(self, data, by):
        """A new project (stage proposed); ``DuplicateKey`` when its external_ref is taken."""
        project, facts = domain.register_project(data, project_id=str(uuid.uuid4()), now=_now(),
                                                 by=by)
        return dump_project(self.projects.save_new(project, facts))

    @rpc
    def get(self, project_id):
        return dump_project(self.projects.get(project_id))

    @rpc
    def find_by_external_ref(self, external_ref):
        """The project registered under ``external_ref``, or None (seeding, ministry imports)."""
        project = self.projects.find_by_external_ref(external_ref)
        return None if project is None else dump_project(project)

    @rpc
    def query(self, query=None):
        page = self.projects.query(domain.normalise_query(query))
        return {"items": [dump_project(p) for p in page["items"]],
                "next_cursor": page["next_cursor"]}

    # Commands read the project, let the domain decide, and write it back only if nobody wrote
    # in between (save_versioned refuses a stale version with StaleVersion, 409).
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
    def load_seed(self, request):
        """A batch of demo projects made by the domain and stored in bulk (regionctl seed)."""
        return load_batch(self.projects, self.seed_batches, request, now=_now(),
                          plans=lambda index: plan_for(index, request["seed"]))

    @rpc
    def region_summary(self, region_code):
        if not is_region(region_code):
            raise ValidationFailed("unknown region", {"region_code": ["unknown region code"]})
        summary = domain.region_summary(self.projects.summary_rows(region_code))
        return {"region_code": region_code, **_money_strings(summary)}

    @rpc
    def export_page(self, query, export_format):
        """One page (the largest page size) of the pipeline as CSV rows, header first, or as
        IATI-like activities; ``next_cursor`` continues it."""
        if export_format not in EXPORT_FORMATS:
            raise ValidationFailed("unknown export format",
                                   {"format": [f"one of: {', '.join(EXPORT_FORMATS)}"]})
        query = {**(query or {}), "page_size": domain.DEFAULT_CONFIG.max_page_size}
        page = self.projects.query(domain.normalise_query(query))
        if export_format == "csv":
            rows = domain.to_csv_rows(page["items"])
        else:
            rows = [domain.to_iati_activity(p) for p in page["items"]]
        return {"rows": rows, "next_cursor": page["next_cursor"]}
