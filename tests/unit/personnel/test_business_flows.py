"""Business-flow abuse (issue #12 §4): the requester may not approve, incentives only before any
approval and within a configurable total per rotation."""
from decimal import Decimal

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.personnel import domain as d
from tests.support.personnel_world import RECEIVING, REQUESTER, World, at


def incentive(amount="150000", months=12, kind="housing_compensation"):
    return {"kind": kind, "amount_kzt": Decimal(amount), "period_months": months}


def test_the_requester_may_not_approve_either_side():
    for side in ("sending", "receiving"):
        world = World()
        world.request()
        before = dict(world.rotations["rot-1"])
        with pytest.raises(RuleViolation) as refused:
            world.approve(side=side, by=REQUESTER)
        assert refused.value.details["rule"] == "requester_cannot_approve"
        assert world.rotations["rot-1"] == before


def test_two_other_officers_still_approve():
    world = World()
    world.request()
    world.approve_both()
    assert world.rotations["rot-1"]["status"] == "approved"


def _record(world, item, days=1):
    return world.apply(d.record_incentive(world.rotations["rot-1"], item, by=RECEIVING,
                                          now=at(days), settings=world.settings))


def test_an_incentive_is_recorded_before_any_approval():
    world = World()
    world.request()
    _record(world, incentive())
    assert len(world.rotations["rot-1"]["incentives"]) == 1


@pytest.mark.parametrize("status", ["partially_approved", "approved", "started"])
def test_no_incentive_after_an_approval(status):
    world = World()
    world.drive(status)
    before = world.rotations["rot-1"]
    with pytest.raises(RuleViolation) as refused:
        _record(world, incentive(), days=400)
    assert refused.value.details["rule"] in ("incentives_closed", "rotation_transition")
    assert world.rotations["rot-1"] is before


def test_incentives_stay_within_the_total_per_rotation():
    settings = d.PersonnelSettings(max_incentives_total_kzt=Decimal("3000000.00"))
    world = World(settings)
    world.request()
    _record(world, incentive("150000", 12))      # 1.8 M
    _record(world, incentive("100000", 12))      # 3.0 M: exactly the cap
    with pytest.raises(RuleViolation) as refused:
        _record(world, incentive("0.01", 1))
    assert refused.value.details["rule"] == "incentives_total"
    assert refused.value.details["max_total_kzt"] == "3000000.00"
    assert len(world.rotations["rot-1"]["incentives"]) == 2


def test_a_request_over_the_total_is_refused_whole():
    settings = d.PersonnelSettings(max_incentives_total_kzt=Decimal("1000000.00"))
    world = World(settings)
    with pytest.raises((RuleViolation, ValidationFailed)) as refused:
        world.request(incentives=[incentive("100000", 6), incentive("100000", 6)])
    assert "incentives" in str(refused.value.details)
    assert world.rotations == {}


def test_the_total_is_configurable_and_checked():
    assert d.DEFAULT_SETTINGS.max_incentives_total_kzt > 0
    with pytest.raises(ValueError):
        d.PersonnelSettings(max_incentives_total_kzt=Decimal("-1"))
