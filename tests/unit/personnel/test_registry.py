"""Organisations, posts and civil servants: validation, post statuses, registration and updates."""
from datetime import date

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.personnel import domain as d
from services.personnel.domain.iin import REASON_CHECK_DIGIT, REASON_FORMAT
from tests.support.personnel_world import NOW, World

# --- organisations and posts -----------------------------------------------------------------

@pytest.mark.parametrize("data, field", [
    ({"name": "Akimat", "kind": "regional", "region_code": None}, "region_code"),
    ({"name": "Akimat", "kind": "district", "region_code": "KZ-99"}, "region_code"),
    ({"name": "Ministry", "kind": "central", "region_code": "KZ-71"}, "region_code"),
    ({"name": " ", "kind": "central", "region_code": None}, "name"),
    ({"name": "Body", "kind": "federal", "region_code": None}, "kind"),
])
def test_invalid_organisation(data, field):
    with pytest.raises(ValidationFailed) as caught:
        d.create_organisation(data, org_id="o", now=NOW)
    assert field in caught.value.details


def test_post_copies_kind_and_region_of_its_body(world):
    post = world.posts["kz35-c3-own"]
    assert (post["org_kind"], post["region_code"], post["status"], post["holder"], post["version"]) == (
        "regional", "KZ-35", "occupied", "cs-1", 2)
    assert world.posts["mne-b4"]["region_code"] is None


@pytest.mark.parametrize("org_id, corps, category, field", [
    ("org-mne", "B", "D-3", "category"),  # oblast category in a ministry
    ("org-kz35", "B", "C-4", "category"),  # central category in an akimat
    ("org-kz35", "B", "Z-1", "category"),  # unknown
    ("org-kz35", "A", "D-3", "category"),  # D-3 is corps B
    ("org-kz35", "C", "D-3", "corps"),
])
def test_invalid_post(world, org_id, corps, category, field):
    with pytest.raises(ValidationFailed) as caught:
        d.create_position({"title": "t", "corps": corps, "category": category}, world.orgs[org_id],
                          position_id="p", now=NOW)
    assert field in caught.value.details


def test_rural_categories_belong_to_district_bodies(world):
    post, _ = d.create_position({"title": "Rural specialist", "corps": "B", "category": "E-G-2"},
                                world.orgs["org-kz35-d1"], position_id="p", now=NOW)
    assert post["category"] == "E-G-2"


@pytest.mark.parametrize("operation, status, ok", [
    ("occupy", "vacant", True), ("occupy", "occupied", False), ("occupy", "being_vacated", False),
    ("announce", "occupied", True), ("announce", "vacant", False),
    ("vacate", "occupied", True), ("vacate", "being_vacated", True), ("vacate", "vacant", False),
    ("reserve", "vacant", True), ("reserve", "being_vacated", False),
])
def test_post_status_changes(operation, status, ok):
    post = {"position_id": "p", "status": status, "holder": None if status == "vacant" else "x",
            "reserved_for": None, "version": 3}
    run = {"occupy": lambda: d.occupy(post, "cs-9", now=NOW),
           "announce": lambda: d.announce_vacating(post, now=NOW),
           "vacate": lambda: d.vacate(post, now=NOW),
           "reserve": lambda: d.reserve(post, "rot-1", now=NOW)}[operation]
    if ok:
        assert run()["version"] == 4
    else:
        with pytest.raises(RuleViolation) as caught:
            run()
        assert caught.value.details["rule"] == "position_status"


def test_category_letters_follow_the_register_of_positions():
    """Decree No. 150: B apex bodies, C central bodies, D oblast level, E district level, E-G the
    apparatus of rural akims (kept under district bodies)."""
    register = d.default_category_register()
    level_of = {c.code: (c.level, tuple(sorted(c.org_kinds))) for c in register}
    assert level_of["B-1"] == ("central", ("central",))
    assert level_of["C-4"] == ("central", ("central",))
    assert level_of["D-3"] == ("regional", ("regional",))
    assert level_of["E-2"] == ("district", ("district",))
    assert level_of["E-G-1"] == ("rural", ("district",))
    assert not register.allowed_for("D-1", "central") and not register.allowed_for("C-1", "regional")
    assert register.at_least("B-3", "C-3") and not register.at_least("C-3", "B-3")


def test_category_register_compares_across_levels():
    register = d.default_category_register()
    assert register.at_least("D-1", "C-3") and register.at_least("C-3", "D-1")
    assert register.at_least("D-2", "D-3") and not register.at_least("D-4", "D-3")
    assert register.step("D-3", "C-4") == 1
    assert register.for_org_kind("central")[:2] == ["A-1", "A-2"]
    assert register.for_org_kind("central", corps="B") == [
        "B-1", "B-2", "C-1", "B-3", "C-2", "B-4", "C-3", "B-5", "C-4", "B-6", "C-5", "C-6"]
    with pytest.raises(ValueError):
        d.CategoryRegister([d.Category("C-1", "B", "central", 1, frozenset({"central"}))] * 2)


def test_policy_refuses_inconsistent_settings():
    with pytest.raises(ValueError):
        d.PersonnelSettings(min_term_months=24, max_term_months=12)
    with pytest.raises(ValueError):
        d.PersonnelSettings(head_extension_limit_years=9)
    with pytest.raises(ValueError):
        d.PersonnelSettings(retirement_age_years={"male": 63})


# --- registration --------------------------------------------------------------------------

def registration(**overrides):
    data = {"iin": "880101300123", "full_name": "Akhmetov Nurlan Serikuly", "date_of_birth": date(1988, 1, 1),
            "sex": "male", "service_start": date(2012, 9, 1), "post_start": date(2022, 1, 10)}
    data.update(overrides)
    return data


def test_registration_occupies_the_post_and_announces_without_iin(world):
    changed, [(kind, payload)] = d.register_civil_servant(
        registration(), servant_id="cs-9", position=world.posts["kz35-c2-free"], now=NOW)
    servant = changed.servant
    assert (servant["date_of_birth"], servant["sex"], servant["home_region"], servant["category"],
            servant["status"], servant["post_region"]) == (date(1988, 1, 1), "male", "KZ-35", "D-2", "active", "KZ-35")
    assert changed.positions[0]["holder"] == "cs-9" and changed.positions[0]["status"] == "occupied"
    assert kind == "civil_servant_registered" and "880101300123" not in repr(payload)
    assert payload["home_region"] == "KZ-35"


def test_birth_date_and_sex_default_from_the_iin(world):
    changed, _ = d.register_civil_servant(registration(date_of_birth=None, sex=None), servant_id="cs-9",
                                          position=world.posts["kz35-c2-free"], now=NOW)
    assert (changed.servant["date_of_birth"], changed.servant["sex"]) == (date(1988, 1, 1), "male")


@pytest.mark.parametrize("overrides, expected", [
    ({"date_of_birth": date(1988, 1, 2)}, {"date_of_birth": ["does not match IIN"]}),
    ({"sex": "female"}, {"sex": ["does not match IIN"]}),
    ({"iin": "880101300124"}, {"iin": [REASON_CHECK_DIGIT]}),
    ({"iin": "8801013001"}, {"iin": [REASON_FORMAT]}),
    ({"post_start": date(2011, 1, 1)}, {"post_start": ["must not precede service_start"]}),
    ({"category": "D-1"}, {"category": ["does not match the position"]}),
])
def test_registration_problems(world, overrides, expected):
    with pytest.raises(ValidationFailed) as caught:
        d.register_civil_servant(registration(**overrides), servant_id="cs-9",
                                 position=world.posts["kz35-c2-free"], now=NOW)
    assert caught.value.details == expected


def test_every_bad_field_at_once(world):
    with pytest.raises(ValidationFailed) as caught:
        d.register_civil_servant(registration(date_of_birth=date(1990, 1, 1), full_name="",
                                              service_start=date(2000, 1, 1)),
                                 servant_id="cs-9", position=world.posts["kz35-c2-free"], now=NOW)
    assert set(caught.value.details) == {"date_of_birth", "full_name", "service_start"}


def test_central_post_needs_a_home_region(world):
    with pytest.raises(ValidationFailed) as caught:
        d.register_civil_servant(registration(), servant_id="cs-9", position=world.posts["mne-b4"], now=NOW)
    assert "home_region" in caught.value.details


def test_registration_into_an_occupied_post_is_refused(world):
    with pytest.raises(RuleViolation) as caught:
        d.register_civil_servant(registration(), servant_id="cs-9", position=world.posts["kz35-c3-own"], now=NOW)
    assert caught.value.details["rule"] == "position_status"


# --- updates -------------------------------------------------------------------------------

def test_retiring_frees_the_post(world):
    changed, events = d.update_civil_servant(world.servants["cs-1"], {"status": "retired"}, now=NOW,
                                             position=world.posts["kz35-c3-own"])
    assert events == []
    assert changed.servant["status"] == "retired" and changed.servant["position_id"] is None
    assert changed.positions[0]["status"] == "vacant"


@pytest.mark.parametrize("changes, rule", [
    ({"status": "retired"}, "open_rotation_exists"),
    ({"home_region": "KZ-10"}, "open_rotation_exists"),
    ({"status": "seconded"}, "servant_status"),
])
def test_updates_refused(changes, rule):
    world = World()
    world.request()
    with pytest.raises(RuleViolation) as caught:
        d.update_civil_servant(world.servants["cs-1"], changes, now=NOW, position=world.posts["kz35-c3-own"])
    assert caught.value.details["rule"] == rule


def test_simple_updates(world):
    changed, _ = d.update_civil_servant(world.servants["cs-1"], {"full_name": " New Name ", "status": "on_leave"},
                                        now=NOW)
    assert (changed.servant["full_name"], changed.servant["status"]) == ("New Name", "on_leave")
    with pytest.raises(ValidationFailed) as caught:
        d.update_civil_servant(world.servants["cs-1"], {"iin": "900512400018"}, now=NOW)
    assert caught.value.details == {"iin": ["cannot be changed"]}
