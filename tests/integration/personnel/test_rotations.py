"""Rotation commands against the real store and broker: every document a command changes ends up
consistent, every event is published once, and rule refusals change nothing."""
from collections import Counter
from datetime import timedelta

import pytest

from services.common.errors import NotFound, RuleViolation, StaleVersion, ValidationFailed
from tests.support import wait_until
from tests.support.personnel_harness import TODAY, personnel, world  # noqa: F401

pytestmark = pytest.mark.integration


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _published(personnel, expected: int) -> list[dict]:
    seen = []
    wait_until(lambda: seen.extend(personnel.published()) or len(seen) >= expected,
               message=f"{expected} events published")
    return seen


def test_full_cycle_moves_servant_and_posts_and_publishes_each_event_once(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    assert personnel.rpc.get_position(own["position_id"])["status"] == "occupied"

    rotation = world.request(servant, target, return_position_id=own["position_id"])
    rotation_id = rotation["rotation_id"]
    assert rotation["status"] == "requested" and rotation["direction"] == "region_to_centre"
    assert personnel.rpc.get_civil_servant(servant["servant_id"])["open_rotation_id"] == rotation_id
    assert personnel.rpc.get_position(own["position_id"])["reserved_for"] == rotation_id

    personnel.rpc.approve_rotation(rotation_id, {"side": "sending"}, "hr-kz35")
    approved = personnel.rpc.approve_rotation(rotation_id, {"side": "receiving"}, "hr-mne")
    assert approved["status"] == "approved"
    assert [a["by"] for a in approved["approvals"]] == ["hr-kz35", "hr-mne"]

    started = personnel.rpc.start_rotation(rotation_id, {"start_date": _day(30)}, "hr-mne")
    assert started["status"] == "started"
    away = personnel.rpc.get_civil_servant(servant["servant_id"])
    assert (away["status"], away["position_id"]) == ("seconded", target["position_id"])
    assert personnel.rpc.get_position(target["position_id"])["holder"] == servant["servant_id"]
    assert personnel.rpc.get_position(own["position_id"])["status"] == "reserved"

    personnel.rpc.return_from_rotation(rotation_id, {"return_date": _day(400)}, "hr-mne")
    assert personnel.rpc.get_position(target["position_id"])["status"] == "being_vacated"
    done = personnel.rpc.complete_rotation(rotation_id, {"end_date": _day(405)}, "hr-kz35")
    assert done["status"] == "completed" and done["duration_days"] == 375

    back = personnel.rpc.get_civil_servant(servant["servant_id"])
    assert (back["status"], back["position_id"], back["open_rotation_id"]) == (
        "active", own["position_id"], None)
    assert [c["rotation_id"] for c in back["career_credits"]] == [rotation_id]
    assert personnel.rpc.get_position(target["position_id"])["status"] == "vacant"
    assert personnel.rpc.get_position(own["position_id"])["holder"] == servant["servant_id"]
    # nothing left pending on any document
    assert personnel.db.rotations.count_documents({"pending_keys.0": {"$exists": True}}) == 0
    assert personnel.db.servants.count_documents({"pending_keys.0": {"$exists": True}}) == 0

    events = _published(personnel, 5)
    assert Counter(e["event_type"] for e in events) == Counter(
        ["civil_servant_registered", "rotation_requested", "rotation_approved",
         "rotation_started", "rotation_completed"])
    assert len({e["event_id"] for e in events}) == 5
    assert {e["region_code"] for e in events} == {"KZ-35"}  # the servant's home region
    assert all("iin" not in e["payload"] for e in events)

    figures = personnel.rpc.mobility_statistics({"region": "KZ-35"})
    kz35 = figures["regions"]["KZ-35"]
    assert (kz35["out_to_centre"], kz35["completed_cycles"], kz35["average_duration_days"]) == (
        1, 1, 375.0)
    assert list(figures["regions"]) == ["KZ-35"] and figures["national"]["completed_cycles"] == 1


def test_return_post_incentives_reject_and_cancel_keep_posts_consistent(personnel, world):
    own, spare = world.post(world.kz35, "D-3"), world.post(world.kz35, "D-2")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    rotation_id = world.request(servant, target)["rotation_id"]

    picked = personnel.rpc.reserve_return_post(rotation_id, {}, "hr-kz35")
    assert picked["return_post"]["position_id"] == own["position_id"]  # own post preferred
    switched = personnel.rpc.reserve_return_post(rotation_id, {"position_id": spare["position_id"]},
                                                 "hr-kz35")
    assert switched["return_post"]["position_id"] == spare["position_id"]
    assert personnel.rpc.get_position(own["position_id"])["reserved_for"] is None
    assert personnel.rpc.get_position(spare["position_id"])["status"] == "reserved"

    paid = personnel.rpc.record_incentive(rotation_id, {
        "kind": "housing_compensation", "amount_kzt": "180000.50", "period_months": 12}, "hr-kz35")
    assert paid["incentives"][-1]["amount_kzt"] == "180000.50"
    with pytest.raises(ValidationFailed) as tiyn:
        personnel.rpc.record_incentive(rotation_id, {
            "kind": "relocation_allowance", "amount_kzt": "1.005", "period_months": 1}, "hr-kz35")
    assert "amount_kzt" in tiyn.value.details

    personnel.rpc.approve_rotation(rotation_id, {"side": "sending"}, "hr-kz35")
    rejected = personnel.rpc.reject_rotation(rotation_id, {"reason": "vacancy withdrawn"}, "hr-mne")
    assert rejected["status"] == "rejected" and rejected["history"][-1]["by"] == "hr-mne"
    assert personnel.rpc.get_position(spare["position_id"])["status"] == "vacant"
    assert personnel.rpc.get_civil_servant(servant["servant_id"])["open_rotation_id"] is None

    again = world.request(servant, target, return_position_id=own["position_id"])
    cancelled = personnel.rpc.cancel_rotation(again["rotation_id"], {"reason": "family reasons"},
                                              "hr-kz35")
    assert cancelled["status"] == "cancelled"
    kept = personnel.rpc.get_position(own["position_id"])
    assert (kept["status"], kept["reserved_for"], kept["holder"]) == (
        "occupied", None, servant["servant_id"])
    events = Counter(e["event_type"] for e in _published(personnel, 5))
    assert (events["rotation_rejected"], events["rotation_cancelled"],
            events["rotation_requested"]) == (1, 1, 2)


def test_rule_refusals_name_the_rule_and_change_nothing(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    rotation = world.request(servant, target, return_position_id=own["position_id"])
    rotation_id = rotation["rotation_id"]

    other_target = world.post(world.mne, "C-4")
    with pytest.raises(RuleViolation) as second:
        world.request(servant, other_target)
    assert second.value.details["rule"] == "open_rotation_exists"

    personnel.rpc.approve_rotation(rotation_id, {"side": "sending"}, "hr-kz35")
    with pytest.raises(RuleViolation) as double:
        personnel.rpc.approve_rotation(rotation_id, {"side": "receiving"}, "hr-kz35")
    assert double.value.details["rule"] == "double_approval"

    personnel.rpc.approve_rotation(rotation_id, {"side": "receiving"}, "hr-mne")
    personnel.rpc.start_rotation(rotation_id, {"start_date": _day(30)}, "hr-mne")
    with pytest.raises(RuleViolation) as too_long:
        personnel.rpc.extend_rotation(rotation_id, {"new_end": _day(30 + 4 * 365),
                                                    "basis": "programme review"}, "hr-mne")
    assert too_long.value.details["rule"] == "secondment_term"

    # the post is taken now: a request into it is refused by name
    colleague = world.servant(world.post(world.kz35, "D-3"))
    with pytest.raises(RuleViolation) as occupied:
        world.request(colleague, target)
    assert occupied.value.details["rule"] == "target_post_occupied"
    assert personnel.rpc.get_civil_servant(colleague["servant_id"])["open_rotation_id"] is None
    after = personnel.rpc.get_rotation(rotation_id)
    assert (after["status"], after["version"]) == ("started", 4)  # request, 2 approvals, start


def test_bad_input_names_the_field(personnel, world):
    own = world.post(world.kz35, "D-3")
    servant = world.servant(own)
    with pytest.raises(NotFound) as unknown_post:
        world.request(servant, {"position_id": "no-such-post"})
    assert "target_position_id" in unknown_post.value.details
    with pytest.raises(NotFound) as unknown_org:
        personnel.rpc.create_position({"org_id": "no-such-org", "title": "Expert", "corps": "B",
                                       "category": "D-4"}, "hr-admin")
    assert "org_id" in unknown_org.value.details
    with pytest.raises(ValidationFailed) as order:
        world.request(servant, world.post(world.mne, "C-4"), term_months=None,
                      planned_end=_day(10))
    assert "planned_end" in order.value.details


def test_concurrent_change_of_a_post_fails_cleanly_before_the_commit(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    commands = personnel.commands()
    positions = commands.positions
    read = positions.get_many  # the command reads the posts, then someone changes the return post

    def read_then_race(ids):
        found = read(ids)
        positions.collection.update_one({"_id": own["position_id"]}, {"$inc": {"version": 1}})
        return found

    positions.get_many = read_then_race
    with pytest.raises(StaleVersion) as refused:
        commands.request_rotation({"servant_id": servant["servant_id"],
                                   "target_position_id": target["position_id"],
                                   "planned_start": _day(30), "term_months": 24,
                                   "return_position_id": own["position_id"]}, "hr-kz35")
    assert refused.value.details["document"] == f"positions:{own['position_id']}"
    assert personnel.db.rotations.count_documents({}) == 0  # nothing was committed
    assert personnel.rpc.get_civil_servant(servant["servant_id"])["open_rotation_id"] is None


def test_query_by_region_matches_both_directions(personnel, world):
    out_servant = world.servant(world.post(world.kz35, "D-3"))
    out = world.request(out_servant, world.post(world.mne, "C-4"))
    in_servant = world.servant(world.post(world.mne, "C-4"), home_region="KZ-71")
    into = world.request(in_servant, world.post(world.kz35, "D-3"))
    elsewhere = world.servant(world.post(world.kz10, "D-3"))
    world.request(elsewhere, world.post(world.mne, "C-4"))

    def ids(query, regions=None):
        page = personnel.rpc.list_rotations(query, regions)
        return {r["rotation_id"] for r in page["items"]}, page["total"]

    assert ids({"region": "KZ-35"}) == ({out["rotation_id"], into["rotation_id"]}, 2)
    assert ids({}, ["KZ-35"]) == ({out["rotation_id"], into["rotation_id"]}, 2)
    assert ids({"region": "KZ-10"}, ["KZ-35"]) == (set(), 0)  # a scope never widens
    assert ids({"region": "KZ-35", "direction": "centre_to_region"}) == ({into["rotation_id"]}, 1)
    assert ids({"org_id": world.kz35["org_id"]})[1] == 2
    assert ids({"status": "requested"})[1] == 3
    page = personnel.rpc.list_rotations({"page_size": 2, "page": 2})
    assert (len(page["items"]), page["total"]) == (1, 3)
    with pytest.raises(ValidationFailed) as capped:
        personnel.rpc.list_rotations({"page_size": 5000})
    assert "page_size" in capped.value.details
