"""What each role sees of a journal entry: the envelope always, the payload only with read
access to the resource of the service that published it, in the entry's region.

The hub journals every domain event, so without this an office coordinator (no
``personnel:read``) would read servant ids, approvers and free-text reasons of every rotation
through ``/hub/journal``. One rule for every source: a payload is shown when the caller may read
the source's resource (``SOURCE_RESOURCES``) in the entry's region, and then with that resource's
field rules (IIN masked, ...); otherwise it is replaced by ``{}`` and ``payload_hidden`` says so.
A source not listed here is hidden from everybody but the admin: deny by default.
"""
from typing import Any, Mapping

from services.gateway.access import policy

SOURCE_RESOURCES: Mapping[str, str] = {
    "investments": "projects",
    "budgets": "budgets",
    "personnel": "personnel",
    "gateway": "hub",  # the hub's own facts
}


def payload_visible(principal, entry: Mapping[str, Any]) -> bool:
    resource = SOURCE_RESOURCES.get(entry.get("source"))
    if resource is None:
        return principal.role == policy.ADMIN
    return policy.can(principal, resource, "read", entry.get("region_code"))


def journal_entry_view(principal, entry: Mapping[str, Any]) -> dict:
    if not payload_visible(principal, entry):
        return {**entry, "payload": {}, "payload_hidden": True}
    resource = SOURCE_RESOURCES.get(entry.get("source"), "hub")
    payload = policy.redact(principal, resource, entry.get("payload"))
    return {**entry, "payload": policy.redact(principal, "hub", payload), "payload_hidden": False}


def journal_view(principal, entries) -> list[dict]:
    return [journal_entry_view(principal, entry) for entry in entries]
