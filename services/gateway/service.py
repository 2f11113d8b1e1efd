"""The gateway: the Office of Regional Initiatives' HTTP API and event hub (entrypoints only).

Routes are grouped by area in ``routes_*`` mixins; this class assembles them into one nameko
service.
"""
from services.gateway.routes_hub import HubRoutes
from services.gateway.routes_platform import PlatformRoutes
from services.gateway.routes_projects import ProjectRoutes


class GatewayService(PlatformRoutes, HubRoutes, ProjectRoutes):
    name = "gateway"
