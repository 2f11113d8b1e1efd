"""What other services may import from personnel: the events it publishes (``events``), its RPC
input and output schemas (``rpc``, ``outputs``), the IIN format (``iin``) and the closed lists
(``lists``). Nothing here imports the service's rules or store."""
from services.personnel.contract import events  # noqa: F401  (the published event schemas)
from services.personnel.contract.events import EVENTS  # noqa: F401  (what a process registers)
from services.personnel.contract.iin import mask_iin, validate_iin  # noqa: F401
from services.personnel.contract.lists import *  # noqa: F401,F403
from services.personnel.contract.outputs import *  # noqa: F401,F403
from services.personnel.contract.rpc import *  # noqa: F401,F403
