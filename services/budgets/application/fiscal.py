"""Indicators and transfers: the stored year-to-date figures, figures as of an earlier period or
month by month, and the transfers a region receives and pays (which move its indicators)."""
from services.budgets.application.monthly import indicators_by_month
from services.budgets.application.recalculation import Stores, compute_as_of, recalculate
from services.budgets.contract.rpc import IndicatorsOutSchema
from services.budgets.domain.lines import transfers_as_output
from services.budgets.domain.periods import YEAR_CODE
from services.common.clock import now_utc
from services.common.errors import NotFound, raise_if_problems, require
from services.common.regions import REGIONS

INTERNAL_KEYS = ("_id", "version", "computed_at")


def indicators_output(doc: dict, stored: bool) -> dict:
    out = IndicatorsOutSchema().dump({k: v for k, v in doc.items() if k not in INTERNAL_KEYS})
    computed_at = doc.get("computed_at")
    out["stored"] = stored
    out["computed_at"] = computed_at.isoformat() if computed_at is not None else None
    return out


def checked_region(region_code) -> str:
    problems: dict = {}
    require(region_code in REGIONS, "region_code",
            "unknown region: use an ISO 3166-2:KZ code such as KZ-61", problems)
    raise_if_problems(problems, "invalid region")
    return region_code


class Fiscal:
    """Use cases over indicators and transfers; built per call from the service's repositories."""

    def __init__(self, stores: Stores):
        self.stores = stores

    def indicators(self, query: dict) -> dict:
        """The stored year-to-date figures, or computed as of an earlier period (``M01``..``M12``,
        ``Q1``..``Q4``)."""
        if query["as_of_period"] == YEAR_CODE:
            doc, _ = self.stores.indicators.load(query["region_code"], query["fiscal_year"])
            if doc is not None:
                return indicators_output(doc, stored=True)
        doc = compute_as_of(self.stores, query["region_code"], query["fiscal_year"],
                            query["as_of_period"])
        return indicators_output(doc, stored=False)

    def indicators_by_month(self, query: dict) -> dict:
        """Year-to-date indicators as of the end of each month, M01 … M12."""
        months = indicators_by_month(self.stores, query["region_code"], query["fiscal_year"])
        return {"region_code": query["region_code"], "fiscal_year": query["fiscal_year"],
                "months": months}

    def set_transfers(self, record: dict) -> dict:
        """Record a region's transfers for a year (subventions, withdrawals, earmarked)."""
        self.stores.transfers.put(record, now_utc())
        pair = (record["region_code"], record["fiscal_year"])
        indicators = recalculate(self.stores, [pair], now_utc())[pair]
        return {"transfers": transfers_as_output(record),
                "indicators": indicators_output(indicators, stored=True)}

    def get_transfers(self, region_code, fiscal_year) -> dict:
        checked_region(region_code)
        record = self.stores.transfers.find(region_code, fiscal_year)
        if record is None:
            raise NotFound(f"no transfers recorded for {region_code} in {fiscal_year}",
                           {"region_code": region_code, "fiscal_year": fiscal_year})
        return transfers_as_output(record)
