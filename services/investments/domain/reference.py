"""Reference lists of the pipeline rules: the closed code lists (published in
``services.investments.contract.codes``) and the stage groups the rules read.
"""
from services.investments.contract.codes import (  # noqa: F401  (one place for the rules to read)
    CANCELLED,
    COMMISSIONED,
    COUNTRY_CODES,
    CURRENCIES,
    DATE_TARGETS,
    EVALUATED,
    FINANCING_SOURCES,
    PROJECT_TYPES,
    SECTORS,
    STAGE_SEQUENCE,
    STAGES,
    SUSPENDED,
)

# Stages from which a project may still be suspended or cancelled. A commissioned project is in
# operation: there is nothing left to suspend or cancel, it can only be evaluated.
OPEN_STAGES: frozenset[str] = frozenset(STAGES) - {COMMISSIONED, EVALUATED, CANCELLED}
# Stages after which no update or progress report is accepted.
CLOSED_STAGES: frozenset[str] = frozenset({EVALUATED, CANCELLED})
