"""The gateway: the Office of Regional Initiatives' HTTP API and event hub.

One nameko class declares the dependency providers and every entrypoint; each entrypoint
delegates to a function of routes/ (HTTP), edge/openapi.py or console/ that takes the
service instance (its dependencies) and the request."""
from services.budgets.contract import (
    BlockCreateSchema,
    BlockOutSchema,
    ForecastOutSchema,
    ImportFinishSchema,
    ImportStartSchema,
    ImportStatusSchema,
    IndicatorsOutSchema,
    PageSchema,
    ReportOutSchema,
    RevenueBatchSchema,
    RevenueQuerySchema,
    TransfersOutSchema,
)
from services.common.consuming import subscribe
from services.common.metrics import Metrics
from services.common.rpc import TimedRpc, rpc
from services.common.startup import SecretsCheck
from services.gateway.access.audit import AuditRepository
from services.gateway.access.keys import ApiKeyStore
from services.gateway.console import routes as console_routes
from services.gateway.edge import business_rules, openapi
from services.gateway.edge.health_cache import HealthCache
from services.gateway.edge.http import api
from services.gateway.edge.import_limits import ImportLimits
from services.gateway.edge.schemas import (
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeyListQuery,
    ApiKeyPageSchema,
    ApiKeySchema,
    AuditPageSchema,
    AuditQuery,
    JournalPageSchema,
    JournalQuery,
)
from services.gateway.hub import gauges
from services.gateway.hub.action_plan import (
    ActualInSchema,
    IndicatorInSchema,
    MeasureChangeSchema,
    MeasureInSchema,
)
from services.gateway.hub.action_plan_repository import (
    ActionIndicatorRepository,
    ActionMeasureRepository,
)
from services.gateway.hub.action_plan_schemas import (
    ActionChecksSchema,
    AssumptionListSchema,
    DemoSeedSchema,
    IndicatorListSchema,
    IndicatorSchema,
    MeasureListSchema,
    MeasureQuery,
    MeasureSchema,
)
from services.gateway.hub.concept_report_repository import (
    CentralReportRepository,
    ConceptReportRepository,
    MonoTownAccessRepository,
    ProjectReader,
)
from services.gateway.hub.concept_report_schemas import (
    CentralReportListSchema,
    CentralReportSchema,
    ConceptReportListSchema,
    ConceptReportSchema,
    ReportStepSchema,
)
from services.gateway.hub.contracts import register_contracts
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.journal_repository import JournalRepository
from services.gateway.hub.projections_repository import HubReadModels
from services.gateway.hub.schemas import (
    CalendarQuery,
    CalendarSchema,
    ChecksResultSchema,
    ChecksSchema,
    InitiativeChangeSchema,
    InitiativeCreateSchema,
    InitiativePageSchema,
    InitiativeQuery,
    InitiativeSchema,
    ScorecardListSchema,
    ScorecardSchema,
    SrsRecordSchema,
    SrsRecordWithHistorySchema,
    SrsValuesSchema,
)
from services.gateway.hub.settlement_schemas import (
    AssessmentInSchema,
    AssessmentSchema,
    GapListSchema,
    GapQuery,
    ImportQuery,
    RegisterImportSchema,
    SettlementPageSchema,
    SettlementQuery,
    SettlementWithAssessmentsSchema,
    SrsRollupListSchema,
    SrsRollupSchema,
    YearQuery,
)
from services.gateway.hub.settlements_repository import (
    SettlementImportRepository,
    SettlementRepository,
    SrsAssessmentRepository,
)
from services.gateway.hub.territory_schemas import (
    AgglomerationCardSchema,
    AgglomerationListSchema,
    MonoTownCardSchema,
    MonoTownListSchema,
    RegionQuery,
    TransportAccessInSchema,
    TransportAccessSchema,
)
from services.gateway.lazy_store import LazyStore
from services.gateway.reads.project_views import RESPONSE_HEADERS as PROJECT_READ_HEADERS
from services.gateway.reads.project_views_repository import ProjectViewRepository
from services.gateway.routes import action_plan as action_plan_routes
from services.gateway.routes import admin as admin_routes
from services.gateway.routes import budgets as budget_routes
from services.gateway.routes import central_report as central_report_routes
from services.gateway.routes import concept_report as concept_report_routes
from services.gateway.routes import hub as hub_routes
from services.gateway.routes import initiatives as initiative_routes
from services.gateway.routes import personnel as personnel_routes
from services.gateway.routes import platform as platform_routes
from services.gateway.routes import projects as project_routes
from services.gateway.routes import settlements as settlement_routes
from services.gateway.routes import territories as territory_routes
from services.gateway.routes.budgets import BAD_INPUT, FORBIDDEN
from services.investments.contract import (
    ProgressReport,
    ProjectCreate,
    ProjectOut,
    ProjectQuery,
    ProjectUpdate,
    StageChange,
)
from services.personnel.contract import (
    CivilServantCreateSchema,
    CivilServantUpdateSchema,
    DueQuerySchema,
    IncentiveSchema,
    MandatoryRotationExtensionSchema,
    OrganisationCreateSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    PositionQuerySchema,
    PositionSchema,
    ReserveReturnPostSchema,
    RotationCancelSchema,
    RotationCompleteSchema,
    RotationExtendSchema,
    RotationQuerySchema,
    RotationRejectSchema,
    RotationRequestSchema,
    RotationReturnSchema,
    RotationSchema,
    RotationStartSchema,
    ServantQuerySchema,
    StatisticsQuerySchema,
)

# record_event validates every service's events on receipt; the gateway publishes its own
register_contracts()

class GatewayService:
    name = "gateway"

    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
    # /metrics on the API port, and on GATEWAY_METRICS_PORT (+100 per replica) for Prometheus;
    # hub gauges: queues and the business picture, on the probe timer
    metrics = Metrics(gauges=gauges.refresh)
    journal = LazyStore(JournalRepository)
    hub_models = LazyStore(HubReadModels)          # the hub's per-aggregate read models
    initiatives = LazyStore(InitiativeRepository)  # the Office's work items
    api_keys = LazyStore(ApiKeyStore)              # machine clients' credentials (hashes only)
    audit_log = LazyStore(AuditRepository)         # what the edge's Guard recorded
    settlements = LazyStore(SettlementRepository)  # the KATO settlement register
    settlement_imports = LazyStore(SettlementImportRepository)
    srs_assessments = LazyStore(SrsAssessmentRepository)  # SRS per settlement and year
    health_cache = HealthCache()      # /health from a cached, single-flight probe
    import_limits = ImportLimits()    # bytes per import, open imports per credential
    action_measures = LazyStore(ActionMeasureRepository)  # the Concept Action Plan's measures
    action_indicators = LazyStore(ActionIndicatorRepository)  # ... and its target indicators
    concept_reports = LazyStore(ConceptReportRepository)  # the 1 April reports
    central_reports = LazyStore(CentralReportRepository)  # ... of the central executive bodies
    project_reader = LazyStore(ProjectReader)      # the hub's project read model, for the reports
    mono_town_access = LazyStore(MonoTownAccessRepository)  # mono-towns' transport access (manual)
    project_views = LazyStore(ProjectViewRepository)  # full projects, for GET one without the RPC
    investments = TimedRpc("investments")
    budgets = TimedRpc("budgets")
    personnel = TimedRpc("personnel")

    # -- platform routes ---------------------------------------------------------------------------
    @api("GET", "/health", public=True, tags=("platform",),
         summary="Health of every service, the broker and the store (200 only when all are up)",
         responses={503: "a component is down; the body names it"})
    def health(self, request):
        return platform_routes.health(self, request)

    @api("GET", "/metrics", public=True, tags=("platform",),
         summary="Prometheus metrics of the gateway (text exposition format)")
    def metrics_endpoint(self, request):
        return platform_routes.metrics_endpoint(self, request)

    @api("GET", "/api/v1/regions", permission=("regions", "read"), tags=("regions",),
         summary="The 20 regions (ISO 3166-2:KZ) with their centres and agglomerations")
    def list_regions(self, request):
        return platform_routes.list_regions(self, request)

    @api("GET", "/api/v1/regions/<string:code>", permission=("regions", "read"), tags=("regions",),
         summary="One region by its ISO 3166-2:KZ code", responses={404: "no such region"})
    def get_region(self, request, code):
        return platform_routes.get_region(self, request, code)

    # -- openapi -----------------------------------------------------------------------------------
    @api("GET", "/openapi.json", public=True, tags=("platform",), summary="OpenAPI 3 document of this API")
    def openapi_document(self, request):
        return openapi.openapi_document(self, request)

    @api("GET", "/docs", public=True, tags=("platform",),
         summary="Human-readable API reference (HTML rendering of /openapi.json)")
    def openapi_docs(self, request):
        return openapi.openapi_docs(self, request)

    # -- hub routes --------------------------------------------------------------------------------
    @subscribe()
    def record_event(self, envelope):
        return hub_routes.record_event(self, envelope)

    @api("GET", "/api/v1/hub/journal", permission=("hub", "read"), tags=hub_routes.TAGS,
         summary="Coordination journal: every domain event the hub received", query=JournalQuery,
         response=JournalPageSchema)
    def get_journal(self, request):
        return hub_routes.get_journal(self, request)

    @api("GET", "/api/v1/hub/scorecards", permission=("hub", "read"), tags=hub_routes.TAGS,
         summary="Scorecards of every region the caller may see, with their rollup",
         response=ScorecardListSchema)
    def hub_scorecards(self, request):
        return hub_routes.hub_scorecards(self, request)

    @api("GET", "/api/v1/hub/scorecards/<string:region>", permission=("hub", "read"), tags=hub_routes.TAGS,
         summary="Scorecard of one region beside the Concept's 2030 targets", response=ScorecardSchema)
    def hub_region_scorecard(self, request, region):
        return hub_routes.hub_region_scorecard(self, request, region)

    @api("PUT", "/api/v1/hub/regions/<string:code>/srs", permission=("hub.srs", "write"),
         tags=hub_routes.TAGS, summary="Record a region's current SRS provision with its source and date",
         body=SrsValuesSchema, response=SrsRecordSchema)
    def hub_put_srs(self, request, code):
        return hub_routes.hub_put_srs(self, request, code)

    @api("GET", "/api/v1/hub/regions/<string:code>/srs", permission=("hub", "read"), tags=hub_routes.TAGS,
         summary="A region's recorded SRS provision and the history of its records",
         response=SrsRecordWithHistorySchema, responses={404: "no SRS values recorded yet"})
    def hub_get_srs(self, request, code):
        return hub_routes.hub_get_srs(self, request, code)

    @api("GET", "/api/v1/hub/reporting-calendar", permission=("hub", "read"), tags=hub_routes.TAGS,
         summary="Annual-report deadlines (1 April of the next year) of every region and status",
         query=CalendarQuery, response=CalendarSchema)
    def hub_reporting_calendar(self, request):
        return hub_routes.hub_reporting_calendar(self, request)

    # -- initiative routes -------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/initiatives", permission=("hub", "read"), tags=initiative_routes.TAGS,
         summary="Initiatives of the regions the caller may see, newest first", query=InitiativeQuery,
         response=InitiativePageSchema)
    def hub_list_initiatives(self, request):
        return initiative_routes.hub_list_initiatives(self, request)

    @api("POST", "/api/v1/hub/initiatives", permission=("hub.initiatives", "write"),
         tags=initiative_routes.TAGS, summary="Open an initiative by hand (office coordinators)",
         body=InitiativeCreateSchema, response=InitiativeSchema, responses={201: "the initiative, opened"})
    def hub_create_initiative(self, request):
        return initiative_routes.hub_create_initiative(self, request)

    @api("GET", "/api/v1/hub/initiatives/<string:initiative_id>", permission=("hub", "read"),
         tags=initiative_routes.TAGS,
         summary="One initiative with its history and the events that caused it", response=InitiativeSchema)
    def hub_get_initiative(self, request, initiative_id):
        return initiative_routes.hub_get_initiative(self, request, initiative_id)

    @api("PATCH", "/api/v1/hub/initiatives/<string:initiative_id>", permission=("hub.initiatives", "write"),
         tags=initiative_routes.TAGS,
         summary="Change an initiative's status (with a comment), due date or responsible body",
         body=InitiativeChangeSchema, response=InitiativeSchema,
         responses={409: "transition not allowed, or the initiative changed since it was read"})
    def hub_change_initiative(self, request, initiative_id):
        return initiative_routes.hub_change_initiative(self, request, initiative_id)

    @initiative_routes.check_timer
    def hub_scheduled_checks(self):
        return initiative_routes.hub_scheduled_checks(self)

    @hub_routes.totals_timer
    def hub_refresh_region_totals(self):
        return hub_routes.hub_refresh_region_totals(self)

    @rpc
    def hub_run_checks(self, today=None):
        return initiative_routes.hub_run_checks(self, today)

    @api("POST", "/api/v1/hub/checks", permission=("hub.initiatives", "write"), tags=initiative_routes.TAGS,
         summary="Run the deadline checks now (stalled projects, overdue annual reports)",
         body=ChecksSchema, response=ChecksResultSchema,
         responses={403: "only admins may run the checks as of another day"})
    def hub_checks(self, request):
        return initiative_routes.hub_checks(self, request)

    # -- settlement routes -------------------------------------------------------------------------
    @api("POST", "/api/v1/hub/settlements/imports", permission=("hub.settlements", "import"),
         rules=business_rules.SETTLEMENT_REGISTER,
         tags=settlement_routes.TAGS, query=ImportQuery, response=RegisterImportSchema,
         summary="Import the Bureau's KATO classifier (CSV body, or XLSX when file_name ends "
                 "in .xlsx), with a per-row report",
         responses={201: "imported; the report names every rejected row",
                    400: "the file cannot be read (header, encoding)", 413: "body over 1 MiB"})
    def hub_import_settlements(self, request):
        return settlement_routes.hub_import_settlements(self, request)

    @api("GET", "/api/v1/hub/settlements/imports/<string:import_id>",
         permission=("hub.settlements", "import"), tags=settlement_routes.TAGS,
         response=RegisterImportSchema,
         summary="The report of one register import (counts and rejected rows)")
    def hub_settlement_import(self, request, import_id):
        return settlement_routes.hub_settlement_import(self, request, import_id)

    @api("GET", "/api/v1/hub/settlements", permission=("hub", "read"), tags=settlement_routes.TAGS,
         query=SettlementQuery, response=SettlementPageSchema,
         summary="Units of the settlement register (by region, kind, flag or rural district)")
    def hub_list_settlements(self, request):
        return settlement_routes.hub_list_settlements(self, request)

    @api("GET", "/api/v1/hub/settlements/<string:kato>", permission=("hub", "read"),
         tags=settlement_routes.TAGS, response=SettlementWithAssessmentsSchema,
         summary="One unit of the register with its SRS assessments by year")
    def hub_get_settlement(self, request, kato):
        return settlement_routes.hub_get_settlement(self, request, kato)

    @api("PUT", "/api/v1/hub/settlements/<string:kato>/srs/<int:year>", permission=("hub.srs", "write"),
         tags=settlement_routes.TAGS, body=AssessmentInSchema, response=AssessmentSchema,
         summary="Record a settlement's SRS coverage per standard for a year (manual entry)",
         responses={400: settlement_routes.BAD_INPUT, 404: "no such unit in the register"})
    def hub_put_assessment(self, request, kato, year):
        return settlement_routes.hub_put_assessment(self, request, kato, year)

    @api("GET", "/api/v1/hub/regions/<string:code>/srs/settlements", permission=("hub", "read"),
         tags=settlement_routes.TAGS, query=YearQuery, response=SrsRollupSchema,
         summary="A region's SRS figures rolled up by population from its settlements")
    def hub_region_srs_rollup(self, request, code):
        return settlement_routes.hub_region_srs_rollup(self, request, code)

    @api("GET", "/api/v1/hub/srs/rollup", permission=("hub", "read"), tags=settlement_routes.TAGS,
         query=YearQuery, response=SrsRollupListSchema,
         summary="SRS figures per region and in total (the country for national roles)")
    def hub_srs_rollup(self, request):
        return settlement_routes.hub_srs_rollup(self, request)

    @api("GET", "/api/v1/hub/regions/<string:code>/srs/gaps", permission=("hub", "read"),
         tags=settlement_routes.TAGS, query=GapQuery, response=GapListSchema,
         summary="Settlements of a region that miss an SRS standard, with the projects closing it")
    def hub_region_srs_gaps(self, request, code):
        return settlement_routes.hub_region_srs_gaps(self, request, code)

    # -- action plan routes ------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/assumptions", permission=("hub", "read"), tags=("hub",),
         response=AssumptionListSchema,
         summary="Every assumed rule of the hub with its value, rationale and where it applies")
    def hub_assumptions(self, request):
        return action_plan_routes.hub_assumptions(self, request)

    @api("GET", "/api/v1/hub/action-plan/measures", permission=("hub", "read"),
         tags=action_plan_routes.TAGS, query=MeasureQuery, response=MeasureListSchema,
         summary="Action Plan measures: central ones and those of the caller's regions")
    def hub_list_measures(self, request):
        return action_plan_routes.hub_list_measures(self, request)

    @api("GET", "/api/v1/hub/action-plan/measures/<string:measure_id>",
         permission=("hub", "read"), tags=action_plan_routes.TAGS, response=MeasureSchema,
         summary="One Action Plan measure with its evidence and history")
    def hub_get_measure(self, request, measure_id):
        return action_plan_routes.hub_get_measure(self, request, measure_id)

    @api("POST", "/api/v1/hub/action-plan/measures", permission=("hub.action_plan", "write"),
         tags=action_plan_routes.TAGS, body=MeasureInSchema, response=MeasureSchema,
         summary="Enter a measure of the Action Plan (manual entry: who, when, on what document)",
         responses={201: "entered", 400: action_plan_routes.BAD_INPUT,
                    409: "a measure with this id exists"})
    def hub_add_measure(self, request):
        return action_plan_routes.hub_add_measure(self, request)

    @api("POST", "/api/v1/hub/action-plan/measures/<string:measure_id>/status",
         permission=("hub.action_plan", "write"), tags=action_plan_routes.TAGS,
         body=MeasureChangeSchema, response=MeasureSchema,
         summary="Move a measure to a status, with a comment and evidence (done needs evidence)",
         responses={400: action_plan_routes.BAD_INPUT, 404: "no such measure",
                    409: "changed meanwhile"})
    def hub_change_measure(self, request, measure_id):
        return action_plan_routes.hub_change_measure(self, request, measure_id)

    @api("GET", "/api/v1/hub/action-plan/indicators", permission=("hub", "read"),
         tags=action_plan_routes.TAGS, response=IndicatorListSchema,
         summary="Target indicators with baseline, targets and actuals judged per year")
    def hub_list_indicators(self, request):
        return action_plan_routes.hub_list_indicators(self, request)

    @api("POST", "/api/v1/hub/action-plan/indicators", permission=("hub.action_plan", "write"),
         rules=business_rules.INDICATOR,
         tags=action_plan_routes.TAGS, body=IndicatorInSchema, response=IndicatorSchema,
         summary="Enter a target indicator (national or per region) with baseline and targets",
         responses={201: "entered", 400: action_plan_routes.BAD_INPUT,
                    409: "this indicator exists for the region"})
    def hub_add_indicator(self, request):
        return action_plan_routes.hub_add_indicator(self, request)

    @api("PUT", "/api/v1/hub/action-plan/indicators/<string:key>/actuals/<int:year>",
         permission=("hub.action_plan", "write"), tags=action_plan_routes.TAGS,
         body=ActualInSchema, response=IndicatorSchema,
         summary="Record an indicator's actual for a year (manual entry), judged at once",
         responses={400: action_plan_routes.BAD_INPUT, 404: "no such indicator"})
    def hub_put_actual(self, request, key, year):
        return action_plan_routes.hub_put_actual(self, request, key, year)

    @api("POST", "/api/v1/hub/action-plan/demo-seed", permission=("hub.initiatives", "write"),
         tags=action_plan_routes.TAGS, response=DemoSeedSchema,
         summary="Load the shipped DEMO measures and indicators (marked demo; idempotent)",
         responses={200: "counts of entries added; existing ids are left as they are"})
    def hub_action_plan_demo_seed(self, request):
        return action_plan_routes.hub_action_plan_demo_seed(self, request)

    @initiative_routes.check_timer
    def hub_action_plan_scheduled_checks(self):
        return action_plan_routes.hub_action_plan_scheduled_checks(self)

    @api("POST", "/api/v1/hub/action-plan/checks", permission=("hub.initiatives", "write"),
         tags=action_plan_routes.TAGS, response=ActionChecksSchema,
         summary="Open initiatives for overdue measures and off-track indicators now")
    def hub_action_plan_checks(self, request):
        return action_plan_routes.hub_action_plan_checks(self, request)

    # -- 1 April report routes ----------------------------------------------------------------------
    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/draft",
         permission=("hub.reports", "write"), tags=concept_report_routes.TAGS,
         response=ConceptReportSchema,
         summary="Assemble (again) the draft 1 April report of a region and year",
         responses={409: concept_report_routes.CONFLICT})
    def hub_draft_concept_report(self, request, region, year):
        return concept_report_routes.hub_draft_concept_report(self, request, region, year)

    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/submit",
         permission=("hub.reports", "write"), tags=concept_report_routes.TAGS,
         body=ReportStepSchema, response=ConceptReportSchema,
         summary="Submit the drafted report to the Ministry of National Economy (who and when)",
         responses={404: "not drafted yet", 409: concept_report_routes.CONFLICT})
    def hub_submit_concept_report(self, request, region, year):
        return concept_report_routes.hub_submit_concept_report(self, request, region, year)

    @api("POST", "/api/v1/hub/concept-reports/<string:region>/<int:year>/acknowledge",
         permission=("hub.reports", "acknowledge"), tags=concept_report_routes.TAGS,
         body=ReportStepSchema, response=ConceptReportSchema,
         summary="Acknowledge a submitted report (the Ministry of National Economy)",
         responses={404: "not drafted yet", 409: concept_report_routes.CONFLICT})
    def hub_acknowledge_concept_report(self, request, region, year):
        return concept_report_routes.hub_acknowledge_concept_report(self, request, region, year)

    @api("GET", "/api/v1/hub/concept-reports/<string:region>/<int:year>",
         permission=("hub", "read"), tags=concept_report_routes.TAGS, response=ConceptReportSchema,
         summary="One region's 1 April report (content, status, who and when)",
         responses={404: "not drafted yet"})
    def hub_get_concept_report(self, request, region, year):
        return concept_report_routes.hub_get_concept_report(self, request, region, year)

    @api("GET", "/api/v1/hub/concept-reports/<int:year>", permission=("hub", "read"),
         tags=concept_report_routes.TAGS, response=ConceptReportListSchema,
         summary="The year's 1 April reports of the regions the caller may see, by status")
    def hub_list_concept_reports(self, request, year):
        return concept_report_routes.hub_list_concept_reports(self, request, year)

    @api("GET", "/api/v1/hub/concept-reports/<string:region>/<int:year>/ofdp.zip",
         permission=("hub", "read"), tags=concept_report_routes.TAGS,
         summary="The report's fiscal part as an Open Fiscal Data Package (zip)",
         responses={200: "application/zip: datapackage.json, data/fiscal-indicators.csv, "
                         "data/block-budget.csv", 404: "not drafted yet"})
    def hub_concept_report_ofdp(self, request, region, year):
        return concept_report_routes.hub_concept_report_ofdp(self, request, region, year)

    # -- a central executive body's own 1 April report ----------------------------------------------
    @api("POST", "/api/v1/hub/central-reports/<string:body_code>/<int:year>/draft",
         permission=("hub.central_reports", "write"), tags=central_report_routes.TAGS,
         response=CentralReportSchema,
         summary="Assemble (again) the draft 1 April report of a central body on its measures",
         responses={409: central_report_routes.CONFLICT})
    def hub_draft_central_report(self, request, body_code, year):
        return central_report_routes.hub_draft_central_report(self, request, body_code, year)

    @api("POST", "/api/v1/hub/central-reports/<string:body_code>/<int:year>/submit",
         permission=("hub.central_reports", "write"), tags=central_report_routes.TAGS,
         body=ReportStepSchema, response=CentralReportSchema,
         summary="Submit a central body's drafted report to the Ministry of National Economy",
         responses={404: "not drafted yet", 409: central_report_routes.CONFLICT})
    def hub_submit_central_report(self, request, body_code, year):
        return central_report_routes.hub_submit_central_report(self, request, body_code, year)

    @api("POST", "/api/v1/hub/central-reports/<string:body_code>/<int:year>/acknowledge",
         permission=("hub.reports", "acknowledge"), tags=central_report_routes.TAGS,
         body=ReportStepSchema, response=CentralReportSchema,
         summary="Acknowledge a central body's submitted report (the Ministry of National "
                 "Economy)",
         responses={404: "not drafted yet", 409: central_report_routes.CONFLICT})
    def hub_acknowledge_central_report(self, request, body_code, year):
        return central_report_routes.hub_acknowledge_central_report(self, request, body_code,
                                                                    year)

    @api("GET", "/api/v1/hub/central-reports/<string:body_code>/<int:year>",
         permission=("hub.central_reports", "read"), tags=central_report_routes.TAGS,
         response=CentralReportSchema,
         summary="One central body's 1 April report (content, status, who and when)",
         responses={404: "not drafted yet"})
    def hub_get_central_report(self, request, body_code, year):
        return central_report_routes.hub_get_central_report(self, request, body_code, year)

    @api("GET", "/api/v1/hub/central-reports/<int:year>",
         permission=("hub.central_reports", "read"), tags=central_report_routes.TAGS,
         response=CentralReportListSchema,
         summary="The year's 1 April reports of the central bodies the caller may see")
    def hub_list_central_reports(self, request, year):
        return central_report_routes.hub_list_central_reports(self, request, year)

    # -- territory routes ---------------------------------------------------------------------------
    @api("GET", "/api/v1/hub/agglomerations", permission=("hub", "read"),
         tags=territory_routes.TAGS, response=AgglomerationListSchema,
         summary="Scorecards of the agglomerations covering the caller's regions")
    def hub_agglomeration_cards(self, request):
        return territory_routes.hub_agglomeration_cards(self, request)

    @api("GET", "/api/v1/hub/agglomerations/<string:code>", permission=("hub", "read"),
         tags=territory_routes.TAGS, response=AgglomerationCardSchema,
         summary="One agglomeration's scorecard over its member territories")
    def hub_agglomeration_card(self, request, code):
        return territory_routes.hub_agglomeration_card(self, request, code)

    @api("GET", "/api/v1/hub/mono-towns", permission=("hub", "read"), tags=territory_routes.TAGS,
         query=RegionQuery, response=MonoTownListSchema,
         summary="Scorecards of the register's mono-towns in the caller's regions")
    def hub_mono_town_cards(self, request):
        return territory_routes.hub_mono_town_cards(self, request)

    @api("GET", "/api/v1/hub/mono-towns/<string:kato>", permission=("hub", "read"),
         tags=territory_routes.TAGS, response=MonoTownCardSchema,
         summary="One mono-town: anchor projects, diversification, access to a growth centre")
    def hub_mono_town_card(self, request, kato):
        return territory_routes.hub_mono_town_card(self, request, kato)

    @api("PUT", "/api/v1/hub/mono-towns/<string:kato>/transport-access",
         permission=("hub.srs", "write"), tags=territory_routes.TAGS, body=TransportAccessInSchema,
         response=TransportAccessSchema,
         summary="Record a mono-town's transport access to its nearest growth centre (manual)",
         responses={400: "invalid input; details name each bad field",
                    404: "no such mono-town or growth centre"})
    def hub_put_mono_town_access(self, request, kato):
        return territory_routes.hub_put_mono_town_access(self, request, kato)

    # -- admin routes ------------------------------------------------------------------------------
    @api("POST", "/api/v1/admin/api-keys", permission=("api_keys", "admin"), tags=admin_routes.TAGS,
         summary="Create an API key for a machine client (the key is shown in this answer only)",
         body=ApiKeyCreateSchema, response=ApiKeyCreatedSchema,
         responses={201: "the key, with its plaintext"})
    def admin_create_api_key(self, request):
        return admin_routes.admin_create_api_key(self, request)

    @api("GET", "/api/v1/admin/api-keys", permission=("api_keys", "admin"), tags=admin_routes.TAGS,
         summary="List API keys (never their secrets or hashes)", query=ApiKeyListQuery,
         response=ApiKeyPageSchema)
    def admin_list_api_keys(self, request):
        return admin_routes.admin_list_api_keys(self, request)

    @api("DELETE", "/api/v1/admin/api-keys/<string:key_id>", permission=("api_keys", "admin"),
         tags=admin_routes.TAGS, summary="Revoke an API key (at once; revoking again keeps the first date)",
         response=ApiKeySchema)
    def admin_revoke_api_key(self, request, key_id):
        return admin_routes.admin_revoke_api_key(self, request, key_id)

    @api("GET", "/api/v1/admin/audit", permission=("audit", "read"), tags=admin_routes.TAGS,
         summary="Audit trail of refused requests and writes, newest first", query=AuditQuery,
         response=AuditPageSchema)
    def admin_audit(self, request):
        return admin_routes.admin_audit(self, request)

    # -- project routes ----------------------------------------------------------------------------
    @api("GET", "/api/v1/projects", permission=("projects", "read"),
         rules=business_rules.PROJECT_QUERY,
         summary="List investment projects (filters, sort, keyset cursor paging)", query=ProjectQuery,
         response=project_routes.ProjectPage, tags=project_routes.TAGS,
         responses={400: project_routes.BAD_INPUT,
                    403: "a region outside the caller's scope was asked for"})
    def projects_list(self, request):
        return project_routes.projects_list(self, request)

    @api("POST", "/api/v1/projects", permission=("projects", "write"),
         rules=business_rules.PROJECT,
         summary="Register an investment project (stage proposed)", body=ProjectCreate, response=ProjectOut,
         tags=project_routes.TAGS,
         responses={201: "registered", 400: project_routes.BAD_INPUT, 403: project_routes.FORBIDDEN,
                    409: "external_ref already registered"})
    def projects_create(self, request):
        return project_routes.projects_create(self, request)

    @api("GET", "/api/v1/projects/export", permission=("projects", "read"),
         rules=business_rules.PROJECT_QUERY,
         summary="Export the (filtered) pipeline as CSV or as IATI-like activities",
         query=project_routes.ExportQuery, response=project_routes.IatiExport, tags=project_routes.TAGS,
         responses={200: "format=csv: text/csv, one row per project under a header row; "
                         "format=iati: the JSON document below", 400: project_routes.BAD_INPUT,
                    403: "a region outside the caller's scope was asked for"})
    def projects_export(self, request):
        return project_routes.projects_export(self, request)

    @api("GET", "/api/v1/projects/<string:project_id>", permission=("projects", "read"),
         summary="One investment project", response=ProjectOut, tags=project_routes.TAGS,
         headers=PROJECT_READ_HEADERS,
         responses={403: project_routes.FORBIDDEN, 404: project_routes.NOT_FOUND})
    def projects_get(self, request, project_id):
        return project_routes.projects_get(self, request, project_id)

    @api("PATCH", "/api/v1/projects/<string:project_id>", permission=("projects", "write"),
         rules=business_rules.PROJECT_UPDATE,
         summary="Update descriptive fields of a project (expected_version required)", body=ProjectUpdate,
         response=ProjectOut, tags=project_routes.TAGS,
         responses={400: project_routes.BAD_INPUT, 403: project_routes.FORBIDDEN,
                    404: project_routes.NOT_FOUND,
                    409: f"{project_routes.STALE}, or the project is closed (evaluated, cancelled)"})
    def projects_update(self, request, project_id):
        return project_routes.projects_update(self, request, project_id)

    @api("POST", "/api/v1/projects/<string:project_id>/stage", permission=("projects", "write"),
         summary="Move a project to another pipeline stage (expected_version required)", body=StageChange,
         response=ProjectOut, tags=project_routes.TAGS,
         responses={400: project_routes.BAD_INPUT, 403: project_routes.FORBIDDEN,
                    404: project_routes.NOT_FOUND,
                    409: f"{project_routes.STALE}; a move the pipeline forbids (details.allowed "
                         "lists the next stages); commissioning without its date or jobs created"})
    def projects_change_stage(self, request, project_id):
        return project_routes.projects_change_stage(self, request, project_id)

    @api("POST", "/api/v1/projects/<string:project_id>/progress", permission=("projects", "write"),
         summary="File a cumulative progress report (investment and jobs to date)", body=ProgressReport,
         response=ProjectOut, tags=project_routes.TAGS,
         responses={400: project_routes.BAD_INPUT, 403: project_routes.FORBIDDEN,
                    404: project_routes.NOT_FOUND,
                    409: f"{project_routes.STALE}; a report dated before the latest one; "
                         "lower figures without correction_reason; the project is closed"})
    def projects_report_progress(self, request, project_id):
        return project_routes.projects_report_progress(self, request, project_id)

    @api("GET", "/api/v1/regions/<string:code>/projects/summary", permission=("projects", "read"),
         summary="Projects of a region: counts, cost, jobs and investment by stage and sector",
         response=project_routes.RegionProjectsSummary, tags=project_routes.TAGS,
         responses={403: project_routes.FORBIDDEN, 404: "no region with this code"})
    def projects_region_summary(self, request, code):
        return project_routes.projects_region_summary(self, request, code)

    # -- budget routes -----------------------------------------------------------------------------
    @api("GET", f"{budget_routes.BASE}/revenues", permission=("budgets", "read"),
         summary="List revenue lines (filters; page_size capped at 500)", query=RevenueQuerySchema,
         response=PageSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: "a region outside the caller's scope was asked for"})
    def budgets_list_revenues(self, request):
        return budget_routes.budgets_list_revenues(self, request)

    @api("POST", f"{budget_routes.BASE}/revenues", permission=("budgets", "write"),
         rules=business_rules.REVENUES,
         summary="Record one revenue line, or a batch {lines, batch_id?} (natural-key upsert)",
         body=RevenueBatchSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN})
    def budgets_record_revenues(self, request):
        return budget_routes.budgets_record_revenues(self, request)

    @api("POST", f"{budget_routes.BASE}/imports", permission=("budgets", "write"),
         rules=business_rules.OFDP_DESCRIPTOR,
         summary="Open a chunked import (CSV, or OFDP with its datapackage)", body=ImportStartSchema,
         response=ImportStatusSchema, tags=budget_routes.TAGS,
         responses={201: "opened: send the chunks, then finish", 400: budget_routes.BAD_INPUT,
                    403: budget_routes.FORBIDDEN})
    def budgets_start_import(self, request):
        return budget_routes.budgets_start_import(self, request)

    @api("PUT", f"{budget_routes.BASE}/imports/<string:import_id>/chunks/<int:seq>",
         permission=("budgets", "write"),
         summary="Send text chunk seq (0, 1, ...) of an import (UTF-8 body, at most 1 MiB)",
         tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN, 404: "no such import",
                    409: "another text under this seq, or the import is closed"})
    def budgets_import_chunk(self, request, import_id, seq):
        return budget_routes.budgets_import_chunk(self, request, import_id, seq)

    @api("POST", f"{budget_routes.BASE}/imports/<string:import_id>/finish", permission=("budgets", "write"),
         summary="Every chunk is sent: queue the import (poll its status)", body=ImportFinishSchema,
         response=ImportStatusSchema, tags=budget_routes.TAGS,
         responses={202: "queued", 403: budget_routes.FORBIDDEN, 404: "no such import",
                    409: "not every chunk has arrived (details: chunks_total, chunks_received)"})
    def budgets_finish_import(self, request, import_id):
        return budget_routes.budgets_finish_import(self, request, import_id)

    @api("GET", f"{budget_routes.BASE}/imports/<string:import_id>", permission=("budgets", "read"),
         summary="Progress of an import and its row errors (row, field, reason)",
         response=ImportStatusSchema, tags=budget_routes.TAGS,
         responses={403: budget_routes.FORBIDDEN, 404: "no such import"})
    def budgets_import_status(self, request, import_id):
        return budget_routes.budgets_import_status(self, request, import_id)

    @api("POST", f"{budget_routes.BASE}/imports/csv", permission=("budgets", "write"),
         summary="Import a CSV body at once (up to 1 MiB; larger files: chunked import)",
         query=budget_routes.ImportModeQuery, response=ImportStatusSchema, tags=budget_routes.TAGS,
         responses={202: "queued", 400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN,
                    413: "body over 1 MiB"})
    def budgets_import_csv(self, request):
        return budget_routes.budgets_import_csv(self, request)

    @api("POST", f"{budget_routes.BASE}/imports/ofdp", permission=("budgets", "write"),
         rules=business_rules.OFDP_ZIP,
         summary="Import an OFDP zip (datapackage.json and its CSV resource) at once",
         query=budget_routes.ImportModeQuery, response=ImportStatusSchema, tags=budget_routes.TAGS,
         responses={202: "queued", 400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN,
                    413: "body over 1 MiB"})
    def budgets_import_ofdp(self, request):
        return budget_routes.budgets_import_ofdp(self, request)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/indicators/<int:year>",
         permission=("budgets", "read"),
         summary="Fiscal autonomy indicators of a region and year (stored, or as of a period)",
         query=budget_routes.IndicatorsAsOfQuery, response=IndicatorsOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN})
    def budgets_indicators(self, request, region, year):
        return budget_routes.budgets_indicators(self, request, region, year)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/forecast", permission=("budgets", "read"),
         summary="Local revenue forecast of a region, with commissioned projects",
         response=ForecastOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN})
    def budgets_forecast(self, request, region):
        return budget_routes.budgets_forecast(self, request, region)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/transfers/<int:year>",
         permission=("budgets", "read"),
         summary="Transfers of a region and year (subventions, withdrawals, earmarked)",
         response=TransfersOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN,
                    404: "no transfers recorded"})
    def budgets_get_transfers(self, request, region, year):
        return budget_routes.budgets_get_transfers(self, request, region, year)

    @api("PUT", f"{budget_routes.BASE}/regions/<string:region>/transfers/<int:year>",
         permission=("budgets", "write"),
         summary="Record the transfers of a region and year; indicators follow",
         body=budget_routes.TransfersBody, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN})
    def budgets_set_transfers(self, request, region, year):
        return budget_routes.budgets_set_transfers(self, request, region, year)

    @api("POST", f"{budget_routes.BASE}/blocks", permission=("budgets", "write"),
         summary="Create a block budget (limit, targets, lines)", body=BlockCreateSchema,
         response=BlockOutSchema, tags=budget_routes.TAGS,
         responses={201: "created", 400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN,
                    409: "the block exists, or allocations exceed the limit (figures in details)"})
    def budgets_create_block(self, request):
        return budget_routes.budgets_create_block(self, request)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/blocks", permission=("budgets", "read"),
         summary="Block budgets of a region (optionally of one fiscal_year)",
         query=budget_routes.BlockListQuery, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN})
    def budgets_list_blocks(self, request, region):
        return budget_routes.budgets_list_blocks(self, request, region)

    @api("GET", f"{budget_routes.BASE}/blocks/<path:block_id>", permission=("budgets", "read"),
         summary="One block budget with its totals", response=BlockOutSchema, tags=budget_routes.TAGS,
         responses={403: budget_routes.FORBIDDEN, 404: "no such block"})
    def budgets_get_block(self, request, block_id):
        return budget_routes.budgets_get_block(self, request, block_id)

    @api("POST", f"{budget_routes.BASE}/blocks/<path:block_id>/allocations",
         permission=("budgets", "write"),
         summary="Set a line's allocation (a new line is added); the limit holds",
         body=budget_routes.BlockAllocateBody, response=BlockOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN, 404: "no such block",
                    409: budget_routes.LIMIT})
    def budgets_allocate_block_line(self, request, block_id):
        return budget_routes.budgets_allocate_block_line(self, request, block_id)

    @api("POST", f"{budget_routes.BASE}/blocks/<path:block_id>/moves", permission=("budgets", "write"),
         rules=business_rules.BLOCK_MOVE,
         summary="Move allocation between two lines (refusals emit block_move_rejected)",
         body=budget_routes.BlockMoveBody, response=BlockOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN, 404: "no such block",
                    409: budget_routes.LIMIT})
    def budgets_move_block_funds(self, request, block_id):
        return budget_routes.budgets_move_block_funds(self, request, block_id)

    @api("POST", f"{budget_routes.BASE}/blocks/<path:block_id>/executions", permission=("budgets", "write"),
         rules=business_rules.BLOCK_EXECUTION,
         summary="Book spending on a block line (never above its allocation)",
         body=budget_routes.BlockExecutionBody, response=BlockOutSchema, tags=budget_routes.TAGS,
         responses={400: budget_routes.BAD_INPUT, 403: budget_routes.FORBIDDEN, 404: "no such block",
                    409: budget_routes.LIMIT})
    def budgets_record_block_execution(self, request, block_id):
        return budget_routes.budgets_record_block_execution(self, request, block_id)

    @api("POST", f"{budget_routes.BASE}/blocks/<path:block_id>/carry-over", permission=("budgets", "write"),
         summary="Carry a closed year's unspent balance into next year's block (once)",
         tags=budget_routes.TAGS,
         responses={403: budget_routes.FORBIDDEN, 404: "no such block",
                    409: "the fiscal year is still open (rule year_not_closed)"})
    def budgets_carry_over_block(self, request, block_id):
        return budget_routes.budgets_carry_over_block(self, request, block_id)

    @api("POST", f"{budget_routes.BASE}/regions/<string:region>/reports/<int:year>",
         permission=("budgets", "read"),
         summary="Generate the annual report due by 1 April of the next year", response=ReportOutSchema,
         tags=budget_routes.TAGS,
         responses={201: "generated and stored", 400: budget_routes.BAD_INPUT,
                    403: budget_routes.FORBIDDEN})
    def budgets_generate_report(self, request, region, year):
        return budget_routes.budgets_generate_report(self, request, region, year)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/reports/<int:year>",
         permission=("budgets", "read"), summary="The stored annual report of a region and year (JSON)",
         response=ReportOutSchema, tags=budget_routes.TAGS,
         responses={403: budget_routes.FORBIDDEN, 404: "not generated yet"})
    def budgets_get_report(self, request, region, year):
        return budget_routes.budgets_get_report(self, request, region, year)

    @api("GET", f"{budget_routes.BASE}/regions/<string:region>/reports/<int:year>/ofdp.zip",
         permission=("budgets", "report"),
         summary="Open Fiscal Data Package of the year's revenue lines, as one zip",
         tags=budget_routes.TAGS,
         responses={200: "application/zip: datapackage.json and " "data/local-budget-revenue.csv",
                    403: budget_routes.FORBIDDEN})
    def budgets_report_ofdp(self, request, region, year):
        return budget_routes.budgets_report_ofdp(self, request, region, year)

    # -- personnel routes --------------------------------------------------------------------------
    @api("GET", f"{personnel_routes.PREFIX}/organisations", permission=(personnel_routes.RESOURCE, "read"),
         summary="List state bodies (central, regional, district)", query=OrganisationQuerySchema,
         response=personnel_routes.OrganisationPage, tags=personnel_routes.TAGS,
         responses={400: personnel_routes.BAD_INPUT})
    def personnel_list_organisations(self, request):
        return personnel_routes.personnel_list_organisations(self, request)

    @api("POST", f"{personnel_routes.PREFIX}/organisations",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Create a state body (a central body: national roles only)", body=OrganisationCreateSchema,
         response=OrganisationSchema, tags=personnel_routes.TAGS,
         responses={201: "created", 400: personnel_routes.BAD_INPUT, 403: personnel_routes.FORBIDDEN})
    def personnel_create_organisation(self, request):
        return personnel_routes.personnel_create_organisation(self, request)

    @api("GET", f"{personnel_routes.PREFIX}/organisations/<string:org_id>",
         permission=(personnel_routes.RESOURCE, "read"), summary="One state body",
         response=OrganisationSchema, tags=personnel_routes.TAGS)
    def personnel_get_organisation(self, request, org_id):
        return personnel_routes.personnel_get_organisation(self, request, org_id)

    @api("GET", f"{personnel_routes.PREFIX}/organisations/<string:org_id>/positions",
         permission=(personnel_routes.RESOURCE, "read"), summary="Posts of a state body",
         query=PositionQuerySchema, response=personnel_routes.PositionPage, tags=personnel_routes.TAGS)
    def personnel_list_organisation_positions(self, request, org_id):
        return personnel_routes.personnel_list_organisation_positions(self, request, org_id)

    @api("POST", f"{personnel_routes.PREFIX}/organisations/<string:org_id>/positions",
         rules=business_rules.POSITION,
         permission=(personnel_routes.RESOURCE, "write"), summary="Create a post in a state body (vacant)",
         body=personnel_routes.PositionInOrganisation, response=PositionSchema, tags=personnel_routes.TAGS,
         responses={201: "created", 403: personnel_routes.FORBIDDEN,
                    409: "the body is closed (rule organisation_closed)"})
    def personnel_create_position(self, request, org_id):
        return personnel_routes.personnel_create_position(self, request, org_id)

    @api("GET", f"{personnel_routes.PREFIX}/positions", permission=(personnel_routes.RESOURCE, "read"),
         summary="List posts (by body, region, status, corps, category)", query=PositionQuerySchema,
         response=personnel_routes.PositionPage, tags=personnel_routes.TAGS)
    def personnel_list_positions(self, request):
        return personnel_routes.personnel_list_positions(self, request)

    @api("GET", f"{personnel_routes.PREFIX}/positions/<string:position_id>",
         permission=(personnel_routes.RESOURCE, "read"), summary="One post", response=PositionSchema,
         tags=personnel_routes.TAGS)
    def personnel_get_position(self, request, position_id):
        return personnel_routes.personnel_get_position(self, request, position_id)

    @api("GET", f"{personnel_routes.PREFIX}/civil-servants", permission=(personnel_routes.RESOURCE, "read"),
         summary="List civil servants (narrowed to the officer's home region)", query=ServantQuerySchema,
         response=personnel_routes.ServantPage, tags=personnel_routes.TAGS)
    def personnel_list_servants(self, request):
        return personnel_routes.personnel_list_servants(self, request)

    @api("POST", f"{personnel_routes.PREFIX}/civil-servants",
         rules=business_rules.CIVIL_SERVANT,
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Register a civil servant in a vacant post", body=CivilServantCreateSchema,
         response=personnel_routes.ServantOut, tags=personnel_routes.TAGS,
         responses={201: "registered", 400: personnel_routes.BAD_INPUT, 403: personnel_routes.FORBIDDEN,
                    404: personnel_routes.UNKNOWN_REF,
                    409: "IIN already registered (duplicate) or the post is taken"})
    def personnel_register_servant(self, request):
        return personnel_routes.personnel_register_servant(self, request)

    @api("GET", f"{personnel_routes.PREFIX}/civil-servants/<string:servant_id>",
         permission=(personnel_routes.RESOURCE, "read"), summary="One civil servant",
         response=personnel_routes.ServantOut, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN})
    def personnel_get_servant(self, request, servant_id):
        return personnel_routes.personnel_get_servant(self, request, servant_id)

    @api("PATCH", f"{personnel_routes.PREFIX}/civil-servants/<string:servant_id>",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Change name, home region or status of a civil servant", body=CivilServantUpdateSchema,
         response=personnel_routes.ServantOut, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RACE})
    def personnel_update_servant(self, request, servant_id):
        return personnel_routes.personnel_update_servant(self, request, servant_id)

    @api("POST", f"{personnel_routes.PREFIX}/civil-servants/<string:servant_id>/term-extensions",
         rules=business_rules.TERM_EXTENSION,
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Record an extension of the mandatory rotation term (head: 6 years, agency: 8)",
         body=MandatoryRotationExtensionSchema, response=personnel_routes.ServantOut,
         tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: "beyond the authority's limit (rule term_limit)"})
    def personnel_extend_servant_term(self, request, servant_id):
        return personnel_routes.personnel_extend_servant_term(self, request, servant_id)

    @api("GET", f"{personnel_routes.PREFIX}/rotations", permission=(personnel_routes.RESOURCE, "read"),
         summary="List rotations (a region matches rotations leaving or entering it)",
         query=RotationQuerySchema, response=personnel_routes.RotationPage, tags=personnel_routes.TAGS)
    def personnel_list_rotations(self, request):
        return personnel_routes.personnel_list_rotations(self, request)

    @api("POST", f"{personnel_routes.PREFIX}/rotations", permission=(personnel_routes.RESOURCE, "write"),
         summary="Request a rotation (secondment to the centre, posting to a region)",
         body=RotationRequestSchema, response=RotationSchema, tags=personnel_routes.TAGS,
         responses={201: "requested", 400: personnel_routes.BAD_INPUT, 403: personnel_routes.FORBIDDEN,
                    404: personnel_routes.UNKNOWN_REF,
                    409: personnel_routes.RULE})
    def personnel_request_rotation(self, request):
        return personnel_routes.personnel_request_rotation(self, request)

    @api("GET", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>",
         permission=(personnel_routes.RESOURCE, "read"),
         summary="One rotation with its approvals and history", response=RotationSchema,
         tags=personnel_routes.TAGS, responses={403: personnel_routes.FORBIDDEN})
    def personnel_get_rotation(self, request, rotation_id):
        return personnel_routes.personnel_get_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/approve",
         rules=business_rules.APPROVAL,
         permission=(personnel_routes.RESOURCE, "approve"),
         summary="Approve for the sending or receiving side (two different officers needed)",
         body=personnel_routes.ApprovalBody, response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_approve_rotation(self, request, rotation_id):
        return personnel_routes.personnel_approve_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/reject",
         permission=(personnel_routes.RESOURCE, "approve"), summary="Reject a requested rotation",
         body=RotationRejectSchema, response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_reject_rotation(self, request, rotation_id):
        return personnel_routes.personnel_reject_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/start",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Start an approved rotation: the servant takes the target post", body=RotationStartSchema,
         response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_start_rotation(self, request, rotation_id):
        return personnel_routes.personnel_start_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/extend",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Move the end of a started rotation (within the maximum term)", body=RotationExtendSchema,
         response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN,
                    409: "beyond the term limit (rule secondment_term) or another rule"})
    def personnel_extend_rotation(self, request, rotation_id):
        return personnel_routes.personnel_extend_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/return",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="The secondment ends: the servant is leaving the target post", body=RotationReturnSchema,
         response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_return_from_rotation(self, request, rotation_id):
        return personnel_routes.personnel_return_from_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/complete",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="The servant takes the return post; the cycle is complete", body=RotationCompleteSchema,
         response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_complete_rotation(self, request, rotation_id):
        return personnel_routes.personnel_complete_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/cancel",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Withdraw a rotation that has not started", body=RotationCancelSchema,
         response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_cancel_rotation(self, request, rotation_id):
        return personnel_routes.personnel_cancel_rotation(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/incentives",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Record an incentive (housing compensation, relocation allowance, other)",
         body=IncentiveSchema, response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_record_incentive(self, request, rotation_id):
        return personnel_routes.personnel_record_incentive(self, request, rotation_id)

    @api("POST", f"{personnel_routes.PREFIX}/rotations/<string:rotation_id>/return-post",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Reserve the guaranteed return post (named, or the best free one on the home side)",
         body=ReserveReturnPostSchema, response=RotationSchema, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN, 409: personnel_routes.RULE})
    def personnel_reserve_return_post(self, request, rotation_id):
        return personnel_routes.personnel_reserve_return_post(self, request, rotation_id)

    @api("GET", f"{personnel_routes.PREFIX}/statistics", permission=(personnel_routes.RESOURCE, "read"),
         summary="Mobility figures per region and national totals", query=StatisticsQuerySchema,
         response=personnel_routes.MobilityStatistics, tags=personnel_routes.TAGS)
    def personnel_statistics(self, request):
        return personnel_routes.personnel_statistics(self, request)

    @api("GET", f"{personnel_routes.PREFIX}/statistics/regions/<string:code>",
         permission=(personnel_routes.RESOURCE, "read"),
         summary="Mobility figures of one region (flows, cycles, average duration, due now)",
         query=StatisticsQuerySchema, response=personnel_routes.RegionMobility, tags=personnel_routes.TAGS,
         responses={403: personnel_routes.FORBIDDEN})
    def personnel_region_statistics(self, request, code):
        return personnel_routes.personnel_region_statistics(self, request, code)

    @api("GET", f"{personnel_routes.PREFIX}/due-rotations", permission=(personnel_routes.RESOURCE, "read"),
         summary="Civil servants due for mandatory rotation", query=DueQuerySchema,
         response=personnel_routes.DuePage, tags=personnel_routes.TAGS)
    def personnel_due_rotations(self, request):
        return personnel_routes.personnel_due_rotations(self, request)

    @api("POST", f"{personnel_routes.PREFIX}/due-rotations/scan",
         permission=(personnel_routes.RESOURCE, "write"),
         summary="Run the rotation-due scan now (publishes rotation_due once per case)",
         body=personnel_routes.ScanBody, response=personnel_routes.ScanReport, tags=personnel_routes.TAGS,
         responses={403: "national action: unscoped roles only; another day: admins only"})
    def personnel_scan_due_rotations(self, request):
        return personnel_routes.personnel_scan_due_rotations(self, request)

    # -- console routes ----------------------------------------------------------------------------
    @api("GET", "/console", public=True, tags=console_routes.TAGS,
         summary="The Office console (a web page; sign in with a token or an API key)")
    def console_page(self, request):
        return console_routes.console_page(self, request)

    @api("GET", "/console/static/<path:asset>", public=True, tags=console_routes.TAGS,
         summary="Static files of the console (scripts, styles, region shapes, strings)",
         responses={404: "no such file"})
    def console_static(self, request, asset):
        return console_routes.console_static(self, request, asset)

    @api("GET", "/api/v1/whoami", permission=("regions", "read"), tags=console_routes.TAGS,
         summary="Who the credential speaks for: role, region, reach and permissions",
         response=console_routes.WhoAmISchema)
    def whoami(self, request):
        return console_routes.whoami(self, request)

    @api("GET", "/api/v1/budgets/regions/<string:region>/indicators/<int:year>/months",
         permission=("budgets", "read"), tags=("budgets",),
         summary="Indicators of a region as of the end of each month of a year (M01 … M12)",
         response=console_routes.MonthlyIndicatorsSchema, responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_indicators_by_month(self, request, region, year):
        return console_routes.budgets_indicators_by_month(self, request, region, year)
