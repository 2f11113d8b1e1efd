"""Investments service: the regional investment project pipeline (entrypoints only).

Every entrypoint loads its input through the contract schemas (``contract.rpc``, the same schemas
the gateway publishes in its OpenAPI document), then hands it to the application layer.
"""
import logging

from nameko.timer import timer
from pymongo.errors import PyMongoError

from services.common.clock import now_utc
from services.common.config import seconds_setting
from services.common.errors import StaleVersion
from services.common.events import register
from services.common.health import health_report
from services.common.loading import load
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.regions import REGIONS
from services.common.rpc import rpc
from services.common.startup import SecretsCheck
from services.investments.application.commands import ProjectCommands
from services.investments.application.exports import ProjectExports
from services.investments.application.reads import ProjectReads, dump_project
from services.investments.application.seeding import load_batch, plan_for
from services.investments.contract import EVENTS
from services.investments.contract.rpc import (
    ProgressReport,
    ProjectCreate,
    ProjectQuery,
    ProjectUpdate,
    StageChange,
)
from services.investments.domain import STAGES
from services.investments.repository import ProjectRepository, SeedBatchRepository

log = logging.getLogger(__name__)

# Read at import: nameko's @timer needs its interval when the class is defined. How often each
# replica folds the projects written since into their region's stored totals (totals_repository).
TOTALS_FOLD_SECONDS = seconds_setting("INVESTMENTS_TOTALS_FOLD_SECONDS", 2, 0.1, 3600)

# regions whose stored first pages this process has checked once (the fold timer)
_PAGES_CHECKED: set[str] = set()

# the events this process publishes, validated against their schemas before they are stored
register(*EVENTS)


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
        return ProjectCommands(self.projects).register(
            load(ProjectCreate, data, message="invalid project"), by)

    @rpc
    def get(self, project_id):
        return ProjectReads(self.projects).get(project_id)

    @rpc
    def find_by_external_ref(self, external_ref):
        """The project registered under ``external_ref``, or None (seeding, ministry imports)."""
        return ProjectReads(self.projects).find_by_external_ref(external_ref)

    @rpc
    def query(self, query=None):
        return ProjectReads(self.projects).query(
            load(ProjectQuery, query or {}, message="invalid query"))

    @rpc
    def update(self, project_id, data, by):
        return ProjectCommands(self.projects).update(
            project_id, load(ProjectUpdate, data, message="invalid update"), by)

    @rpc
    def change_stage(self, project_id, data, by):
        return ProjectCommands(self.projects).change_stage(
            project_id, load(StageChange, data, message="invalid stage change"), by)

    @rpc
    def report_progress(self, project_id, data, by):
        return ProjectCommands(self.projects).report_progress(
            project_id, load(ProgressReport, data, message="invalid progress report"), by)

    @rpc
    def load_seed(self, request):
        """A batch of demo projects made by the domain and stored in bulk (regionctl seed)."""
        return load_batch(self.projects, self.seed_batches, request, now=now_utc(),
                          plans=lambda index: plan_for(index, request["seed"]))

    @rpc
    def region_summary(self, region_code):
        return ProjectReads(self.projects).region_summary(region_code)

    @rpc
    def export_page(self, query, export_format):
        """One page of the pipeline as CSV rows or IATI-like activities (``next_cursor``)."""
        return ProjectExports(self.projects).page(
            load(ProjectQuery, query or {}, message="invalid query"), export_format)

    @timer(interval=TOTALS_FOLD_SECONDS, eager=True)
    def fold_region_totals(self):
        """Fold the projects written since into their region's totals and first pages (reads stay
        exact meanwhile: they correct both by those projects); read again the short pages."""
        pages = self.projects.stage_pages(dump_project)
        totals = self.projects.region_totals(pages)
        try:
            # one query instead of a few per region and tick: most ticks most regions are idle
            due = totals.regions_due(REGIONS)
        except PyMongoError as exc:
            log.warning("totals not folded (%s)", exc)
            return
        for region_code in sorted(due | (set(REGIONS) - _PAGES_CHECKED)):
            try:
                if region_code in due:
                    totals.fold(region_code)
                # a page a fold shortened is read again; every page once per process
                pages.rebuild_short(region_code, STAGES)
                _PAGES_CHECKED.add(region_code)
            except (PyMongoError, StaleVersion) as exc:  # the next tick folds it
                log.warning("region %s: totals not folded (%s)", region_code, exc)
