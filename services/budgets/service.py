"""The budgets service: local budget revenue, fiscal autonomy indicators, the revenue forecast,
block budgets and the annual report (entrypoints only; rules live in the domain modules).

Entrypoints are grouped by concern in mixins that share the dependencies of ``BudgetsBase``:
``service_lines`` (revenue lines, bulk import, the finance ministry's inbound lines),
``service_fiscal`` (indicators, transfers, forecast, annual report) and ``service_blocks``.
"""
from services.common.startup import SecretsCheck
from services.common.rpc import rpc

from services.budgets.service_blocks import BlockEntrypoints
from services.budgets.service_fiscal import FiscalEntrypoints
from services.budgets.service_lines import RevenueLineEntrypoints
from services.budgets.service_months import MonthlyEntrypoints
from services.common.health import health_report


class BudgetsService(RevenueLineEntrypoints, FiscalEntrypoints, BlockEntrypoints,
                     MonthlyEntrypoints):
    name = "budgets"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)

    @rpc
    def health(self):
        return health_report(self.name, self.lines)
