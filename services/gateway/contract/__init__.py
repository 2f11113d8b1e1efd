"""What other code may import from the gateway: the event schemas the hub publishes."""
from services.gateway.contract import events  # noqa: F401
from services.gateway.contract.events import SOURCE, SettlementRegisterImported, SettlementSrsAssessed  # noqa: F401
