"""``/console`` (the page and its static files) and the read routes the page needs that the API
did not have: ``/api/v1/whoami`` (who the credential speaks for and what it may do) and a region's
indicators as of every month of a year (the revenue chart, one read of the lines instead of 12).

The static routes are public (a page and scripts, no data); every figure the page shows comes from
the API with the caller's credential.
"""
import mimetypes
from functools import lru_cache
from pathlib import Path

from marshmallow import Schema, fields
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from services.budgets.contract import IndicatorsOutSchema
from services.common.errors import NotFound
from services.gateway.access import policy
from services.gateway.hub.rules import INITIATIVE_STATUSES, TRANSITIONS
from services.gateway.routes.budgets import _known_region

STATIC_DIR = Path(__file__).with_name("static")
TAGS = ("console",)
# The page loads nothing from elsewhere: scripts, styles, data and API calls are same-origin.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                           "form-action 'self'")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/geo+json", ".geojson")


class PermissionSchema(Schema):
    resource = fields.Str()
    action = fields.Str()
    scope = fields.Str(metadata={"description": "all (every region) or own_region"})


class MonthlyIndicatorsSchema(Schema):
    region_code = fields.Str()
    fiscal_year = fields.Int()
    months = fields.List(fields.Nested(IndicatorsOutSchema),
                         metadata={"description": "year-to-date indicators as of M01 … M12"})


class WhoAmISchema(Schema):
    subject = fields.Str()
    role = fields.Str()
    region = fields.Str(allow_none=True)
    credential_kind = fields.Str()
    regions = fields.List(fields.Str(), allow_none=True,
                          metadata={"description": "regions the caller reaches; null: all"})
    permissions = fields.List(fields.Nested(PermissionSchema))
    initiative_transitions = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                                         metadata={"description": "status: statuses it may "
                                                                  "move to"})
    initiative_statuses = fields.List(fields.Str())


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


@lru_cache(maxsize=256)
def _read_static(relative: str) -> tuple[bytes, str] | None:
    path = safe_join(str(STATIC_DIR), relative)
    if path is None or not Path(path).is_file():
        return None
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return Path(path).read_bytes(), mimetype


def static_response(relative: str) -> Response:
    found = _read_static(relative)
    if found is None:
        raise NotFound(f"no console file {relative}", {"path": relative})
    body, mimetype = found
    return _security_headers(Response(body, mimetype=mimetype))


def principal_summary(principal) -> dict:
    permissions = []
    for (resource, action), row in sorted(policy.MATRIX.items()):
        scope = row.get(principal.role)
        if scope is not None:
            permissions.append({"resource": resource, "action": action, "scope": scope.value})
    # a credential with a region is held to it wherever a permission is region-scoped
    reach = [principal.region] if principal.region else None
    return {"subject": principal.subject, "role": principal.role, "region": principal.region,
            "credential_kind": principal.credential_kind,
            "regions": reach,
            "permissions": permissions,
            "initiative_transitions": {k: list(v) for k, v in TRANSITIONS.items()},
            "initiative_statuses": list(INITIATIVE_STATUSES)}


def console_page(svc, request):
    return static_response("index.html")


def console_static(svc, request, asset):
    return static_response(asset)


def whoami(svc, request):
    return WhoAmISchema().dump(principal_summary(request.principal))


def budgets_indicators_by_month(svc, request, region, year):
    policy.authorize(request.principal, "budgets", "read", _known_region(region))
    return policy.redact(request.principal, "budgets",
                         svc.budgets.indicators_by_month(region, year))
