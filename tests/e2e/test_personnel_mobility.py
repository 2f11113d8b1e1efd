"""Region–centre–region mobility over HTTP, as HR officers use it: a secondment from a region to a
ministry, approved by both sides, started, returned from and completed; the facts reach the hub's
journal; officers of other regions and roles without the permission are refused."""
import random
from datetime import date, timedelta

import pytest

from services.personnel.domain.iin import first_valid_iin
from tests.support import wait_until

pytestmark = pytest.mark.e2e

API = "/api/v1/personnel"
REGION = "KZ-62"  # Ulytau
TODAY = date.today()


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def _created(answer) -> dict:
    assert answer.status_code == 201, answer.text
    return answer.json()


def _ok(answer) -> dict:
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refused(answer, status: int, rule: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    body = answer.json()
    if rule:
        assert body["details"]["rule"] == rule, body
    return body


@pytest.fixture
def bodies(platform):
    admin = platform.api("admin")
    akimat = _created(admin.post(f"{API}/organisations", json={
        "name": "Akimat of Ulytau region", "kind": "regional", "region_code": REGION}))
    ministry = _created(admin.post(f"{API}/organisations", json={
        "name": "Ministry of National Economy", "kind": "central", "region_code": None}))

    def post(org, category):
        return _created(admin.post(f"{API}/organisations/{org['org_id']}/positions", json={
            "title": "Head of Division", "corps": "B", "category": category}))

    return {"akimat": akimat, "ministry": ministry, "post": post}


def _register(officer, position, *, post_start="2021-03-01") -> dict:
    serial = random.Random().randint(0, 9999)
    return _created(officer.post(f"{API}/civil-servants", json={
        "iin": first_valid_iin(date(1986, 4, 12), "female", serial),
        "full_name": "Zhaksybekova Aigerim Nurlankyzy", "position_id": position["position_id"],
        "service_start": "2010-09-01", "post_start": post_start}))


def test_secondment_to_a_ministry_and_back(platform, bodies):
    sending = platform.api("hr_officer", REGION, subject="hr-ulytau")
    clerk = platform.api("hr_officer", REGION, subject="hr-ulytau-clerk")  # requests, never approves
    central = platform.api("hr_officer", None, subject="hr-mne")
    other_region = platform.api("hr_officer", "KZ-10", subject="hr-abai")
    analyst = platform.api("ministry_analyst")
    own, target = bodies["post"](bodies["akimat"], "D-3"), bodies["post"](bodies["ministry"], "C-4")

    servant = _register(sending, own)
    assert servant["iin_masked"] is False and len(servant["iin"]) == 12
    seen_by_analyst = _ok(analyst.get(f"{API}/civil-servants/{servant['servant_id']}"))
    assert seen_by_analyst["iin"] == "************" and "sex" not in seen_by_analyst
    assert seen_by_analyst["birth_year"] == int(servant["date_of_birth"][:4])
    assert "date_of_birth" not in seen_by_analyst
    assert seen_by_analyst["iin_masked"] is True
    # to an officer of another region it does not exist: the very answer for an unknown id
    hidden = _refused(other_region.get(f"{API}/civil-servants/{servant['servant_id']}"), 404)
    unknown = _refused(other_region.get(f"{API}/civil-servants/no-such-servant"), 404)
    assert hidden == {**unknown, "details": {"servant_id": servant["servant_id"]}}

    rotation = _created(clerk.post(f"{API}/rotations", json={
        "servant_id": servant["servant_id"], "target_position_id": target["position_id"],
        "planned_start": _day(30), "term_months": 24, "basis": "mobility programme",
        "return_position_id": own["position_id"]}))
    rotation_url = f"{API}/rotations/{rotation['rotation_id']}"
    assert (rotation["direction"], rotation["from_region"], rotation["to_region"]) == (
        "region_to_centre", REGION, None)

    # officers of another region neither see nor move it; analysts do not approve
    _refused(other_region.get(rotation_url), 404)
    _refused(other_region.post(f"{rotation_url}/approve", json={}), 404)
    _refused(analyst.post(f"{rotation_url}/approve", json={"side": "receiving"}), 403)
    # the sending officer approves for the sending side only, and only once
    _refused(sending.post(f"{rotation_url}/approve", json={"side": "receiving"}), 403)
    half = _ok(sending.post(f"{rotation_url}/approve", json={"comment": "agreed"}))
    assert half["status"] == "partially_approved"
    _refused(sending.post(f"{rotation_url}/approve", json={}), 409, "double_approval")
    # the ministry's HR (no region) names its side
    side = _refused(central.post(f"{rotation_url}/approve", json={}), 422)  # a rule, not the body
    assert list(side["details"]) == ["side"]
    approved = _ok(central.post(f"{rotation_url}/approve", json={"side": "receiving"}))
    assert approved["status"] == "approved"
    assert [(a["side"], a["by"]) for a in approved["approvals"]] == [
        ("sending", "hr-ulytau"), ("receiving", "hr-mne")]
    assert [h["by"] for h in approved["history"] if h["action"] == "approve"] == [
        "hr-ulytau", "hr-mne"]

    _refused(other_region.post(f"{rotation_url}/start", json={"start_date": _day(30)}), 404)
    started = _ok(central.post(f"{rotation_url}/start", json={"start_date": _day(30)}))
    assert started["status"] == "started"
    _refused(central.post(f"{rotation_url}/extend", json={
        "new_end": _day(30 + 4 * 365), "basis": "programme review"}), 409, "secondment_term")
    away = _ok(sending.get(f"{API}/civil-servants/{servant['servant_id']}"))
    assert (away["status"], away["position_id"]) == ("seconded", target["position_id"])

    _ok(central.post(f"{rotation_url}/return", json={"return_date": _day(400)}))
    done = _ok(sending.post(f"{rotation_url}/complete", json={"end_date": _day(402)}))
    assert done["status"] == "completed" and done["career_credit_awarded"] is True
    back = _ok(sending.get(f"{API}/civil-servants/{servant['servant_id']}"))
    assert (back["status"], back["position_id"]) == ("active", own["position_id"])

    def journal(event_type):
        items = _ok(analyst.get("/api/v1/hub/journal", params={"type": event_type}))["items"]
        return [i for i in items if i["payload"].get("rotation_id") == rotation["rotation_id"]]

    [completed] = wait_until(lambda: journal("rotation_completed"), timeout=30,
                             message="rotation_completed in the hub journal")
    assert completed["source"] == "personnel" and completed["region_code"] == REGION
    assert "iin" not in completed["payload"]
    for event_type in ("rotation_requested", "rotation_approved", "rotation_started"):
        assert len(wait_until(lambda event_type=event_type: journal(event_type), timeout=30, message=event_type)) == 1

    listed = _ok(sending.get(f"{API}/rotations", params={"status": "completed"}))
    assert rotation["rotation_id"] in {r["rotation_id"] for r in listed["items"]}
    elsewhere = _ok(other_region.get(f"{API}/rotations", params={"status": "completed"}))
    assert rotation["rotation_id"] not in {r["rotation_id"] for r in elsewhere["items"]}
    figures = _ok(sending.get(f"{API}/statistics/regions/{REGION}"))
    assert figures["completed_cycles"] >= 1 and figures["out_to_centre"] >= 1
    _refused(sending.get(f"{API}/statistics/regions/KZ-10"), 403)


def test_bad_input_is_400_naming_the_field_and_rules_are_409(platform, bodies):
    admin = platform.api("admin")
    own, target = bodies["post"](bodies["akimat"], "D-3"), bodies["post"](bodies["ministry"], "C-4")
    good = first_valid_iin(date(1990, 1, 2), "male", 77)
    bad_check = good[:11] + str((int(good[11]) + 1) % 10)
    answer = _refused(admin.post(f"{API}/civil-servants", json={
        "iin": bad_check, "full_name": "Omarov Askar", "position_id": own["position_id"],
        "service_start": "2012-09-01", "post_start": "2020-01-01"}), 400)
    assert "iin" in answer["details"]
    _refused(admin.post(f"{API}/civil-servants", json={
        "iin": good, "full_name": "Omarov Askar", "position_id": "no-such-post",
        "service_start": "2012-09-01", "post_start": "2020-01-01"}), 404)
    servant = _register(admin, own, post_start=_day(-100))  # too new in the post to rotate
    ineligible = _refused(admin.post(f"{API}/rotations", json={
        "servant_id": servant["servant_id"], "target_position_id": target["position_id"],
        "planned_start": _day(30), "term_months": 12}), 409, "min_time_in_post")
    assert "min_time_in_post" in ineligible["details"]["failed_rules"]
    order = _refused(admin.post(f"{API}/rotations", json={
        "servant_id": servant["servant_id"], "target_position_id": target["position_id"],
        "planned_start": _day(30), "planned_end": _day(10)}), 400)
    assert "planned_end" in order["details"]
    unknown = _refused(admin.post(f"{API}/rotations", json={
        "servant_id": servant["servant_id"], "target_position_id": "no-such-post",
        "planned_start": _day(30), "term_months": 12}), 404)
    assert unknown["details"] == {"target_position_id": ["unknown position"]}


def test_admin_approves_as_receiving_side_and_due_rotations_are_listed(platform, bodies):
    sending = platform.api("hr_officer", REGION, subject="hr-ulytau-2")
    clerk = platform.api("hr_officer", REGION, subject="hr-ulytau-2-clerk")
    admin = platform.api("admin", subject="admin-1")
    servant = _register(sending, bodies["post"](bodies["akimat"], "D-3"), post_start="2018-02-01")
    rotation = _created(clerk.post(f"{API}/rotations", json={
        "servant_id": servant["servant_id"],
        "target_position_id": bodies["post"](bodies["ministry"], "C-4")["position_id"],
        "planned_start": _day(10), "term_months": 12}))
    url = f"{API}/rotations/{rotation['rotation_id']}"
    _ok(sending.post(f"{url}/approve", json={}))
    approved = _ok(admin.post(f"{url}/approve", json={"side": "receiving"}))
    assert approved["approvals"][-1]["by"] == "admin-1"
    cancelled = _ok(sending.post(f"{url}/cancel", json={"reason": "family circumstances"}))
    assert cancelled["status"] == "cancelled"

    scan = _ok(admin.post(f"{API}/due-rotations/scan", json={}))
    assert scan["due"] >= 1
    _refused(sending.post(f"{API}/due-rotations/scan", json={}), 403)  # a national action
    due = _ok(sending.get(f"{API}/due-rotations"))
    assert servant["servant_id"] in {c["servant_id"] for c in due["items"]}
    assert {c["home_region"] for c in due["items"]} == {REGION}
