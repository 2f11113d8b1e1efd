"""Revenue lines in the store: one document per natural key, written in batches.

A line's ``_id`` is the domain's ``natural_key_id`` (region|level|district|year|period|code|phase),
so a line sent twice, by a re-import, a retried request or a redelivered ministry message, lands
on the same document and is never counted twice. Amounts are stored as integer tiyn.

Batch writes try the insert first (``insert_many``, unordered): a new line costs one insert, the
cheapest write on every MongoDB-wire server, and the unique ``_id`` itself reports the lines that
already exist. Only those are read back and compared, and only the changed ones are updated. On
FerretDB 1.24 (SQLite) updates and non-``_id`` filters scan the whole collection while ``_id``
equality reads and inserts do not, so existing lines are read back one ``_id`` at a time there
(several at once on green threads); on MongoDB one ``$in`` query does it.
"""
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

import eventlet
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from services.budgets.domain.lines import natural_key_id
from services.common.codec import money_to_tiyn, tiyn_to_money
from services.common.mongo import Repository

DUPLICATE_KEY = 11000
# Per (region, year): how many lines exist (an upper bound: raised before an insert, lowered by the
# duplicates after it, so a crash in between over-counts and never under-counts), how many
# batches wrote there (``gen``) and how many are writing now (``writing``: raised with ``gen``,
# lowered when the batch ends). They let an import prove it is the only writer of a pair, and a
# read model computed from the lines say which lines it saw (a ``gen`` with nothing writing). All
# pairs live in one small document, so a batch moves its counters with one update.
PAIR_COUNTERS = "line_pair_counters"
COUNTERS_ID = "pairs"
LOOKUP_CONCURRENCY = 8
STREAM_BATCH = 2000
LINE_PROJECTION = {"region_code": 1, "budget_level": 1, "district": 1, "fiscal_year": 1,
                   "period": 1, "ebk_code": 1, "ebk_category": 1, "phase": 1, "amount_kzt": 1}

_ferretdb_servers: dict[int, bool] = {}


def is_ferretdb(client) -> bool:
    """Whether the server is FerretDB (its buildInfo names its version); asked once per client."""
    key = id(client)
    if key not in _ferretdb_servers:
        _ferretdb_servers[key] = "ferretdbVersion" in client.admin.command("buildInfo")
    return _ferretdb_servers[key]


@dataclass
class BatchOutcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # (region_code, fiscal_year) of every line inserted or updated: indicators to recalculate
    changed_pairs: set = field(default_factory=set)
    # per input line, in input order: "inserted" | "updated" | "unchanged"
    results: list = field(default_factory=list)
    # per input line: the amount (tiyn) it replaced, None for an inserted line
    previous: list = field(default_factory=list)

    def add(self, other: "BatchOutcome") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_pairs |= other.changed_pairs


def stored_line(line: dict, *, source: str, batch_id: str | None, now: datetime) -> dict:
    """The store's form of a validated line document (explicit: this runs for every line)."""
    return {"_id": natural_key_id(line), "region_code": line["region_code"],
            "budget_level": line["budget_level"], "district": line.get("district"),
            "fiscal_year": int(line["fiscal_year"]), "period": line["period"],
            "ebk_code": line["ebk_code"], "ebk_category": line["ebk_category"],
            "phase": line["phase"], "amount_kzt": money_to_tiyn(line["amount_kzt"]),
            "source": source, "batch_id": batch_id, "updated_at": now}


def _pair(doc: dict) -> tuple[str, int]:
    return doc["region_code"], doc["fiscal_year"]


def line_from_store(doc: dict) -> dict:
    return {"region_code": doc["region_code"], "budget_level": doc["budget_level"],
            "district": doc.get("district"), "fiscal_year": doc["fiscal_year"],
            "period": doc["period"], "ebk_code": doc["ebk_code"],
            "ebk_category": doc.get("ebk_category", int(doc["ebk_code"][0])),
            "phase": doc["phase"], "amount_kzt": tiyn_to_money(doc["amount_kzt"])}


class RevenueLineRepository(Repository):
    collection_name = "revenue_lines"
    indexes = [
        ([("region_code", 1), ("fiscal_year", 1), ("phase", 1)], {}),
        ([("fiscal_year", 1), ("ebk_code", 1)], {}),
    ]

    # -- writes --------------------------------------------------------------------------------
    def write_batch(self, lines: list[dict], *, source: str, batch_id: str | None,
                    now: datetime) -> BatchOutcome:
        """Upsert validated lines on their natural key; counts inserted / updated / unchanged.

        A key repeated inside the batch counts as if the lines were written one after another
        (the last amount stays).
        """
        docs = [stored_line(line, source=source, batch_id=batch_id, now=now) for line in lines]
        final: dict[str, dict] = {}
        for doc in docs:
            final[doc["_id"]] = doc
        by_pair = Counter(_pair(doc) for doc in final.values())
        self._count(by_pair, batch=True)
        try:
            return self._write(lines, docs, final)
        finally:  # a failed batch ends too: what it did write is what a later read will see
            self._count({pair: 0 for pair in by_pair}, batch=False, ended=True)

    def _write(self, lines: list[dict], docs: list[dict], final: dict[str, dict]) -> BatchOutcome:
        existing = self._insert_new(list(final.values()))
        if existing:
            self._count({pair: -n for pair, n in
                         Counter(_pair(final[key]) for key in existing).items()}, batch=False)
        before = self._stored_amounts(existing) if existing else {}

        outcome = BatchOutcome()
        current: dict[str, int] = {}  # amount of each key as the lines are applied in order
        for line, doc in zip(lines, docs, strict=False):
            key, amount = doc["_id"], doc["amount_kzt"]
            if key in current:
                previous, known = current[key], True
            elif key in existing:
                previous, known = before.get(key), True
            else:
                previous, known = None, False
            result = ("unchanged" if previous == amount else "updated") if known else "inserted"
            current[key] = amount
            outcome.results.append(result)
            outcome.previous.append(previous)
            setattr(outcome, result, getattr(outcome, result) + 1)
            if result != "unchanged":
                outcome.changed_pairs.add((line["region_code"], int(line["fiscal_year"])))
        changed = [final[key] for key in existing if before.get(key) != final[key]["amount_kzt"]]
        if changed:
            self.collection.bulk_write(
                [UpdateOne({"_id": doc["_id"]},
                           {"$set": {name: doc[name] for name in
                                     ("amount_kzt", "source", "batch_id", "updated_at")}},
                           upsert=True)
                 for doc in changed], ordered=False)
        return outcome

    def _count(self, by_pair: dict, *, batch: bool, ended: bool = False) -> None:
        change = {}
        for (region_code, year), n in by_pair.items():
            if n:
                change[f"lines.{region_code}|{year}"] = n
            if batch:
                change[f"gen.{region_code}|{year}"] = 1
                change[f"writing.{region_code}|{year}"] = 1
            if ended:
                change[f"writing.{region_code}|{year}"] = -1
        if change:
            # FerretDB runs an update as a read and a write: without the lock two writers of this
            # process could lose one of their increments (on MongoDB $inc is atomic anyway).
            with self._lock(PAIR_COUNTERS, COUNTERS_ID):
                self.db[PAIR_COUNTERS].update_one({"_id": COUNTERS_ID}, {"$inc": change},
                                                  upsert=True)

    def _lock(self, collection_name: str, doc_id):
        if self.relay is None:
            return nullcontext()
        return self.relay.document_lock(self.db, collection_name, doc_id)

    def pair_counter(self, region_code: str, fiscal_year: int) -> tuple[int, int]:
        """(lines, batches written) of a region and year (see PAIR_COUNTERS)."""
        key = f"{region_code}|{int(fiscal_year)}"
        doc = self.db[PAIR_COUNTERS].find_one({"_id": COUNTERS_ID}) or {}
        return doc.get("lines", {}).get(key, 0), doc.get("gen", {}).get(key, 0)

    def batches(self, pairs) -> dict[tuple[str, int], tuple[int, int]]:
        """``{(region, year): (batches written, batches writing now)}`` from one read."""
        doc = self.db[PAIR_COUNTERS].find_one({"_id": COUNTERS_ID}) or {}
        gen, writing = doc.get("gen", {}), doc.get("writing", {})
        return {(r, int(y)): (gen.get(f"{r}|{int(y)}", 0), writing.get(f"{r}|{int(y)}", 0))
                for r, y in pairs}

    def _insert_new(self, docs: list[dict]) -> set[str]:
        """Insert what is new; the ids of documents that already existed."""
        if not docs:
            return set()
        try:
            self.collection.insert_many(docs, ordered=False)
            return set()
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            others = [e for e in errors if e.get("code") != DUPLICATE_KEY]
            if others:
                raise
            return {docs[e["index"]]["_id"] for e in errors}

    def _stored_amounts(self, ids) -> dict[str, int]:
        ids = list(ids)
        if not is_ferretdb(self.db.client):
            return {d["_id"]: d["amount_kzt"]
                    for d in self.collection.find({"_id": {"$in": ids}}, {"amount_kzt": 1})}

        def one(key):
            return key, self.collection.find_one({"_id": key}, {"amount_kzt": 1})

        pool = eventlet.GreenPool(LOOKUP_CONCURRENCY)
        return {key: doc["amount_kzt"] for key, doc in pool.imap(one, ids) if doc is not None}

    # -- reads ---------------------------------------------------------------------------------
    def get_line(self, key_id: str) -> dict | None:
        doc = self.collection.find_one({"_id": key_id}, LINE_PROJECTION)
        return line_from_store(doc) if doc else None

    @staticmethod
    def _filter(filters: dict, regions) -> dict:
        query: dict = {}
        if filters.get("region_code"):
            query["region_code"] = filters["region_code"]
        elif regions is not None:
            query["region_code"] = {"$in": sorted(regions)}
        for name in ("budget_level", "district", "period", "phase"):
            if filters.get(name) is not None:
                query[name] = filters[name]
        if filters.get("fiscal_year") is not None:
            query["fiscal_year"] = int(filters["fiscal_year"])
        prefix = filters.get("ebk_prefix")
        if prefix:
            if len(prefix) == 6:
                query["ebk_code"] = prefix
            else:  # digits only (validated), anchored: an index range scan on MongoDB
                query["ebk_code"] = {"$regex": f"^{prefix}"}
        return query

    def query(self, filters: dict, regions, page: int, page_size: int) -> tuple[list[dict], int]:
        query = self._filter(filters, regions)
        total = self.collection.count_documents(query)
        cursor = (self.collection.find(query, LINE_PROJECTION).sort("_id", 1)
                  .skip((page - 1) * page_size).limit(page_size))
        return [line_from_store(d) for d in cursor], total

    def stream_pairs(self, pairs):
        """Every line of the given (region, year) pairs, as line documents, from one cursor."""
        regions = sorted({r for r, _ in pairs})
        years = sorted({int(y) for _, y in pairs})
        wanted = {(r, int(y)) for r, y in pairs}
        query = {"region_code": regions[0] if len(regions) == 1 else {"$in": regions},
                 "fiscal_year": years[0] if len(years) == 1 else {"$in": years}}
        for doc in self.collection.find(query, LINE_PROJECTION, batch_size=STREAM_BATCH):
            if (doc["region_code"], doc["fiscal_year"]) in wanted:
                yield line_from_store(doc)

    def page_sorted(self, region_code: str, fiscal_year: int, after_id: str | None,
                    limit: int) -> list[dict]:
        """Lines of one region and year in ``_id`` order after ``after_id`` (export paging).

        ``_id`` order keeps the lines of one budget, period and code (all phases) together.
        """
        query: dict = {"region_code": region_code, "fiscal_year": int(fiscal_year)}
        if after_id:
            query["_id"] = {"$gt": after_id}
        cursor = (self.collection.find(query, LINE_PROJECTION).sort("_id", 1).limit(limit))
        return [dict(line_from_store(d), _id=d["_id"]) for d in cursor]
