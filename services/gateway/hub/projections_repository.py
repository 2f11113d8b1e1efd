"""The hub's read models: one document per aggregate, written only from domain events.

Every write is idempotent and ignores older news, so a redelivered or out-of-order event changes
nothing:
- projects carry ``version`` (the investments service bumps it on every change): a snapshot is
  stored only over an older version;
- events without a version (indicators, forecasts, autonomy alerts) are ordered by
  ``order_key(occurred_at, event_id)``; rotations by the rank of their status first, since a
  rotation only moves forward;
- annual reports keep the first and last generation instants (``$min`` / ``$max``).
The pattern is a conditional upsert: ``{_id, ord: {$lt: new}}`` with ``upsert=True`` updates an
older document, inserts a missing one, and fails with a duplicate ``_id`` (ignored) when the stored
document is as new or newer. Single-document writes only (no transactions on the store).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Iterable

from pymongo import IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.common.codec import DocumentCodec
from services.common.mongo import Repository, create_missing_indexes
from services.gateway.hub.documents import (
    UNDER_WAY,
    order_key,
    project_document,
    rotation_document,
    rotation_order,
)
from services.gateway.hub.region_totals_repository import RegionTotals, max_staleness_seconds
from services.gateway.hub.scorecards import RegionFacts

PROJECTS, INDICATORS, AUTONOMY, FORECASTS = ("hub_projects", "hub_indicators", "hub_autonomy",
                                             "hub_forecasts")
ROTATIONS, ROTATION_DUE, REPORTS, SRS = ("hub_rotations", "hub_rotation_due", "hub_reports",
                                         "hub_srs")

CODEC = DocumentCodec(date_keys={"actual_commissioning", "start_date", "planned_end", "end_date",
                                 "due_date", "post_start", "as_of"})

_INDEXES = {
    PROJECTS: [[("region_code", 1)], [("stage", 1), ("stage_entered_at", 1)]],
    INDICATORS: [[("region_code", 1), ("fiscal_year", -1)]],
    AUTONOMY: [[("region_code", 1), ("fiscal_year", -1)]],
    FORECASTS: [[("region_code", 1)]],
    ROTATIONS: [[("from_region", 1)], [("to_region", 1)], [("home_region", 1)],
                [("servant_id", 1), ("from_position_id", 1)]],
    ROTATION_DUE: [[("home_region", 1), ("status", 1)], [("servant_id", 1), ("position_id", 1)]],
    REPORTS: [[("reporting_year", 1), ("region_code", 1)]],
}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


# how old a dirty region's totals may be served (read once, when the gateway starts)
TOTALS_MAX_STALENESS = max_staleness_seconds()


class HubReadModels(Repository):
    collection_name = PROJECTS
    codec = CODEC

    @property
    def region_totals(self) -> RegionTotals:
        return RegionTotals(self.db, self.codec.decode, max_staleness=TOTALS_MAX_STALENESS)

    @classmethod
    def ensure_indexes(cls, db) -> None:
        for collection, indexes in _INDEXES.items():
            create_missing_indexes(db[collection], [IndexModel(keys) for keys in indexes])

    # -- writes --------------------------------------------------------------------------------
    def _conditional_upsert(self, collection: str, doc_id: str, order_field: str, order,
                            fields: dict) -> bool:
        """Set ``fields`` unless the stored document is as new as ``order`` or newer."""
        try:
            self.db[collection].update_one({"_id": doc_id, order_field: {"$lt": order}},
                                           {"$set": {**self.codec.encode(fields),
                                                     order_field: order}}, upsert=True)
            return True
        except DuplicateKeyError:
            return False

    def apply_project(self, payload: dict) -> dict | None:
        """The row (over an older version only), then the region totals of every region the row
        has been in are marked dirty: also when the row was not written, so a redelivery after a
        crash between the two completes the marking (region_totals_repository.py). The project as
        the row now holds it (decoded), or None when a newer row was stored already."""
        doc = project_document(payload)
        project_id, version = doc["project_id"], doc.pop("version")
        fields = {**self.codec.encode(doc), "version": version}  # the row as written
        try:
            # the row as it was before the write comes back with it: no second read for the marks
            # (the whole row: FerretDB 1.24's findAndModify takes no projection). The region it
            # was in is marked even when its ``regions_ever`` lacks it (a row loaded in bulk).
            before = self.db[PROJECTS].find_one_and_update(
                {"_id": project_id, "version": {"$lt": version}},
                {"$set": fields, "$addToSet": {"regions_ever": doc["region_code"]}}, upsert=True,
                return_document=ReturnDocument.BEFORE)
            row, written = before or {}, True  # None: inserted, in no region before
        except DuplicateKeyError:
            row, written = None, False  # a newer row is stored: read by the marking
        self.region_totals.mark_project_regions(project_id, doc["region_code"], row=row)
        if not written:
            return None
        return self.codec.decode(fields)

    @staticmethod
    def bulk_row(payload: dict) -> dict:
        """A project's row as ``apply_project`` stores it from a snapshot, for a bulk loader that
        stores rows without events."""
        doc = project_document(payload)
        version = doc.pop("version")
        return {"_id": doc["project_id"], **CODEC.encode(doc), "version": version,
                "regions_ever": [doc["region_code"]]}

    def note_progress(self, project_id: str, report_date) -> None:
        """Keep the date of the project's latest progress report (``last_progress_on``, ISO day):
        the stall rule spares a project under implementation that reports progress."""
        day = str(report_date)[:10]
        self.db[PROJECTS].update_one(
            {"_id": project_id, "$or": [{"last_progress_on": {"$lt": day}},
                                        {"last_progress_on": None}]},
            {"$set": {"last_progress_on": day}})

    def apply_indicators(self, payload: dict, occurred_at: datetime, event_id: str) -> bool:
        key = f"{payload['region_code']}|{payload['fiscal_year']}"
        fields = {name: payload.get(name) for name in (
            "region_code", "fiscal_year", "as_of_period", "own_revenue_kzt",
            "transfers_received_kzt", "total_revenue_kzt", "own_revenue_share",
            "transfer_dependency", "execution_rate", "status", "population",
            "population_quality", "population_as_of", "revenue_per_resident_kzt",
            "subvention_per_resident_kzt")}
        return self._conditional_upsert(INDICATORS, key, "ord", order_key(occurred_at, event_id),
                                        {**fields, "event_id": event_id})

    def apply_autonomy_alert(self, payload: dict, occurred_at: datetime, event_id: str) -> bool:
        key = f"{payload['region_code']}|{payload['fiscal_year']}"
        fields = {name: payload.get(name) for name in (
            "region_code", "fiscal_year", "as_of_period", "own_revenue_share", "previous_share",
            "threshold", "transfer_dependency")}
        return self._conditional_upsert(AUTONOMY, key, "ord", order_key(occurred_at, event_id),
                                        {**fields, "occurred_at": occurred_at,
                                         "event_id": event_id})

    def apply_forecast(self, payload: dict, occurred_at: datetime, event_id: str) -> bool:
        totals = {str(year): str(amount) for year, amount in payload["totals_kzt"].items()}
        return self._conditional_upsert(
            FORECASTS, payload["region_code"], "ord", order_key(occurred_at, event_id),
            {"region_code": payload["region_code"], "totals_kzt": totals,
             "change": payload["change"], "event_id": event_id})

    def apply_rotation(self, payload: dict, occurred_at: datetime, event_id: str) -> bool:
        doc = rotation_document(payload)
        return self._conditional_upsert(
            ROTATIONS, doc["rotation_id"], "ord",
            rotation_order(doc["status"], occurred_at, event_id), {**doc, "event_id": event_id})

    def record_rotation_due(self, payload: dict, occurred_at: datetime, event_id: str) -> dict:
        """The due item (first delivery wins: the personnel service publishes it once per key)."""
        fields = {name: payload.get(name) for name in (
            "servant_id", "home_region", "post_region", "org_id", "position_id", "post_start",
            "due_date", "years_in_post", "extended")}
        self.db[ROTATION_DUE].update_one(
            {"_id": payload["due_key"]},
            {"$setOnInsert": {**self.codec.encode(fields), "status": "due",
                              "occurred_at": occurred_at, "event_id": event_id}}, upsert=True)
        return self.codec.decode(self.db[ROTATION_DUE].find_one({"_id": payload["due_key"]}))

    def mark_due_started(self, servant_id: str, position_id: str, start_date: date,
                         rotation_id: str) -> int:
        """Due items of the post the servant left by a started rotation are no longer due."""
        result = self.db[ROTATION_DUE].update_many(
            {"servant_id": servant_id, "position_id": position_id, "status": "due",
             "post_start": {"$lte": _midnight(start_date)}},
            {"$set": {"status": "started", "rotation_id": rotation_id}})
        return result.modified_count

    def record_report(self, payload: dict, event_id: str) -> None:
        key = f"{payload['region_code']}|{payload['reporting_year']}"
        generated = payload["generated_at"]
        self.db[REPORTS].update_one(
            {"_id": key},
            {"$set": {"region_code": payload["region_code"],
                      "reporting_year": payload["reporting_year"],
                      "report_id": payload["report_id"]},
             "$min": {"first_generated_at": generated},
             "$max": {"last_generated_at": generated},
             "$addToSet": {"event_ids": event_id}}, upsert=True)

    def put_srs(self, region_code: str, values: dict, *, by: str, now: datetime) -> dict:
        doc = {**values, "region_code": region_code, "recorded_by": by, "recorded_at": now}
        entry = self.codec.encode(doc)
        self.db[SRS].update_one({"_id": region_code},
                                {"$set": entry, "$push": {"history": entry}}, upsert=True)
        return self.get_srs(region_code)

    # -- reads ---------------------------------------------------------------------------------
    def _find(self, collection: str, flt: dict, projection: dict | None = None) -> list[dict]:
        return [self.codec.decode(doc) for doc in self.db[collection].find(flt, projection)]

    def get_srs(self, region_code: str) -> dict | None:
        doc = self.db[SRS].find_one({"_id": region_code}, {"history": 0})
        return self.codec.decode(doc) if doc else None

    def srs_history(self, region_code: str) -> list[dict]:
        doc = self.db[SRS].find_one({"_id": region_code}, {"history": 1}) or {}
        return [self.codec.decode(entry) for entry in doc.get("history", [])]

    def project(self, project_id: str) -> dict | None:
        doc = self.db[PROJECTS].find_one({"_id": project_id})
        return self.codec.decode(doc) if doc else None

    def projects_of_region(self, region_code: str) -> list[dict]:
        """The region's projects with the settlement gaps they name (for the SRS gap lists)."""
        return self._find(PROJECTS, {"region_code": region_code},
                          {"project_id": 1, "title": 1, "stage": 1, "srs_gaps": 1})

    def started_rotation_for(self, servant_id: str, position_id: str,
                             post_start: date) -> dict | None:
        """A rotation that took the servant out of this post (started on or after post_start)."""
        for doc in self._find(ROTATIONS, {"servant_id": servant_id,
                                          "from_position_id": position_id,
                                          "status": {"$in": [*UNDER_WAY, "completed"]}}):
            if doc.get("start_date") is not None and doc["start_date"] >= post_start:
                return doc
        return None

    def projects_entered_before(self, stages: Iterable[str], cutoff: datetime) -> list[dict]:
        projection = {"_id": 1, "title": 1, "region_code": 1, "stage": 1, "stage_entered_at": 1,
                      "project_id": 1, "last_progress_on": 1}
        return self._find(PROJECTS, {"stage": {"$in": list(stages)},
                                     "stage_entered_at": {"$lt": cutoff}}, projection)

    def reports_for_years(self, years: Iterable[int]) -> dict[tuple[str, int], dict]:
        docs = self._find(REPORTS, {"reporting_year": {"$in": list(years)}})
        return {(d["region_code"], d["reporting_year"]): d for d in docs}

    def submissions_for_years(self, years: Iterable[int]) -> dict[tuple[str, int], dict]:
        """Submitted (or acknowledged) 1 April reports, from the hub's report store
        (``hub_concept_reports``, written by hub/concept_report_repository.py)."""
        docs = self.db["hub_concept_reports"].find(
            {"reporting_year": {"$in": list(years)}, "status": {"$in": ["submitted",
                                                                       "acknowledged"]}},
            {"region_code": 1, "reporting_year": 1, "submitted_at": 1, "submitted_by": 1,
             "acknowledged_at": 1})
        return {(d["region_code"], d["reporting_year"]): d for d in docs}

    def region_facts(self, region_codes: Iterable[str], today: date) -> dict[str, RegionFacts]:
        """Every read-model document of the given regions, grouped by region (projected cursors,
        aggregated in Python: the store's ``$group`` is not trusted with several accumulators)."""
        codes = sorted(set(region_codes))
        facts = {code: RegionFacts(code) for code in codes}
        # One region (a scorecard): plain equality, which the local store pushes down and serves
        # from an index; $in and $or are evaluated over the whole collection there.
        inside = codes[0] if len(codes) == 1 else {"$in": codes}
        # the projects as one small totals document per region, not thousands of rows
        for code, totals in self.region_totals.totals(codes).items():
            facts[code].project_totals = totals
        for doc in self._find(INDICATORS, {"region_code": inside}):
            facts[doc["region_code"]].indicators.append(doc)
        for doc in self._find(AUTONOMY, {"region_code": inside}):
            facts[doc["region_code"]].autonomy_alerts.append(doc)
        for doc in self._find(FORECASTS, {"region_code": inside}):
            facts[doc["region_code"]].forecast = doc
        rotation_fields = {"status": 1, "from_region": 1, "to_region": 1, "home_region": 1,
                           "cycle_completed": 1}
        if len(codes) == 1:
            seen, rotations = set(), []
            for field in ("from_region", "to_region", "home_region"):
                for doc in self._find(ROTATIONS, {field: inside}, {**rotation_fields, "_id": 1}):
                    if doc["_id"] not in seen:
                        seen.add(doc["_id"])
                        rotations.append(doc)
        else:
            rotations = self._find(ROTATIONS, {"$or": [{"from_region": inside},
                                                       {"to_region": inside},
                                                       {"home_region": inside}]}, rotation_fields)
        for doc in rotations:
            if doc.get("from_region") in facts:
                facts[doc["from_region"]].rotations_from.append(doc)
            if doc.get("to_region") in facts:
                facts[doc["to_region"]].rotations_to.append(doc)
            if doc.get("home_region") in facts:
                facts[doc["home_region"]].rotations_home.append(doc)
        for doc in self._find(ROTATION_DUE, {"home_region": inside, "status": "due",
                                             "due_date": {"$lte": _midnight(today)}},
                              {"home_region": 1, "status": 1, "due_date": 1}):
            facts[doc["home_region"]].due_items.append(doc)
        for doc in self._find(SRS, {"_id": inside}, {"history": 0}):
            facts[doc["region_code"]].srs = doc
        return facts
