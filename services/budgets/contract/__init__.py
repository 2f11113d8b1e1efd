"""What other services may import from budgets: its events, RPC schemas and closed lists."""
from services.budgets import events  # noqa: F401  (the published event schemas)
from services.budgets.schemas import *  # noqa: F401,F403
