"""Organisation changes published by the civil service agency, applied to the register of bodies.

The agency is the system of record for the bodies of the civil service; it publishes
``civil_service.organisation_changed`` (payload: org_id, name, kind, region_code, change) on the
inbound exchange. Messages may arrive twice and out of order, so each applied change leaves its
``occurred_at`` and ``event_id`` on the organisation: an older change, or the same one again,
changes nothing. A body never changes kind or region (posts copy both), so a change saying
otherwise is refused rather than silently applied.
"""
from datetime import datetime

from services.common.errors import RuleViolation
from services.personnel.contract.lists import ORGANISATION_CHANGES
from services.personnel.domain.documents import require_aware, revised
from services.personnel.domain.organisations import create_organisation

ORGANISATION_STATUSES = ("active", "closed")


def is_open(organisation: dict) -> bool:
    """Bodies created before statuses existed have none: they are open."""
    return organisation.get("status", "active") != "closed"


def refuse_if_closed(organisation: dict) -> None:
    if not is_open(organisation):
        raise RuleViolation(f"organisation {organisation['org_id']} is closed", {
            "rule": "organisation_closed", "org_id": organisation["org_id"]})


def _millis(instant: datetime) -> datetime:
    # the store keeps milliseconds; compare at the precision a stored value comes back with
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def apply_organisation_change(organisation: dict | None, payload: dict, *, event_id: str,
                              occurred_at: datetime, now: datetime) -> dict | None:
    """The organisation after the agency's change, or None when the change is already reflected.

    ``organisation`` is the stored document (None when the body is not known yet: any change
    then creates it, a ``closed`` one as closed, so a late ``created`` cannot reopen it).
    """
    require_aware(now)
    require_aware(occurred_at)
    occurred_at = _millis(occurred_at)
    change = payload["change"]
    if change not in ORGANISATION_CHANGES:
        raise ValueError(f"unknown organisation change {change!r}")
    if organisation is None:
        new, _ = create_organisation({"name": payload["name"], "kind": payload["kind"],
                                      "region_code": payload["region_code"]},
                                     org_id=payload["org_id"], now=now)
        new.update(status="closed" if change == "closed" else "active",
                   closed_at=occurred_at if change == "closed" else None)
    else:
        last = organisation.get("source_changed_at")
        if last is not None and (occurred_at < last or (
                occurred_at == last and event_id == organisation.get("source_event_id"))):
            return None
        if (organisation["kind"], organisation["region_code"]) != (payload["kind"],
                                                                   payload["region_code"]):
            raise RuleViolation("a body never changes kind or region", {
                "rule": "organisation_immutable", "org_id": organisation["org_id"],
                "kind": organisation["kind"], "region_code": organisation["region_code"]})
        new = revised(organisation, now=now)
        new["name"] = payload["name"].strip()
        if change == "closed":
            new.update(status="closed", closed_at=occurred_at)
        elif change == "created":
            new.update(status="active", closed_at=None)
        else:
            new.setdefault("status", "active")
    new.update(source_changed_at=occurred_at, source_event_id=event_id)
    return new
