"""What other services may import from investments: the events it publishes, its RPC input and
output schemas, and the closed code lists and input bounds those schemas check (pure data kept in
the domain, ``domain.reference`` and ``domain.limits``, so that the domain needs no marshmallow)."""
from services.common.money import DECIMAL_STRING
from services.investments.contract import events
from services.investments.domain import limits
from services.investments.domain import reference as codes
from services.investments.contract.rpc import (
    ProgressReport, ProjectCreate, ProjectOut, ProjectQuery, ProjectUpdate, StageChange)

__all__ = ["DECIMAL_STRING", "ProgressReport", "ProjectCreate", "ProjectOut", "ProjectQuery",
           "ProjectUpdate", "StageChange", "codes", "events", "limits"]
