"""The platform's event contracts registered in the test process, as the gateway registers them."""
from services.common.events import EVENT_TYPES
from services.gateway.hub.contracts import register_contracts


def registered_contracts() -> dict:
    """Register every service's contract (idempotent) and return the registry."""
    register_contracts()
    return EVENT_TYPES
