"""The event contracts the hub validates on receipt: every service's published event schemas.

The contract packages hold only marshmallow schemas (no service code), so importing them here
couples the gateway to the services' published contract, not to their implementation.
``CONTRACTS`` names them explicitly, and ``register_contracts`` makes their events known to the
gateway process (which consumes every one and publishes its own).
"""
from services.budgets import contract as budgets_contract
from services.common.events import register
from services.gateway import contract as gateway_contract
from services.investments import contract as investments_contract
from services.personnel import contract as personnel_contract

CONTRACTS = (investments_contract, budgets_contract, personnel_contract, gateway_contract)


def register_contracts() -> None:
    for contract in CONTRACTS:
        register(*contract.EVENTS)
