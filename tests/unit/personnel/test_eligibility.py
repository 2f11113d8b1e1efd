"""Eligibility for a rotation: each rule on its own, at its boundary, configurable, and all
failures reported together."""
import json
from datetime import date, timedelta

import pytest

from services.common.errors import RuleViolation
from services.personnel import domain as d
from services.personnel.domain.dates import add_months, add_years
from tests.support.personnel_world import TODAY, World


def servant(**overrides) -> dict:
    base = {"servant_id": "cs-1", "status": "active", "open_rotation_id": None,
            "post_start": date(2021, 3, 1), "date_of_birth": date(1985, 5, 17), "sex": "male",
            "corps": "B", "category": "D-3"}
    base.update(overrides)
    return base


def post(**overrides) -> dict:
    base = {"position_id": "mne-b4", "corps": "B", "category": "C-4", "status": "vacant"}
    base.update(overrides)
    return base


def rules(servant_doc, post_doc, settings=d.DEFAULT_SETTINGS, open_rotations=()) -> list[str]:
    return [f.rule for f in d.eligibility_failures(servant_doc, post_doc, today=TODAY,
                                                   open_rotations=open_rotations, settings=settings)]


def test_eligible_servant_has_no_failures():
    assert rules(servant(), post()) == []
    d.check_eligibility(servant(), post(), today=TODAY)  # does not raise


# --- minimum time in post ----------------------------------------------------------------

@pytest.mark.parametrize("post_start, ok", [
    (add_months(TODAY, -12), True), (add_months(TODAY, -12).replace(day=2), False),
    (TODAY, False), (date(2010, 1, 1), True),
])
def test_minimum_time_in_post(post_start, ok):
    assert ("min_time_in_post" not in rules(servant(post_start=post_start), post())) is ok


def test_minimum_time_in_post_is_configurable():
    recent = servant(post_start=add_months(TODAY, -7))
    assert "min_time_in_post" in rules(recent, post())
    assert rules(recent, post(), d.PersonnelSettings(min_months_in_post=6)) == []


# --- retirement --------------------------------------------------------------------------

@pytest.mark.parametrize("sex, age_limit", [("male", 63), ("female", 61)])
@pytest.mark.parametrize("days_after_boundary, near", [(0, True), (-1, False), (1, True)])
def test_not_within_two_years_of_retirement(sex, age_limit, days_after_boundary, near):
    # exemption starts on the birthday of (retirement age - 2); pick a birth date so that
    # TODAY is that day shifted by days_after_boundary
    born = add_years(TODAY - timedelta(days=days_after_boundary), -(age_limit - 2))
    assert ("near_retirement" in rules(servant(sex=sex, date_of_birth=born), post())) is near


def test_retirement_ages_and_window_are_configurable():
    born = add_years(TODAY, -61)  # a man of 61: exempt from 63 - 2, not from 65 - 2
    assert "near_retirement" in rules(servant(date_of_birth=born), post())
    settings = d.PersonnelSettings(retirement_age_years={"male": 65, "female": 63})
    assert rules(servant(date_of_birth=born), post(), settings) == []
    assert rules(servant(date_of_birth=born), post(), d.PersonnelSettings(retirement_exemption_years=0)) == []


# --- open rotation -----------------------------------------------------------------------

def test_open_rotation_on_the_servant_document():
    assert rules(servant(open_rotation_id="rot-9"), post()) == ["open_rotation_exists"]


@pytest.mark.parametrize("status, blocks", [
    ("requested", True), ("partially_approved", True), ("approved", True), ("started", True),
    ("returning", True), ("completed", False), ("cancelled", False), ("rejected", False),
])
def test_open_rotation_among_given_rotations(status, blocks):
    others = [{"rotation_id": "rot-9", "servant_id": "cs-1", "status": status},
              {"rotation_id": "rot-8", "servant_id": "cs-other", "status": "started"}]
    assert ("open_rotation_exists" in rules(servant(), post(), open_rotations=others)) is blocks


# --- category ----------------------------------------------------------------------------

@pytest.mark.parametrize("own, target, ok", [
    ("D-3", "C-4", True),  # one step up
    ("D-3", "C-5", True),  # level
    ("D-3", "C-6", True),  # one step down
    ("D-3", "C-3", False),  # two steps up
    ("D-3", "C-1", False),
    ("D-1", "C-6", False),  # far below
    ("E-1", "D-4", True),
    ("E-G-4", "C-6", False),
    ("D-3", "X-9", False),  # not in the register
])
def test_category_compatibility(own, target, ok):
    assert ("category_incompatible" not in rules(servant(category=own), post(category=target))) is ok


def test_corps_a_post_is_incompatible_for_corps_b_unless_allowed():
    target = post(corps="A", category="A-4")  # A-4 ranks 11
    own = servant(category="C-1")  # rank 10
    assert rules(own, target) == ["category_incompatible"]
    assert rules(own, target, d.PersonnelSettings(allow_corps_change=True)) == []


def test_category_steps_are_configurable():
    assert "category_incompatible" in rules(servant(), post(category="C-3"))
    assert rules(servant(), post(category="C-3"), d.PersonnelSettings(max_category_steps_up=2)) == []


# --- target post -------------------------------------------------------------------------

@pytest.mark.parametrize("status, ok", [("vacant", True), ("being_vacated", True),
                                        ("occupied", False), ("reserved", False)])
def test_target_post_must_be_vacant_or_being_vacated(status, ok):
    assert ("target_post_occupied" not in rules(servant(), post(status=status))) is ok


def test_servant_must_be_active():
    assert rules(servant(status="on_leave"), post()) == ["servant_not_active"]


# --- all at once -------------------------------------------------------------------------

def test_every_failed_rule_is_listed_and_the_first_is_raised():
    bad = servant(post_start=TODAY, open_rotation_id="rot-9", date_of_birth=date(1963, 1, 1))
    target = post(category="C-1", status="occupied")
    expected = ["open_rotation_exists", "min_time_in_post", "near_retirement",
                "category_incompatible", "target_post_occupied"]
    assert rules(bad, target) == expected
    with pytest.raises(RuleViolation) as caught:
        d.check_eligibility(bad, target, today=TODAY)
    assert caught.value.details["rule"] == "open_rotation_exists"
    assert caught.value.details["failed_rules"] == expected
    json.dumps(caught.value.details)


def test_request_applies_the_rules():
    world = World()
    world.servants["cs-1"] = {**world.servants["cs-1"], "post_start": add_months(TODAY, -3)}
    with pytest.raises(RuleViolation) as caught:
        world.request(target="mne-b1")
    assert caught.value.details["rule"] == "min_time_in_post"
    assert caught.value.details["failed_rules"] == ["min_time_in_post", "category_incompatible"]
    assert world.rotations == {}


def test_second_request_while_one_is_open():
    world = World()
    world.request()
    with pytest.raises(RuleViolation) as caught:
        world.request(target="mf-b4", rotation_id="rot-2")
    assert caught.value.details["rule"] == "open_rotation_exists"
    assert caught.value.details["rotation_ids"] == ["rot-1"]


# --- a refusal resting on an assumed minimum says so --------------------------------------------

def test_a_refusal_on_an_assumed_minimum_names_the_setting_its_value_and_why():
    from services.personnel.contract.assumptions import ASSUMED_SETTINGS
    with pytest.raises(RuleViolation) as caught:
        d.check_eligibility(servant(post_start=TODAY), post(), today=TODAY)
    assumption = caught.value.details["assumption"]
    assert (assumption["setting"], assumption["value"]) == ("min_months_in_post", 12)
    assert assumption["rationale"] == ASSUMED_SETTINGS["min_months_in_post"]
    json.dumps(caught.value.details)
    failures = {f.rule: f.details for f in d.eligibility_failures(
        servant(), post(category="C-1"), today=TODAY)}
    assert failures["category_incompatible"]["assumption"]["setting"] in (
        "max_category_steps_up", "max_category_steps_down")
    # a rule of a decree (the post is occupied) names no assumption
    occupied = {f.rule: f.details for f in d.eligibility_failures(
        servant(), post(status="occupied"), today=TODAY)}
    assert "assumption" not in occupied["target_post_occupied"]
