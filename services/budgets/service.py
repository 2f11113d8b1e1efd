"""The budgets service: local budget revenue, fiscal autonomy indicators, the revenue forecast,
block budgets, bulk imports and the annual report.

One class: it declares the dependencies and every entrypoint; each entrypoint loads its input
with the contract's schema and hands it to the use cases in ``application`` (and ``imports``),
which orchestrate the rules in ``domain`` and the stores in ``repository``.
"""
from services.budgets.application.blocks import Blocks
from services.budgets.application.fiscal import Fiscal
from services.budgets.application.forecast import Forecasts
from services.budgets.application.inputs import RevenueBatchInput, RevenueLineInput, TransfersInput
from services.budgets.application.lines import RevenueLines, region_scope
from services.budgets.application.recalculation import Stores
from services.budgets.application.report import OFDP_PAGE_LINES, AnnualReports
from services.budgets.application.seeding import BudgetsSeeding
from services.budgets.contract import EVENTS
from services.budgets.contract.rpc import (
    BlockAllocateSchema,
    BlockCarryOverSchema,
    BlockCreateSchema,
    BlockExecutionSchema,
    BlockMoveSchema,
    ImportStartSchema,
    IndicatorsQuerySchema,
    ReportRequestSchema,
    RevenueQuerySchema,
)
from services.budgets.domain.periods import YEAR_CODE
from services.budgets.imports import gauges as budget_gauges
from services.budgets.imports.commands import Imports
from services.budgets.imports.repository import ImportChunkRepository, ImportRepository
from services.budgets.imports.runner import ImportRunner
from services.budgets.repository.lines import RevenueLineRepository
from services.budgets.repository.monthly import MonthlyIndicatorsRepository
from services.budgets.repository.state import (
    BlockRepository,
    ForecastRepository,
    IndicatorsRepository,
    ReportRepository,
    SeedBatchRepository,
    TransfersRepository,
)
from services.common.clock import now_utc
from services.common.consuming import subscribe
from services.common.events import register
from services.common.health import health_report
from services.common.loading import load
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.rpc import rpc
from services.common.startup import SecretsCheck
from services.investments import contract as investments_contract

# what this process publishes, and what it consumes: investments' project_commissioned and
# project_cancelled are validated on receipt against the producer's schema
register(*EVENTS, *investments_contract.EVENTS)


class BudgetsService:
    name = "budgets"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
    metrics = Metrics(gauges=budget_gauges.refresh)
    lines = Store(RevenueLineRepository)
    imports = Store(ImportRepository)
    import_chunks = Store(ImportChunkRepository)
    indicator_docs = Store(IndicatorsRepository)
    monthly_indicators = Store(MonthlyIndicatorsRepository)
    transfers = Store(TransfersRepository)
    forecasts = Store(ForecastRepository)
    blocks = Store(BlockRepository)
    reports = Store(ReportRepository)
    seed_batches = Store(SeedBatchRepository)  # outbox carriers of the demo seed's block events
    import_runner = ImportRunner()

    # -- the use cases, built from this worker's dependencies ------------------------------------
    def _stores(self) -> Stores:
        return Stores(lines=self.lines, indicators=self.indicator_docs, transfers=self.transfers,
                      monthly=self.monthly_indicators)

    def _revenue(self) -> RevenueLines:
        return RevenueLines(self._stores(), self.imports)

    def _imports(self) -> Imports:
        return Imports(self.imports, self.import_chunks, self.import_runner)

    def _reports(self) -> AnnualReports:
        return AnnualReports(self._stores(), self.forecasts, self.blocks, self.reports)

    @rpc
    def health(self):
        return health_report(self.name, self.lines)

    # -- the demo seed (local development only: services.common.rpc.LOCAL_ONLY_METHODS) -----------
    @rpc
    def load_seed(self, request):
        """One part of the budgets demo data, built here and stored in bulk (regionctl seed)."""
        return BudgetsSeeding(self._stores(), self.imports, self.blocks, self.forecasts,
                              self.seed_batches).load_seed(request, now_utc())

    # -- revenue lines ---------------------------------------------------------------------------
    @rpc
    def record_line(self, line):
        return self._revenue().record_line(load(RevenueLineInput, line,
                                                message="invalid revenue line"))

    @rpc
    def record_lines(self, batch, created_by=None):
        return self._revenue().record_lines(
            load(RevenueBatchInput, batch, message="invalid revenue batch"), created_by)

    @rpc
    def query_lines(self, filters=None, regions=None):
        return self._revenue().query_lines(
            load(RevenueQuerySchema, filters or {}, message="invalid query"), regions)

    @subscribe()
    def on_revenue_executed(self, envelope):
        self._revenue().record_executed(envelope)

    # -- bulk import -----------------------------------------------------------------------------
    @rpc
    def import_start(self, format, mode="partial", datapackage=None, regions=None,
                     created_by=None):
        """Open an import; send its text with ``import_chunk`` then call ``import_finish``."""
        given = {"format": format, "mode": mode, "datapackage": datapackage}
        fields = load(ImportStartSchema, {k: v for k, v in given.items() if v is not None},
                      message="invalid import")
        return self._imports().start(fields["format"], fields["mode"], fields["datapackage"],
                                     region_scope(regions), created_by,
                                     correlation_id=self.lines.correlation_id)

    @rpc
    def import_chunk(self, import_id, seq, text):
        return self._imports().chunk(import_id, seq, text)

    @rpc
    def import_finish(self, import_id, chunks_total):
        return self._imports().finish(import_id, chunks_total)

    @rpc
    def import_status(self, import_id):
        return self._imports().status(import_id)

    # -- indicators and transfers ----------------------------------------------------------------
    @rpc
    def indicators(self, region_code, fiscal_year, as_of_period=YEAR_CODE):
        query = load(IndicatorsQuerySchema, {"region_code": region_code, "fiscal_year": fiscal_year,
                                             "as_of_period": as_of_period},
                     message="invalid indicators query")
        return Fiscal(self._stores()).indicators(query)

    @rpc
    def indicators_by_month(self, region_code, fiscal_year):
        query = load(IndicatorsQuerySchema,
                     {"region_code": region_code, "fiscal_year": fiscal_year},
                     message="invalid indicators query")
        return Fiscal(self._stores()).indicators_by_month(query)

    @rpc
    def set_transfers(self, data):
        return Fiscal(self._stores()).set_transfers(load(TransfersInput, data,
                                                         message="invalid transfers"))

    @rpc
    def get_transfers(self, region_code, fiscal_year):
        return Fiscal(self._stores()).get_transfers(region_code, fiscal_year)

    # -- forecast --------------------------------------------------------------------------------
    @rpc
    def forecast(self, region_code):
        return Forecasts(self.forecasts).forecast(region_code)

    @rpc
    def set_forecast_base(self, region_code, year, amount_kzt):
        return Forecasts(self.forecasts).set_base(region_code, year, amount_kzt)

    @subscribe()
    def on_project_commissioned(self, envelope):
        Forecasts(self.forecasts).project_commissioned(envelope)

    @subscribe()
    def on_project_cancelled(self, envelope):
        Forecasts(self.forecasts).project_cancelled(envelope)

    # -- annual report ---------------------------------------------------------------------------
    @rpc
    def generate_annual_report(self, region_code, reporting_year):
        return self._reports().generate(self._report_request(region_code, reporting_year))

    @rpc
    def annual_report(self, region_code, reporting_year):
        return self._reports().find(self._report_request(region_code, reporting_year))

    @rpc
    def annual_report_ofdp(self, region_code, reporting_year, cursor=None,
                           max_lines=OFDP_PAGE_LINES):
        return self._reports().ofdp_page(self._report_request(region_code, reporting_year),
                                         cursor, max_lines)

    @staticmethod
    def _report_request(region_code, reporting_year) -> dict:
        return load(ReportRequestSchema, {"region_code": region_code,
                                          "reporting_year": reporting_year},
                    message="invalid report request")

    # -- block budgets ---------------------------------------------------------------------------
    @rpc
    def create_block(self, data):
        return Blocks(self.blocks).create(load(BlockCreateSchema, data, message="invalid block"))

    @rpc
    def get_block(self, block_id):
        return Blocks(self.blocks).get(block_id)

    @rpc
    def list_blocks(self, region_code, fiscal_year=None):
        return Blocks(self.blocks).list(region_code, fiscal_year)

    @rpc
    def allocate_block_line(self, data):
        return Blocks(self.blocks).allocate(load(BlockAllocateSchema, data,
                                                 message="invalid allocation"))

    @rpc
    def record_block_execution(self, data):
        return Blocks(self.blocks).record_execution(load(BlockExecutionSchema, data,
                                                         message="invalid execution"))

    @rpc
    def move_block_funds(self, data):
        return Blocks(self.blocks).move(load(BlockMoveSchema, data, message="invalid move"), data)

    @rpc
    def carry_over_block(self, data):
        return Blocks(self.blocks).carry_over(load(BlockCarryOverSchema, data,
                                                   message="invalid carry-over"))
