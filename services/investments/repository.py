"""Investment projects in the store: the only module of the service that touches pymongo."""
import re

from pymongo import ASCENDING, DESCENDING

from services.common.codec import DocumentCodec, money_to_tiyn
from services.common.mongo import Repository
from services.investments.domain import decode_cursor, encode_cursor

DATE_KEYS = {"planned_start", "planned_commissioning", "actual_start", "actual_commissioning",
             "last_report_date", "report_date", "date"}
DECIMAL_KEYS = {"amount", "exchange_rate"}
# what region_summary needs of each project (summaries stream these few fields)
SUMMARY_FIELDS = {"stage": 1, "sector": 1, "cost_kzt": 1, "jobs_planned": 1, "jobs_created": 1,
                  "invested_to_date_kzt": 1, "priority": 1}
LIST_FILTER_KEYS = ("region_code", "agglomeration", "sector", "stage", "project_type")


class ProjectRepository(Repository):
    collection_name = "projects"
    id_field = "id"
    codec = DocumentCodec(date_keys=DATE_KEYS, decimal_keys=DECIMAL_KEYS)
    indexes = [
        ([("external_ref", ASCENDING)], {"unique": True}),
        ([("region_code", ASCENDING), ("stage", ASCENDING), ("created_at", DESCENDING)], {}),
        ([("agglomeration", ASCENDING)], {}),
        ([("sector", ASCENDING)], {}),
        ([("created_at", DESCENDING)], {}),
    ]

    def find_by_external_ref(self, external_ref: str) -> dict | None:
        doc = self.collection.find_one({"external_ref": external_ref}, {"_outbox": 0})
        return self.from_store(doc) if doc else None

    def query(self, normalised: dict) -> dict:
        """One page of projects for a query already checked by ``domain.normalise_query``."""
        flt = store_filter(normalised["filters"])
        sort = [("_id" if f == "id" else f, ASCENDING if d > 0 else DESCENDING)
                for f, d in normalised["sort"]]
        offset = int(decode_cursor(normalised["cursor"]).get("offset", 0)) if normalised["cursor"] else 0
        size = normalised["page_size"]
        # one extra row tells whether a next page exists without counting the whole match
        docs = list(self.collection.find(flt, {"_outbox": 0}).sort(sort).skip(offset).limit(size + 1))
        items = [self.from_store(d) for d in docs[:size]]
        next_cursor = encode_cursor({"offset": offset + size}) if len(docs) > size else None
        return {"items": items, "next_cursor": next_cursor}

    def count(self, filters: dict) -> int:
        return self.collection.count_documents(store_filter(filters))

    def summary_rows(self, region_code: str):
        """The fields ``region_summary`` adds up, for every project of the region (streamed)."""
        for doc in self.collection.find({"region_code": region_code}, SUMMARY_FIELDS):
            yield self.from_store(doc)


def store_filter(filters: dict) -> dict:
    flt: dict = {}
    for key in LIST_FILTER_KEYS:
        values = filters.get(key)
        if values:
            flt[key] = values[0] if len(values) == 1 else {"$in": values}
    if filters.get("priority") is not None:
        flt["priority"] = filters["priority"]
    cost = {}
    if filters.get("min_cost_kzt") is not None:
        cost["$gte"] = money_to_tiyn(filters["min_cost_kzt"])
    if filters.get("max_cost_kzt") is not None:
        cost["$lte"] = money_to_tiyn(filters["max_cost_kzt"])
    if cost:
        flt["cost_kzt"] = cost
    if filters.get("text"):
        pattern = {"$regex": re.escape(filters["text"]), "$options": "i"}
        flt["$or"] = [{"title": pattern}, {"description": pattern}, {"district": pattern},
                      {"investor.name": pattern}]
    return flt
