"""Local budget revenue over HTTP on the whole platform: a regional officer records lines and reads
the indicators of their region, another region's officer is refused (403), a commissioned project
from the investments service widens the forecast, and the facts reach the hub journal.

The platform (one per test session) is shared: each test uses a region and year of its own.
"""
import uuid

import pytest

from tests.support import wait_until
from tests.support.budgets import csv_text, line, project_commissioned, publish_investments_event

pytestmark = pytest.mark.e2e

REGION = "KZ-43"  # Kyzylorda region
OTHER_REGION = "KZ-31"


@pytest.fixture(scope="module")
def officer(platform):
    return platform.api("regional_officer", REGION, subject="officer-kyzylorda")


@pytest.fixture(scope="module")
def other_officer(platform):
    return platform.api("regional_officer", OTHER_REGION, subject="officer-zhambyl")


@pytest.fixture(scope="module")
def analyst(platform):
    return platform.api("ministry_analyst")


def _journal(analyst, event_type: str, region: str) -> list[dict]:
    items = analyst.get("/api/v1/hub/journal",
                        params={"type": event_type, "region": region, "limit": 200}).json()
    return items["items"]


def test_officer_records_lines_and_reads_indicators_of_their_region(officer, other_officer,
                                                                     analyst):
    lines = [line(region=REGION, year=2027, code="101202", amount="400.00"),
             line(region=REGION, year=2027, code="502103", amount="600.00"),
             line(region=REGION, year=2027, code="101202", phase="approved", amount="500.00")]
    recorded = officer.post("/api/v1/budgets/revenues", json={"lines": lines})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["lines_inserted"] == 3

    indicators = officer.get(f"/api/v1/budgets/regions/{REGION}/indicators/2027")
    assert indicators.status_code == 200, indicators.text
    body = indicators.json()
    assert (body["own_revenue_kzt"], body["transfers_received_kzt"]) == ("400.00", "600.00")
    assert body["own_revenue_share"] == "0.4000" and body["execution_rate"] == "2.0000"

    refused = other_officer.get(f"/api/v1/budgets/regions/{REGION}/indicators/2027")
    assert refused.status_code == 403
    assert other_officer.post("/api/v1/budgets/revenues", json={"lines": lines}).status_code == 403
    listed = other_officer.get("/api/v1/budgets/revenues", params={"fiscal_year": 2027}).json()
    assert all(item["region_code"] == OTHER_REGION for item in listed["items"])

    below = wait_until(lambda: _journal(analyst, "autonomy_below_threshold", REGION),
                       timeout=30, message="autonomy alert in the hub journal")
    assert below[0]["payload"]["fiscal_year"] == 2027


def test_bad_input_and_limit_breach_answers(officer):
    bad = officer.post("/api/v1/budgets/revenues", json=line(region=REGION, code="109999",
                                                             amount="-1"))
    assert bad.status_code == 400 and {"ebk_code", "amount_kzt"} <= set(bad.json()["details"])
    block = {"spending_body": f"E2E body {uuid.uuid4().hex[:6]}", "region_code": REGION,
             "fiscal_year": 2027, "limit_kzt": "100.00",
             "lines": [{"line_id": "a", "allocated_kzt": "100.00"}, {"line_id": "b"}]}
    created = officer.post("/api/v1/budgets/blocks", json=block)
    assert created.status_code == 201, created.text
    block_id = created.json()["block_id"]
    over = officer.post(f"/api/v1/budgets/blocks/{block_id}/allocations",
                        json={"line_id": "b", "allocated_kzt": "1.00"})
    assert over.status_code == 409 and over.json()["details"]["excess_kzt"] == "1.00"


def test_import_and_commissioned_project_reach_the_budgets(platform, officer, analyst):
    text = csv_text([line(region=REGION, year=2028, period=f"M{m:02d}", amount="10.00")
                     for m in range(1, 13)], [f"{REGION},oblast,,2028,M13,101202,executed,1"])
    started = officer.post("/api/v1/budgets/imports/csv", params={"mode": "partial"},
                           data=text.encode("utf-8"))
    assert started.status_code == 202, started.text
    import_id = started.json()["import_id"]
    status = wait_until(lambda: (lambda s: s if s["done"] else None)(
        officer.get(f"/api/v1/budgets/imports/{import_id}").json()), timeout=60,
        message="import finished")
    assert (status["lines_inserted"], status["rows_rejected"]) == (12, 1)
    assert status["errors"][0]["row"] == 14

    project_id = str(uuid.uuid4())
    publish_investments_event(platform.env["AMQP_URI"],
                              project_commissioned(project_id, region=REGION, annual="1000.00"))
    def contribution():
        forecast = officer.get(f"/api/v1/budgets/regions/{REGION}/forecast").json()
        return next((c for c in forecast["contributions"] if c["project_id"] == project_id),
                    None)

    counted = wait_until(contribution, timeout=30, message="forecast widened")
    assert counted["annual_kzt"] == "1000.00" and counted["years"] == [2027, 2028, 2029, 2030]
    assert wait_until(lambda: _journal(analyst, "forecast_updated", REGION), timeout=30,
                      message="forecast event in the hub journal")
