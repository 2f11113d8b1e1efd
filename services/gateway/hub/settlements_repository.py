"""Storage of the settlement register (collection ``hub_settlements``), its imports
(``hub_settlement_imports``) and the SRS assessments (``hub_srs_assessments``).

Units are keyed by their KATO code and assessments by ``<kato>|<year>``: equality on ``_id`` is
the one filter FerretDB pushes down, so the per-row lookups of an import stay cheap. Listings by
region filter on ``region_code`` (indexed on MongoDB). An assessment and its event are one
single-document write (outbox); a correction keeps the previous figures in ``history``.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.codec import DocumentCodec
from services.common.mongo import Repository
from services.gateway.hub.settlements import UNIT_FIELDS, unit_changed

MAX_PAGE = 500
CODEC = DocumentCodec(decimal_keys={"provision_pct", "cities_pct", "rural_pct",
                                    "rural_population_pct", "education", "health", "culture", "sport",
                                    "engineering", "transport"})


class SettlementRepository(Repository):
    collection_name = "hub_settlements"
    id_field = "kato"
    indexes = [([("region_code", 1), ("kind", 1)], {}), ([("parent_kato", 1)], {})]

    def get_unit(self, kato: str) -> dict | None:
        doc = self.collection.find_one({"_id": kato})
        return self.from_store(doc) if doc else None

    def stage_unit(self, unit: dict, source: dict) -> tuple[str, UpdateOne | None]:
        """``("inserted" | "updated" | "unchanged", the write to make or None)``: an unchanged
        unit keeps its stored provenance (its figures still come from the earlier file)."""
        stored = self.get_unit(unit["kato"])
        if not unit_changed(stored, unit):
            return "unchanged", None
        doc = {k: unit.get(k) for k in UNIT_FIELDS}
        doc["source"] = source
        outcome = "inserted" if stored is None else "updated"
        # $set of every unit field (the store's guard refuses replacements: they would drop the
        # storage revision); the fields are the whole unit, so this replaces it
        stored_doc = {k: v for k, v in self.to_store(doc).items() if k != "_id"}
        return outcome, UpdateOne({"_id": unit["kato"]}, {"$set": stored_doc}, upsert=True)

    def write(self, operations: list[UpdateOne]) -> None:
        if operations:
            self.collection.bulk_write(operations, ordered=False)

    def query(self, *, region_codes=None, kind=None, flag=None, parent_kato=None, limit=50,
              offset=0) -> tuple[list[dict], int]:
        flt: dict = {}
        if region_codes is not None:
            flt["region_code"] = ({"$in": sorted(region_codes)} if len(region_codes) != 1
                                  else next(iter(region_codes)))
        if kind:
            flt["kind"] = kind
        if flag:
            flt["flags"] = flag
        if parent_kato:
            flt["parent_kato"] = parent_kato
        total = self.collection.count_documents(flt)
        cursor = self.collection.find(flt).sort("_id", 1).skip(offset).limit(min(limit, MAX_PAGE))
        return [self.from_store(d) for d in cursor], total

    def of_regions(self, region_codes) -> list[dict]:
        """Every unit of the regions (projected to what roll-ups and gap lists read)."""
        projection = {"region_code": 1, "kind": 1, "name_ru": 1, "urban_population": 1,
                      "rural_population": 1, "population_year": 1, "flags": 1,
                      "agglomeration": 1, "parent_kato": 1}
        codes = sorted(set(region_codes))
        flt = {"region_code": codes[0]} if len(codes) == 1 else {"region_code": {"$in": codes}}
        return [self.from_store(d) for d in self.collection.find(flt, projection)]


class SettlementImportRepository(Repository):
    collection_name = "hub_settlement_imports"
    id_field = "import_id"

    def start(self, *, file_name: str, by: str, now: datetime) -> dict:
        doc = {"import_id": str(uuid.uuid4()), "file_name": file_name, "state": "processing",
               "imported_by": by, "started_at": now, "finished_at": None}
        return self.save_new(doc)

    def finish(self, doc: dict, report: dict, *, now: datetime, failed: bool = False) -> dict:
        done = {**doc, **report, "state": "failed" if failed else "completed",
                "finished_at": now}
        facts = []
        if not failed:
            facts = [("settlement_register_imported", {
                "import_id": doc["import_id"], "file_name": doc["file_name"],
                "imported_by": doc["imported_by"],
                **{k: report[k] for k in ("rows_processed", "units_inserted", "units_updated",
                                          "units_unchanged", "rows_rejected", "rows_skipped",
                                          "region_codes")}}, None)]
        return self.save_versioned(done, doc["version"], facts)

    def get_import(self, import_id: str) -> dict | None:
        doc = self.collection.find_one({"_id": import_id})
        return self.from_store(doc) if doc else None


class SrsAssessmentRepository(Repository):
    collection_name = "hub_srs_assessments"
    codec = CODEC
    indexes = [([("region_code", 1), ("year", 1)], {}), ([("kato", 1)], {})]

    def put(self, assessment: dict, *, by: str | None, now: datetime) -> dict:
        """Store the assessment (replacing that settlement-year's, kept in ``history``) with its
        ``settlement_srs_assessed`` event."""
        doc_id = f"{assessment['kato']}|{assessment['year']}"
        entry = self.codec.encode({**assessment, "recorded_by": by, "recorded_at": now})
        payload = {k: assessment[k] for k in ("kato", "region_code", "year", "kind",
                                               "provision_pct", "standards_missed",
                                               "meets_srs")}
        payload["coverage"] = {k: (None if v is None else str(v))
                               for k, v in assessment["coverage"].items()}
        payload["provision_pct"] = str(assessment["provision_pct"])
        source = assessment["source"]
        payload["source"] = {k: source.get(k) for k in ("kind", "by", "reference", "import_id",
                                                         "file_name")}
        self.upsert_with_events(
            doc_id, {"$set": entry, "$push": {"history": {k: v for k, v in entry.items()
                                                          if k != "history"}}},
            [("settlement_srs_assessed", payload, assessment["region_code"])])
        return self.get_assessment(assessment["kato"], assessment["year"])

    def get_assessment(self, kato: str, year: int) -> dict | None:
        doc = self.collection.find_one({"_id": f"{kato}|{year}"}, {"history": 0, "_outbox": 0})
        return self.from_store(doc) if doc else None

    def of_settlement(self, kato: str) -> list[dict]:
        docs = self.collection.find({"kato": kato}, {"history": 0, "_outbox": 0})
        return sorted((self.from_store(d) for d in docs), key=lambda a: a["year"])

    def of_regions(self, region_codes, year: int) -> list[dict]:
        codes = sorted(set(region_codes))
        region = {"$in": codes} if len(codes) != 1 else codes[0]
        docs = self.collection.find({"region_code": region, "year": year},
                                    {"history": 0, "_outbox": 0})
        return [self.from_store(d) for d in docs]

    def latest_year(self, region_codes) -> int | None:
        codes = sorted(set(region_codes))
        region = {"$in": codes} if len(codes) != 1 else codes[0]
        years = {d["year"] for d in self.collection.find({"region_code": region}, {"year": 1})}
        return max(years) if years else None

    # -- the per-region roll-up the scorecards read (at most one document per region) ----------
    LATEST = "hub_srs_latest"

    def store_region_rollup(self, region_code: str, rollup: dict, *, now: datetime) -> None:
        """Keep the roll-up of the region's latest assessed year (an older year never replaces
        a newer one; the same year is recomputed after every assessment and import)."""
        doc = self.codec.encode({**rollup, "region_code": region_code, "computed_at": now})
        self.db[self.LATEST].update_one(
            {"_id": region_code, "year": {"$lte": rollup["year"]}}, {"$set": doc}, upsert=False)
        if self.db[self.LATEST].find_one({"_id": region_code}, {"_id": 1}) is None:
            try:
                self.db[self.LATEST].insert_one({"_id": region_code, **doc})
            except DuplicateKeyError:  # a concurrent first assessment of the region
                self.db[self.LATEST].update_one(
                    {"_id": region_code, "year": {"$lte": rollup["year"]}}, {"$set": doc})

    def region_rollups(self, region_codes) -> dict[str, dict]:
        wanted = set(region_codes)
        return {d["_id"]: self.codec.decode(d) for d in self.db[self.LATEST].find({})
                if d["_id"] in wanted}
