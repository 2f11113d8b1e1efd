"""Agglomeration and mono-town scorecards inside the running gateway: register units imported
from a classifier file, projects from events, the transport access recorded by hand, region scope."""
import uuid

import pytest

from tests.support.gateway_harness import gateway  # noqa: F401  (fixture)
from tests.support.hub_events import envelope, project_event, project_snapshot

pytestmark = pytest.mark.integration

HOME, ELSEWHERE = "KZ-35", "KZ-10"
HEADER = ("te,ab,cd,ef,hij,k,kaz_name,rus_name,nn,kind,urban_population,rural_population,"
          "population_year,population_source,flags,agglomeration")
REGISTER = "\n".join([
    HEADER,
    "351810000,35,18,10,000,3,Саран қ.,Сарань,1,town,47000,0,2025,test,mono_town,karaganda",
    "351010000,35,10,10,000,3,Қарағанды,Караганда,1,town,500000,0,2025,test,growth_centre,"
    "karaganda",
    "352430100,35,24,30,100,4,Қарабас,Карабас,1,village,0,4200,2025,test,,",
]) + "\n"


def test_scorecards_of_agglomerations_and_mono_towns(gateway):
    coordinator = gateway.api("office_coordinator")
    imported = coordinator.post("/api/v1/hub/settlements/imports",
                                params={"file_name": "kato-test.csv"},
                                data=REGISTER.encode("utf-8"),
                                headers={"Content-Type": "text/csv"})
    assert imported.status_code == 201, imported.text
    anchor, other = str(uuid.uuid4()), str(uuid.uuid4())
    gateway.publish(
        envelope(*project_event("project_registered", project_snapshot(
            anchor, cost="3000.00", jobs_planned=40, agglomeration="karaganda",
            district="Сарань"))),
        envelope(*project_event("project_registered", project_snapshot(
            other, cost="1000.00", jobs_planned=5, sector="tourism",
            agglomeration="karaganda", district="Караганда"))))
    gateway.wait_handled()

    card = coordinator.get("/api/v1/hub/agglomerations/karaganda")
    assert card.status_code == 200, card.text
    body = card.json()
    assert body["projects"]["projects"] == 2 and body["projects"]["jobs_planned"] == 45
    assert body["projects"]["diversification_index"] == "0.3750"
    assert body["register"]["units"] == 2 and body["register"]["population"] == 547000
    assert body["members"] and all(m["source"] for m in body["members"])
    assert coordinator.get("/api/v1/hub/agglomerations/atlantis").status_code == 404
    officer_elsewhere = gateway.api("regional_officer", ELSEWHERE)
    assert officer_elsewhere.get("/api/v1/hub/agglomerations/karaganda").status_code == 403
    assert [a["code"] for a in gateway.api("regional_officer", HOME).get(
        "/api/v1/hub/agglomerations").json()["items"]] == ["karaganda"]

    town = coordinator.get("/api/v1/hub/mono-towns/351810000").json()
    assert [a["project_id"] for a in town["anchor_projects"]] == [anchor]
    assert town["transport_access"]["recorded"] is False
    assert [g["kato"] for g in town["transport_access"]["growth_centres_in_region"]] == [
        "351010000"]
    url = "/api/v1/hub/mono-towns/351810000/transport-access"
    access = {"growth_centre_kato": "351010000", "distance_km": "25.0",
              "travel_time_minutes": 30, "road_surface": "paved_all_season",
              "reference": "road register 2025"}
    bad = coordinator.put(url, json={**access, "growth_centre_kato": "352430100"})
    assert bad.status_code == 400 and "growth_centre_kato" in bad.json()["details"]
    assert coordinator.put(url, json={**access, "distance_km": "-1"}).status_code == 400
    recorded = coordinator.put(url, json=access)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["source"]["by"] == "office_coordinator-all"
    town = coordinator.get("/api/v1/hub/mono-towns/351810000").json()
    assert town["transport_access"]["distance_km"] == "25.0"
    assert town["transport_access"]["recorded"] is True
    assert officer_elsewhere.get("/api/v1/hub/mono-towns/351810000").status_code == 403
    assert coordinator.get("/api/v1/hub/mono-towns/352430100").status_code == 404
    assert coordinator.get("/api/v1/hub/mono-towns/12").status_code == 400
    listed = coordinator.get("/api/v1/hub/mono-towns", params={"region": HOME}).json()
    assert [t["kato"] for t in listed["items"]] == ["351810000"]


def test_the_classifier_imports_from_an_xlsx_workbook_with_the_same_report(gateway):
    from tests.support.xlsx import workbook
    rows = [line.split(",") for line in REGISTER.strip().split("\n")]
    header, body = rows[0], [[int(v) if v.isdigit() and i in (0, 5, 8, 10, 11, 12) else v
                              for i, v in enumerate(r)] for r in rows[1:]]
    bad = [352430200, "35", "24", "30", "200", 4, "x", "", 1, "village", 0, 10, 2025, "test"]
    shared = sorted({v for r in [header, *body, bad] for v in r if isinstance(v, str)})
    data = workbook([header, *body, bad], shared)
    coordinator = gateway.api("office_coordinator")
    imported = coordinator.post("/api/v1/hub/settlements/imports",
                                params={"file_name": "kato-2025.xlsx"}, data=data,
                                headers={"Content-Type": "application/octet-stream"})
    assert imported.status_code == 201, imported.text
    report = imported.json()
    assert report["file_name"] == "kato-2025.xlsx"
    assert report["rows_processed"] == 4 and report["rows_rejected"] == 1
    assert report["errors"][0]["row"] == 5 and report["errors"][0]["field"] == "rus_name"
    unit = coordinator.get("/api/v1/hub/settlements/351810000").json()
    assert unit["name_ru"] == "Сарань" and unit["source"]["file_name"] == "kato-2025.xlsx"
    broken = coordinator.post("/api/v1/hub/settlements/imports",
                              params={"file_name": "broken.xlsx"}, data=b"te,ab\n1,2\n")
    assert broken.status_code == 400 and "file" in broken.json()["details"]
