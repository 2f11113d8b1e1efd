"""Dependencies every gateway route mixin shares (declared once; nameko binds them per service)."""
from services.common.metrics import Metrics
from services.common.mongo import Store
from services.common.rpc import TimedRpc
from services.gateway.journal import JournalRepository


class GatewayBase:
    metrics = Metrics(serve=False)  # the gateway serves /metrics on its API port
    journal = Store(JournalRepository)
    investments = TimedRpc("investments")
    budgets = TimedRpc("budgets")
    personnel = TimedRpc("personnel")
