"""The gateway: the Office of Regional Initiatives' HTTP API and event hub (entrypoints only).

Routes are grouped by area in mixins; this class assembles them into one nameko service.
"""
from services.common.startup import SecretsCheck
from services.gateway.console.routes import ConsoleRoutes
from services.gateway.hub_initiative_routes import HubInitiativeRoutes
from services.gateway.openapi import DocsRoutes
from services.gateway.routes_admin import AdminRoutes
from services.gateway.routes_budgets import BudgetsRoutes
from services.gateway.routes_hub import HubRoutes
from services.gateway.routes_personnel import PersonnelRoutes
from services.gateway.routes_platform import PlatformRoutes
from services.gateway.routes_projects import ProjectRoutes
from services.gateway.routes_settlements import SettlementRoutes
# --- Concept features (issue 15): mixins in services/gateway/routes/, to become delegations ----
from services.gateway.routes.action_plan import ActionPlanRoutes
from services.gateway.routes.concept_report import ConceptReportRoutes
from services.gateway.routes.territories import TerritoryRoutes
CONCEPT_ROUTES = (ActionPlanRoutes, ConceptReportRoutes, TerritoryRoutes)
# --- end of the Concept features' wiring --------------------------------------------------------


class GatewayService(PlatformRoutes, HubRoutes, HubInitiativeRoutes, AdminRoutes, DocsRoutes,
                     ProjectRoutes, BudgetsRoutes, PersonnelRoutes, ConsoleRoutes,
                     SettlementRoutes, *CONCEPT_ROUTES):
    name = "gateway"
    secrets_check = SecretsCheck()  # refuses to start on a known secret (outside local)
