"""The month-by-month indicators of a region and year, kept as the RPC answers them.

A read model: computed from the lines (``application/monthly.py``), never the source of a figure.
Each document says what it was computed from: ``lines_gen``, the pair's batch counter
(``RevenueLineRepository.batches``) at a moment no batch was writing there, and ``transfers``,
the transfer record it used. A reader serves it only while both still hold; otherwise it is
computed again. ``_id`` = ``region|year``.
"""
from pymongo.errors import DuplicateKeyError

from services.budgets.repository.state import pair_id
from services.common.mongo import Repository


class MonthlyIndicatorsRepository(Repository):
    collection_name = "indicators_by_month"

    def find(self, region_code: str, fiscal_year: int) -> dict | None:
        return self.collection.find_one({"_id": pair_id(region_code, fiscal_year)})

    def store(self, region_code: str, fiscal_year: int, *, lines_gen: int, transfers: str | None,
              months: list[dict]) -> None:
        """Replace what is stored unless it was computed from later lines (a slower computation
        from older lines never overwrites a newer one)."""
        key = pair_id(region_code, fiscal_year)
        fields = {"region_code": region_code, "fiscal_year": int(fiscal_year),
                  "lines_gen": lines_gen, "transfers": transfers, "months": months}
        try:
            self.collection.update_one({"_id": key, "lines_gen": {"$lte": lines_gen}},
                                       {"$set": fields}, upsert=True)
        except DuplicateKeyError:
            pass  # the stored one is newer: it stays
