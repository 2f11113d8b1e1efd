"""State machine of a rotation (secondment or posting) and its history records.

::

    requested ──approve──▶ partially_approved ──approve──▶ approved ──start──▶ started
        │                        │                            │              │  ▲ extend
        ├──reject──▶ rejected ◀──┤                            │              │──┘
        └──cancel──▶ cancelled ◀─┴────────cancel──────────────┘           return
                                                                             ▼
                                                   completed ◀──complete── returning

Two approvals are needed, one per side (sending and receiving HR officer). The first approval
moves ``requested`` to ``partially_approved`` so a half-approved request is visible in queries;
the second moves it to ``approved``. ``extend`` and the bookkeeping actions keep the status.
"""
from datetime import datetime

from services.common.errors import RuleViolation
from services.personnel.contract.lists import ROTATION_STATUSES

TERMINAL_STATUSES = ("completed", "rejected", "cancelled")
OPEN_STATUSES = tuple(s for s in ROTATION_STATUSES if s not in TERMINAL_STATUSES)
PRE_START_STATUSES = ("requested", "partially_approved", "approved")

# action → {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {"requested": "partially_approved", "partially_approved": "approved"},
    "reject": {"requested": "rejected", "partially_approved": "rejected"},
    "cancel": {s: "cancelled" for s in PRE_START_STATUSES},
    "start": {"approved": "started"},
    "extend": {"started": "started"},
    "return": {"started": "returning"},
    "complete": {"returning": "completed"},
    "reserve_return_post": {s: s for s in PRE_START_STATUSES},
    # Incentives are part of what both sides approve: none can be added once one side approved.
    "record_incentive": {"requested": "requested"},
}
ACTIONS = tuple(TRANSITIONS)


def allowed_actions(status: str) -> list[str]:
    return [action for action, moves in TRANSITIONS.items() if status in moves]


def next_status(status: str, action: str) -> str:
    """Status after ``action``, or ``RuleViolation(rule="rotation_transition", allowed=[...])``."""
    moves = TRANSITIONS.get(action)
    if moves is None:
        raise ValueError(f"unknown rotation action {action!r}")
    if status not in moves:
        raise RuleViolation(f"cannot {action} a rotation that is {status}", {
            "rule": "rotation_transition", "action": action, "status": status,
            "allowed": allowed_actions(status)})
    return moves[status]


def is_open(rotation: dict) -> bool:
    return rotation["status"] in OPEN_STATUSES


def record(rotation: dict, action: str, *, by: str, at: datetime, comment: str | None = None,
           to_status: str | None = None) -> dict:
    """Move ``rotation`` (already a revised copy) by ``action`` and append the history entry."""
    from_status = rotation["status"]
    new_status = to_status if to_status is not None else next_status(from_status, action)
    rotation["status"] = new_status
    rotation.setdefault("history", []).append({
        "action": action, "from_status": from_status, "to_status": new_status,
        "by": by, "at": at, "comment": comment})
    return rotation
