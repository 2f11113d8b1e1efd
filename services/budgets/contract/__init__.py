"""What other services may import from budgets: the events it publishes (``events``), its RPC
input and output schemas (``rpc``) and the closed lists a revenue line is written with
(``vocabulary``). Importing this package registers the event schemas."""
from services.budgets.contract import events, rpc, vocabulary
from services.budgets.contract.rpc import (
                                           DEFAULT_PAGE_SIZE,
                                           MAX_BATCH_LINES,
                                           MAX_PAGE_SIZE,
                                           BlockAllocateSchema,
                                           BlockCarryOverSchema,
                                           BlockCreateSchema,
                                           BlockExecutionSchema,
                                           BlockLineInSchema,
                                           BlockLineOutSchema,
                                           BlockMoveSchema,
                                           BlockOutSchema,
                                           BlockTargetSchema,
                                           ContributionOutSchema,
                                           ForecastOutSchema,
                                           ImportFinishSchema,
                                           ImportRowErrorSchema,
                                           ImportStartSchema,
                                           ImportStatusSchema,
                                           IndicatorsOutSchema,
                                           IndicatorsQuerySchema,
                                           PageSchema,
                                           ReportOutSchema,
                                           ReportRequestSchema,
                                           RevenueBatchSchema,
                                           RevenueLineOutSchema,
                                           RevenueLineSchema,
                                           RevenueQuerySchema,
                                           TransfersOutSchema,
                                           TransfersSchema,
)
from services.budgets.contract.vocabulary import (
                                           BUDGET_LEVELS,
                                           CSV_HEADER,
                                           FIRST_FISCAL_YEAR,
                                           IMPORT_FORMATS,
                                           IMPORT_MODES,
                                           LAST_FISCAL_YEAR,
                                           PERIOD_CODES,
                                           PHASES,
)

__all__ = [
    "events", "rpc", "vocabulary",
    "DEFAULT_PAGE_SIZE", "MAX_BATCH_LINES", "MAX_PAGE_SIZE",
    "BlockAllocateSchema", "BlockCarryOverSchema", "BlockCreateSchema", "BlockExecutionSchema",
    "BlockLineInSchema", "BlockLineOutSchema", "BlockMoveSchema", "BlockOutSchema",
    "BlockTargetSchema", "ContributionOutSchema", "ForecastOutSchema", "ImportFinishSchema",
    "ImportRowErrorSchema", "ImportStartSchema", "ImportStatusSchema", "IndicatorsOutSchema",
    "IndicatorsQuerySchema", "PageSchema", "ReportOutSchema", "ReportRequestSchema",
    "RevenueBatchSchema", "RevenueLineOutSchema", "RevenueLineSchema", "RevenueQuerySchema",
    "TransfersOutSchema", "TransfersSchema",
    "BUDGET_LEVELS", "CSV_HEADER", "FIRST_FISCAL_YEAR", "IMPORT_FORMATS", "IMPORT_MODES",
    "LAST_FISCAL_YEAR", "PERIOD_CODES", "PHASES",
]
from services.budgets.contract.events import EVENTS  # noqa: F401  (what a process registers)
