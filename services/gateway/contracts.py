"""The event contracts the hub validates on receipt: every service's published event schemas.

``events.py`` modules hold only marshmallow schemas (no service code), so importing them here
couples the gateway to the services' published contract, not to their implementation.
"""
import importlib

CONTRACT_MODULES = ("services.investments.contract", "services.budgets.contract",
                    "services.personnel.contract", "services.gateway.events")

for _module in CONTRACT_MODULES:
    importlib.import_module(_module)
