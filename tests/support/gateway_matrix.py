"""The role × route × region access matrix of the gateway, written down independently of
``services.gateway.access.policy.MATRIX``: who gets which answer for each representative route, asking
about the caller's own region or another one. Used by the integration test (gateway alone) and the
e2e test (whole platform), which add routes that need the domain services.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

HOME, ELSEWHERE = "KZ-35", "KZ-10"

# (role, the credential's region)
CALLERS: tuple[tuple[str, str | None], ...] = (
    ("admin", None), ("ministry_analyst", None), ("office_coordinator", None),
    ("regional_officer", HOME), ("hr_officer", HOME), ("hr_officer", None))

ALL, OWN = "all", "own"
HUB_READ = {"admin": ALL, "ministry_analyst": ALL, "office_coordinator": ALL,
            "regional_officer": OWN}
HUB_WRITE = {"admin": ALL, "office_coordinator": ALL}
ADMIN_ONLY = {"admin": ALL}
AUDIT_READ = {"admin": ALL, "ministry_analyst": ALL}
EVERYONE = {role: ALL for role, _ in CALLERS}
PROJECTS_READ = {"admin": ALL, "ministry_analyst": ALL, "office_coordinator": ALL,
                 "regional_officer": OWN}


@dataclass(frozen=True)
class Route:
    key: str
    method: str
    path: str                 # may hold {region} and {initiative_id} / {key_id}
    reach: dict               # role -> ALL | OWN (absent: refused)
    success: int = 200
    regional: bool = True     # False: the route names no region (a listing narrowed to the caller)

    def expected(self, role: str, credential_region: str | None, side: str) -> int:
        reach = self.reach.get(role)
        if reach is None:
            return 403
        if reach == OWN and self.regional and credential_region is not None and side != "own":
            return 403
        return self.success


GATEWAY_ROUTES: tuple[Route, ...] = (
    Route("journal", "GET", "/api/v1/hub/journal?region={region}", HUB_READ),
    Route("scorecard", "GET", "/api/v1/hub/scorecards/{region}", HUB_READ),
    Route("scorecards", "GET", "/api/v1/hub/scorecards", HUB_READ, regional=False),
    Route("initiatives", "GET", "/api/v1/hub/initiatives?region={region}", HUB_READ),
    Route("initiative", "GET", "/api/v1/hub/initiatives/{initiative_id}", HUB_READ),
    Route("initiative_create", "POST", "/api/v1/hub/initiatives", HUB_WRITE, success=201),
    Route("initiative_change", "PATCH", "/api/v1/hub/initiatives/{initiative_id}", HUB_WRITE),
    Route("srs_put", "PUT", "/api/v1/hub/regions/{region}/srs",
          {"admin": ALL, "office_coordinator": ALL}),
    Route("srs_get", "GET", "/api/v1/hub/regions/{region}/srs", HUB_READ),
    Route("calendar", "GET", "/api/v1/hub/reporting-calendar?year=2025", HUB_READ,
          regional=False),
    Route("checks", "POST", "/api/v1/hub/checks", HUB_WRITE, regional=False),
    Route("api_keys_list", "GET", "/api/v1/admin/api-keys", ADMIN_ONLY, regional=False),
    Route("api_keys_create", "POST", "/api/v1/admin/api-keys", ADMIN_ONLY, success=201,
          regional=False),
    Route("api_keys_revoke", "DELETE", "/api/v1/admin/api-keys/{key_id}", ADMIN_ONLY,
          regional=False),
    Route("audit", "GET", "/api/v1/admin/audit", AUDIT_READ, regional=False),
    Route("region", "GET", "/api/v1/regions/{region}", EVERYONE),
)

# Routes answered by the investments service (e2e only).
PROJECT_ROUTES: tuple[Route, ...] = (
    Route("projects", "GET", "/api/v1/projects?region_code={region}", PROJECTS_READ),
    Route("projects_summary", "GET", "/api/v1/regions/{region}/projects/summary", PROJECTS_READ),
)

_days = itertools.count(1)


def body_for(route: Route, region: str) -> dict | None:
    """A valid body for a write route (so a permitted caller gets the success status)."""
    if route.key == "initiative_create":
        return {"region_code": region, "title": "Matrix check", "responsible_body": "Akimat",
                "due_date": "2027-01-01"}
    if route.key == "initiative_change":  # a new due date each time: never "no change"
        return {"due_date": (date(2027, 1, 1) + timedelta(days=next(_days))).isoformat(),
                "comment": "matrix check"}
    if route.key == "srs_put":
        return {"cities_pct": "90.0", "source": "matrix check", "as_of": "2025-12-31"}
    if route.key == "api_keys_create":
        return {"role": "ministry_analyst", "label": "matrix check"}
    if route.key == "checks":
        return {}
    return None


def cases(routes=GATEWAY_ROUTES):
    """(role, credential region, route, side) for every caller × route × own/other region."""
    for (role, credential_region), route in itertools.product(CALLERS, routes):
        for side in (("own", "other") if route.regional else ("own",)):
            yield role, credential_region, route, side


def case_id(case) -> str:
    role, credential_region, route, side = case
    return f"{role}@{credential_region or 'all'}-{route.key}-{side}"


def region_for(credential_region: str | None, side: str) -> str:
    own = credential_region or HOME
    return own if side == "own" else ELSEWHERE


def route_named(key: str) -> Route:
    return next(r for r in GATEWAY_ROUTES + PROJECT_ROUTES if r.key == key)


def setup_objects(admin) -> dict:
    """Objects the id-carrying routes act on: an initiative per region and an API key."""
    ids = {}
    for region in (HOME, ELSEWHERE):
        body = body_for(route_named("initiative_create"), region)
        created = admin.post("/api/v1/hub/initiatives", json=body)
        assert created.status_code == 201, created.text
        ids[region] = created.json()["id"]
    key = admin.post("/api/v1/admin/api-keys", json={"role": "ministry_analyst",
                                                     "label": "to revoke"})
    assert key.status_code == 201, key.text
    return {"initiatives": ids, "key_id": key.json()["key_id"]}


def call(client, route: Route, region: str, objects: dict):
    path = route.path.format(region=region, initiative_id=objects["initiatives"][region],
                             key_id=objects["key_id"])
    body = body_for(route, region)
    if route.method == "GET" or route.method == "DELETE":
        return client.request(route.method, path)
    return client.request(route.method, path, json=body)
