"""The counts behind the hub's business gauges, read straight from its read-model collections.

Each is a single-accumulator ``$group`` over a small collection (FerretDB computes one accumulator
correctly)."""
from __future__ import annotations

from services.gateway.hub.concept_report_repository import ConceptReportRepository
from services.gateway.hub.projections_repository import PROJECTS, ROTATIONS
from services.gateway.hub.rules import ACTIVE_STATUSES

INITIATIVES = "hub_initiatives"


def _counts(collection, key_fields: dict, match: dict | None = None) -> dict[tuple, int]:
    pipeline = ([{"$match": match}] if match else []) + [
        {"$group": {"_id": key_fields, "n": {"$sum": 1}}}]
    counts = {}
    for row in collection.aggregate(pipeline):
        key = tuple(str(row["_id"].get(name) or "unknown") for name in key_fields)
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


class GaugeCounts:
    """Read-only counts over the gateway database ``db``."""

    def __init__(self, db):
        self.db = db

    def projects_by_stage_and_region(self) -> dict[tuple, int]:
        return _counts(self.db[PROJECTS], {"stage": "$stage", "region": "$region_code"})

    def rotations_by_state(self) -> dict[tuple, int]:
        return _counts(self.db[ROTATIONS], {"state": "$status"})

    def open_initiatives_by_rule(self) -> dict[tuple, int]:
        return _counts(self.db[INITIATIVES], {"rule": "$kind"},
                       {"status": {"$in": list(ACTIVE_STATUSES)}})

    def submitted_regions(self, reporting_year: int) -> set[str]:
        """Regions whose 1 April report on ``reporting_year`` a person submitted (or the Ministry
        acknowledged); a generated budgets report does not count."""
        return {doc["region_code"] for doc in self.db[ConceptReportRepository.collection_name].find(
            {"reporting_year": reporting_year, "status": {"$in": ["submitted", "acknowledged"]}},
            {"region_code": 1, "_id": 0})}
