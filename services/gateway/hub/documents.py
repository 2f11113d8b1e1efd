"""Read-model documents from domain events, pure: which fields of a payload the hub keeps per
aggregate, and the keys that order events of one aggregate (so older news is recognised)."""
from __future__ import annotations

from datetime import datetime, timezone
from types import MappingProxyType
from typing import Mapping

PROJECT_FIELDS = ("project_id", "title", "region_code", "sector", "project_type", "stage",
                  "stage_entered_at", "suspended_from", "priority", "cost_kzt", "jobs_planned",
                  "jobs_created", "invested_to_date_kzt", "expected_annual_local_revenue_kzt",
                  "actual_commissioning", "version", "updated_at", "srs_gaps", "agglomeration",
                  "district")

# Rotation statuses in the order a rotation moves through them; an event whose status ranks lower
# than the stored one is older and changes nothing. Terminal statuses rank highest.
ROTATION_RANK: Mapping[str, int] = MappingProxyType({
    "requested": 1, "partially_approved": 2, "approved": 3, "started": 4, "returning": 5,
    "completed": 9, "rejected": 9, "cancelled": 9})
ROTATION_FIELDS = ("rotation_id", "servant_id", "direction", "home_region", "from_region",
                   "to_region", "from_position_id", "to_position_id", "status")
ROTATION_OPTIONAL_FIELDS = ("start_date", "planned_end", "end_date", "cycle_completed")
UNDER_WAY = ("started", "returning")
PRE_START = ("requested", "partially_approved", "approved")


def order_key(occurred_at: datetime, event_id: str) -> str:
    """A string that sorts events of one aggregate by time (ties broken by id)."""
    stamp = occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp}|{event_id}"


def project_document(payload: Mapping) -> dict:
    return {name: payload.get(name) for name in PROJECT_FIELDS}


def rotation_document(payload: Mapping) -> dict:
    doc = {name: payload.get(name) for name in ROTATION_FIELDS}
    for name in ROTATION_OPTIONAL_FIELDS:
        if payload.get(name) is not None:
            doc[name] = payload[name]
    if "new_end" in payload:  # rotation_extended
        doc["planned_end"] = payload["new_end"]
    return doc


def rotation_order(status: str, occurred_at: datetime, event_id: str) -> str:
    return f"{ROTATION_RANK[status]:02d}|{order_key(occurred_at, event_id)}"
