"""What other services may import from personnel: its events, RPC schemas and closed lists."""
from services.personnel.contract import events  # noqa: F401  (the published event schemas)
from services.personnel.domain.rotation import APPROVAL_SIDES  # noqa: F401
from services.personnel.contract.rpc import *  # noqa: F401,F403
