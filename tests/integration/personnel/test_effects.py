"""Multi-document commands survive a crash between the commit and the effects.

The crash is simulated where it matters: the command commits the owning document (rotation, or
servant for a registration) with its events and pending effects, and then does not apply them.
The reconciler (RPC ``reconcile``, its timer, or the start of a new instance) and the next command
on the same documents must finish the work, once, and the events must go out once.
"""
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest

from services.common.errors import Conflict
from services.personnel import domain
from services.personnel.service import PersonnelService
from tests.support import wait_until
from tests.support.personnel_harness import TODAY, personnel, world  # noqa: F401

pytestmark = pytest.mark.integration


def _crashing(personnel):
    """Commands that stop right after their commit, as a process killed at that line would."""
    commands = personnel.commands()
    commands._apply = lambda owner, owner_id, batch: None
    return commands


def _request_body(servant, target, own=None):
    body = {"servant_id": servant["servant_id"], "target_position_id": target["position_id"],
            "planned_start": (TODAY + timedelta(days=30)).isoformat(), "term_months": 24}
    if own:
        body["return_position_id"] = own["position_id"]
    return body


def _events(personnel, expected: int) -> Counter:
    seen = []
    wait_until(lambda: seen.extend(personnel.published()) or len(seen) >= expected,
               message=f"{expected} events")
    assert len({e["event_id"] for e in seen}) == len(seen)
    return Counter(e["event_type"] for e in seen)


def test_crash_after_the_rotation_commit_is_finished_by_the_reconciler(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    rotation = _crashing(personnel).request_rotation(_request_body(servant, target, own), "hr-kz35-clerk")
    rotation_id = rotation["rotation_id"]

    stored = personnel.doc("rotations", rotation_id)
    assert stored["status"] == "requested"
    assert stored["pending_keys"] == [f"servants:{servant['servant_id']}",
                                      f"positions:{own['position_id']}"]
    assert personnel.doc("servants", servant["servant_id"]).get("open_rotation_id") is None
    assert personnel.doc("positions", own["position_id"])["reserved_for"] is None

    report = personnel.rpc.reconcile()
    assert (report["batches"], report["applied"], report["conflicts"]) == (1, 2, 0)
    assert personnel.doc("servants", servant["servant_id"])["open_rotation_id"] == rotation_id
    post = personnel.doc("positions", own["position_id"])
    assert (post["reserved_for"], post["status"], post["holder"]) == (
        rotation_id, "occupied", servant["servant_id"])
    assert personnel.doc("rotations", rotation_id)["pending_keys"] == []
    assert personnel.rpc.reconcile()["batches"] == 0  # nothing left: a second run changes nothing
    assert personnel.doc("servants", servant["servant_id"])["version"] == 2

    assert _events(personnel, 2) == Counter({"civil_servant_registered": 1,
                                             "rotation_requested": 1})
    assert personnel.published() == []  # and nothing more arrives


def test_half_applied_batch_is_completed_without_applying_twice(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    rotation = world.request(servant, target, return_position_id=own["position_id"])
    rotation_id = rotation["rotation_id"]
    personnel.rpc.approve_rotation(rotation_id, {"side": "sending"}, "hr-kz35")
    personnel.rpc.approve_rotation(rotation_id, {"side": "receiving"}, "hr-mne")

    crashing = _crashing(personnel)
    crashing.start_rotation(rotation_id, {"start_date": (TODAY + timedelta(days=30)).isoformat()},
                            "hr-mne")
    raw = personnel.doc("rotations", rotation_id)
    assert len(raw["pending_effects"]) == 3  # servant, origin post, target post
    first = raw["pending_effects"][0]
    assert first["collection"] == "servants"
    # the crash came after the first effect: apply it alone, as the dying process did
    outcome, _ = crashing.effects._apply_one(first)
    assert outcome == "applied"
    servant_version = personnel.doc("servants", servant["servant_id"])["version"]

    report = personnel.rpc.reconcile()
    assert (report["batches"], report["applied"]) == (1, 3)
    seconded = personnel.doc("servants", servant["servant_id"])
    assert seconded["version"] == servant_version  # recognised as applied, not applied again
    assert (seconded["status"], seconded["position_id"]) == ("seconded", target["position_id"])
    assert personnel.doc("positions", target["position_id"])["holder"] == servant["servant_id"]
    assert personnel.doc("positions", own["position_id"])["status"] == "reserved"


def test_next_command_settles_what_a_crash_left_before_deciding(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    rotation = _crashing(personnel).request_rotation(_request_body(servant, target, own), "hr-kz35-clerk")
    # no reconciler run: the next command on the same servant must see the open rotation
    other = world.post(world.mne, "C-4")
    with pytest.raises(Exception) as refused:
        world.request(servant, other)
    assert refused.value.details["rule"] == "open_rotation_exists"
    assert personnel.doc("servants", servant["servant_id"])["open_rotation_id"] == \
        rotation["rotation_id"]
    assert personnel.doc("rotations", rotation["rotation_id"])["pending_keys"] == []


def test_concurrent_change_of_other_fields_is_merged(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own, post_start=date(2019, 1, 10))  # due for rotation
    rotation = _crashing(personnel).request_rotation(_request_body(servant, target), "hr-kz35-clerk")
    # the due scan wrote the servant in between (the window the pre-commit check cannot close)
    servants = personnel.repo("servants")
    current = servants.find(servant["servant_id"])
    servants.save_versioned({**current, "last_rotation_due_key": "case-1"}, current["version"])

    report = personnel.rpc.reconcile()
    assert (report["applied"], report["conflicts"]) == (1, 0)
    merged = personnel.doc("servants", servant["servant_id"])
    assert (merged["open_rotation_id"], merged["last_rotation_due_key"]) == (
        rotation["rotation_id"], "case-1")
    assert merged["version"] == 3


def test_concurrent_change_of_the_same_field_is_kept_for_review_not_overwritten(personnel, world):
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    spare = world.post(world.kz35, "D-3")
    servant = world.servant(own)
    rotation = _crashing(personnel).request_rotation(_request_body(servant, target, spare),
                                                     "hr-kz35")
    # another command, whose check passed before this commit, took the spare post meanwhile
    positions = personnel.repo("positions")
    free = positions.find(spare["position_id"])
    positions.save_versioned(domain.occupy(free, "cs-newcomer", now=free["updated_at"]),
                             free["version"])
    report = personnel.rpc.reconcile()
    assert report["conflicts"] == 1
    post = personnel.doc("positions", spare["position_id"])
    assert (post["holder"], post["reserved_for"]) == ("cs-newcomer", None)
    stored = personnel.doc("rotations", rotation["rotation_id"])
    assert stored["pending_keys"] == []
    [conflict] = stored["effect_conflicts"]
    assert conflict["doc_id"] == spare["position_id"]
    assert conflict["found"]["status"] == "occupied"
    shown = personnel.rpc.get_rotation(rotation["rotation_id"])["effect_conflicts"]
    assert shown == [{"effect_id": conflict["effect_id"], "collection": "positions",
                      "doc_id": spare["position_id"], "expected_version": 1, "found_version": 2,
                      "fields": ["reserved_for", "status"]}]
    # the servant's own effect went through
    assert personnel.doc("servants", servant["servant_id"])["open_rotation_id"] == \
        rotation["rotation_id"]


def test_crashed_registration_is_finished_by_a_new_instance_at_start(
        personnel, world, container_factory, nameko_config):
    post = world.post(world.kz35, "D-4")
    data = {"iin": domain.first_valid_iin(date(1990, 2, 3), "female", 4321),
            "full_name": "Servant Crashed", "position_id": post["position_id"],
            "service_start": "2015-09-01", "post_start": "2020-01-15"}
    servant = _crashing(personnel).register_civil_servant(data)
    assert personnel.doc("positions", post["position_id"])["status"] == "vacant"

    personnel.container.stop()
    restarted = container_factory(PersonnelService, nameko_config)
    restarted.start()  # the reconciler runs once at start
    # the reconciler applies the post's effect, then releases the servant's pending keys: wait for
    # the whole batch, not its first half
    wait_until(lambda: personnel.doc("servants", servant["servant_id"])["pending_keys"] == [],
               message="registration effects applied at start")
    assert personnel.doc("positions", post["position_id"])["status"] == "occupied"
    assert personnel.doc("positions", post["position_id"])["holder"] == servant["servant_id"]
    assert _events(personnel, 1) == Counter({"civil_servant_registered": 1})


def test_announcements_never_committed_are_dropped_and_lost_ones_recovered(personnel, world):
    from services.personnel.application import reconciling
    own = world.post(world.kz35, "D-3")
    target = world.post(world.mne, "C-4")
    servant = world.servant(own)
    # a command announced its batch and died before its commit: it holds the post for a while
    ghost = {"_id": "rot-ghost@v1", "owner": "rotations", "owner_id": "rot-ghost",
             "keys": [f"positions:{own['position_id']}"], "created_at": datetime.now(timezone.utc)}
    personnel.db.pending_batches.insert_one(ghost)
    with pytest.raises(Conflict):
        world.request(servant, target, return_position_id=own["position_id"])
    assert personnel.rpc.reconcile()["dropped"] == 0  # within the grace period
    personnel.db.pending_batches.update_one({"_id": ghost["_id"]}, {"$set": {
        "created_at": datetime.now(timezone.utc) - timedelta(minutes=5)}, "$inc": {"_rev": 1}})
    assert personnel.rpc.reconcile()["dropped"] == 1

    # a command committed, died before its effects, and its announcement was lost too
    rotation = _crashing(personnel).request_rotation(_request_body(servant, target, own), "hr-kz35-clerk")
    personnel.db.pending_batches.delete_many({"owner_id": rotation["rotation_id"]})
    reconciling._recovered.pop(personnel.db.name, None)  # as in a freshly started process
    report = personnel.rpc.reconcile()
    assert (report["batches"], report["applied"]) == (1, 2)
    assert personnel.db.pending_batches.count_documents({}) == 0
    assert personnel.doc("positions", own["position_id"])["reserved_for"] == rotation["rotation_id"]
