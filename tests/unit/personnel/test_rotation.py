"""Rotation commands: the region→centre→region cycle end to end, two approvals, terms of the
secondment, directions, cancel/reject releasing what was held, and the events of each command."""
import copy
import json
from datetime import date, timedelta

import pytest

from services.common.errors import NotFound, RuleViolation, ValidationFailed
from services.common.events import build_event, parse_event
from services.personnel import domain as d
from services.personnel.contract import events as personnel_events  # registers the payload schemas
from services.personnel.domain.dates import add_months
from tests.support.personnel_world import NOW, RECEIVING, REQUESTER, SENDING, TODAY, World, at


def rule_of(excinfo) -> str:
    json.dumps(excinfo.value.details)  # details cross the wire as JSON
    return excinfo.value.details["rule"]


def test_full_region_centre_region_cycle(world):
    iin = world.servants["cs-1"]["iin"]
    assert world.apply(d.request_rotation(
        {"target_position_id": "mne-b4", "planned_start": date(2025, 10, 1), "term_months": 24,
         "basis": "order 17"}, rotation_id="rot-1", servant=world.servants["cs-1"],
        posts=world.posts, by=REQUESTER, now=NOW, today=TODAY))[0][0] == "rotation_requested"
    rotation = world.rotations["rot-1"]
    assert (rotation["direction"], rotation["from_region"], rotation["to_region"],
            rotation["home_region"]) == ("region_to_centre", "KZ-35", None, "KZ-35")
    assert rotation["planned_end"] == date(2027, 10, 1)
    assert world.servants["cs-1"]["open_rotation_id"] == "rot-1"

    assert world.reserve() == []  # picks the servant's own post
    assert world.rotations["rot-1"]["return_post"]["position_id"] == "kz35-c3-own"
    assert world.posts["kz35-c3-own"]["status"] == "occupied"
    assert world.posts["kz35-c3-own"]["reserved_for"] == "rot-1"

    assert world.approve() == []
    assert world.rotations["rot-1"]["status"] == "partially_approved"
    [(kind, payload)] = world.approve(side="receiving", by=RECEIVING, days=3)
    assert kind == "rotation_approved" and [a["side"] for a in payload["approvals"]] == ["sending", "receiving"]

    [(kind, payload)] = world.start(start_date=date(2025, 10, 1))
    assert kind == "rotation_started" and payload["start_date"] == date(2025, 10, 1)
    servant = world.servants["cs-1"]
    assert (servant["status"], servant["position_id"], servant["org_kind"], servant["post_region"],
            servant["category"], servant["post_start"]) == (
        "seconded", "mne-b4", "central", None, "C-4", date(2025, 10, 1))
    assert world.posts["mne-b4"]["holder"] == "cs-1" and world.posts["mne-b4"]["status"] == "occupied"
    assert world.posts["kz35-c3-own"]["status"] == "reserved"
    assert world.posts["kz35-c3-own"]["holder"] is None

    assert world.return_(return_date=date(2027, 10, 1)) == []
    assert world.rotations["rot-1"]["status"] == "returning"
    assert world.posts["mne-b4"]["status"] == "being_vacated"

    [(kind, payload)] = world.complete(end_date=date(2027, 10, 4))
    assert kind == "rotation_completed"
    assert payload["cycle_completed"] is True and payload["career_credit_awarded"] is True
    assert payload["duration_days"] == (date(2027, 10, 4) - date(2025, 10, 1)).days
    servant = world.servants["cs-1"]
    assert (servant["status"], servant["position_id"], servant["category"], servant["post_region"],
            servant["open_rotation_id"], servant["post_start"]) == (
        "active", "kz35-c3-own", "D-3", "KZ-35", None, date(2027, 10, 4))
    [credit] = servant["career_credits"]
    assert credit["rotation_id"] == "rot-1" and credit["earned_on"] == date(2027, 10, 4)
    assert world.posts["mne-b4"]["status"] == "vacant" and world.posts["mne-b4"]["holder"] is None
    assert world.posts["kz35-c3-own"]["status"] == "occupied"
    assert world.posts["kz35-c3-own"]["reserved_for"] is None

    history = world.rotations["rot-1"]["history"]
    assert [h["action"] for h in history] == [
        "request", "reserve_return_post", "approve", "approve", "start", "return", "complete"]
    assert [h["to_status"] for h in history] == [
        "requested", "requested", "partially_approved", "approved", "started", "returning", "completed"]
    assert all(h["by"] and h["at"].tzinfo for h in history)
    assert all(iin not in repr(payload) for _, payload in world.events)


def test_commands_do_not_mutate_their_inputs_and_bump_versions(world):
    world.request()
    before = copy.deepcopy((world.rotations, world.servants, world.posts))
    rotation = world.rotations["rot-1"]
    changed, _ = d.reserve_return_post(rotation, servant=world.servants["cs-1"], posts=world.posts,
                                       by=SENDING, now=at(1))
    assert (world.rotations, world.servants, world.posts) == before
    assert changed.rotation["version"] == rotation["version"] + 1
    assert changed.positions[0]["version"] == world.posts["kz35-c3-own"]["version"] + 1


def test_positions_to_load_names_every_post_a_command_may_touch(world):
    world.request()
    world.reserve(position_id="kz35-c3-free")
    assert d.positions_to_load(world.rotations["rot-1"], "kz35-c2-free", None) == [
        "kz35-c2-free", "kz35-c3-free", "kz35-c3-own", "mne-b4"]


# --- approvals -----------------------------------------------------------------------------

def test_one_approval_keeps_it_partially_approved_without_event(world):
    world.request()
    assert world.approve(side="receiving", by=RECEIVING) == []
    rotation = world.rotations["rot-1"]
    assert rotation["status"] == "partially_approved"
    assert rotation["approvals"][0]["side"] == "receiving"


@pytest.mark.parametrize("second_side", ["sending", "receiving"])
def test_same_officer_twice_is_a_double_approval(world, second_side):
    world.request()
    world.approve(side="sending", by="hr-both")
    with pytest.raises(RuleViolation) as caught:
        world.approve(side=second_side, by="hr-both")
    assert rule_of(caught) == "double_approval"
    assert world.rotations["rot-1"]["status"] == "partially_approved"


def test_same_side_twice_by_another_officer_is_refused(world):
    world.request()
    world.approve(side="sending", by="hr-a")
    with pytest.raises(RuleViolation) as caught:
        world.approve(side="sending", by="hr-b")
    assert rule_of(caught) == "side_already_approved"


def test_unknown_side_is_invalid(world):
    world.request()
    with pytest.raises(ValidationFailed) as caught:
        world.approve(side="both")
    assert "side" in caught.value.details


# --- terms of the secondment ---------------------------------------------------------------

@pytest.mark.parametrize("months, ok", [(11, False), (12, True), (24, True), (36, True), (37, False)])
def test_requested_term_within_bounds(world, months, ok):
    if ok:
        assert world.request(term_months=months)["planned_end"] == add_months(TODAY + timedelta(days=30), months)
        return
    with pytest.raises(RuleViolation) as caught:
        world.request(term_months=months)
    assert rule_of(caught) == "secondment_term"
    assert caught.value.details["max_months"] == 36


def test_term_bounds_come_from_policy():
    world = World(d.PersonnelSettings(min_term_months=6, max_term_months=48))
    assert world.request(term_months=48)["status"] == "requested"


def test_planned_end_may_be_given_instead_of_months(world):
    rotation = world.request(term_months=None, planned_end=date(2026, 12, 31))
    assert rotation["planned_end"] == date(2026, 12, 31)


@pytest.mark.parametrize("data, field", [
    ({"term_months": 12, "planned_end": date(2027, 1, 1)}, "planned_end"),
    ({"term_months": None}, "planned_end"),
    ({"planned_start": TODAY - timedelta(days=1)}, "planned_start"),
    ({"target_position_id": ""}, "target_position_id"),
    ({"incentives": [{"kind": "housing_compensation", "amount_kzt": "-5", "period_months": 12}]},
     "incentives.0.amount_kzt"),
])
def test_invalid_request_input(world, data, field):
    with pytest.raises(ValidationFailed) as caught:
        world.request(**data)
    assert field in caught.value.details


def test_delayed_start_moves_the_planned_end_by_the_delay(world):
    world.drive("approved")
    planned = world.rotations["rot-1"]
    world.start(start_date=planned["planned_start"] + timedelta(days=10))
    started = world.rotations["rot-1"]
    assert started["actual_start"] == planned["planned_start"] + timedelta(days=10)
    assert started["planned_end"] == planned["planned_end"] + timedelta(days=10)


def test_extension_keeps_started_and_records_it(world):
    world.drive("started")
    previous_end = world.rotations["rot-1"]["planned_end"]
    [(kind, payload)] = world.extend(months=6, basis="ministry request 44")
    rotation = world.rotations["rot-1"]
    assert kind == "rotation_extended"
    assert rotation["status"] == "started"
    assert rotation["planned_end"] == add_months(previous_end, 6)
    assert rotation["extensions"] == [{"previous_end": previous_end, "new_end": rotation["planned_end"],
                                       "basis": "ministry request 44", "by": RECEIVING, "at": at(300)}]
    assert (payload["previous_end"], payload["new_end"]) == (previous_end, rotation["planned_end"])
    assert rotation["history"][-1]["action"] == "extend"


def test_extension_beyond_maximum_term_is_refused(world):
    world.drive("started")
    rotation = world.rotations["rot-1"]
    latest = add_months(rotation["actual_start"], 36)
    world.extend(new_end=latest)  # exactly the maximum is fine
    with pytest.raises(RuleViolation) as caught:
        world.extend(new_end=latest + timedelta(days=1))
    assert rule_of(caught) == "secondment_term"


@pytest.mark.parametrize("new_end_shift, basis, field", [(0, "ok", "new_end"), (-5, "ok", "new_end"),
                                                         (30, " ", "basis")])
def test_extension_input_is_checked(world, new_end_shift, basis, field):
    world.drive("started")
    end = world.rotations["rot-1"]["planned_end"]
    with pytest.raises(ValidationFailed) as caught:
        world.extend(new_end=end + timedelta(days=new_end_shift), basis=basis)
    assert field in caught.value.details


# --- start preconditions -------------------------------------------------------------------

def test_region_to_centre_cannot_start_without_a_return_post(world):
    world.request()
    world.approve_both()
    with pytest.raises(RuleViolation) as caught:
        world.start()
    assert rule_of(caught) == "return_post_required"


def test_start_needs_the_target_post_vacant(world):
    world.drive("approved")
    world.servant("cs-2", "mne-b4", post_start=date(2020, 1, 1), home_region="KZ-71")  # taken meanwhile
    with pytest.raises(RuleViolation) as caught:
        world.start()
    assert rule_of(caught) == "target_post_occupied"


def test_target_being_vacated_may_be_requested_but_not_started(world):
    world.servant("cs-2", "mne-b4", post_start=date(2020, 1, 1), home_region="KZ-71")
    world.posts["mne-b4"] = d.announce_vacating(world.posts["mne-b4"], now=NOW)
    world.drive("approved")
    with pytest.raises(RuleViolation) as caught:
        world.start()
    assert rule_of(caught) == "target_post_occupied"
    assert caught.value.details["status"] == "being_vacated"


def test_start_refused_when_servant_moved_meanwhile(world):
    world.drive("approved")
    world.servants["cs-1"] = {**world.servants["cs-1"], "position_id": "kz35-c2-free"}
    with pytest.raises(RuleViolation) as caught:
        world.start()
    assert rule_of(caught) == "servant_not_in_origin_post"


def test_missing_post_document_is_not_found(world):
    world.drive("approved")
    posts = dict(world.posts)
    del posts["mne-b4"]
    with pytest.raises(NotFound):
        d.start_rotation(world.rotations["rot-1"], servant=world.servants["cs-1"], posts=posts,
                         start_date=TODAY + timedelta(days=30), by=RECEIVING, now=at(30))


# --- directions ----------------------------------------------------------------------------

def test_centre_to_region_and_region_to_region(world):
    world.servant("cs-2", "mne-b5-own", post_start=date(2020, 1, 1), home_region="KZ-71")
    rotation = world.request(servant_id="cs-2", target="kz35-c3-free", rotation_id="rot-2")
    assert (rotation["direction"], rotation["from_region"], rotation["to_region"],
            rotation["home_region"]) == ("centre_to_region", None, "KZ-35", "KZ-71")
    rotation = world.request(target="kz10-c3-free", rotation_id="rot-3")
    assert (rotation["direction"], rotation["from_region"], rotation["to_region"]) == (
        "region_to_region", "KZ-35", "KZ-10")


@pytest.mark.parametrize("target", ["kz35-c2-free", "kz35-d1-d2"])
def test_move_within_one_region_is_not_a_rotation(world, target):
    with pytest.raises(RuleViolation) as caught:
        world.request(target=target)
    assert rule_of(caught) == "direction_invalid"


def test_centre_to_centre_is_not_a_rotation(world):
    world.servant("cs-2", "mne-b5-own", post_start=date(2020, 1, 1), home_region="KZ-71")
    with pytest.raises(RuleViolation) as caught:
        world.request(servant_id="cs-2", target="mf-b4", rotation_id="rot-2")
    assert rule_of(caught) == "direction_invalid"


def test_stated_direction_must_match_the_posts(world):
    with pytest.raises(ValidationFailed) as caught:
        world.request(direction="centre_to_region")
    assert "direction" in caught.value.details
    assert world.request(direction="region_to_centre")["direction"] == "region_to_centre"


def test_centre_to_region_earns_no_credit_by_default_but_can_by_policy():
    for settings, credited in ((d.DEFAULT_SETTINGS, False),
                             (d.PersonnelSettings(career_credit_for=frozenset(d.DIRECTIONS)), True)):
        world = World(settings)
        world.servant("cs-2", "mne-b5-own", post_start=date(2020, 1, 1), home_region="KZ-71")
        world.request(servant_id="cs-2", target="kz35-c3-free", rotation_id="rot-2")
        world.approve_both("rot-2")
        world.start("rot-2")
        world.return_("rot-2")
        [(_, payload)] = world.complete("rot-2", return_position_id="mne-b5-own")
        assert payload["career_credit_awarded"] is credited
        assert bool(world.servants["cs-2"]["career_credits"]) is credited
        assert world.servants["cs-2"]["position_id"] == "mne-b5-own"


# --- closing before the start --------------------------------------------------------------

@pytest.mark.parametrize("status", ["requested", "partially_approved", "approved"])
def test_cancel_releases_the_return_post_and_the_servant(world, status):
    world.request()
    world.reserve(position_id="kz35-c3-free")
    if status != "requested":
        world.approve()
    if status == "approved":
        world.approve(side="receiving", by=RECEIVING, days=3)
    [(kind, payload)] = world.cancel(reason="family circumstances")
    assert kind == "rotation_cancelled"
    assert payload["from_status"] == status and payload["reason"] == "family circumstances"
    assert world.rotations["rot-1"]["status"] == "cancelled"
    assert world.posts["kz35-c3-free"]["status"] == "vacant"
    assert world.posts["kz35-c3-free"]["reserved_for"] is None
    assert world.servants["cs-1"]["open_rotation_id"] is None


def test_reject_releases_the_own_post_reservation(world):
    world.drive("partially_approved")
    assert world.posts["kz35-c3-own"]["reserved_for"] == "rot-1"
    [(kind, payload)] = world.reject(reason="no budget")
    assert kind == "rotation_rejected" and payload["reason"] == "no budget"
    assert world.posts["kz35-c3-own"]["reserved_for"] is None
    assert world.posts["kz35-c3-own"]["status"] == "occupied"
    assert world.servants["cs-1"]["open_rotation_id"] is None
    # free to ask again
    assert world.request(rotation_id="rot-2")["status"] == "requested"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_cancel_and_reject_need_a_reason(world, reason):
    world.request()
    for step in (world.cancel, world.reject):
        with pytest.raises(ValidationFailed):
            step(reason=reason)


# --- incentives on the rotation ------------------------------------------------------------

def test_incentives_recorded_at_request_and_later(world):
    from decimal import Decimal
    world.request(incentives=[{"kind": "housing_compensation", "amount_kzt": "180000.5",
                               "period_months": 24}])
    changed, events = d.record_incentive(world.rotations["rot-1"],
                                         {"kind": "other", "amount_kzt": Decimal("12000"),
                                          "period_months": 3, "description": "language course"},
                                         by=SENDING, now=at(1))
    assert events == []
    assert [i["amount_kzt"] for i in changed.rotation["incentives"]] == [Decimal("180000.50"),
                                                                         Decimal("12000.00")]
    assert changed.rotation["history"][-1]["action"] == "record_incentive"


# --- events --------------------------------------------------------------------------------

def test_every_command_event_matches_its_schema_and_carries_the_region(world):
    world.drive("completed")
    world.servant("cs-2", "kz35-c2-free", post_start=date(2020, 1, 1))
    world.servant("cs-3", "kz35-d1-d2", post_start=date(2020, 1, 1))
    world.request(servant_id="cs-2", target="mf-b4", rotation_id="rot-2")
    world.cancel("rot-2")
    world.request(servant_id="cs-3", target="mne-b5", rotation_id="rot-3")
    world.reject("rot-3")
    kinds = [kind for kind, _ in world.events]
    assert kinds == ["civil_servant_registered", "rotation_requested", "rotation_approved",
                     "rotation_started", "rotation_completed", "civil_servant_registered",
                     "civil_servant_registered", "rotation_requested", "rotation_cancelled",
                     "rotation_requested", "rotation_rejected"]
    assert set(kinds) <= set(personnel_events.PUBLISHED_EVENTS)
    iins = [s["iin"] for s in world.servants.values()]
    for kind, payload in world.events:
        envelope = build_event(kind, payload, region_code=d.event_region(payload), occurred_at=NOW)
        assert envelope["source"] == "personnel" and envelope["region_code"] == "KZ-35"
        assert parse_event(envelope)["payload"]["servant_id"] == payload["servant_id"]
        assert not any(iin in repr(envelope) for iin in iins)
        if kind.startswith("rotation_"):
            assert {"direction", "from_region", "to_region", "home_region"} <= set(payload)
