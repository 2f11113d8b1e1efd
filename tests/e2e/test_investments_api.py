"""Investment projects over HTTP on the whole platform: the pipeline end to end into the hub
journal, refusals (400 naming fields, 403 by role and region, 404, 409), exports and summaries.

The platform (one per test session) is shared: every test registers projects of its own, with
external references made unique per test, and looks only at those.
"""
import csv
import io
import uuid

import pytest

from services.investments.application.demo_data import example_project
from tests.support import wait_until

pytestmark = pytest.mark.e2e

REGION = "KZ-39"  # Kostanay region (example_project's)
OTHER_REGION = "KZ-55"


def _ref(label: str) -> str:
    return f"E2E-{label}-{uuid.uuid4().hex[:10]}"


def _register(api, **overrides) -> dict:
    body = example_project(external_ref=_ref("P"), **overrides)
    answer = api.post("/api/v1/projects", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _command(api, project: dict, path: str, body: dict) -> dict:
    answer = api.post(f"/api/v1/projects/{project['id']}/{path}",
                      json={**body, "expected_version": project["version"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _journal(analyst, event_type: str, project_id: str) -> list[dict]:
    items = analyst.get("/api/v1/hub/journal",
                        params={"type": event_type, "limit": 200}).json()["items"]
    return [i for i in items if i["payload"]["project_id"] == project_id]


@pytest.fixture(scope="module")
def officer(platform):
    return platform.api("regional_officer", REGION, subject="officer-kostanay")


@pytest.fixture(scope="module")
def other_officer(platform):
    return platform.api("regional_officer", OTHER_REGION, subject="officer-pavlodar")


@pytest.fixture(scope="module")
def analyst(platform):
    return platform.api("ministry_analyst")


def test_project_moves_through_every_stage_and_commissioning_reaches_the_hub_once(
        officer, analyst):
    project = _register(officer)
    assert project["stage"] == "proposed" and project["version"] == 1
    assert project["allowed_next_stages"] == ["appraised", "cancelled", "suspended"]
    for stage in ("appraised", "approved", "financed"):
        project = _command(officer, project, "stage", {"stage": stage})
        assert project["stage"] == stage
    project = _command(officer, project, "stage",
                       {"stage": "under_implementation", "actual_start": "2025-04-15"})
    project = _command(officer, project, "progress", {
        "report_date": "2025-09-30", "invested_to_date_kzt": "4200000000.00",
        "jobs_created_to_date": 180,
        "milestones": [{"name": "foundation laid", "date": "2025-06-01"}]})
    assert project["jobs_created"] == 180 and project["invested_to_date_kzt"] == "4200000000.00"
    # commissioning before the actual start is bad input, named
    early = officer.post(f"/api/v1/projects/{project['id']}/stage",
                         json={"stage": "commissioned", "actual_commissioning": "2025-01-01",
                               "expected_version": project["version"]})
    assert early.status_code == 400 and "actual_commissioning" in early.json()["details"]
    project = _command(officer, project, "stage",
                       {"stage": "commissioned", "actual_commissioning": "2025-10-15"})
    assert project["actual_commissioning"] == "2025-10-15"
    project = _command(officer, project, "stage", {"stage": "evaluated"})
    assert project["stage"] == "evaluated" and project["version"] == 8
    assert [h["to"] for h in project["stage_history"]] == [
        "proposed", "appraised", "approved", "financed", "under_implementation", "commissioned",
        "evaluated"]

    entries = wait_until(lambda: _journal(analyst, "project_commissioned", project["id"]),
                         timeout=30, message="project_commissioned in the hub journal")
    # the evaluation was published after the commissioning: once it is in, nothing else comes
    wait_until(lambda: [e for e in _journal(analyst, "project_stage_changed", project["id"])
                        if e["payload"]["to_stage"] == "evaluated"],
               timeout=30, message="the later stage change in the journal")
    entries = _journal(analyst, "project_commissioned", project["id"])
    assert len(entries) == 1
    entry = entries[0]
    assert entry["source"] == "investments" and entry["region_code"] == REGION
    assert entry["payload"]["actual_commissioning"] == "2025-10-15"
    assert entry["payload"]["expected_annual_local_revenue_kzt"] == "310000000.00"


def test_suspend_and_resume_to_the_stage_it_left(officer):
    project = _register(officer)
    project = _command(officer, project, "stage", {"stage": "appraised"})
    project = _command(officer, project, "stage", {"stage": "suspended",
                                                   "reason": "awaiting land allocation"})
    assert project["suspended_from"] == "appraised"
    assert project["allowed_next_stages"] == ["appraised", "cancelled"]
    project = _command(officer, project, "stage", {"stage": "appraised"})
    assert project["stage"] == "appraised" and project["suspended_from"] is None
    assert project["stage_history"][-2]["reason"] == "awaiting land allocation"


def test_forbidden_move_is_409_listing_the_allowed_stages(officer):
    project = _register(officer)
    answer = officer.post(f"/api/v1/projects/{project['id']}/stage",
                          json={"stage": "commissioned", "expected_version": 1})
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "rule_violation"
    assert body["details"]["rule"] == "stage_transition"
    assert body["details"]["allowed"] == ["appraised", "cancelled", "suspended"]


def test_stale_version_is_409_and_changes_nothing(officer):
    project = _register(officer)
    first = officer.patch(f"/api/v1/projects/{project['id']}",
                          json={"expected_version": 1, "jobs_planned": 300})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = officer.patch(f"/api/v1/projects/{project['id']}",
                          json={"expected_version": 1, "jobs_planned": 999})
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale_version"
    stale_move = officer.post(f"/api/v1/projects/{project['id']}/stage",
                              json={"stage": "appraised", "expected_version": 1})
    assert stale_move.status_code == 409 and stale_move.json()["error"] == "stale_version"
    current = officer.get(f"/api/v1/projects/{project['id']}").json()
    assert current["jobs_planned"] == 300 and current["version"] == 2
    assert current["stage"] == "proposed"


@pytest.mark.parametrize("overrides,field", [
    ({"region_code": "KZ-99"}, "region_code"),
    ({"total_cost": {"amount": "-1000.00", "currency": "KZT"}}, "total_cost.amount"),
    ({"investor": {"name": "Tobyl Agro LLP", "country": "KZ", "bin": "123456789012"}},
     "investor.bin"),
    ({"investor": {"name": "Tobyl Agro LLP", "country": "KZ", "bin": "12345"}}, "investor.bin"),
    ({"total_cost": {"amount": "1000000.00", "currency": "EUR"}}, "total_cost.currency"),
    ({"jobs_planned": -1}, "jobs_planned"),
    ({"total_cost": {"amount": 1000000.5, "currency": "KZT"}}, "total_cost.amount"),
], ids=["unknown-region", "negative-cost", "bin-check-digit", "bin-length", "unknown-currency",
        "negative-jobs", "float-money"])
def test_bad_input_is_400_naming_the_field(platform, overrides, field):
    admin = platform.api("admin")
    answer = admin.post("/api/v1/projects", json=example_project(external_ref=_ref("BAD"),
                                                                 **overrides))
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "validation_failed"
    assert field in body["details"], body["details"]


@pytest.mark.parametrize("overrides,field", [
    ({"agglomeration": "almaty"}, "agglomeration"),  # Kostanay is not in the Almaty agglomeration
    ({"planned_start": "2026-06-01", "planned_commissioning": "2025-06-01"},
     "planned_commissioning"),
], ids=["agglomeration-outside-region", "commissioning-before-start"])
def test_a_rule_between_fields_is_422_naming_the_field(platform, overrides, field):
    # the document allows each value; a rule it cannot state refuses them together
    answer = platform.api("admin").post("/api/v1/projects", json=example_project(
        external_ref=_ref("RULE"), **overrides))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "unprocessable"
    assert list(answer.json()["details"]) == [field]


def test_every_bad_field_is_named_at_once(platform):
    answer = platform.api("admin").post("/api/v1/projects", json=example_project(
        external_ref=_ref("BAD"), sector="casino", jobs_planned="many",
        total_cost={"amount": "-5", "currency": "EUR"}))
    assert answer.status_code == 400
    assert {"sector", "jobs_planned", "total_cost.amount", "total_cost.currency"} <= set(
        answer.json()["details"])


def test_duplicate_external_ref_is_409(officer):
    project = _register(officer)
    again = officer.post("/api/v1/projects",
                         json=example_project(external_ref=project["external_ref"]))
    assert again.status_code == 409 and again.json()["error"] == "duplicate"


@pytest.mark.parametrize("method,suffix,body", [
    ("get", "", None), ("patch", "", {"expected_version": 1, "jobs_planned": 5}),
    ("post", "/stage", {"stage": "appraised", "expected_version": 1}),
    ("post", "/progress", {"expected_version": 1, "report_date": "2025-01-01",
                           "invested_to_date_kzt": "1.00", "jobs_created_to_date": 1}),
])
def test_unknown_project_is_404(platform, method, suffix, body):
    admin = platform.api("admin")
    answer = getattr(admin, method)(f"/api/v1/projects/{uuid.uuid4()}{suffix}",
                                    **({"json": body} if body else {}))
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_officer_of_another_region_can_neither_see_nor_touch_the_project(officer, other_officer):
    project = _register(officer)
    url = f"/api/v1/projects/{project['id']}"
    # to an officer of another region it does not exist: the very answer for an unknown id
    hidden = other_officer.get(url)
    unknown = other_officer.get("/api/v1/projects/no-such-project")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == {**unknown.json(), "message": unknown.json()["message"].replace(
        "no-such-project", project["id"]), "details": {"id": project["id"]}}
    assert other_officer.patch(url, json={"expected_version": 1, "jobs_planned": 1}) \
        .status_code == 404
    assert other_officer.post(f"{url}/stage", json={"stage": "appraised",
                                                    "expected_version": 1}).status_code == 404
    assert other_officer.post(f"{url}/progress", json={
        "expected_version": 1, "report_date": "2025-01-01", "invested_to_date_kzt": "1.00",
        "jobs_created_to_date": 1}).status_code == 404
    refused = other_officer.post("/api/v1/projects",
                                 json=example_project(external_ref=_ref("X")))  # KZ-39
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert other_officer.get("/api/v1/projects", params={"region_code": REGION}) \
        .status_code == 403
    own = other_officer.get("/api/v1/projects", params={"page_size": 200}).json()["items"]
    assert all(p["region_code"] == OTHER_REGION for p in own)
    assert other_officer.get(f"/api/v1/regions/{REGION}/projects/summary").status_code == 403
    assert officer.get(url).json()["version"] == 1  # untouched


def test_analyst_reads_every_region_but_cannot_write(officer, other_officer, analyst):
    mine = _register(officer)
    theirs = _register(other_officer, region_code=OTHER_REGION, district="Ekibastuz")
    assert analyst.get(f"/api/v1/projects/{mine['id']}").status_code == 200
    assert analyst.get(f"/api/v1/projects/{theirs['id']}").status_code == 200
    listed = analyst.get("/api/v1/projects",
                         params={"region_code": f"{REGION},{OTHER_REGION}", "page_size": 200})
    assert listed.status_code == 200
    assert {p["region_code"] for p in listed.json()["items"]} == {REGION, OTHER_REGION}
    writes = [
        analyst.post("/api/v1/projects", json=example_project(external_ref=_ref("A"))),
        analyst.patch(f"/api/v1/projects/{mine['id']}", json={"expected_version": 1,
                                                              "jobs_planned": 1}),
        analyst.post(f"/api/v1/projects/{mine['id']}/stage",
                     json={"stage": "appraised", "expected_version": 1}),
    ]
    assert [w.status_code for w in writes] == [403, 403, 403]


def test_listing_filters_and_pages_with_cursors(officer):
    marker = uuid.uuid4().hex[:8]
    made = [_register(officer, title=f"Marker {marker} plant no. {i}", jobs_planned=10 + i)
            for i in range(5)]
    seen, cursor = [], None
    while True:
        answer = officer.get("/api/v1/projects", params={
            "text": marker, "sort": "-jobs_planned", "page_size": 2,
            **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= 2
        seen.extend(p["id"] for p in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [p["id"] for p in reversed(made)]
    bad = officer.get("/api/v1/projects", params={"stage": "finished", "page_size": "0"})
    assert bad.status_code == 400 and {"stage", "page_size"} <= set(bad.json()["details"])


def test_export_as_csv_and_iati(officer, analyst):
    project = _register(officer)
    answer = analyst.get("/api/v1/projects/export", params={"format": "csv",
                                                            "region_code": REGION})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    row = next(r for r in rows if r["id"] == project["id"])
    assert row["external_ref"] == project["external_ref"]
    assert row["cost_kzt"] == "12500000000.00" and row["region_name"] == "Kostanay region"
    assert {r["region_code"] for r in rows} == {REGION}

    iati = analyst.get("/api/v1/projects/export", params={"format": "iati",
                                                          "region_code": REGION})
    assert iati.status_code == 200
    activities = iati.json()["iati-activities"]
    activity = next(a for a in activities
                    if a["iati-identifier"] == f"KZ-GOV-RDC-{project['external_ref']}")
    assert activity["activity-status"] == {"code": "1"}
    assert activity["budget"][0]["value"]["value"] == "12500000000.00"

    scoped = officer.get("/api/v1/projects/export", params={"format": "csv"})
    assert {r["region_code"] for r in csv.DictReader(io.StringIO(scoped.text))} == {REGION}
    assert analyst.get("/api/v1/projects/export", params={"format": "xlsx"}).status_code == 400


def test_region_summary(officer, analyst):
    before = analyst.get(f"/api/v1/regions/{REGION}/projects/summary").json()
    _register(officer)
    after = officer.get(f"/api/v1/regions/{REGION}/projects/summary")
    assert after.status_code == 200
    summary = after.json()
    assert summary["region_code"] == REGION
    assert summary["total"]["count"] == before["total"]["count"] + 1
    assert summary["by_stage"]["proposed"]["count"] == before["by_stage"]["proposed"]["count"] + 1
    from decimal import Decimal
    assert Decimal(summary["total"]["cost_kzt"]) - Decimal(before["total"]["cost_kzt"]) \
        == Decimal("12500000000.00")
    assert analyst.get("/api/v1/regions/KZ-99/projects/summary").status_code == 404
