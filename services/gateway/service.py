"""The gateway: the Office of Regional Initiatives' HTTP API and event hub (entrypoints only).

Routes are grouped by area in mixins; this class assembles them into one nameko service.
"""
from services.common.startup import SecretsCheck
from services.gateway.console.routes import ConsoleRoutes
from services.gateway.routes.initiatives import HubInitiativeRoutes
from services.gateway.edge.openapi import DocsRoutes
from services.gateway.routes.admin import AdminRoutes
from services.gateway.routes.budgets import BudgetsRoutes
from services.gateway.routes.hub import HubRoutes
from services.gateway.routes.personnel import PersonnelRoutes
from services.gateway.routes.platform import PlatformRoutes
from services.gateway.routes.projects import ProjectRoutes
from services.gateway.routes.settlements import SettlementRoutes


class GatewayService(PlatformRoutes, HubRoutes, HubInitiativeRoutes, AdminRoutes, DocsRoutes,
                     ProjectRoutes, BudgetsRoutes, PersonnelRoutes, ConsoleRoutes,
                     SettlementRoutes):
    name = "gateway"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
