"""The hub on the whole platform: events caused over HTTP in each service (investments, budgets,
personnel) move the scorecards; each automatic initiative rule fires once and resolves when its
cause goes away; SRS values, the reporting calendar, API keys and the OpenAPI document work as a
client sees them."""
import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.investments.application.demo_data import generate_projects
from services.personnel.domain.iin import first_valid_iin
from tests.support import wait_until
from tests.support.budgets import line

pytestmark = pytest.mark.e2e

TODAY = datetime.now(timezone.utc).date()
PERSONNEL = "/api/v1/personnel"


def ok(answer, status=200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


def scorecard(platform, region):
    return ok(platform.api("ministry_analyst").get(f"/api/v1/hub/scorecards/{region}"))


def initiatives(platform, **params):
    return ok(platform.api("office_coordinator").get(
        "/api/v1/hub/initiatives", params={"limit": 200, **params}))["items"]


# --- investments ----------------------------------------------------------------------------------

def _register_project(platform, region):
    body = {**generate_projects(1, seed=random.randrange(10**6))[0], "region_code": region,
            "agglomeration": None}
    officer = platform.api("regional_officer", region)
    return officer, ok(officer.post("/api/v1/projects", json=body), 201)


def _advance(officer, project, stage, **extra):
    return ok(officer.post(f"/api/v1/projects/{project['id']}/stage",
                           json={"stage": stage, "expected_version": project["version"],
                                 **extra}))


def test_project_events_move_the_region_scorecard(platform):
    region = "KZ-43"
    before = scorecard(platform, region)["projects"]
    officer, project = _register_project(platform, region)
    wait_until(lambda: scorecard(platform, region)["projects"]["total"] == before["total"] + 1,
               timeout=30, message="registered project in the scorecard")
    for stage in ("appraised", "approved"):
        project = _advance(officer, project, stage)
    card = wait_until(lambda: (lambda c: c if c["projects"]["by_stage"]["approved"]
                               == before["by_stage"]["approved"] + 1 else None)(
        scorecard(platform, region)), timeout=30, message="approved project in the scorecard")
    committed = card["projects"]["investment_committed_kzt"]
    assert float(committed) >= float(before["investment_committed_kzt"])
    assert card["projects"]["jobs_planned"] >= before["jobs_planned"] + project["jobs_planned"]


def test_stalled_project_rule_fires_once_and_resolves_when_the_project_moves(platform):
    officer, project = _register_project(platform, "KZ-55")

    def stalled():
        return [i for i in initiatives(platform, kind="project_stalled", region="KZ-55")
                if i["subject"]["project_id"] == project["id"]]

    wait_until(lambda: ok(platform.api("ministry_analyst").get(
        "/api/v1/hub/journal", params={"type": "project_registered", "region": "KZ-55"}))["total"],
        timeout=30, message="project in the hub")
    wait_until(lambda: scorecard(platform, "KZ-55")["projects"]["by_stage"]["proposed"] >= 1,
               timeout=30, message="project read model")
    admin = platform.api("admin")
    later = (TODAY + timedelta(days=200)).isoformat()
    first = ok(admin.post("/api/v1/hub/checks", json={"today": later}))
    assert first["stalled_projects"] >= 1
    assert len(stalled()) == 1 and stalled()[0]["status"] == "open"
    ok(admin.post("/api/v1/hub/checks", json={"today": later}))
    assert len(stalled()) == 1  # the same cause never opens two
    _advance(officer, project, "appraised")
    wait_until(lambda: stalled()[0]["status"] == "resolved", timeout=30,
               message="stalled initiative resolved by the stage change")


# --- budgets --------------------------------------------------------------------------------------

def test_budget_events_move_the_fiscal_scorecard_and_open_the_autonomy_initiative(platform):
    region, year = "KZ-62", 2029  # a region and year no other e2e test records lines for
    officer = platform.api("regional_officer", region, subject="officer-ulytau")
    recorded = officer.post("/api/v1/budgets/revenues", json={"lines": [
        line(region=region, year=year, code="101202", amount="180.00"),
        line(region=region, year=year, code="502103", amount="820.00")]})
    assert recorded.status_code == 200, recorded.text

    card = wait_until(lambda: (lambda c: c if c["fiscal"]["fiscal_year"] == year else None)(
        scorecard(platform, region)), timeout=30, message="fiscal figures in the scorecard")
    assert card["fiscal"]["own_revenue_share"] == "0.1800"
    assert card["fiscal"]["transfer_dependency"] == "0.8200"
    assert card["fiscal"]["own_revenue_kzt"] == "180.00"

    def autonomy():
        return [i for i in initiatives(platform, kind="autonomy_below_threshold", region=region)
                if i["subject"]["fiscal_year"] == year]

    [opened] = wait_until(autonomy, timeout=30, message="autonomy initiative")
    assert opened["responsible_body"].startswith("Akimat of Ulytau region")
    assert opened["subject"]["own_revenue_share"] == "0.1800"
    # the initiative names the budgets event that opened it: indicators_recalculated or
    # autonomy_below_threshold, whichever the hub took first (both carry the dependency)
    journal = [e for kind in ("indicators_recalculated", "autonomy_below_threshold")
               for e in ok(platform.api("ministry_analyst").get("/api/v1/hub/journal", params={
                   "type": kind, "region": region, "limit": 200}))["items"]]
    assert opened["event_ids"] and set(opened["event_ids"]) <= {e["event_id"] for e in journal}
    # a corrected line keeps the share below: indicators move, no second initiative
    corrected = officer.post("/api/v1/budgets/revenues", json={"lines": [
        line(region=region, year=year, code="502103", amount="900.00")]})
    assert corrected.status_code == 200, corrected.text
    wait_until(lambda: scorecard(platform, region)["fiscal"]["total_revenue_kzt"] == "1080.00",
               timeout=30, message="recalculated indicators")
    assert len(autonomy()) == 1


def test_reporting_calendar_and_overdue_report_rule(platform):
    region, year = "KZ-79", 2025
    admin = platform.api("admin")
    deadline_passed = "2026-04-02"
    ok(admin.post("/api/v1/hub/checks", json={"today": deadline_passed}))
    cause = f"annual_report_overdue:{region}:{year}"

    def overdue():
        return [i for i in initiatives(platform, kind="annual_report_overdue", region=region)
                if i["cause_key"] == cause]

    [opened] = overdue()
    assert opened["status"] == "open"
    ok(admin.post("/api/v1/hub/checks", json={"today": deadline_passed}))
    assert len(overdue()) == 1
    generated = platform.api("ministry_analyst").post(
        f"/api/v1/budgets/regions/{region}/reports/{year}")
    assert generated.status_code == 201, generated.text

    def calendar_entry():
        items = ok(platform.api("ministry_analyst").get(
            "/api/v1/hub/reporting-calendar", params={"year": year}))["items"]
        return next(i for i in items if i["region_code"] == region)

    # generated now, after 1 April 2026: shown, but generating is not submitting
    wait_until(lambda: calendar_entry()["first_generated_at"] is not None, timeout=30,
               message="generated report in the calendar")
    assert calendar_entry()["status"] == "overdue"
    assert overdue()[0]["status"] == "open"
    officer = platform.api("regional_officer", region)
    ok(officer.post(f"/api/v1/hub/concept-reports/{region}/{year}/draft"))
    ok(officer.post(f"/api/v1/hub/concept-reports/{region}/{year}/submit"))
    assert calendar_entry()["status"] == "submitted_late"
    assert overdue()[0]["status"] == "resolved"


# --- personnel ------------------------------------------------------------------------------------

def _created(answer):
    return ok(answer, 201)


def test_rotation_due_rule_fires_once_and_the_started_rotation_resolves_it(platform):
    region = "KZ-33"
    admin = platform.api("admin")
    hr = platform.api("hr_officer", region, subject="hr-jetisu")
    central = platform.api("hr_officer", None, subject="hr-centre")
    akimat = _created(admin.post(f"{PERSONNEL}/organisations", json={
        "name": f"Akimat of Jetisu region {uuid.uuid4().hex[:4]}", "kind": "regional",
        "region_code": region}))
    ministry = _created(admin.post(f"{PERSONNEL}/organisations", json={
        "name": f"Ministry {uuid.uuid4().hex[:4]}", "kind": "central", "region_code": None}))
    own = _created(admin.post(f"{PERSONNEL}/organisations/{akimat['org_id']}/positions", json={
        "title": "Head of Division", "corps": "B", "category": "D-3"}))
    target = _created(admin.post(f"{PERSONNEL}/organisations/{ministry['org_id']}/positions",
                                 json={"title": "Head of Division", "corps": "B",
                                       "category": "C-4"}))
    servant = _created(hr.post(f"{PERSONNEL}/civil-servants", json={
        "iin": first_valid_iin(date(1984, 5, 6), "male", random.randrange(10_000)),
        "full_name": "Seitkali Nurlan", "position_id": own["position_id"],
        "service_start": "2008-09-01", "post_start": "2018-03-01"}))
    ok(admin.post(f"{PERSONNEL}/due-rotations/scan", json={}))

    def due_initiatives():
        return [i for i in initiatives(platform, kind="rotation_due", region=region)
                if i["subject"]["servant_id"] == servant["servant_id"]]

    [opened] = wait_until(due_initiatives, timeout=30, message="rotation_due initiative")
    assert opened["status"] == "open"
    wait_until(lambda: scorecard(platform, region)["mobility"]["due_now"] >= 1, timeout=30,
               message="due rotation in the scorecard")
    ok(admin.post(f"{PERSONNEL}/due-rotations/scan", json={}))  # scanning again opens nothing
    clerk = platform.api("hr_officer", region, subject="hr-jetisu-clerk")  # the requester never approves
    rotation = _created(clerk.post(f"{PERSONNEL}/rotations", json={
        "servant_id": servant["servant_id"], "target_position_id": target["position_id"],
        "planned_start": (TODAY + timedelta(days=10)).isoformat(), "term_months": 12,
        "return_position_id": own["position_id"]}))
    url = f"{PERSONNEL}/rotations/{rotation['rotation_id']}"
    ok(hr.post(f"{url}/approve", json={}))
    ok(central.post(f"{url}/approve", json={"side": "receiving"}))
    ok(central.post(f"{url}/start", json={"start_date": (TODAY + timedelta(days=10)).isoformat()}))
    wait_until(lambda: due_initiatives()[0]["status"] == "resolved", timeout=30,
               message="rotation_due initiative resolved by the start")
    assert len(due_initiatives()) == 1
    card = wait_until(lambda: (lambda c: c if c["mobility"]["rotations_out"] >= 1 else None)(
        scorecard(platform, region)), timeout=30, message="rotation out in the scorecard")
    assert card["mobility"]["rotations_out"] >= 1


# --- SRS, API keys, documents ---------------------------------------------------------------------

def test_srs_values_beside_the_2030_targets(platform):
    coordinator = platform.api("office_coordinator")
    ok(coordinator.put("/api/v1/hub/regions/KZ-47/srs", json={
        "cities_pct": "71.3", "rural_pct": "58.0", "rural_population_pct": "62.5",
        "source": "Concept 2025-2030, 2025 baseline", "as_of": "2025-12-31"}))
    targets = {t["indicator"]: t for t in scorecard(platform, "KZ-47")["srs"]["targets_2030"]}
    assert targets["cities_pct"]["gap_pct"] == "24.7"
    assert targets["rural_pct"]["target_pct"] == "71"
    assert targets["rural_population_pct"]["comparison"] == "more_than"
    national = ok(platform.api("ministry_analyst").get("/api/v1/hub/scorecards"))
    assert national["rollup"]["scope"] == "national" and len(national["items"]) == 20
    assert national["rollup"]["srs_2030"]["cities_pct"]["regions_recorded"] >= 1


def test_machine_client_with_an_api_key_and_its_revocation(platform):
    admin = platform.api("admin")
    since = datetime.now(timezone.utc).isoformat()
    key = ok(admin.post("/api/v1/admin/api-keys", json={"role": "ministry_analyst",
                                                        "label": "e2e feed"}), 201)
    machine = platform.api(None)
    machine.headers["X-API-Key"] = key["api_key"]
    assert machine.get("/api/v1/hub/scorecards").status_code == 200
    ok(admin.delete(f"/api/v1/admin/api-keys/{key['key_id']}"))
    refused = machine.get("/api/v1/hub/scorecards")
    assert refused.status_code == 401 and refused.json()["details"]["reason"] == "revoked"
    audit = admin.get("/api/v1/admin/audit", params={
        "outcome": "unauthenticated", "path_prefix": "/api/v1/hub/scorecards", "since": since})
    assert ok(audit)["items"] and key["api_key"] not in audit.text
    revocation = ok(admin.get("/api/v1/admin/audit", params={
        "path_prefix": f"/api/v1/admin/api-keys/{key['key_id']}", "since": since}))
    assert [(i["method"], i["outcome"]) for i in revocation["items"]] == [("DELETE", "ok")]


def test_openapi_document_and_docs_page(platform):
    anonymous = platform.api(None)
    document = ok(anonymous.get("/openapi.json"))
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/hub/initiatives", "/api/v1/projects", "/api/v1/admin/audit"):
        assert path in document["paths"]
    page = anonymous.get("/docs")
    assert page.status_code == 200 and "/api/v1/hub/reporting-calendar" in page.text
