"""A central executive body's own 1 April report inside the running gateway: a ministry's officer
(a token naming the body) drafts and submits the report on the body's Action Plan measures, the
Ministry of National Economy acknowledges it; every other body, region and role is held to the
policy matrix; each step is an event in the hub's journal."""
import pytest

from tests.support import wait_until
from tests.support.gateway_harness import (
    Client,
    gateway,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.integration

URL = "/api/v1/hub/central-reports/MF/2025"


def central_measure(measure_id, body, deadline="2025-06-30"):
    return {"measure_id": measure_id, "title": f"Measure {measure_id}",
            "direction": "institutions", "level": "central", "responsible_body": body,
            "region_code": None, "deadline": deadline,
            "completion_form": "information_to_government", "reference": "protocol 7"}


def officer_of(gateway, body, subject=None):
    token = gateway.token("central_officer", None, subject or f"officer-{body}", body=body)
    return Client(gateway.base_url, {"Authorization": f"Bearer {token}"})


def test_a_ministry_drafts_submits_and_the_mne_acknowledges(gateway):
    coordinator = gateway.api("office_coordinator")
    for body in (central_measure("MF-1", "Ministry of Finance"),
                 central_measure("MF-2", "Ministry of Finance", "2026-06-30"),
                 central_measure("MIC-1", "Ministry of Industry and Construction")):
        assert coordinator.post("/api/v1/hub/action-plan/measures", json=body).status_code == 201
    finance, industry = officer_of(gateway, "MF"), officer_of(gateway, "MIC")
    # the 2025 deadline (1 April 2026) has passed: the checks open one initiative per late body
    checks = coordinator.post("/api/v1/hub/action-plan/checks").json()
    assert checks["overdue_central_reports"] == 2                      # MF and MIC, 2025
    late = coordinator.get("/api/v1/hub/initiatives", params={
        "kind": "annual_report_overdue"}).json()["items"]
    assert {i["responsible_body"] for i in late} >= {"Ministry of Finance",
                                                     "Ministry of Industry and Construction"}

    assert finance.post(f"{URL}/submit").status_code == 404             # nothing drafted yet
    assert industry.post(f"{URL}/draft").status_code == 403             # another body's report
    assert gateway.api("regional_officer", "KZ-35").post(f"{URL}/draft").status_code == 403
    assert gateway.api("ministry_analyst").post(f"{URL}/draft").status_code == 403
    # an unknown body: not found for a role that may write any body's report
    assert coordinator.post("/api/v1/hub/central-reports/XX/2025/draft").status_code == 404

    drafted = finance.post(f"{URL}/draft")
    assert drafted.status_code == 200, drafted.text
    report = drafted.json()
    assert (report["body_code"], report["status"], report["drafted_by"]) == (
        "MF", "drafted", "officer-MF")
    plan = report["content"]["action_plan"]
    assert [m["measure_id"] for m in plan["measures"]] == ["MF-1", "MF-2"]
    assert plan["measures"][0]["source"]["reference"] == "protocol 7"
    assert plan["summary"]["due_by_year_end"] == 1
    assert report["content"]["submitted_to"] == "Ministry of National Economy"

    analyst = gateway.api("ministry_analyst")
    early = analyst.post(f"{URL}/acknowledge")
    assert early.status_code == 409 and early.json()["details"]["rule"] == "report_transition"
    assert industry.post(f"{URL}/submit").status_code == 403
    submitted = finance.post(f"{URL}/submit", json={"comment": "signed by the minister"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submitted_by"] == "officer-MF"
    resolved = coordinator.get("/api/v1/hub/initiatives", params={
        "kind": "annual_report_overdue", "status": "resolved"}).json()["items"]
    assert [i["responsible_body"] for i in resolved] == ["Ministry of Finance"]
    frozen = finance.post(f"{URL}/draft")
    assert frozen.status_code == 409 and frozen.json()["details"]["rule"] == "report_frozen"
    assert finance.post(f"{URL}/acknowledge").status_code == 403        # a body does not
    acknowledged = analyst.post(f"{URL}/acknowledge", json={"comment": "received"})
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_by"] == "ministry_analyst-all"

    # reading: the body its own, the Ministry and the Office every body, a region none
    assert finance.get(URL).json()["status"] == "acknowledged"
    assert industry.get(URL).status_code == 403
    assert gateway.api("regional_officer", "KZ-35").get(URL).status_code == 403
    assert [r["body_code"] for r in analyst.get("/api/v1/hub/central-reports/2025")
            .json()["items"]] == ["MF"]
    assert industry.get("/api/v1/hub/central-reports/2025").json()["items"] == []
    assert finance.get("/api/v1/hub/central-reports/2025").json()["items"][0]["status"] == (
        "acknowledged")

    wait_until(lambda: {"central_report_drafted", "central_report_submitted",
                        "central_report_acknowledged"} <= {
        e["event_type"] for e in coordinator.get(
            "/api/v1/hub/journal", params={"source": "gateway", "limit": 200}).json()["items"]},
        timeout=20, message="the report's events in the journal")


def test_a_central_officer_reaches_no_region(gateway):
    finance = officer_of(gateway, "MF")
    assert finance.get("/api/v1/hub/concept-reports/KZ-35/2025").status_code == 403
    assert finance.post("/api/v1/hub/concept-reports/KZ-35/2025/draft").status_code == 403
    assert finance.get("/api/v1/hub/action-plan/measures").status_code == 403
    bad_year = finance.post("/api/v1/hub/central-reports/MF/2019/draft")
    assert bad_year.status_code == 400 and "year" in bad_year.json()["details"]


def test_a_central_officers_api_key_reaches_its_own_body_only(gateway):
    admin = gateway.api("admin", subject="admin-keys")
    refused = admin.post("/api/v1/admin/api-keys",
                         json={"role": "central_officer", "label": "no body"})
    assert refused.status_code == 400 and "body" in refused.json()["details"]
    created = admin.post("/api/v1/admin/api-keys",
                         json={"role": "central_officer", "body": "MF", "label": "MF reporting"})
    assert created.status_code == 201, created.text
    assert created.json()["body"] == "MF"
    machine = Client(gateway.base_url, {"X-API-Key": created.json()["api_key"]})
    drafted = machine.post("/api/v1/hub/central-reports/MF/2026/draft")
    assert drafted.status_code == 200, drafted.text
    assert (drafted.json()["body_code"], drafted.json()["drafted_by"]) == ("MF", "admin-keys")
    assert machine.post("/api/v1/hub/central-reports/MIC/2026/draft").status_code == 403
