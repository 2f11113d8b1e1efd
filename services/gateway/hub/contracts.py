"""The event contracts the hub validates on receipt: every service's published event schemas.

The contract packages hold only marshmallow schemas (no service code), so importing them here
couples the gateway to the services' published contract, not to their implementation.
``CONTRACTS`` names them explicitly; nothing else registers schemas by an import elsewhere.
"""
from services.budgets import contract as budgets_contract
from services.gateway import contract as gateway_contract
from services.investments import contract as investments_contract
from services.personnel import contract as personnel_contract

CONTRACTS = (investments_contract, budgets_contract, personnel_contract, gateway_contract)
