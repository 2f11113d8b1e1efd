"""The 1 April report inside the running gateway: assembled from the hub's read models (events
published on the bus), the workflow with who and when and region scope, the overdue initiative
resolved by the submission (not by generation), and the OFDP zip of the fiscal part."""
import io
import json
import uuid
import zipfile

import pytest

from tests.support.gateway_harness import gateway  # noqa: F401  (fixture)
from tests.support.hub_events import envelope, indicators_payload, project_event, project_snapshot

pytestmark = pytest.mark.integration

HOME, ELSEWHERE = "KZ-35", "KZ-10"
URL = f"/api/v1/hub/concept-reports/{HOME}/2025"


def test_draft_submit_acknowledge_and_export(gateway):
    pid = str(uuid.uuid4())
    gateway.publish(
        envelope(*project_event("project_registered", project_snapshot(
            pid, cost="2000.00", jobs_planned=50, agglomeration="karaganda"))),
        envelope("indicators_recalculated", indicators_payload(HOME, 2025, "250.00", "750.00",
                                                               period="Y")))
    gateway.wait_handled()
    officer = gateway.api("regional_officer", HOME)
    assert officer.post(f"{URL}/submit").status_code == 404          # nothing drafted yet
    assert gateway.api("regional_officer", ELSEWHERE).post(f"{URL}/draft").status_code == 403
    drafted = officer.post(f"{URL}/draft")
    assert drafted.status_code == 200, drafted.text
    report = drafted.json()
    assert (report["status"], report["revision"]) == ("drafted", 1)
    assert report["drafted_by"] == f"regional_officer-{HOME}" and report["submitted_at"] is None
    content = report["content"]
    economy = content["economic_potential"]
    assert economy["investments"]["jobs_planned"] == 50
    assert economy["sectors"]["by_sector"]["manufacturing"]["cost_kzt"] == "2000.00"
    assert [a["code"] for a in economy["agglomerations"]] == ["karaganda"]
    assert economy["agglomerations"][0]["projects"] == 1
    fiscal = content["institutions"]["fiscal"]
    assert fiscal["own_revenue_kzt"] == "250.00" and fiscal["source"]["event_id"]
    assert content["institutions"]["trajectory"]["off_track"] is True
    assert content["institutions"]["block_budget"]["available"] is False  # budgets not running
    for section in ("infrastructure_srs", "economic_potential", "action_plan"):
        assert content[section]["source"]["kind"]
    assert {a["key"] for a in content["assumptions"]} == {"dependency_trajectory",
                                                          "report_deadline"}

    assert officer.post(f"{URL}/draft").json()["revision"] == 2
    analyst = gateway.api("ministry_analyst")
    early = analyst.post(f"{URL}/acknowledge")
    assert early.status_code == 409 and early.json()["details"]["rule"] == "report_transition"
    assert analyst.post(f"{URL}/submit").status_code == 403            # the Ministry does not submit
    submitted = officer.post(f"{URL}/submit", json={"comment": "signed by the akim"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submitted_by"] == f"regional_officer-{HOME}"
    assert submitted.json()["submitted_on_time"] in (True, False)
    from services.gateway.hub.gauges_repository import GaugeCounts
    assert GaugeCounts(gateway.db).submitted_regions(2025) == {HOME}  # the gauge counts this
    frozen = officer.post(f"{URL}/draft")
    assert frozen.status_code == 409 and frozen.json()["details"]["rule"] == "report_frozen"
    assert officer.post(f"{URL}/acknowledge").status_code == 403
    acknowledged = analyst.post(f"{URL}/acknowledge", json={"comment": "received"})
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == "ministry_analyst-all"

    listing = gateway.api("regional_officer", ELSEWHERE).get("/api/v1/hub/concept-reports/2025")
    assert listing.json()["items"] == []
    assert [r["status"] for r in analyst.get("/api/v1/hub/concept-reports/2025").json()[
        "items"]] == ["acknowledged"]

    exported = analyst.get(f"{URL}/ofdp.zip")
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["profile"] == "fiscal-data-package"
    rows = archive.read("data/fiscal-indicators.csv").decode().splitlines()
    assert rows[1].startswith(f"{HOME},2025,Y,250.00,750.00,1000.00")
