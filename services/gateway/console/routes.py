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
from services.gateway.base import GatewayBase
from services.gateway.routes.budgets import BAD_INPUT, FORBIDDEN, _known_region
from services.gateway.hub.rules import INITIATIVE_STATUSES, TRANSITIONS
from services.gateway.edge.http import api

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


def whoami(principal) -> dict:
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


class ConsoleRoutes(GatewayBase):
    """Mixed into the gateway service."""

    @api("GET", "/console", public=True, tags=TAGS,
         summary="The Office console (a web page; sign in with a token or an API key)")
    def console_page(self, request):
        return static_response("index.html")

    @api("GET", "/console/static/<path:asset>", public=True, tags=TAGS,
         summary="Static files of the console (scripts, styles, region shapes, strings)",
         responses={404: "no such file"})
    def console_static(self, request, asset):
        return static_response(asset)

    @api("GET", "/api/v1/whoami", permission=("regions", "read"), tags=TAGS,
         summary="Who the credential speaks for: role, region, reach and permissions",
         response=WhoAmISchema)
    def whoami(self, request):
        return WhoAmISchema().dump(whoami(request.principal))


    @api("GET", "/api/v1/budgets/regions/<string:region>/indicators/<int:year>/months",
         permission=("budgets", "read"), tags=("budgets",),
         summary="Indicators of a region as of the end of each month of a year (M01 … M12)",
         response=MonthlyIndicatorsSchema,
         responses={400: BAD_INPUT, 403: FORBIDDEN})
    def budgets_indicators_by_month(self, request, region, year):
        policy.authorize(request.principal, "budgets", "read", _known_region(region))
        return policy.redact(request.principal, "budgets",
                             self.budgets.indicators_by_month(region, year))
