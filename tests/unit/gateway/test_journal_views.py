"""The journal by role, checked for every registered event type against the policy matrix: a
payload is shown exactly when the caller may read the source service's resource in the entry's
region, and otherwise nothing of it leaks (servant ids, approvers, reasons, amounts)."""
import json

import pytest

from services.common import asyncapi
from services.common.events import EVENT_TYPES
from services.gateway.access import policy
from services.gateway.access.principal import Principal, credential_scope_problem
from services.gateway.hub.journal_views import SOURCE_RESOURCES, journal_entry_view
from tests.support.contracts import registered_contracts

REGIONS = ("KZ-35", "KZ-10", None)
CONTRACTS = sorted(name for name, spec in registered_contracts().items()
                   if asyncapi.is_platform_contract(spec))


def _principals():
    for role in sorted(policy.ROLES):
        for region in REGIONS:
            if credential_scope_problem(role, region) is None:
                yield Principal(f"{role}-{region}", role, region, "jwt", "t")


PRINCIPALS = list(_principals())


def _entry(event_type, region):
    envelope = asyncapi.example_envelope(EVENT_TYPES[event_type])
    return {**envelope, "region_code": region, "received_at": envelope["occurred_at"]}


def _leaves(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def _expected_visible(principal, source, region):
    resource = SOURCE_RESOURCES.get(source)
    if resource is None:
        return principal.role == policy.ADMIN
    scope = policy.scope_for(principal.role, resource, "read")
    if scope is policy.OWN and principal.region is None:  # a national credential of the role
        return policy.ROLE_REGION_RULE[principal.role] is policy.RegionRule.OPTIONAL
    return scope is policy.ALL or (scope is policy.OWN and region is not None
                                   and region == principal.region)


def test_every_platform_source_has_a_resource_in_the_matrix():
    for source, resource in SOURCE_RESOURCES.items():
        assert (resource, "read") in policy.PERMISSIONS, source


def test_the_contracts_cover_every_platform_source():
    assert {EVENT_TYPES[t].source for t in CONTRACTS} >= set(SOURCE_RESOURCES) - {"gateway"}


@pytest.mark.parametrize("event_type", CONTRACTS)
def test_the_journal_payload_follows_the_policy_matrix(event_type):
    source = EVENT_TYPES[event_type].source
    for region in ("KZ-35", None):
        entry = _entry(event_type, region)
        envelope = json.dumps({k: v for k, v in entry.items() if k != "payload"})
        secrets = {v for v in _leaves(entry["payload"])  # what only the payload says
                   if isinstance(v, str) and len(v) > 3 and v not in envelope}
        for principal in PRINCIPALS:
            view = journal_entry_view(principal, entry)
            visible = _expected_visible(principal, source, region)
            assert view["payload_hidden"] is (not visible), (principal, event_type, region)
            assert {k: view[k] for k in ("event_id", "event_type", "source", "region_code")} == {
                k: entry[k] for k in ("event_id", "event_type", "source", "region_code")}
            if visible:
                resource = SOURCE_RESOURCES.get(source, "hub")
                assert view["payload"] == policy.redact(
                    principal, "hub", policy.redact(principal, resource, entry["payload"]))
            else:
                assert view["payload"] == {}
                shown = json.dumps({k: v for k, v in view.items() if k != "correlation_id"})
                assert not [s for s in secrets if s in shown], (principal, event_type)


def test_a_coordinator_sees_no_personnel_details_but_an_hr_officer_does():
    personnel_types = [t for t in CONTRACTS if EVENT_TYPES[t].source == "personnel"]
    assert personnel_types
    coordinator = Principal("c", "office_coordinator", None, "jwt", "t")
    officer = Principal("h", "hr_officer", "KZ-35", "jwt", "t")
    for event_type in personnel_types:
        entry = _entry(event_type, "KZ-35")
        assert journal_entry_view(coordinator, entry)["payload"] == {}
        assert journal_entry_view(officer, entry)["payload_hidden"] is False
