"""What other services may import from investments: its events, RPC schemas and closed lists."""
from services.investments import events  # noqa: F401  (the published event schemas)
from services.investments.schemas import (  # noqa: F401
    DECIMAL_STRING, ProgressReport, ProjectCreate, ProjectOut, ProjectQuery, ProjectUpdate,
    StageChange)
