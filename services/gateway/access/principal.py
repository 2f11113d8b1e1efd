"""Who is calling: the roles, the region rule of each role and the ``Principal`` a credential
speaks for. Imported by ``auth`` (which builds principals from credentials) and ``policy`` (which
judges them), so neither imports the other."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Mapping

from services.common.regions import is_region
from services.gateway.hub.central_bodies import CENTRAL_BODY_CODES

ADMIN = "admin"
MINISTRY_ANALYST = "ministry_analyst"
OFFICE_COORDINATOR = "office_coordinator"
REGIONAL_OFFICER = "regional_officer"
HR_OFFICER = "hr_officer"
# an officer of a central executive body (a ministry): acts for that body, not for a region
CENTRAL_OFFICER = "central_officer"

ROLES: tuple[str, ...] = (ADMIN, MINISTRY_ANALYST, OFFICE_COORDINATOR, REGIONAL_OFFICER, HR_OFFICER,
                          CENTRAL_OFFICER)


class RegionRule(str, Enum):
    """Whether a credential of the role carries a region."""
    REQUIRED = "required"    # the role means nothing without a region
    OPTIONAL = "optional"    # with a region: scoped to it; without: national
    FORBIDDEN = "forbidden"  # national roles; a region on them would be a mis-issued credential


ROLE_REGION_RULE: Mapping[str, RegionRule] = MappingProxyType({
    ADMIN: RegionRule.FORBIDDEN,
    MINISTRY_ANALYST: RegionRule.FORBIDDEN,
    OFFICE_COORDINATOR: RegionRule.FORBIDDEN,
    REGIONAL_OFFICER: RegionRule.REQUIRED,
    HR_OFFICER: RegionRule.OPTIONAL,
    CENTRAL_OFFICER: RegionRule.FORBIDDEN,
})


JWT = "jwt"
API_KEY = "api_key"
CREDENTIAL_KINDS = (JWT, API_KEY)


def credential_scope_problem(role: Any, region: Any) -> str | None:
    """Why (role, region) cannot be a credential's scope, as a reason code; None if it can."""
    if not isinstance(role, str) or role not in ROLE_REGION_RULE:
        return "unknown_role"
    rule = ROLE_REGION_RULE[role]
    if region is None:
        return "region_required" if rule is RegionRule.REQUIRED else None
    if not isinstance(region, str) or not is_region(region):
        return "unknown_region"
    if rule is RegionRule.FORBIDDEN:
        return "region_not_allowed"
    return None


def credential_body_problem(role: Any, body: Any) -> str | None:
    """Why ``body`` (the code of a central executive body) cannot go with ``role``; None if it
    can. Only a central officer acts for a body. A central officer without one is a valid
    principal that holds nothing body-scoped (it fails closed); a token is issued only with one
    (``auth.issue_token``)."""
    if body is None:
        return None
    if role != CENTRAL_OFFICER:
        return "body_not_allowed"
    if not isinstance(body, str) or body not in CENTRAL_BODY_CODES:
        return "unknown_body"
    return None


@dataclass(frozen=True)
class Principal:
    """Who is calling. ``credential_id`` is the token's ``jti`` or the API key's id; ``body`` is
    the central executive body a ``central_officer`` acts for."""
    subject: str
    role: str
    region: str | None
    credential_kind: str
    credential_id: str
    body: str | None = None

    def __post_init__(self):
        problem = (credential_scope_problem(self.role, self.region)
                   or credential_body_problem(self.role, self.body))
        if problem:
            raise ValueError(f"invalid principal scope: {problem}")
        if self.credential_kind not in CREDENTIAL_KINDS:
            raise ValueError(f"unknown credential kind {self.credential_kind!r}")

    @property
    def rate_limit_key(self) -> str:
        """Bucket key for ``RateLimiter``: one bucket per credential."""
        return f"{self.credential_kind}:{self.credential_id}"
