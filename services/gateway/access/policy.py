"""Who may do what, where: the gateway's one permission matrix and the field-level redaction rules.

Pure Python (no nameko, no pymongo). The HTTP layer asks, in order:
- ``authorize_route(principal, resource, action)`` in front of a route: does the role hold the
  permission in any region at all;
- ``region_filter`` before a listing (which regions to query) or ``authorize(..., region_code)``
  for one record or one named region: ``region_code=None`` never widens a region-scoped
  credential, so a record check that forgets the region refuses rather than allows;
- ``redact`` before every response body.

Vocabulary
- A *permission* is a ``(resource, action)`` pair such as ``("budgets", "write")``.
- ``MATRIX[permission][role]`` is the role's *scope* for it: ``ALL`` (any region) or ``OWN_REGION``
  (only the principal's region), or ``OWN_BODY`` (only the central executive body a
  ``central_officer`` acts for: judged by ``authorize_body``, never by a region). A role absent
  from a row has no access at all.
- ``OWN_REGION`` follows the principal's region: a scoped principal reaches only that region, an
  unscoped one (an ``hr_officer`` without a region) reaches every region. ``regional_officer``
  always carries a region (``ROLE_REGION_RULE``), so for that role ``OWN_REGION`` always narrows.

Anything not granted is refused (deny by default). Asking about a permission that is not in the
matrix is a programming error and raises ``ValueError`` instead of silently denying, so a typo in a
route shows up in the first test that touches it.
"""
from __future__ import annotations

from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from services.common.errors import Forbidden
from services.gateway.access.principal import (  # noqa: F401  (the roles are policy's vocabulary)
    ADMIN,
    CENTRAL_OFFICER,
    HR_OFFICER,
    MINISTRY_ANALYST,
    OFFICE_COORDINATOR,
    REGIONAL_OFFICER,
    ROLE_REGION_RULE,
    ROLES,
    Principal,
    RegionRule,
)


class Scope(str, Enum):
    ALL = "all"
    OWN_REGION = "own_region"
    OWN_BODY = "own_body"


ALL, OWN, OWN_BODY = Scope.ALL, Scope.OWN_REGION, Scope.OWN_BODY


def _row(**scopes: Scope) -> Mapping[str, Scope]:
    unknown = set(scopes) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in policy row: {sorted(unknown)}")
    return MappingProxyType(dict(scopes))


# The matrix. Reading a row: "for this permission, these roles, with this reach".
MATRIX: Mapping[tuple[str, str], Mapping[str, Scope]] = MappingProxyType({
    # Reference data (regions, agglomerations): public to every signed-in role.
    ("regions", "read"): _row(admin=ALL, ministry_analyst=ALL, office_coordinator=ALL,
                              regional_officer=ALL, hr_officer=ALL),
    # Investment projects.
    ("projects", "read"): _row(admin=ALL, ministry_analyst=ALL, office_coordinator=ALL,
                               regional_officer=OWN),
    ("projects", "write"): _row(admin=ALL, regional_officer=OWN),
    # Local budget revenue. "report" = national fiscal reports and open-data exports.
    ("budgets", "read"): _row(admin=ALL, ministry_analyst=ALL, office_coordinator=ALL,
                              regional_officer=OWN),
    ("budgets", "write"): _row(admin=ALL, regional_officer=OWN),
    ("budgets", "report"): _row(admin=ALL, ministry_analyst=ALL),
    # Civil-service staff and rotations. Analysts read (IIN masked, see FIELD_RULES).
    ("personnel", "read"): _row(admin=ALL, ministry_analyst=ALL, hr_officer=OWN),
    ("personnel", "write"): _row(admin=ALL, hr_officer=OWN),
    ("personnel", "approve"): _row(admin=ALL, hr_officer=OWN),
    # The Regional Initiatives Office hub: journal, scorecards, alerts, initiatives.
    ("hub", "read"): _row(admin=ALL, ministry_analyst=ALL, office_coordinator=ALL,
                          regional_officer=OWN),
    ("hub.initiatives", "write"): _row(admin=ALL, office_coordinator=ALL),
    ("hub.alerts", "write"): _row(admin=ALL, office_coordinator=ALL),
    ("hub.srs", "write"): _row(admin=ALL, office_coordinator=ALL),
    # The settlement register: importing the Bureau's classifier is national work.
    ("hub.settlements", "import"): _row(admin=ALL, office_coordinator=ALL),
    # The Concept Action Plan tracker: the Office keeps it; a local body records its own
    # region's measures and indicator actuals.
    ("hub.action_plan", "write"): _row(admin=ALL, office_coordinator=ALL, regional_officer=OWN),
    # The 1 April report to the Ministry of National Economy: a region drafts and submits its
    # own, the Office any; the Ministry (its analysts) acknowledges receipt.
    ("hub.reports", "write"): _row(admin=ALL, office_coordinator=ALL, regional_officer=OWN),
    ("hub.reports", "acknowledge"): _row(admin=ALL, ministry_analyst=ALL),
    # A central executive body's own 1 April report on its Action Plan measures: its officers
    # draft and submit it (and read it), the Office any; the Ministry acknowledges it through
    # ("hub.reports", "acknowledge"). No region: these permissions are judged by body.
    ("hub.central_reports", "read"): _row(admin=ALL, ministry_analyst=ALL, office_coordinator=ALL,
                                          central_officer=OWN_BODY),
    ("hub.central_reports", "write"): _row(admin=ALL, office_coordinator=ALL,
                                           central_officer=OWN_BODY),
    # Oversight and operations.
    ("audit", "read"): _row(admin=ALL, ministry_analyst=ALL),
    ("api_keys", "admin"): _row(admin=ALL),
    ("dead_letters", "replay"): _row(admin=ALL),
})

PERMISSIONS: frozenset[tuple[str, str]] = frozenset(MATRIX)


def scope_for(role: str, resource: str, action: str) -> Scope | None:
    """The role's scope for a permission, or None when the role has none."""
    row = MATRIX.get((resource, action))
    if row is None:
        raise ValueError(f"unknown permission {resource}:{action}")
    return row.get(role)


def can(principal: Principal, resource: str, action: str, region_code: str | None = None) -> bool:
    """True when ``principal`` may do ``action`` on ``resource`` in ``region_code``.

    ``region_code`` is the region of the record acted on (or asked for). A region-scoped principal
    passes an ``OWN_REGION`` permission only with its own region: ``region_code=None`` is refused
    for it, since "no region given" must not widen a narrow credential; listings use
    ``region_filter`` instead.
    """
    scope = scope_for(principal.role, resource, action)
    if scope is None or scope is Scope.OWN_BODY:  # a body's permission says nothing of regions
        return False
    if scope is Scope.ALL:
        return True
    rule = ROLE_REGION_RULE.get(principal.role)
    if principal.region is None:
        # Fail closed on a principal that should have had a region (Principal refuses to be built
        # that way, but this module does not rely on it).
        return rule is RegionRule.OPTIONAL
    return region_code == principal.region


def authorize(principal: Principal, resource: str, action: str,
              region_code: str | None = None) -> None:
    """Raise ``Forbidden`` unless ``can(...)``."""
    if not can(principal, resource, action, region_code):
        if region_code is None and scope_for(principal.role, resource, action) is not None:
            message = f"{resource}:{action} needs a region for a region-scoped {principal.role}"
        else:
            message = (f"{principal.role} may not {action} {resource}"
                       + (f" in {region_code}" if region_code else ""))
        raise Forbidden(message, {"role": principal.role, "resource": resource,
                                  "action": action, "region": region_code})


def holds(principal: Principal, resource: str, action: str) -> bool:
    """True when the role has the permission in at least one region (the route-level gate)."""
    return scope_for(principal.role, resource, action) is not None


def authorize_route(principal: Principal, resource: str, action: str) -> None:
    """The gate in front of a route: refuses roles without the permission anywhere.

    Passing it says nothing about a region: the handler still narrows a listing with
    ``region_filter`` and checks each record with ``authorize(..., region_code)``. Kept apart
    from ``authorize`` so that a forgotten region on a record check refuses instead of allowing.
    """
    if not holds(principal, resource, action):
        raise Forbidden(f"{principal.role} may not {action} {resource}",
                        {"role": principal.role, "resource": resource, "action": action,
                         "region": None})


def region_filter(principal: Principal, resource: str, action: str = "read") -> set[str] | None:
    """Regions a listing must be narrowed to: None means every region.

    Raises ``Forbidden`` when the role has no such permission at all, so a listing endpoint never
    answers with an empty page where it should answer 403.
    """
    scope = scope_for(principal.role, resource, action)
    if scope is None:
        raise Forbidden(f"{principal.role} may not {action} {resource}",
                        {"role": principal.role, "resource": resource, "action": action,
                         "region": None})
    if scope is Scope.OWN_BODY:  # a body-scoped role reaches no region's records
        return set()
    if scope is Scope.ALL or (principal.region is None
                              and ROLE_REGION_RULE.get(principal.role) is RegionRule.OPTIONAL):
        return None
    if principal.region is None:  # a scoped role without its region: see can()
        return set()
    return {principal.region}


# Central executive bodies: a body-scoped permission reaches the principal's own body only.

def can_body(principal: Principal, resource: str, action: str, body: str) -> bool:
    """True when ``principal`` may do ``action`` on ``resource`` of the central body ``body``."""
    scope = scope_for(principal.role, resource, action)
    if scope is Scope.ALL:
        return True
    return scope is Scope.OWN_BODY and principal.body is not None and principal.body == body


def authorize_body(principal: Principal, resource: str, action: str, body: str) -> None:
    if not can_body(principal, resource, action, body):
        raise Forbidden(f"{principal.role} may not {action} {resource} of {body}",
                        {"role": principal.role, "resource": resource, "action": action,
                         "body": body})


def body_filter(principal: Principal, resource: str, action: str = "read") -> set[str] | None:
    """Bodies a listing must be narrowed to: None means every body."""
    scope = scope_for(principal.role, resource, action)
    if scope is None:
        raise Forbidden(f"{principal.role} may not {action} {resource}",
                        {"role": principal.role, "resource": resource, "action": action,
                         "body": None})
    if scope is Scope.ALL:
        return None
    if scope is Scope.OWN_BODY and principal.body is not None:
        return {principal.body}
    return set()


# Rotations touch two regions; an HR officer of either end sees and handles them.

def can_see_rotation(principal: Principal, rotation: Mapping[str, Any]) -> bool:
    return can_act_on_rotation(principal, "read", rotation)


def can_act_on_rotation(principal: Principal, action: str, rotation: Mapping[str, Any]) -> bool:
    return any(can(principal, "personnel", action, rotation.get(end))
               for end in ("from_region", "to_region"))


def authorize_rotation(principal: Principal, action: str, rotation: Mapping[str, Any]) -> None:
    if not can_act_on_rotation(principal, action, rotation):
        raise Forbidden(f"{principal.role} may not {action} this rotation",
                        {"role": principal.role, "resource": "personnel", "action": action,
                         "region": rotation.get("from_region"),
                         "to_region": rotation.get("to_region")})


def rotation_region_filter(principal: Principal) -> set[str] | None:
    """Regions for a rotation listing: match ``from_region`` OR ``to_region`` against the set."""
    return region_filter(principal, "personnel", "read")


# Field-level rules. A field is matched by its key at any depth of the document (an IIN nested in
# an audit entry or a journal payload is as personal as one at the top of a staff record).

class Treatment(str, Enum):
    PUBLIC = "public"  # shown to every role that may read the resource (recorded as a decision)
    MASK = "mask"      # replaced by a fixed run of asterisks: nothing of the value, not its length
    YEAR = "year"      # a date cut down to its year, under the key ``YEAR_KEYS[key]``
    DROP = "drop"      # removed from the document


class FieldRule:
    __slots__ = ("treatment", "full_view_roles")

    def __init__(self, treatment: Treatment, full_view_roles: frozenset[str] = frozenset(ROLES)):
        self.treatment = treatment
        self.full_view_roles = full_view_roles


# An IIN is the birth date, a century/sex digit, a serial and a check digit: with the birth date
# and sex beside it, four kept digits rebuilt most IINs exactly. So a role that may not see the
# IIN gets none of its digits, no sex and only the birth year (docs/security.md).
IIN_VIEW_ROLES = frozenset({ADMIN, HR_OFFICER})
_IIN_RULE = FieldRule(Treatment.MASK, IIN_VIEW_ROLES)
YEAR_KEYS: Mapping[str, str] = MappingProxyType({"date_of_birth": "birth_year"})
MASKED_VALUE = "*" * 12

# "*" applies to every resource.
FIELD_RULES: Mapping[str, Mapping[str, FieldRule]] = MappingProxyType({
    "*": MappingProxyType({"iin": _IIN_RULE,
                           "date_of_birth": FieldRule(Treatment.YEAR, IIN_VIEW_ROLES),
                           "sex": FieldRule(Treatment.DROP, IIN_VIEW_ROLES)}),
    "projects": MappingProxyType({"bin": FieldRule(Treatment.PUBLIC)}),  # investor BIN is public
    "audit": MappingProxyType({"ip": FieldRule(Treatment.DROP, frozenset({ADMIN}))}),
})


def redacted_fields(principal: Principal, resource: str) -> dict[str, Treatment]:
    """Field name → treatment the principal gets for ``resource`` (empty: sees everything)."""
    rules = {**FIELD_RULES["*"], **FIELD_RULES.get(resource, {})}
    return {name: rule.treatment for name, rule in rules.items()
            if rule.treatment is not Treatment.PUBLIC
            and principal.role not in rule.full_view_roles}


def mask_value(value: Any) -> str:
    """Always the same asterisks, whatever the value (its length would tell a valid IIN)."""
    return MASKED_VALUE


def year_of(value: Any) -> int | None:
    """The year of a date, a datetime or an ISO date string; None for anything else."""
    year = getattr(value, "year", None)
    if isinstance(year, int):
        return year
    text = str(value)
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def redact(principal: Principal, resource: str, doc: Any) -> Any:
    """``doc`` (dict, list or scalar) with the principal's hidden fields masked or dropped.

    The input is never mutated: a new structure is built when anything is hidden, otherwise
    ``doc`` itself is returned.
    """
    hidden = redacted_fields(principal, resource)
    if not hidden:
        return doc
    return _redact(doc, hidden)


def _redact(node: Any, hidden: Mapping[str, Treatment]) -> Any:
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            treatment = hidden.get(key)
            if treatment is Treatment.DROP:
                continue
            if treatment is Treatment.YEAR:
                if value is not None:
                    out[YEAR_KEYS.get(key, f"{key}_year")] = year_of(value)
                continue
            if treatment is Treatment.MASK and value is not None:
                out[key] = mask_value(value)
            else:
                out[key] = _redact(value, hidden)
        return out
    if isinstance(node, (list, tuple)):
        return [_redact(item, hidden) for item in node]
    return node
