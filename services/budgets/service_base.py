"""Dependencies every entrypoint group of the budgets service shares, and small helpers.

The service is assembled from entrypoint mixins (``service_lines``, ``service_fiscal``,
``service_blocks``) the way the gateway assembles its routes; nameko binds the dependencies
declared here once per container.
"""
from datetime import datetime

from marshmallow import ValidationError

# Consumers validate on receipt against the producer's registered schema: registering the
# investments service's event schemas is what lets this process parse project_commissioned.
import services.investments.contract  # noqa: F401
import services.budgets.events  # noqa: F401
from services.common import clock
from services.budgets.import_runner import ImportRunner
from services.budgets.recalculation import Stores, recalculate
from services.budgets.repository import RevenueLineRepository
from services.budgets.repository_imports import ImportChunkRepository, ImportRepository
from services.budgets.repository_state import (BlockRepository, ForecastRepository,
                                               IndicatorsRepository, ReportRepository,
                                               TransfersRepository)
from services.common.errors import ValidationFailed
from services.budgets import gauges as budget_gauges
from services.common.metrics import Metrics
from services.common.mongo import Store


def now_utc() -> datetime:
    return clock.now_utc()


def _stringify_keys(value):
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def load(schema, data, message: str = "invalid input") -> dict:
    """``schema.load(data)`` or ``ValidationFailed`` naming every bad field (JSON-safe keys)."""
    if not isinstance(data, dict):
        raise ValidationFailed(message, {"_body": ["must be an object"]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(message, _stringify_keys(exc.messages))


class BudgetsBase:
    metrics = Metrics(gauges=budget_gauges.refresh)
    lines = Store(RevenueLineRepository)
    imports = Store(ImportRepository)
    import_chunks = Store(ImportChunkRepository)
    indicator_docs = Store(IndicatorsRepository)
    transfers = Store(TransfersRepository)
    forecasts = Store(ForecastRepository)
    blocks = Store(BlockRepository)
    reports = Store(ReportRepository)
    import_runner = ImportRunner()

    def _stores(self) -> Stores:
        return Stores(lines=self.lines, indicators=self.indicator_docs, transfers=self.transfers)

    def _recalculate(self, pairs) -> dict:
        return recalculate(self._stores(), pairs, now_utc())
