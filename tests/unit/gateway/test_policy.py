"""The permission matrix, checked against an explicit table of expectations written independently
of ``MATRIX``, over every role × permission × region (all 20 and "no region")."""
import copy

import pytest

from services.common.errors import Forbidden
from services.common.regions import REGION_CODES
from services.gateway.access.policy import (
    MATRIX,
    ROLES,
    authorize,
    authorize_rotation,
    authorize_route,
    can,
    can_act_on_rotation,
    can_see_rotation,
    holds,
    redact,
    redacted_fields,
    region_filter,
    rotation_region_filter,
)
from services.gateway.access.principal import Principal

HOME = "KZ-35"     # Karaganda region: the scoped principals' own region
ELSEWHERE = "KZ-75"

# Every permission the gateway knows. A permission added to MATRIX without being added here (and
# to the expectations below) fails test_matrix_covers_exactly_the_expected_permissions.
PERMISSIONS = [
    ("regions", "read"),
    ("projects", "read"), ("projects", "write"),
    ("budgets", "read"), ("budgets", "write"), ("budgets", "report"),
    ("personnel", "read"), ("personnel", "write"), ("personnel", "approve"),
    ("hub", "read"), ("hub.initiatives", "write"), ("hub.alerts", "write"), ("hub.srs", "write"),
    ("audit", "read"), ("api_keys", "admin"), ("dead_letters", "replay"),
    ("hub.settlements", "import"),
    ("hub.action_plan", "write"), ("hub.reports", "write"), ("hub.reports", "acknowledge"),
    ("hub.central_reports", "read"), ("hub.central_reports", "write"),
]

# What each role is expected to hold: "any" = every region, "own" = its own region only (every
# region for an unscoped hr_officer), "body" = its own central body only (no region at all).
# Anything not listed must be refused.
EXPECTED_GRANTS = {
    "admin": {permission: "any" for permission in PERMISSIONS},
    "ministry_analyst": {
        ("regions", "read"): "any", ("projects", "read"): "any", ("budgets", "read"): "any",
        ("budgets", "report"): "any", ("personnel", "read"): "any", ("hub", "read"): "any",
        ("audit", "read"): "any", ("hub.reports", "acknowledge"): "any",
        ("hub.central_reports", "read"): "any",
    },
    "office_coordinator": {
        ("regions", "read"): "any", ("projects", "read"): "any", ("budgets", "read"): "any",
        ("hub", "read"): "any", ("hub.initiatives", "write"): "any",
        ("hub.alerts", "write"): "any", ("hub.srs", "write"): "any",
        ("hub.settlements", "import"): "any",
        ("hub.action_plan", "write"): "any", ("hub.reports", "write"): "any",
        ("hub.central_reports", "read"): "any", ("hub.central_reports", "write"): "any",
    },
    "regional_officer": {
        ("regions", "read"): "any",
        ("projects", "read"): "own", ("projects", "write"): "own",
        ("budgets", "read"): "own", ("budgets", "write"): "own",
        ("hub", "read"): "own",
        ("hub.action_plan", "write"): "own", ("hub.reports", "write"): "own",
    },
    "hr_officer": {
        ("regions", "read"): "any",
        ("personnel", "read"): "own", ("personnel", "write"): "own",
        ("personnel", "approve"): "own",
    },
    "central_officer": {
        ("hub.central_reports", "read"): "body", ("hub.central_reports", "write"): "body",
    },
}


def principal(role, region=None, kind="jwt", body=None):
    return Principal(subject=f"{role}-user", role=role, region=region, credential_kind=kind,
                     credential_id=f"{role}-{region}", body=body)


PRINCIPALS = {
    "admin": principal("admin"),
    "ministry_analyst": principal("ministry_analyst"),
    "office_coordinator": principal("office_coordinator"),
    "regional_officer@KZ-35": principal("regional_officer", HOME),
    "hr_officer@KZ-35": principal("hr_officer", HOME),
    "hr_officer@national": principal("hr_officer"),
    "central_officer@MF": principal("central_officer", body="MF"),
    "central_officer@no-body": principal("central_officer"),
}


def expected(who: Principal, permission, region_code) -> bool:
    grant = EXPECTED_GRANTS[who.role].get(permission)
    if grant is None or grant == "body":  # a body's permission reaches no region
        return False
    if grant == "any" or who.region is None:
        return True
    return region_code == who.region


def test_matrix_covers_exactly_the_expected_permissions():
    assert set(MATRIX) == set(PERMISSIONS)
    assert set(EXPECTED_GRANTS) == set(ROLES)
    for row in MATRIX.values():
        assert set(row) <= set(ROLES)


@pytest.mark.parametrize("region_code", list(REGION_CODES) + [None])
@pytest.mark.parametrize("resource, action", PERMISSIONS)
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_role_resource_action_region(who, resource, action, region_code):
    p = PRINCIPALS[who]
    want = expected(p, (resource, action), region_code)
    assert can(p, resource, action, region_code) is want
    if want:
        authorize(p, resource, action, region_code)
    else:
        with pytest.raises(Forbidden) as caught:
            authorize(p, resource, action, region_code)
        assert caught.value.details == {"role": p.role, "resource": resource, "action": action,
                                        "region": region_code}


@pytest.mark.parametrize("resource, action", PERMISSIONS)
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_route_gate_passes_roles_holding_the_permission_anywhere(who, resource, action):
    p = PRINCIPALS[who]
    want = (resource, action) in EXPECTED_GRANTS[p.role]
    assert holds(p, resource, action) is want
    if want:
        authorize_route(p, resource, action)
    else:
        with pytest.raises(Forbidden) as caught:
            authorize_route(p, resource, action)
        assert caught.value.details == {"role": p.role, "resource": resource, "action": action,
                                        "region": None}


@pytest.mark.parametrize("resource, action", [("projects", "delete"), ("budget", "read"),
                                              ("hub.initiatives", "read"), ("", "")])
def test_unknown_permission_is_a_programming_error(resource, action):
    with pytest.raises(ValueError):
        can(PRINCIPALS["admin"], resource, action)


def test_regional_officer_may_not_work_without_naming_the_region():
    # "no region given" must not widen a narrow credential
    assert not can(PRINCIPALS["regional_officer@KZ-35"], "budgets", "write", None)
    with pytest.raises(Forbidden, match="needs a region"):
        authorize(PRINCIPALS["regional_officer@KZ-35"], "budgets", "write")
    assert not can(PRINCIPALS["regional_officer@KZ-35"], "budgets", "write", ELSEWHERE)
    assert can(PRINCIPALS["regional_officer@KZ-35"], "budgets", "write", HOME)


def test_api_key_principals_follow_the_same_matrix():
    machine = principal("regional_officer", HOME, kind="api_key")
    assert can(machine, "projects", "write", HOME)
    assert not can(machine, "projects", "write", ELSEWHERE)
    assert not can(machine, "api_keys", "admin")


# --- listings -------------------------------------------------------------------------------

@pytest.mark.parametrize("who, resource, want", [
    ("admin", "projects", None),
    ("ministry_analyst", "budgets", None),
    ("office_coordinator", "hub", None),
    ("regional_officer@KZ-35", "projects", {HOME}),
    ("regional_officer@KZ-35", "budgets", {HOME}),
    ("regional_officer@KZ-35", "hub", {HOME}),
    ("regional_officer@KZ-35", "regions", None),
    ("hr_officer@KZ-35", "personnel", {HOME}),
    ("hr_officer@national", "personnel", None),
])
def test_region_filter_for_listings(who, resource, want):
    assert region_filter(PRINCIPALS[who], resource) == want


@pytest.mark.parametrize("who, resource", [
    ("regional_officer@KZ-35", "personnel"), ("hr_officer@KZ-35", "projects"),
    ("office_coordinator", "personnel"), ("ministry_analyst", "api_keys"),
])
def test_region_filter_refuses_roles_without_the_permission(who, resource):
    action = "admin" if resource == "api_keys" else "read"
    with pytest.raises(Forbidden):
        region_filter(PRINCIPALS[who], resource, action)


def test_region_filter_for_a_write_listing_follows_the_write_scope():
    assert region_filter(PRINCIPALS["regional_officer@KZ-35"], "budgets", "write") == {HOME}
    with pytest.raises(Forbidden):
        region_filter(PRINCIPALS["ministry_analyst"], "budgets", "write")


# --- rotations span two regions -------------------------------------------------------------

@pytest.mark.parametrize("who, from_region, to_region, visible", [
    ("hr_officer@KZ-35", HOME, "KZ-71", True),      # leaving the officer's region
    ("hr_officer@KZ-35", "KZ-71", HOME, True),      # arriving in it
    ("hr_officer@KZ-35", "KZ-71", ELSEWHERE, False),
    ("hr_officer@KZ-35", None, None, False),
    ("hr_officer@national", "KZ-71", ELSEWHERE, True),
    ("ministry_analyst", "KZ-71", ELSEWHERE, True),
    ("admin", "KZ-71", ELSEWHERE, True),
    ("regional_officer@KZ-35", HOME, HOME, False),  # no personnel access at all
    ("office_coordinator", HOME, "KZ-71", False),
])
def test_rotation_visibility(who, from_region, to_region, visible):
    rotation = {"rotation_id": "r-1", "from_region": from_region, "to_region": to_region}
    assert can_see_rotation(PRINCIPALS[who], rotation) is visible


@pytest.mark.parametrize("who, rotation, allowed", [
    ("hr_officer@KZ-35", {"from_region": HOME, "to_region": "KZ-71"}, True),
    ("hr_officer@KZ-35", {"from_region": "KZ-71", "to_region": HOME}, True),
    ("hr_officer@KZ-35", {"from_region": "KZ-71", "to_region": ELSEWHERE}, False),
    ("ministry_analyst", {"from_region": HOME, "to_region": "KZ-71"}, False),  # reads only
    ("admin", {"from_region": "KZ-71", "to_region": ELSEWHERE}, True),
])
def test_rotation_approval(who, rotation, allowed):
    p = PRINCIPALS[who]
    assert can_act_on_rotation(p, "approve", rotation) is allowed
    if allowed:
        authorize_rotation(p, "approve", rotation)
    else:
        with pytest.raises(Forbidden) as caught:
            authorize_rotation(p, "approve", rotation)
        assert caught.value.details["resource"] == "personnel"
        assert caught.value.details["action"] == "approve"


def test_rotation_listing_filter():
    assert rotation_region_filter(PRINCIPALS["hr_officer@KZ-35"]) == {HOME}
    assert rotation_region_filter(PRINCIPALS["ministry_analyst"]) is None


# --- field-level redaction ------------------------------------------------------------------

STAFF = {"employee_id": "e-1", "full_name": "A. Nurlanovna", "iin": "900101400127",
         "region": HOME, "history": [{"iin": "900101400127", "post": "D-3"}],
         "employee": {"iin": "900101400127"}}


@pytest.mark.parametrize("who, shown", [
    ("admin", "900101400127"),
    ("hr_officer@KZ-35", "900101400127"),
    ("hr_officer@national", "900101400127"),
    ("ministry_analyst", "************"),
    ("office_coordinator", "************"),
    ("regional_officer@KZ-35", "************"),
])
def test_iin_shown_in_full_only_to_hr_and_admin(who, shown):
    original = copy.deepcopy(STAFF)
    out = redact(PRINCIPALS[who], "personnel", STAFF)
    assert out["iin"] == shown
    assert out["history"][0]["iin"] == shown
    assert out["employee"]["iin"] == shown
    assert out["full_name"] == STAFF["full_name"]
    assert STAFF == original  # input untouched


def test_iin_is_masked_wherever_it_appears():
    journal_entry = {"event_type": "rotation_completed", "payload": {"iin": "900101400127"}}
    out = redact(PRINCIPALS["office_coordinator"], "hub", journal_entry)
    assert out["payload"]["iin"] == "************"


def test_missing_iin_stays_missing():
    out = redact(PRINCIPALS["ministry_analyst"], "personnel", {"iin": None, "region": HOME})
    assert out == {"iin": None, "region": HOME}


@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_investor_bin_is_public(who):
    project = {"project_id": "p-1", "investor": {"name": "Qazaq Agro", "bin": "180440012345"}}
    out = redact(PRINCIPALS[who], "projects", project)
    assert out["investor"]["bin"] == "180440012345"


@pytest.mark.parametrize("who, sees_ip", [
    ("admin", True), ("ministry_analyst", False), ("office_coordinator", False),
])
def test_audit_ip_only_for_admin(who, sees_ip):
    entry = {"actor": "analyst-1", "ip": "10.0.0.7", "request": {"ip": "10.0.0.7", "path": "/x"}}
    out = redact(PRINCIPALS[who], "audit", entry)
    assert ("ip" in out) is sees_ip
    assert ("ip" in out["request"]) is sees_ip
    assert out["actor"] == "analyst-1" and out["request"]["path"] == "/x"
    assert entry["ip"] == "10.0.0.7"


def test_redaction_of_a_listing():
    page = [{"iin": "900101400127"}, {"iin": "850505300111"}]
    assert redact(PRINCIPALS["ministry_analyst"], "personnel", page) == [
        {"iin": "************"}, {"iin": "************"}]


@pytest.mark.parametrize("who, resource, want", [
    ("admin", "audit", {}),
    ("ministry_analyst", "audit", {"iin": "mask", "date_of_birth": "year", "sex": "drop",
                                    "ip": "drop"}),
    ("ministry_analyst", "personnel", {"iin": "mask", "date_of_birth": "year", "sex": "drop"}),
    ("hr_officer@KZ-35", "personnel", {}),
    ("regional_officer@KZ-35", "projects", {"iin": "mask", "date_of_birth": "year",
                                          "sex": "drop"}),
])
def test_redacted_fields(who, resource, want):
    assert {k: v.value for k, v in redacted_fields(PRINCIPALS[who], resource).items()} == want


# --- central executive bodies: body-scoped permissions ------------------------------------------

BODIES = ["MNE", "MF", "MIC"]


def expected_for_body(who: Principal, permission, body) -> bool:
    grant = EXPECTED_GRANTS[who.role].get(permission)
    if grant == "any":
        return True
    return grant == "body" and who.body == body


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("permission", [("hub.central_reports", "read"),
                                        ("hub.central_reports", "write")])
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_central_report_permissions_by_role_and_body(who, permission, body):
    from services.gateway.access.policy import authorize_body, can_body
    p = PRINCIPALS[who]
    want = expected_for_body(p, permission, body)
    assert can_body(p, *permission, body) is want
    if want:
        authorize_body(p, *permission, body)
    else:
        with pytest.raises(Forbidden) as caught:
            authorize_body(p, *permission, body)
        assert caught.value.details == {"role": p.role, "resource": permission[0],
                                        "action": permission[1], "body": body}


def test_body_filter_narrows_a_central_officer_to_its_body():
    from services.gateway.access.policy import body_filter
    assert body_filter(PRINCIPALS["central_officer@MF"], "hub.central_reports") == {"MF"}
    assert body_filter(PRINCIPALS["central_officer@no-body"], "hub.central_reports") == set()
    assert body_filter(PRINCIPALS["ministry_analyst"], "hub.central_reports") is None
    with pytest.raises(Forbidden):
        body_filter(PRINCIPALS["regional_officer@KZ-35"], "hub.central_reports")
    # a body-scoped role reaches no region's records through a region filter
    assert region_filter(PRINCIPALS["central_officer@MF"], "hub.central_reports") == set()


@pytest.mark.parametrize("role, region, body, problem", [
    ("central_officer", None, "XX", "unknown_body"),
    ("ministry_analyst", None, "MF", "body_not_allowed"),
    ("regional_officer", HOME, "MF", "body_not_allowed"),
    ("central_officer", HOME, "MF", "region_not_allowed"),
])
def test_a_body_goes_only_with_a_central_officer(role, region, body, problem):
    with pytest.raises(ValueError, match=problem):
        principal(role, region, body=body)
