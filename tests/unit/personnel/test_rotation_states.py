"""The rotation state machine: the whole status × action table, and the same table through the
real commands (a refused command names the actions that are allowed)."""
import pytest

from services.common.errors import RuleViolation
from services.personnel import domain as d
from tests.support.personnel_world import at

# Written out independently of the implementation.
EXPECTED = {
    ("requested", "approve"): "partially_approved",
    ("partially_approved", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("partially_approved", "reject"): "rejected",
    ("requested", "cancel"): "cancelled",
    ("partially_approved", "cancel"): "cancelled",
    ("approved", "cancel"): "cancelled",
    ("approved", "start"): "started",
    ("started", "extend"): "started",
    ("started", "return"): "returning",
    ("returning", "complete"): "completed",
    ("requested", "reserve_return_post"): "requested",
    ("partially_approved", "reserve_return_post"): "partially_approved",
    ("approved", "reserve_return_post"): "approved",
    ("requested", "record_incentive"): "requested",
}
STATUSES = ["requested", "partially_approved", "approved", "started", "returning", "completed",
            "rejected", "cancelled"]
ACTIONS = ["approve", "reject", "cancel", "start", "extend", "return", "complete",
           "reserve_return_post", "record_incentive"]
PAIRS = [(s, a) for s in STATUSES for a in ACTIONS]


def test_statuses_and_actions_are_the_documented_ones():
    assert set(d.ROTATION_STATUSES) == set(STATUSES)
    assert set(d.TRANSITIONS) == set(ACTIONS)
    assert set(d.TERMINAL_STATUSES) == {"completed", "rejected", "cancelled"}


@pytest.mark.parametrize("status, action", PAIRS)
def test_transition_table(status, action):
    expected = EXPECTED.get((status, action))
    if expected is not None:
        assert d.next_status(status, action) == expected
        return
    with pytest.raises(RuleViolation) as caught:
        d.next_status(status, action)
    details = caught.value.details
    assert details["rule"] == "rotation_transition"
    assert details["status"] == status and details["action"] == action
    assert sorted(details["allowed"]) == sorted(a for (s, a) in EXPECTED if s == status)


def test_terminal_statuses_allow_nothing():
    for status in ("completed", "rejected", "cancelled"):
        assert d.allowed_actions(status) == []


def _command(world, action):
    """Run ``action`` on rot-1 through its real command with otherwise valid input."""
    steps = {
        "approve": lambda: world.approve(side="receiving", by="hr-someone-new", days=4),
        "reject": world.reject,
        "cancel": world.cancel,
        "start": world.start,
        "extend": lambda: world.extend(months=1),
        "return": world.return_,
        "complete": lambda: world.complete(return_position_id="kz35-c2-free"),
        "reserve_return_post": lambda: world.reserve(position_id="kz35-c3-free"),
        "record_incentive": lambda: world.apply(d.record_incentive(
            world.rotations["rot-1"], {"kind": "relocation_allowance", "amount_kzt": "300000.00",
                                       "period_months": 1}, by="hr-x", now=at(400))),
    }
    return steps[action]()


@pytest.mark.parametrize("status, action", [(s, a) for s, a in PAIRS if (s, a) not in EXPECTED])
def test_commands_refuse_moves_outside_the_table(world, status, action):
    rotation = world.drive(status)
    with pytest.raises(RuleViolation) as caught:
        _command(world, action)
    assert caught.value.details["rule"] == "rotation_transition"
    assert caught.value.details["allowed"] == d.allowed_actions(status)
    assert world.rotations["rot-1"] == rotation  # nothing was written


@pytest.mark.parametrize("status, action", [
    (s, a) for s, a in EXPECTED if s != "partially_approved" or a != "approve"])
def test_commands_make_the_moves_in_the_table(world, status, action):
    world.drive(status)
    if action == "approve":  # from requested: the first approval
        world.approve(side="sending")
    else:
        _command(world, action)
    rotation = world.rotations["rot-1"]
    assert rotation["status"] == EXPECTED[(status, action)]
    last = rotation["history"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (action, status, rotation["status"])


def test_second_approval_completes_the_table(world):
    world.drive("partially_approved")
    world.approve(side="receiving", by="hr-mne")
    assert world.rotations["rot-1"]["status"] == "approved"
