"""Storage of the 1 April reports (``hub_concept_reports``, one per region and year, keyed
``<region>|<year>``; ``hub_central_reports``, one per central executive body and year, keyed
``<body>|<year>``) with the event of each workflow step in the same write, the mono-town
transport-access entries (``hub_mono_town_access``), and a read of the hub's project read model
with the fields the report and the territorial views need."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from services.common.codec import DocumentCodec
from services.common.mongo import Repository
from services.gateway.hub.projections_repository import CODEC as PROJECT_CODEC
from services.gateway.hub.projections_repository import PROJECTS

CODEC = DocumentCodec()


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a report")


def _payload(report: dict) -> dict:
    last = report["history"][-1]
    return {"report_id": report["report_id"], "region_code": report["region_code"],
            "reporting_year": report["reporting_year"], "status": report["status"],
            "revision": report["revision"], "by": last["by"], "at": last["at"],
            "submitted_on_time": report.get("submitted_on_time")}


class ConceptReportRepository(Repository):
    collection_name = "hub_concept_reports"
    id_field = "report_id"
    codec = CODEC
    indexes = [([("reporting_year", 1), ("region_code", 1)], {})]

    def _to_doc(self, report: dict) -> dict:
        # the content is stored as JSON text: the figures stay exactly as assembled (strings,
        # ISO dates) whatever the store does with nested types
        return {**report, "content": json.dumps(report["content"], default=_json_default,
                                                 sort_keys=True)}

    def _from_doc(self, doc: dict) -> dict:
        report = self.from_store(doc)
        report["content"] = json.loads(report["content"])
        return report

    def find(self, region_code: str, year: int) -> dict | None:
        doc = self.collection.find_one({"_id": f"{region_code}|{year}"}, {"_outbox": 0})
        return self._from_doc(doc) if doc else None

    def save(self, report: dict, event_type: str) -> dict:
        facts = [(event_type, _payload(report))]
        doc = self._to_doc(report)
        if report["version"] == 0:
            self.save_new({**doc, "version": 1}, facts)
        else:
            self.save_versioned(doc, report["version"], facts)
        return self.find(report["region_code"], report["reporting_year"])

    def of_year(self, year: int, region_codes=None) -> list[dict]:
        flt: dict = {"reporting_year": year}
        if region_codes is not None:
            flt["region_code"] = {"$in": sorted(region_codes)}
        return [self._from_doc(d) for d in self.collection.find(flt, {"_outbox": 0})]


def _central_payload(report: dict) -> dict:
    last = report["history"][-1]
    return {"report_id": report["report_id"], "body_code": report["body_code"],
            "reporting_year": report["reporting_year"], "status": report["status"],
            "revision": report["revision"], "by": last["by"], "at": last["at"],
            "submitted_on_time": report.get("submitted_on_time")}


class CentralReportRepository(ConceptReportRepository):
    """A central executive body's own 1 April reports; stored as the regions' are."""
    collection_name = "hub_central_reports"
    indexes = [([("reporting_year", 1), ("body_code", 1)], {})]

    def find(self, body_code: str, year: int) -> dict | None:
        return super().find(body_code, year)

    def save(self, report: dict, event_type: str) -> dict:
        facts = [(event_type, _central_payload(report), None)]
        doc = self._to_doc(report)
        if report["version"] == 0:
            self.save_new({**doc, "version": 1}, facts)
        else:
            self.save_versioned(doc, report["version"], facts)
        return self.find(report["body_code"], report["reporting_year"])

    def submitted_keys(self, years) -> set[tuple[str, int]]:
        """(body, year) of the reports a person submitted (or the Ministry acknowledged)."""
        return {(d["body_code"], d["reporting_year"]) for d in self.collection.find(
            {"reporting_year": {"$in": list(years)},
             "status": {"$in": ["submitted", "acknowledged"]}},
            {"body_code": 1, "reporting_year": 1})}

    def of_year(self, year: int, body_codes=None) -> list[dict]:
        flt: dict = {"reporting_year": year}
        if body_codes is not None:
            flt["body_code"] = {"$in": sorted(body_codes)}
        return [self._from_doc(d) for d in self.collection.find(flt, {"_outbox": 0})]


class MonoTownAccessRepository(Repository):
    """Transport access of a mono-town to its nearest growth centre (manual entries)."""
    collection_name = "hub_mono_town_access"
    id_field = "kato"

    def put(self, entry: dict) -> dict:
        stored = self.to_store(entry)
        doc_id = stored.pop("_id")
        self.collection.update_one({"_id": doc_id}, {"$set": stored}, upsert=True)
        return self.get_access(entry["kato"])

    def get_access(self, kato: str) -> dict | None:
        doc = self.collection.find_one({"_id": kato})
        return self.from_store(doc) if doc else None


class ProjectReader(Repository):
    """The hub's project read model (written by ``HubReadModels``), read with the fields of the
    report and the territorial views."""
    collection_name = PROJECTS
    FIELDS = ("project_id", "title", "region_code", "sector", "stage", "cost_kzt",
              "jobs_planned", "jobs_created", "invested_to_date_kzt", "agglomeration",
              "district", "srs_gaps")

    def of_regions(self, region_codes) -> list[dict]:
        projection = {k: 1 for k in self.FIELDS}
        docs = self.collection.find({"region_code": {"$in": sorted(set(region_codes))}},
                                    projection)
        return [self._decode(d) for d in docs]

    def of_agglomeration(self, code: str) -> list[dict]:
        projection = {k: 1 for k in self.FIELDS}
        return [self._decode(d) for d in self.collection.find({"agglomeration": code},
                                                              projection)]

    @staticmethod
    def _decode(doc: dict) -> dict:
        doc = PROJECT_CODEC.decode(doc)
        doc["project_id"] = doc.get("project_id") or doc.get("_id")
        doc.pop("_id", None)
        return doc
