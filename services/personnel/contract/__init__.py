"""What other services may import from personnel: its events, RPC schemas and closed lists."""
from services.personnel import events  # noqa: F401  (the published event schemas)
from services.personnel.rotation import APPROVAL_SIDES  # noqa: F401
from services.personnel.schemas import *  # noqa: F401,F403
