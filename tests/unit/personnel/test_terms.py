"""Mandatory rotation: due after 4 years in a post, extension to 6 by the head of the body and to
8 only with the agency, nothing beyond; who is due today; one ``rotation_due`` per case."""
from datetime import date, timedelta

import pytest

from services.common.errors import RuleViolation, ValidationFailed
from services.common.events import build_event
from services.personnel import domain as d
from services.personnel.contract import events as personnel_events  # registers the payload schemas
from services.personnel.domain.dates import add_years
from tests.support.personnel_world import NOW, TODAY, World, at

POST_START = date(2019, 3, 1)


def servant(**overrides) -> dict:
    base = {"servant_id": "cs-1", "status": "active", "open_rotation_id": None, "home_region": "KZ-35",
            "post_region": "KZ-35", "org_id": "org-kz35", "position_id": "kz35-c3-own",
            "post_start": POST_START, "date_of_birth": date(1985, 5, 17), "sex": "male",
            "rotation_extensions": [], "last_rotation_due_key": None, "version": 1}
    base.update(overrides)
    return base


def extend(doc, authority, years=None, until=None, basis="order 12"):
    return d.extend_mandatory_rotation(
        doc, authority=authority, until=until or add_years(POST_START, years), basis=basis,
        by="head-1", now=NOW)[0]


def test_due_four_years_after_the_post_start():
    assert d.rotation_due_date(servant()) == date(2023, 3, 1)


@pytest.mark.parametrize("authority, years, allowed", [
    (d.HEAD_OF_BODY, 5, True), (d.HEAD_OF_BODY, 6, True), (d.HEAD_OF_BODY, 7, False),
    (d.AGENCY, 6, True), (d.AGENCY, 7, True), (d.AGENCY, 8, True), (d.AGENCY, 9, False),
])
def test_extension_limits_by_authority(authority, years, allowed):
    if allowed:
        extended = extend(servant(), authority, years)
        assert d.rotation_due_date(extended) == add_years(POST_START, years)
        return
    with pytest.raises(RuleViolation) as caught:
        extend(servant(), authority, years)
    assert caught.value.details["rule"] == "term_limit"
    assert caught.value.details["authority"] == authority


def test_one_day_beyond_the_head_limit_needs_the_agency():
    with pytest.raises(RuleViolation) as caught:
        extend(servant(), d.HEAD_OF_BODY, until=add_years(POST_START, 6) + timedelta(days=1))
    assert caught.value.details["needs"] == d.AGENCY
    assert caught.value.details["limit"] == "2025-03-01"


def test_head_then_agency_then_nothing_more():
    doc = extend(servant(), d.HEAD_OF_BODY, 6)
    doc = extend(doc, d.AGENCY, 8, basis="agency consent 2025-77")
    assert d.rotation_due_date(doc) == date(2027, 3, 1)
    assert [(e["authority"], e["until"], e["previous_due_date"], e["basis"])
            for e in doc["rotation_extensions"]] == [
        (d.HEAD_OF_BODY, date(2025, 3, 1), date(2023, 3, 1), "order 12"),
        (d.AGENCY, date(2027, 3, 1), date(2025, 3, 1), "agency consent 2025-77")]
    with pytest.raises(RuleViolation) as caught:
        extend(doc, d.AGENCY, until=date(2027, 3, 2))
    assert caught.value.details["rule"] == "term_limit"


@pytest.mark.parametrize("kwargs, field", [
    ({"authority": "minister"}, "authority"),
    ({"basis": " "}, "basis"),
    ({"until": date(2023, 3, 1)}, "until"),  # not later than the current due date
])
def test_extension_input(kwargs, field):
    args = {"authority": d.HEAD_OF_BODY, "until": date(2024, 3, 1), "basis": "order", "by": "h", "now": NOW}
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as caught:
        d.extend_mandatory_rotation(servant(), **args)
    assert field in caught.value.details


def test_limits_come_from_policy():
    settings = d.PersonnelSettings(rotation_due_years=3, head_extension_limit_years=5,
                               agency_extension_limit_years=7)
    assert d.rotation_due_date(servant(), settings) == date(2022, 3, 1)
    with pytest.raises(RuleViolation):
        d.extend_mandatory_rotation(servant(), authority=d.HEAD_OF_BODY, until=add_years(POST_START, 6),
                                    basis="b", by="h", now=NOW, settings=settings)


def test_extensions_of_a_previous_post_do_not_count():
    doc = extend(servant(), d.HEAD_OF_BODY, 6)
    moved = {**doc, "post_start": date(2024, 1, 10)}
    assert d.rotation_due_date(moved) == date(2028, 1, 10)


# --- who is due ----------------------------------------------------------------------------

def test_due_rotations_lists_only_who_is_due_and_not_exempt():
    people = [
        servant(servant_id="due-1"),  # due since 2023
        servant(servant_id="fresh", post_start=date(2023, 1, 1)),  # due 2027
        servant(servant_id="due-today", post_start=add_years(TODAY, -4)),
        servant(servant_id="tomorrow", post_start=add_years(TODAY, -4) + timedelta(days=1)),
        servant(servant_id="extended", rotation_extensions=[
            {"post_start": POST_START, "until": date(2025, 12, 1)}]),
        servant(servant_id="near-retirement", date_of_birth=date(1964, 1, 1)),
        servant(servant_id="seconded", status="seconded"),
        servant(servant_id="rotating", open_rotation_id="rot-1"),
        servant(servant_id="retired", status="retired"),
    ]
    due = d.due_rotations(people, TODAY)
    assert [x.servant_id for x in due] == ["due-1", "due-today"]
    first = due[0]
    assert (first.due_date, first.years_in_post, first.extended, first.home_region) == (
        date(2023, 3, 1), 6, False, "KZ-35")


def test_due_key_identifies_servant_post_and_due_date():
    key = d.rotation_due_key("cs-1", POST_START, date(2023, 3, 1))
    assert key == "cs-1:2019-03-01:2023-03-01"
    assert d.due_rotation(servant(), TODAY).due_key == key
    assert d.rotation_due_key("cs-1", POST_START, date(2025, 3, 1)) != key


def test_rotation_due_is_emitted_once_per_case():
    doc = servant()
    due = d.due_rotation(doc, TODAY)
    doc, events = d.record_rotation_due(doc, due, now=NOW)
    [(kind, payload)] = events
    assert kind == "rotation_due" and payload["due_key"] == due.due_key
    envelope = build_event(kind, payload, region_code=d.event_region(payload), occurred_at=NOW)
    assert envelope["region_code"] == "KZ-35" and "rotation_due" in personnel_events.PUBLISHED_EVENTS

    again, events = d.record_rotation_due(doc, d.due_rotation(doc, TODAY), now=at(1))
    assert events == [] and again is doc

    # an extension makes a new case, due again once the extended date passes
    extended = extend(doc, d.HEAD_OF_BODY, 6)
    assert d.due_rotation(extended, date(2025, 2, 28)) is None
    later = d.due_rotation(extended, TODAY)
    assert later.due_key != due.due_key and later.extended
    _, events = d.record_rotation_due(extended, later, now=at(2))
    assert [k for k, _ in events] == ["rotation_due"]


def test_registered_servant_is_due_through_the_real_documents():
    world = World()
    world.servant("cs-2", "kz35-c2-free", post_start=date(2020, 6, 1))
    assert [x.servant_id for x in d.due_rotations(world.servants.values(), TODAY)] == ["cs-2", "cs-1"]
    world.request()
    assert [x.servant_id for x in d.due_rotations(world.servants.values(), TODAY)] == ["cs-2"]
