"""What other services may import from investments: the events it publishes, its RPC input and
output schemas, the bounds of that input and its closed code lists. The contract imports only
marshmallow, services.common and its own modules; the domain reads the same codes and bounds
from here."""
from services.common.money import DECIMAL_STRING
from services.investments.contract import codes, events, limits
from services.investments.contract.rpc import (
    ProgressReport,
    ProjectCreate,
    ProjectOut,
    ProjectQuery,
    ProjectUpdate,
    StageChange,
)

__all__ = ["DECIMAL_STRING", "ProgressReport", "ProjectCreate", "ProjectOut", "ProjectQuery",
           "ProjectUpdate", "StageChange", "codes", "events", "limits"]
from services.investments.contract.events import EVENTS  # noqa: F401  (what a process registers)
