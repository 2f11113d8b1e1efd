"""What other code may import from the gateway: the event schemas the hub publishes."""
from services.gateway.contract import events  # noqa: F401
from services.gateway.contract.events import (  # noqa: F401
    EVENTS,  # noqa: F401  (what a process registers)
    SOURCE,
    SettlementRegisterImported,
    SettlementSrsAssessed,
)
