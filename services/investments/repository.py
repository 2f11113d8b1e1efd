"""Investment projects (and the seed's event carriers) in the store: the only module of the
service that touches pymongo.

List queries page with *keyset* cursors: a cursor holds the sort-key values of the last project of
the page, and the next page is "everything after that position" in the same order. Unlike
skip/offset paging, a project registered (or moved) while a client pages through cannot make it
see a row twice or miss one, and a deep page costs what the first one costs on an index of the sort
keys (skip walks every skipped row).
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pymongo import ASCENDING, DESCENDING

from services.common.codec import DocumentCodec, money_to_tiyn
from services.common.errors import ValidationFailed
from services.common.mongo import Repository
from services.common.outbox import OUTBOX_FIELD
from services.investments.domain import STAGES, decode_cursor, encode_cursor
from services.investments.stage_pages import PAGE_ROWS, PAGES_COLLECTION, StagePages
from services.investments.totals_repository import DIRTY, TOTALS_COLLECTION, TOTALS_FIELDS, RegionTotals

DATE_KEYS = {"planned_start", "planned_commissioning", "actual_start", "actual_commissioning",
             "last_report_date", "report_date", "date"}
DECIMAL_KEYS = {"amount", "exchange_rate"}
# what region_summary needs of each project (summaries stream these few fields)
SUMMARY_FIELDS = {"stage": 1, "sector": 1, "cost_kzt": 1, "jobs_planned": 1, "jobs_created": 1,
                  "invested_to_date_kzt": 1, "priority": 1}
LIST_FILTER_KEYS = ("region_code", "agglomeration", "sector", "stage", "project_type")
# Sort fields that may hold null (sorted before every value ascending, after them descending).
NULLABLE_SORT_FIELDS = frozenset({"planned_start", "planned_commissioning"})
NO_OUTBOX = {OUTBOX_FIELD: 0}


@dataclass(frozen=True)
class FindSpec:
    """What one page of a list query sends to the store (benchmarks replay it with raw pymongo)."""
    filter: dict
    sort: list
    limit: int  # page size + 1: the extra row says whether a next page exists
    page_size: int


class ProjectRepository(Repository):
    collection_name = "projects"
    id_field = "id"
    codec = DocumentCodec(date_keys=DATE_KEYS, decimal_keys=DECIMAL_KEYS)
    # Every list index ends with the default sort (created_at desc, _id desc) so the default listing
    # of a region/stage, and each keyset step through it, is an index range scan.
    indexes = [
        ([("external_ref", ASCENDING)], {"unique": True}),
        ([("region_code", ASCENDING), ("stage", ASCENDING), ("created_at", DESCENDING),
          ("_id", DESCENDING)], {}),
        ([("created_at", DESCENDING), ("_id", DESCENDING)], {}),
        ([("stage", ASCENDING), ("created_at", DESCENDING)], {}),
        # the projects written since their region's totals were folded (totals_repository)
        ([("region_code", ASCENDING), (DIRTY, ASCENDING)], {}),
        ([("agglomeration", ASCENDING), ("created_at", DESCENDING)], {}),
        ([("sector", ASCENDING), ("created_at", DESCENDING)], {}),
    ]

    # -- stored form --------------------------------------------------------------------------------
    def to_store(self, doc: dict) -> dict:
        # every write of a project (bulk loads included) marks it for its region's totals, in the
        # same single-document write as the change itself
        stored = super().to_store(doc)
        stored[DIRTY] = True
        return stored

    def from_store(self, stored: dict) -> dict:
        return super().from_store({k: v for k, v in stored.items() if k not in TOTALS_FIELDS})

    @classmethod
    def ensure_indexes(cls, db) -> None:
        super().ensure_indexes(db)
        StagePages.ensure_indexes(db)

    def region_totals(self, pages: StagePages | None = None) -> RegionTotals:
        """The regions' stored totals; with ``pages``, a fold keeps the stored first pages too."""
        return RegionTotals(self.collection, self.db[TOTALS_COLLECTION], pages, STAGES)

    def stage_pages(self, row_of) -> StagePages:
        """The stored first pages; ``row_of(project)`` is a project's row in its API form."""
        return StagePages(self.collection, self.db[PAGES_COLLECTION],
                          lambda stored: row_of(self.from_store(stored)))

    # -- bulk paths of the demo and national seeds ------------------------------------------------
    def ids_by_external_ref(self, refs) -> dict[str, str]:
        """``{external_ref: project id}`` of those of ``refs`` registered already (one query)."""
        return {d["external_ref"]: d["_id"] for d in
                self.collection.find({"external_ref": {"$in": sorted(set(refs))}},
                                     {"external_ref": 1})}

    def find_by_external_ref(self, external_ref: str) -> dict | None:
        doc = self.collection.find_one({"external_ref": external_ref}, NO_OUTBOX)
        return self.from_store(doc) if doc else None

    # -- list queries ----------------------------------------------------------------------------
    def find_spec(self, normalised: dict) -> FindSpec:
        """The store filter, sort and limit of one page of ``normalised`` (``normalise_query``)."""
        sort = store_sort(normalised["sort"])
        flt = store_filter(normalised["filters"])
        if normalised["cursor"]:
            flt = _and(flt, keyset_after(sort, read_cursor(normalised["cursor"], sort)))
        size = normalised["page_size"]
        return FindSpec(flt, sort, size + 1, size)

    def query(self, normalised: dict) -> dict:
        """One page of projects for a query already checked by ``domain.normalise_query``."""
        spec = self.find_spec(normalised)
        docs = list(self.collection.find(spec.filter, NO_OUTBOX).sort(spec.sort).limit(spec.limit))
        page = docs[:spec.page_size]
        next_cursor = None
        if len(docs) > spec.page_size:
            next_cursor = make_cursor(spec.sort, [page[-1].get(f) for f, _ in spec.sort])
        return {"items": [self.from_store(d) for d in page], "next_cursor": next_cursor}

    def stored_first_page(self, normalised: dict, row_of) -> dict | None:
        """The first page of one region and stage in the default order from the stored pages:
        ``{"items": [rows in API form], "next_cursor"}``, or None for any other query or when
        the stored page cannot tell it."""
        filters, size = normalised["filters"], normalised["page_size"]
        if (normalised["cursor"] or set(filters) != {"region_code", "stage"}
                or len(filters["region_code"]) != 1 or len(filters["stage"]) != 1
                or normalised["sort"] != [("created_at", -1), ("id", -1)]
                or size >= PAGE_ROWS):
            return None
        pages = self.stage_pages(row_of)
        rows = pages.first_page(filters["region_code"][0], filters["stage"][0], size)
        if rows is None:
            return None
        next_cursor = None
        if len(rows) > size:
            last = rows[size - 1]
            next_cursor = make_cursor(store_sort(normalised["sort"]),
                                      [pages.created_at(last), last["id"]])
        return {"items": [r["item"] for r in rows[:size]], "next_cursor": next_cursor}

    def count(self, filters: dict) -> int:
        return self.collection.count_documents(store_filter(filters))

    def summary_rows(self, region_code: str):
        """The fields ``region_summary`` adds up, for every project of the region (streamed)."""
        for doc in self.collection.find({"region_code": region_code}, SUMMARY_FIELDS):
            yield self.from_store(doc)


class SeedBatchRepository(Repository):
    """One small document per slice of a seed batch's events (their outbox carrier)."""
    collection_name = "seed_batches"
    id_field = "batch_id"


def store_sort(sort) -> list[tuple[str, int]]:
    return [("_id" if f == "id" else f, ASCENDING if d > 0 else DESCENDING) for f, d in sort]


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
        # the text is matched literally (escaped), case-insensitively
        pattern = {"$regex": re.escape(filters["text"]), "$options": "i"}
        flt["$or"] = [{"title": pattern}, {"description": pattern}, {"district": pattern},
                      {"investor.name": pattern}]
    return flt


def _and(flt: dict, after: dict) -> dict:
    """``flt`` narrowed by the keyset condition, equality filters kept at the top level."""
    if not after:
        return flt
    if "$or" not in flt:
        return {**flt, **after}
    rest = {k: v for k, v in flt.items() if k != "$or"}
    return {**rest, "$and": [{"$or": flt["$or"]}, after]}


# -- keyset cursors ------------------------------------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MILLISECOND = timedelta(milliseconds=1)


def _sort_key(sort) -> str:
    """A short fingerprint of the sort order: a cursor is only valid for the order that made it."""
    text = ",".join(f"{f}:{d}" for f, d in sort)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def make_cursor(sort, values) -> str:
    """Cursor for the position of a row whose (stored) sort-key values are ``values``."""
    return encode_cursor({"s": _sort_key(sort), "a": [_tag(v) for v in values]})


def read_cursor(cursor: str, sort) -> list:
    """The position a cursor holds, checked against the query's sort (400 naming ``cursor``)."""
    position = decode_cursor(cursor)
    values = position.get("a")
    if not isinstance(values, list) or len(values) != len(sort) or not isinstance(
            position.get("s"), str):
        raise ValidationFailed("invalid query", {"cursor": ["malformed cursor"]})
    if position["s"] != _sort_key(sort):
        raise ValidationFailed("invalid query",
                               {"cursor": ["belongs to another sort order; start from page one"]})
    return [_untag(v) for v in values]


def _tag(value):
    # Instants as whole milliseconds since the epoch: the store keeps milliseconds, and integer
    # arithmetic gives back exactly the stored value (a float timestamp may not).
    if isinstance(value, datetime):
        return {"t": (value - EPOCH) // MILLISECOND}
    return value


def _untag(value):
    # Only plain scalars and tagged instants come back: a crafted cursor cannot smuggle a
    # query operator (a dict) into the filter.
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], int) \
            and not isinstance(value["t"], bool):
        try:
            return EPOCH + value["t"] * MILLISECOND
        except OverflowError:
            pass
    raise ValidationFailed("invalid query", {"cursor": ["malformed cursor"]})


def keyset_after(sort, values) -> dict:
    """Filter for the rows after ``values`` in ``sort`` order (lexicographic over the sort keys).

    For keys (k1..kn): k1 beyond v1, or k1 = v1 and k2 beyond v2, ... Nulls sort before every
    value ascending and after them descending, as the store sorts them.
    """
    alternatives, equal = [], {}
    for (field, direction), value in zip(sort, values, strict=True):
        beyond = _beyond(field, direction, value)
        if beyond is not None:
            alternatives.append({**equal, **beyond})
        equal[field] = value
    if not alternatives:
        return {"_id": {"$exists": False}}  # nothing is after the very last position
    return {"$or": alternatives}


def _beyond(field: str, direction: int, value) -> dict | None:
    ascending = direction == ASCENDING
    if value is None:
        # ascending: every non-null value follows null; descending: nothing follows the nulls
        return {field: {"$ne": None}} if ascending else None
    if ascending:
        return {field: {"$gt": value}}
    if field in NULLABLE_SORT_FIELDS:
        return {"$or": [{field: {"$lt": value}}, {field: None}]}
    return {field: {"$lt": value}}
