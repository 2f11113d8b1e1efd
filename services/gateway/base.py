"""Dependencies every gateway route mixin shares (declared once; nameko binds them per service)."""
from services.common.metrics import Metrics
from services.gateway.hub import gauges as hub_gauges
from services.common.mongo import Store
from services.common.rpc import TimedRpc
from services.gateway.access.keys import ApiKeyStore, AuditRepository
from services.gateway.hub.initiatives_repository import InitiativeRepository
from services.gateway.hub.projections_repository import HubReadModels
from services.gateway.hub.settlements_repository import (SettlementImportRepository,
                                                        SettlementRepository,
                                                        SrsAssessmentRepository)
from services.gateway.hub.journal_repository import JournalRepository


class GatewayBase:
    # /metrics on the API port, and on GATEWAY_METRICS_PORT (+100 per replica) for Prometheus;
    # hub_gauges: queues and the business picture, on the probe timer
    metrics = Metrics(gauges=hub_gauges.refresh)
    journal = Store(JournalRepository)
    hub_models = Store(HubReadModels)          # the hub's per-aggregate read models
    initiatives = Store(InitiativeRepository)  # the Office's work items
    api_keys = Store(ApiKeyStore)              # machine clients' credentials (hashes only)
    audit_log = Store(AuditRepository)         # what http.Guard recorded
    settlements = Store(SettlementRepository)  # the KATO settlement register
    settlement_imports = Store(SettlementImportRepository)
    srs_assessments = Store(SrsAssessmentRepository)  # SRS per settlement and year
    investments = TimedRpc("investments")
    budgets = TimedRpc("budgets")
    personnel = TimedRpc("personnel")
