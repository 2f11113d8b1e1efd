"""Organisations, posts and civil servants against the real store: the unique keys hold whatever
the timing, servants leaving free their post through the pending-effects protocol, queries page."""
from datetime import date, timedelta

import pytest

from services.common.errors import DuplicateKey, NotFound, RuleViolation, ValidationFailed
from services.personnel import domain
from tests.support.personnel_harness import TODAY, personnel, world  # noqa: F401

pytestmark = pytest.mark.integration


def _servant_data(post, serial=7, **extra):
    return {"iin": domain.first_valid_iin(date(1988, 1, 1), "male", serial),
            "full_name": "Akhmetov Nurlan Serikuly", "position_id": post["position_id"],
            "service_start": "2012-09-01", "post_start": "2022-02-01", **extra}


def test_iin_is_unique_by_the_store_index(personnel, world):
    data = _servant_data(world.post(world.kz35, "D-3"))
    first = personnel.rpc.register_civil_servant(data, "hr-kz35")
    assert first["iin"] == data["iin"]  # the service answers in full; the gateway masks
    with pytest.raises(DuplicateKey) as again:
        personnel.rpc.register_civil_servant({**data, "position_id": world.post(
            world.kz35, "D-3")["position_id"]}, "hr-kz35")
    assert again.value.details == {"fields": ["iin"]}
    # the index itself, not only the check before it: a direct second insert fails too
    servants = personnel.repo("servants")
    clone = {**servants.find(first["servant_id"]), "servant_id": "cs-clone", "position_id": None}
    with pytest.raises(DuplicateKey):
        servants.save_new(clone)
    assert personnel.db.servants.count_documents({"iin": data["iin"]}) == 1


def test_a_post_has_one_holder_and_one_servant_one_open_rotation(personnel, world):
    post = world.post(world.kz35, "D-3")
    holder = personnel.rpc.register_civil_servant(_servant_data(post, 11), "hr-kz35")
    with pytest.raises(RuleViolation) as taken:
        personnel.rpc.register_civil_servant(_servant_data(post, 12), "hr-kz35")
    assert taken.value.details["rule"] == "position_status"
    servants = personnel.repo("servants")
    twin = {**servants.find(holder["servant_id"]), "servant_id": "cs-twin", "iin": "000000000000"}
    with pytest.raises(DuplicateKey):  # the unique post_holder_key, whatever the timing
        servants.save_new(twin)

    # two requests for one servant racing past the rules: the store keeps one open
    target = world.post(world.mne, "C-4")
    rotations = personnel.repo("rotations")
    first = world.request(holder, target)
    commands = personnel.commands()
    commands.rotations.open_for_servant = lambda servant_id: []
    commands._settled_servant = lambda servant_id, field=None: {
        **servants.find(servant_id), "open_rotation_id": None}
    real_find = commands.servants.find
    commands.servants.find = lambda servant_id: {**real_find(servant_id), "open_rotation_id": None}
    with pytest.raises(RuleViolation) as second:
        commands.request_rotation({"servant_id": holder["servant_id"],
                                   "target_position_id": world.post(world.mne, "C-4")["position_id"],
                                   "planned_start": (TODAY + timedelta(days=30)).isoformat(),
                                   "term_months": 12}, "hr-kz35")
    assert second.value.details["rule"] == "open_rotation_exists"
    assert [r["rotation_id"] for r in rotations.open_for_servant(holder["servant_id"])] == [
        first["rotation_id"]]


def test_servant_leaving_frees_the_post_and_updates_are_checked(personnel, world):
    post = world.post(world.kz35, "D-3")
    servant = personnel.rpc.register_civil_servant(_servant_data(post, 21), "hr-kz35")
    renamed = personnel.rpc.update_civil_servant(servant["servant_id"],
                                                 {"full_name": "Akhmetova Aigerim"}, "hr-kz35")
    assert renamed["full_name"] == "Akhmetova Aigerim" and renamed["version"] == 2
    with pytest.raises(ValidationFailed) as bad:
        personnel.rpc.update_civil_servant(servant["servant_id"], {"iin": "880101300123"},
                                           "hr-kz35")
    assert "iin" in bad.value.details
    retired = personnel.rpc.update_civil_servant(servant["servant_id"], {"status": "retired"},
                                                 "hr-kz35")
    assert (retired["status"], retired["position_id"]) == ("retired", None)
    freed = personnel.rpc.get_position(post["position_id"])
    assert (freed["status"], freed["holder"]) == ("vacant", None)
    assert personnel.doc("servants", servant["servant_id"])["pending_keys"] == []
    # the freed post takes a new holder
    personnel.rpc.register_civil_servant(_servant_data(post, 22), "hr-kz35")


def test_bad_iin_is_400_and_an_unknown_reference_404_naming_the_field(personnel, world):
    post = world.post(world.kz35, "D-3")
    good = _servant_data(post)["iin"]
    wrong_check = good[:11] + str((int(good[11]) + 1) % 10)
    cases = [({"iin": wrong_check}, "iin", ValidationFailed),
             ({"date_of_birth": "1988-01-02"}, "date_of_birth", ValidationFailed),
             ({"position_id": "no-such-post"}, "position_id", NotFound),
             ({"post_start": "2011-01-01"}, "post_start", ValidationFailed)]
    for change, field, error in cases:
        with pytest.raises(error) as refused:
            personnel.rpc.register_civil_servant({**_servant_data(post), **change}, "hr-kz35")
        assert field in refused.value.details, (change, refused.value.details)
    with pytest.raises(NotFound):
        personnel.rpc.get_civil_servant("no-such-servant")
    with pytest.raises(ValidationFailed) as central:
        personnel.rpc.create_organisation({"name": "Ministry", "kind": "central",
                                           "region_code": "KZ-35"}, "hr-admin")
    assert "region_code" in central.value.details


def test_queries_filter_and_page(personnel, world):
    kz35_posts = [world.post(world.kz35, "D-4") for _ in range(3)]
    kz10_post = world.post(world.kz10, "D-4")
    old = world.servant(kz35_posts[0], post_start=date(2019, 5, 1))
    world.servant(kz35_posts[1], post_start=date(2023, 5, 1))
    world.servant(kz10_post, post_start=date(2020, 1, 1))

    kz35 = personnel.rpc.list_civil_servants({"region": "KZ-35"})
    assert kz35["total"] == 2 and {s["home_region"] for s in kz35["items"]} == {"KZ-35"}
    assert personnel.rpc.list_civil_servants({}, ["KZ-10"])["total"] == 1
    due = personnel.rpc.list_civil_servants({"due_before": TODAY.isoformat(), "region": "KZ-35"})
    assert [s["servant_id"] for s in due["items"]] == [old["servant_id"]]
    assert due["items"][0]["rotation_due_date"] == "2023-05-01"
    vacant = personnel.rpc.list_positions({"org_id": world.kz35["org_id"], "status": "vacant"})
    assert [p["position_id"] for p in vacant["items"]] == [kz35_posts[2]["position_id"]]
    orgs = personnel.rpc.list_organisations({"kind": "regional", "page_size": 1})
    assert (orgs["total"], len(orgs["items"]), orgs["page_size"]) == (2, 1, 1)
    assert personnel.rpc.get_organisation(world.mne["org_id"])["status"] == "active"
