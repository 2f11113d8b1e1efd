"""The return guarantee: a post of at least the same category on the home side, reserved before
a region→centre secondment starts and taken (or swapped for another qualifying post) on return."""
import json
from datetime import date

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.personnel import domain as d
from tests.support.personnel_world import RECEIVING, World


def rule_of(excinfo) -> str:
    json.dumps(excinfo.value.details)  # details cross the wire as JSON
    return excinfo.value.details["rule"]


def test_auto_pick_prefers_the_servants_own_post(world):
    world.request()
    world.reserve()
    assert world.rotations["rot-1"]["return_post"]["position_id"] == "kz35-c3-own"


def test_auto_pick_without_own_post_takes_the_lowest_qualifying_category(world):
    world.request()
    candidates = {k: v for k, v in world.posts.items() if k != "kz35-c3-own"}
    world.reserve(posts=candidates)
    # D-3 free (same rank) beats D-2 (higher); D-5 is lower, KZ-10 is not home, B-posts are central
    assert world.rotations["rot-1"]["return_post"]["position_id"] == "kz35-c3-free"
    assert world.posts["kz35-c3-free"]["status"] == "reserved"
    assert world.posts["kz35-c3-free"]["reserved_for"] == "rot-1"


def test_no_qualifying_post_is_a_rule_violation(world):
    world.request()
    candidates = {k: world.posts[k] for k in ("kz35-c5-free", "kz10-c3-free", "mne-b5")}
    with pytest.raises(RuleViolation) as caught:
        world.reserve(posts=candidates)
    assert rule_of(caught) == "no_return_post_available"


@pytest.mark.parametrize("position_id, rule", [
    ("kz35-c5-free", "return_post_category"),  # lower category
    ("kz10-c3-free", "return_post_region"),  # not the home region
    ("mne-b5", "return_post_region"),  # a central post
])
def test_explicit_post_must_qualify(world, position_id, rule):
    world.request()
    with pytest.raises(RuleViolation) as caught:
        world.reserve(position_id=position_id)
    assert rule_of(caught) == rule


def test_post_held_by_someone_else_is_unavailable(world):
    world.servant("cs-2", "kz35-c2-free", post_start=date(2020, 1, 1))
    world.request()
    with pytest.raises(RuleViolation) as caught:
        world.reserve(position_id="kz35-c2-free")
    assert rule_of(caught) == "return_post_unavailable"


def test_district_post_of_home_region_with_enough_rank_qualifies():
    world = World()
    world.post("kz35-d1-d1", "org-kz35-d1", "E-1")  # rank of E-1 equals D-3 on the default ladder
    world.request()
    world.reserve(position_id="kz35-d1-d1")
    assert world.posts["kz35-d1-d1"]["reserved_for"] == "rot-1"


def test_return_post_at_request_time(world):
    rotation = world.request(return_position_id="kz35-c2-free")
    assert rotation["return_post"]["position_id"] == "kz35-c2-free"
    assert world.posts["kz35-c2-free"]["status"] == "reserved"
    assert [h["action"] for h in rotation["history"]] == ["request", "reserve_return_post"]


def test_reserving_another_post_releases_the_first(world):
    world.request()
    world.reserve(position_id="kz35-c3-free")
    world.reserve(position_id="kz35-c2-free")
    assert world.posts["kz35-c3-free"]["status"] == "vacant"
    assert world.posts["kz35-c3-free"]["reserved_for"] is None
    assert world.posts["kz35-c2-free"]["status"] == "reserved"


def test_reserved_post_cannot_be_reserved_by_another_rotation(world):
    world.post("kz35-c3-second", "org-kz35", "D-3")
    world.servant("cs-2", "kz35-c3-second", post_start=date(2020, 1, 1))
    world.request()
    world.reserve(position_id="kz35-c3-free")
    world.request(servant_id="cs-2", target="mf-b4", rotation_id="rot-2")
    with pytest.raises(RuleViolation) as caught:
        world.reserve("rot-2", position_id="kz35-c3-free")
    assert rule_of(caught) == "return_post_unavailable"


def test_reserved_vacant_post_is_not_a_rotation_target(world):
    world.request()
    world.reserve(position_id="kz35-c3-free")
    world.servant("cs-2", "kz10-c3-free", post_start=date(2020, 1, 1))
    with pytest.raises(RuleViolation) as caught:
        world.request(servant_id="cs-2", target="kz35-c3-free", rotation_id="rot-2")
    assert rule_of(caught) == "target_post_occupied"


def test_return_into_another_post_of_at_least_the_same_category_releases_the_reserved_one(world):
    world.drive("returning")
    assert world.posts["kz35-c3-own"]["status"] == "reserved"
    [(_, payload)] = world.complete(return_position_id="kz35-c2-free")
    assert payload["return_position_id"] == "kz35-c2-free"
    assert world.servants["cs-1"]["position_id"] == "kz35-c2-free"
    assert world.servants["cs-1"]["category"] == "D-2"
    assert world.posts["kz35-c3-own"]["status"] == "vacant"
    assert world.posts["kz35-c3-own"]["reserved_for"] is None
    assert world.posts["kz35-c2-free"]["holder"] == "cs-1"
    assert world.rotations["rot-1"]["final_position_id"] == "kz35-c2-free"


@pytest.mark.parametrize("position_id, rule", [
    ("kz35-c5-free", "return_post_category"), ("kz10-c3-free", "return_post_region"),
])
def test_return_into_a_non_qualifying_post_is_refused(world, position_id, rule):
    world.drive("returning")
    with pytest.raises(RuleViolation) as caught:
        world.complete(return_position_id=position_id)
    assert rule_of(caught) == rule
    assert world.rotations["rot-1"]["status"] == "returning"


def test_return_post_guarantee_is_kept_while_away(world):
    world.drive("started")
    # the reserved own post cannot be filled by anyone else meanwhile
    with pytest.raises(RuleViolation) as caught:
        world.servant("cs-2", "kz35-c3-own", post_start=date(2020, 1, 1))
    assert rule_of(caught) == "position_status"


def test_centre_to_region_returns_to_a_central_post(world):
    world.servant("cs-2", "mne-b5-own", post_start=date(2020, 1, 1), home_region="KZ-35")
    world.request(servant_id="cs-2", target="kz35-c3-free", rotation_id="rot-2")
    with pytest.raises(RuleViolation) as caught:
        world.reserve("rot-2", position_id="kz35-c2-free")
    assert rule_of(caught) == "return_post_region"
    world.reserve("rot-2")
    assert world.rotations["rot-2"]["return_post"]["position_id"] == "mne-b5-own"


def test_completion_needs_some_return_post():
    world = World()
    world.servant("cs-2", "mne-b5-own", post_start=date(2020, 1, 1), home_region="KZ-71")
    world.request(servant_id="cs-2", target="kz35-c3-free", rotation_id="rot-2")
    world.approve_both("rot-2")
    world.start("rot-2")  # centre→region needs no reservation by default
    world.return_("rot-2")
    with pytest.raises(ValidationFailed) as caught:
        world.complete("rot-2")
    assert "return_position_id" in caught.value.details
    world.complete("rot-2", return_position_id="mf-b4")
    assert world.servants["cs-2"]["position_id"] == "mf-b4"


def test_return_post_requirement_is_configurable():
    world = World(d.PersonnelSettings(return_post_required_for=frozenset()))
    world.request()
    world.approve_both()
    [(kind, _)] = world.start()
    assert kind == "rotation_started"
    assert world.posts["kz35-c3-own"]["status"] == "vacant"  # nothing kept for the servant
    assert world.rotations["rot-1"]["status"] == "started"
    assert RECEIVING in {h["by"] for h in world.rotations["rot-1"]["history"]}
