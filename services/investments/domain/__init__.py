"""Rules of the investment-project pipeline: the one package the application layer calls.

Pure Python (no nameko, pymongo, kombu or marshmallow): commands take the project document and a
command dict, the clock (``now``, aware) and the actor (``by``), and return
``(new_project, [(event_type, payload), ...])`` for the service to persist atomically and publish.
Every command but registration carries ``expected_version``; a mismatch raises ``StaleVersion``
with ``{"expected", "actual"}`` and a success bumps ``version`` by one.

Where each rule lives:
- ``projects``: registration, update, field validation, cost in KZT, shared command checks.
- ``pipeline``: stage transitions (see its docstring for the table), commissioning and cancelling.
- ``progress``: cumulative progress reports.
- ``priority``: the MCI-threshold priority flag.
- ``queries``: list-query normalisation, cursors, ``region_summary``.
- ``facts``: event payloads; ``settings``: every tunable (``InvestmentSettings``);
  ``reference``: the closed lists (published in ``contract.codes``) and stage groups.

Input reaches the commands loaded by the contract schemas (``services.investments.contract.rpc``);
the commands still read it field by field, so a direct caller (the demo seed, tests) gets the same
field paths.

Error mapping: bad input → ``ValidationFailed`` whose details map dotted field paths
(``investor.bin``, ``financing_sources.0.amount_kzt``) to reasons, every bad field at once; a state
rule → ``RuleViolation`` with ``details['rule']`` one of ``stage_transition``,
``commissioning_prerequisites``, ``cumulative_decrease``, ``report_date_order``,
``project_closed``; a version mismatch → ``StaleVersion``.
"""
from services.investments.contract.identifiers import is_valid_bin
from services.investments.domain.facts import (
    PROJECT_CANCELLED,
    PROJECT_COMMISSIONED,
    PROJECT_PROGRESS_REPORTED,
    PROJECT_REGISTERED,
    PROJECT_STAGE_CHANGED,
    PROJECT_UPDATED,
    snapshot,
)
from services.investments.domain.pipeline import (
    NEXT_STAGE,
    allowed_next_stages,
    change_stage,
    check_transition,
)
from services.investments.domain.priority import PriorityAssessment, assess_priority, mci_for_year
from services.investments.domain.progress import report_progress
from services.investments.domain.projects import (
    CREATE_FIELDS,
    CREATE_REQUIRED,
    UPDATABLE_FIELDS,
    cost_in_kzt,
    register_project,
    update_project,
)
from services.investments.domain.queries import (
    SORT_FIELDS,
    decode_cursor,
    encode_cursor,
    normalise_query,
    region_summary,
)
from services.investments.domain.reference import (
    CLOSED_STAGES,
    COUNTRY_CODES,
    CURRENCIES,
    FINANCING_SOURCES,
    OPEN_STAGES,
    PROJECT_TYPES,
    SECTORS,
    STAGE_SEQUENCE,
    STAGES,
)
from services.investments.domain.settings import DEFAULT_SETTINGS, InvestmentSettings

__all__ = [
    "DEFAULT_SETTINGS", "InvestmentSettings",
    "register_project", "update_project", "change_stage", "report_progress",
    "allowed_next_stages", "check_transition", "NEXT_STAGE",
    "assess_priority", "mci_for_year", "PriorityAssessment", "cost_in_kzt", "is_valid_bin",
    "normalise_query", "encode_cursor", "decode_cursor", "region_summary", "SORT_FIELDS",
    "snapshot", "PROJECT_REGISTERED", "PROJECT_UPDATED", "PROJECT_STAGE_CHANGED",
    "PROJECT_PROGRESS_REPORTED", "PROJECT_COMMISSIONED", "PROJECT_CANCELLED",
    "CREATE_FIELDS", "CREATE_REQUIRED", "UPDATABLE_FIELDS",
    "SECTORS", "PROJECT_TYPES", "STAGES", "STAGE_SEQUENCE", "OPEN_STAGES", "CLOSED_STAGES",
    "CURRENCIES", "FINANCING_SOURCES", "COUNTRY_CODES",
]
