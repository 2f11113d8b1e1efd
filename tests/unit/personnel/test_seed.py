"""The demo data: built by the domain commands, consistent across documents, deterministic."""
from collections import Counter
from datetime import date

import pytest

from services.common.events import build_event
from services.common.regions import REGION_CODES
from services.personnel import domain as d
from services.personnel.application.demo_data import generate_seed
from services.personnel.contract import events as personnel_events


@pytest.fixture(scope="module")
def seed():
    return generate_seed()


def test_bodies_in_every_region_and_the_centre(seed):
    kinds = Counter(o["kind"] for o in seed.organisations)
    assert kinds["central"] == 8 and kinds["regional"] == 20 and kinds["district"] == 60
    assert {o["region_code"] for o in seed.organisations if o["kind"] != "central"} == set(REGION_CODES)
    assert {o["name"] for o in seed.organisations if o["kind"] == "central"} >= {
        "Ministry of National Economy", "Agency for Civil Service Affairs"}


def test_thousands_of_servants_with_valid_unique_iins(seed):
    assert len(seed.servants) >= 2000
    iins = [s["iin"] for s in seed.servants]
    assert len(set(iins)) == len(iins)
    for servant in seed.servants:
        assert d.validate_iin(servant["iin"]) == (servant["date_of_birth"], servant["sex"])
        assert len(servant["full_name"].split()) == 3


def test_rotations_in_every_status(seed):
    statuses = Counter(r["status"] for r in seed.rotations)
    assert set(statuses) == set(d.ROTATION_STATUSES)
    assert all(count >= 20 for count in statuses.values())
    assert 200 <= len(seed.rotations) <= 500
    assert {r["direction"] for r in seed.rotations} == set(d.DIRECTIONS)
    assert any(r["extensions"] and r["status"] == "started" for r in seed.rotations)
    assert any(s["rotation_extensions"] for s in seed.servants)


def test_posts_and_holders_agree(seed):
    posts = {p["position_id"]: p for p in seed.positions}
    servants = {s["servant_id"]: s for s in seed.servants}
    for post in seed.positions:
        if post["status"] in ("occupied", "being_vacated"):
            assert servants[post["holder"]]["position_id"] == post["position_id"]
        else:
            assert post["holder"] is None
    for servant in seed.servants:
        post = posts[servant["position_id"]]
        assert post["holder"] == servant["servant_id"]
        assert (servant["category"], servant["post_region"]) == (post["category"], post["region_code"])


def test_rotations_servants_and_reservations_agree(seed):
    posts = {p["position_id"]: p for p in seed.positions}
    servants = {s["servant_id"]: s for s in seed.servants}
    rotations = {r["rotation_id"]: r for r in seed.rotations}
    for rotation in seed.rotations:
        servant = servants[rotation["servant_id"]]
        assert (servant["open_rotation_id"] == rotation["rotation_id"]) == d.is_open(rotation)
        assert rotation["history"][0]["action"] == "request"
        assert rotation["history"][-1]["to_status"] == rotation["status"]
        if rotation["status"] in ("started", "returning"):
            assert servant["status"] == "seconded" and servant["position_id"] == rotation["to_position_id"]
        if rotation["status"] in ("started", "returning", "approved") and rotation["direction"] == "region_to_centre":
            assert posts[rotation["return_post"]["position_id"]]["reserved_for"] == rotation["rotation_id"]
        if rotation["status"] == "completed":
            assert servant["position_id"] == rotation["final_position_id"]
            assert d.on_home_side(rotation, posts[rotation["final_position_id"]])
            credited = rotation["direction"] == "region_to_centre"
            assert any(c["rotation_id"] == rotation["rotation_id"] for c in servant["career_credits"]) is credited
    for post in seed.positions:
        if post["reserved_for"]:
            assert d.is_open(rotations[post["reserved_for"]])


def test_events_match_their_schemas(seed):
    kinds = Counter(kind for kind, _ in seed.events)
    assert kinds["civil_servant_registered"] == len(seed.servants)
    assert kinds["rotation_completed"] == sum(r["status"] == "completed" for r in seed.rotations)
    iins = {s["iin"] for s in seed.servants}
    for kind, payload in seed.events[::7]:
        envelope = build_event(kind, payload, region_code=d.event_region(payload))
        assert envelope["source"] == "personnel" and kind in personnel_events.PUBLISHED_EVENTS
        assert not iins & {str(v) for v in payload.values()}


def test_statistics_over_the_seed(seed):
    figures = d.mobility_statistics(seed.rotations, seed.servants, date(2025, 9, 1))
    totals = d.national_totals(figures)
    assert totals["completed_cycles"] > 0 and totals["out_to_centre"] > 0 and totals["due_now"] > 0
    assert totals["average_duration_days"] > 300


def test_same_arguments_same_data():
    first = generate_seed(seed=7, servants=300, rotations=40)
    second = generate_seed(seed=7, servants=300, rotations=40)
    assert first.servants == second.servants and first.rotations == second.rotations
    assert first.positions == second.positions
    assert generate_seed(seed=8, servants=300, rotations=40).servants != first.servants
