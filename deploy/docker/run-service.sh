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
# A service module that still imports entrypoint mixins names its class: nameko would otherwise
# try to run each mixin as a service of its own. The gateway's module holds one class.
case "$SERVICE" in
    investments) target=services.investments.service:InvestmentsService ;;
    budgets) target=services.budgets.service:BudgetsService ;;
    personnel) target=services.personnel.service:PersonnelService ;;
    gateway) target=services.gateway.service ;;
esac
exec nameko run --config "${NAMEKO_CONFIG:-/app/deploy/nameko.yaml}" "$target"
