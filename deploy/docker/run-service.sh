#!/bin/sh
# Default command of the platform image: run the nameko service named by $SERVICE
# (NAMEKO_CONFIG overrides the configuration file).
set -eu
case "${SERVICE:-}" in
    investments | budgets | personnel | gateway) ;;
    *)
        echo "run-service: SERVICE must be investments, budgets, personnel or gateway (got '${SERVICE:-}')" >&2
        exit 64
        ;;
esac
# The class is named: a service module also imports the entrypoint mixins its class is assembled
# from, which nameko would otherwise try to run as services of their own.
case "$SERVICE" in
    investments) target=services.investments.service:InvestmentsService ;;
    budgets) target=services.budgets.service:BudgetsService ;;
    personnel) target=services.personnel.service:PersonnelService ;;
    gateway) target=services.gateway.service:GatewayService ;;
esac
exec nameko run --config "${NAMEKO_CONFIG:-/app/deploy/nameko.yaml}" "$target"
