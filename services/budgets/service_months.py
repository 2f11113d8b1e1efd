"""Entrypoint for month-by-month indicators (the revenue chart of a region)."""
from services.common.rpc import rpc

from services.budgets.monthly import indicators_by_month
from services.budgets.schemas import IndicatorsOutSchema, IndicatorsQuerySchema
from services.budgets.service_base import BudgetsBase, load


class MonthlyEntrypoints(BudgetsBase):

    @rpc
    def indicators_by_month(self, region_code, fiscal_year):
        """Year-to-date indicators of a region as of the end of each month, M01 … M12."""
        query = load(IndicatorsQuerySchema(), {"region_code": region_code,
                                               "fiscal_year": fiscal_year},
                     "invalid indicators query")
        docs = indicators_by_month(self._stores(), query["region_code"], query["fiscal_year"])
        return {"region_code": query["region_code"], "fiscal_year": query["fiscal_year"],
                "months": [IndicatorsOutSchema().dump(doc) for doc in docs]}
