"""Storage of the Concept Action Plan: measures (``hub_action_measures``, keyed by measure id)
and target indicators (``hub_action_indicators``, keyed by ``<indicator id>|<region or
national>``). Each change and its event are one single-document write (outbox)."""
from __future__ import annotations

from decimal import Decimal

from services.common.codec import DocumentCodec
from services.common.mongo import Repository

MEASURE_CODEC = DocumentCodec(date_keys={"deadline"})


def _measure_payload(m: dict) -> dict:
    return {"measure_id": m["measure_id"], "title": m["title"], "level": m["level"],
            "region_code": m.get("region_code"), "responsible_body": m["responsible_body"],
            "deadline": m["deadline"], "completion_form": m["completion_form"],
            "status": m["status"], "evidence_count": len(m.get("evidence", [])),
            "by": (m.get("history") or [{}])[-1].get("by") or m["source"].get("by")}


class ActionMeasureRepository(Repository):
    collection_name = "hub_action_measures"
    id_field = "measure_id"
    codec = MEASURE_CODEC
    indexes = [([("region_code", 1), ("status", 1)], {}), ([("deadline", 1)], {})]

    def add(self, measure: dict) -> dict:
        return self.save_new(measure, [("action_plan_measure_recorded",
                                        _measure_payload(measure))])

    def change(self, measure: dict, expected_version: int) -> dict:
        return self.save_versioned(measure, expected_version,
                                   [("action_plan_measure_status_changed",
                                     _measure_payload(measure))])

    def find(self, measure_id: str) -> dict | None:
        doc = self.collection.find_one({"_id": measure_id}, {"_outbox": 0})
        return self.from_store(doc) if doc else None

    def listing(self, *, region_codes=None, status=None) -> list[dict]:
        """Measures of the regions (``None``: all) plus the central bodies' measures."""
        flt: dict = {}
        if status:
            flt["status"] = status
        docs = [self.from_store(d) for d in self.collection.find(flt, {"_outbox": 0})]
        if region_codes is not None:
            docs = [d for d in docs if d.get("region_code") in (None, *region_codes)]
        return sorted(docs, key=lambda d: (d["deadline"], d["measure_id"]))

    def open_measures(self) -> list[dict]:
        return [self.from_store(d) for d in self.collection.find(
            {"status": {"$in": ["planned", "in_progress"]}}, {"_outbox": 0, "history": 0})]


def _decimal_map(values: dict) -> dict:
    return {k: Decimal(str(v)) for k, v in values.items()}


class ActionIndicatorRepository(Repository):
    collection_name = "hub_action_indicators"
    indexes = [([("region_code", 1)], {})]

    def _encode(self, ind: dict) -> dict:
        doc = dict(ind)
        doc["baseline"] = str(ind["baseline"])
        doc["targets"] = {k: str(v) for k, v in ind["targets"].items()}
        doc["actuals"] = {y: {**a, "value": str(a["value"])} for y, a in ind["actuals"].items()}
        return doc

    def _decode(self, doc: dict) -> dict:
        ind = {k: v for k, v in doc.items() if k not in ("_outbox", "_rev")}
        ind["key"] = ind.pop("_id")
        ind["baseline"] = Decimal(ind["baseline"])
        ind["targets"] = _decimal_map(ind["targets"])
        ind["actuals"] = {y: {**a, "value": Decimal(a["value"])}
                          for y, a in (ind.get("actuals") or {}).items()}
        return ind

    def add(self, key: str, indicator: dict) -> dict:
        doc = {"_id": key, **self._encode(indicator)}
        self.save_new(doc, [("action_plan_indicator_recorded", {
            "indicator_id": indicator["indicator_id"], "region_code": indicator["region_code"],
            "baseline_year": indicator["baseline_year"], "baseline": str(indicator["baseline"]),
            "targets": {k: str(v) for k, v in indicator["targets"].items()},
            "by": indicator["source"]["by"]})])
        return self.find(key)

    def record_actual(self, indicator: dict, year: int, actual: dict, verdict: dict) -> dict:
        key = indicator["key"]
        doc = {k: v for k, v in indicator.items() if k not in ("key", "years")}
        doc["actuals"] = {**indicator["actuals"], str(year): actual}
        stored = {"_id": key, **self._encode(doc)}
        self.save_versioned(stored, indicator["version"], [("action_plan_indicator_actual_recorded", {
            "indicator_id": indicator["indicator_id"], "region_code": indicator["region_code"],
            "year": year, "value": str(actual["value"]),
            "expected": None if verdict["expected"] is None else str(verdict["expected"]),
            "off_track": verdict["off_track"], "source": {
                k: actual["source"].get(k) for k in ("kind", "by", "reference", "file_name")}})])
        return self.find(key)

    def find(self, key: str) -> dict | None:
        doc = self.collection.find_one({"_id": key})
        return self._decode(doc) if doc else None

    def listing(self, *, region_codes=None) -> list[dict]:
        docs = [self._decode(d) for d in self.collection.find({})]
        if region_codes is not None:
            docs = [d for d in docs if d.get("region_code") in (None, *region_codes)]
        return sorted(docs, key=lambda d: d["key"])
