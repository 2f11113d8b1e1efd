"""The foundation slice over HTTP: health, reference data, authentication, one event end to end."""
import pytest

from services.investments.application.demo_data import generate_projects
from tests.support import wait_until

pytestmark = pytest.mark.e2e


def test_health_is_green_with_every_component(platform):
    answer = platform.api(None).get("/health")
    assert answer.status_code == 200
    components = answer.json()["components"]
    assert set(components) == {"investments", "budgets", "personnel", "rabbitmq", "store"}
    assert all(c["status"] == "up" for c in components.values())


def test_metrics_are_exposed_with_entrypoint_counters(platform):
    platform.api(None).get("/health")
    text = platform.api(None).get("/metrics").text
    assert "platform_entrypoint_calls_total" in text
    assert 'entrypoint="health"' in text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"},
                                     {"Authorization": "Basic Z3Vlc3Q6Z3Vlc3Q="}])
def test_api_needs_a_valid_credential(platform, headers):
    answer = platform.api(None).get("/api/v1/regions", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthenticated"


def test_regions_reference_data(platform):
    api = platform.api("ministry_analyst")
    regions = api.get("/api/v1/regions").json()
    assert regions["total"] == 20
    assert {r["code"] for r in regions["items"]} >= {"KZ-10", "KZ-62", "KZ-71", "KZ-75", "KZ-79"}
    almaty_region = api.get("/api/v1/regions/KZ-19").json()
    assert almaty_region["centre"] == "Konaev" and almaty_region["agglomerations"] == ["almaty"]
    missing = api.get("/api/v1/regions/KZ-99")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "no region with code KZ-99",
                              "details": {"code": "KZ-99"}}


def test_registered_project_reaches_the_hub_journal(platform):
    body = generate_projects(1, seed=4242)[0]
    officer = platform.api("regional_officer", body["region_code"])
    created = officer.post("/api/v1/projects", json=body)
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    analyst = platform.api("ministry_analyst")

    def journal_entry():
        items = analyst.get("/api/v1/hub/journal", params={"type": "project_registered"}).json()["items"]
        return [i for i in items if i["payload"]["project_id"] == project_id]

    entries = wait_until(journal_entry, timeout=30, message="project_registered in the journal")
    assert len(entries) == 1
    assert entries[0]["source"] == "investments"
    assert entries[0]["region_code"] == body["region_code"]
    assert entries[0]["correlation_id"] == created.headers["X-Correlation-Id"]
