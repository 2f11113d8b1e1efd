"""Kept at this dotted path because services.common.asyncapi names it (CONTRACT_LOADER) until
common takes the contracts as an argument: the list itself is ``services.gateway.hub.contracts``."""
from services.gateway.hub.contracts import CONTRACTS  # noqa: F401
